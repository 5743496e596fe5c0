"""Runs with results in storage (tilegrid.workflow.stored): render jobs judged by their
shards' digests, and no run without Snakemake's records; the runs through a real S3
server are in tests/table/test_remote.py."""

from __future__ import annotations

import json
import os
from types import SimpleNamespace

import pytest
from tilegrid.workflow.startup import StartError
from tilegrid.workflow.stored import StoredTiles, missing_records, stored


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _digests(path, **files) -> str:
    path.write_text(json.dumps({name.replace("_", "."): d for name, d in files.items()}))
    return str(path)


def test_where_time_decides_there_is_no_content(here):
    def never():
        raise AssertionError("the digests are not read")

    for in_storage, planning in [(False, True), (True, False), (False, False)]:
        assert StoredTiles(in_storage, planning, never).content("r0-c0") is None


def test_the_content_parameter_exists_only_where_it_is_judged(here):
    # a function parameter costs each render job a call: none where time decides
    path = _digests(here / "digests.json", a_arrow="1", a_json="2")
    assert StoredTiles(False, True, lambda: path).params() == {}
    [content] = StoredTiles(True, True, lambda: path).params().values()
    assert content(SimpleNamespace(tile="a")) == ["1", "2"]


def test_a_tile_has_its_shards_and_sidecars_digests(here):
    path = _digests(here / "digests.json", a_arrow="1", a_json="2", b_arrow="3", b_json="4")
    tiles = StoredTiles(True, True, lambda: path)
    assert tiles.content("a") == ["1", "2"]
    assert tiles.content("b") == ["3", "4"]
    assert tiles.content("c") == [None, None]  # no such tile: nothing to match
    # the next split's digests (a new version of the file) are read again
    _digests(here / "digests.json", a_arrow="5", a_json="2", b_arrow="3", b_json="4")
    later = os.stat(path).st_mtime_ns + 10**9
    os.utime(path, ns=(later, later))
    assert tiles.content("a") == ["5", "2"]


def test_a_missing_digests_file_is_an_error_not_a_silent_match(here):
    tiles = StoredTiles(True, True, lambda: str(here / "digests.json"))
    with pytest.raises(OSError):
        tiles.content("a")


def test_stored_results_without_snakemakes_records_stop_the_run_unless_all_is_made_again(here):
    asked = []

    def stored() -> bool:
        asked.append(True)
        return True

    line = missing_records(stored, "s3://bucket/run", forced=False)
    assert line.startswith("results are stored under s3://bucket/run, but Snakemake holds no")
    assert "--forceall" in line and "\n" not in line
    assert missing_records(stored, "s3://bucket/run", forced=True) is None
    assert missing_records(lambda: False, "s3://bucket/run", forced=False) is None  # a first run
    (here / ".snakemake" / "metadata").mkdir(parents=True)
    assert missing_records(stored, "s3://bucket/run", forced=False) is not None  # empty
    (here / ".snakemake" / "metadata" / "cmVzdWx0cw==").write_text("{}")
    asked.clear()
    assert missing_records(stored, "s3://bucket/run", forced=False) is None
    assert not asked  # with records, storage is not asked


def test_a_refusal_from_storage_is_one_line_naming_the_object():
    class Refusing:
        def object(self, query):
            raise RuntimeError("An error occurred (403) when calling HeadObject: Forbidden\nmore")

    with pytest.raises(StartError) as caught:
        stored(Refusing(), "s3://bucket/run/results/shards/manifest.json")
    assert str(caught.value) == (
        "cannot check s3://bucket/run/results/shards/manifest.json in storage: "
        "An error occurred (403) when calling HeadObject: Forbidden"
    )
