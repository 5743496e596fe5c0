"""Render jobs whose shards live in storage are judged by the shards' digests
(tilegrid.workflow.stored); the run through a real S3 server is in
tests/table/test_remote.py."""

from __future__ import annotations

import json
import os

import pytest
from tilegrid.workflow.stored import StoredTiles


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _digests(path, **files) -> str:
    path.write_text(json.dumps({name.replace("_", "."): d for name, d in files.items()}))
    return str(path)


def test_where_time_decides_there_is_no_content_and_no_stamp(here):
    def never():
        raise AssertionError("the digests are not read")

    for stored, planning in [(False, True), (True, False), (False, False)]:
        tiles = StoredTiles(stored, planning, never)
        assert tiles.content("r0-c0") is None
        assert tiles.stamp("results/tiles/r0-c0.png", "r0-c0") == []
    assert not (here / ".snakemake").exists()


def test_a_tile_has_its_shards_and_sidecars_digests(here):
    path = _digests(here / "digests.json", a_arrow="1", a_json="2", b_arrow="3", b_json="4")
    tiles = StoredTiles(True, True, lambda: path)
    assert tiles.content("a") == ["1", "2"]
    assert tiles.content("b") == ["3", "4"]
    assert tiles.content("c") == [None, None]  # no such tile: nothing to match


def test_the_stamp_moves_exactly_when_the_tiles_digests_do(here):
    path = _digests(here / "digests.json", a_arrow="1", a_json="2", b_arrow="3", b_json="4")
    tiles = StoredTiles(True, True, lambda: path)
    [a] = tiles.stamp("results/tiles/a.png", "a")
    [b] = tiles.stamp("results/tiles/b.png", "b")
    assert a != b and a.startswith(os.path.join(".snakemake", "tilegrid"))
    old = 1_600_000_000_000_000_000
    for stamp in (a, b):
        os.utime(stamp, ns=(old, old))
    # the next split: a's shard changed, b's did not (a new version of the file)
    _digests(here / "digests.json", a_arrow="5", a_json="2", b_arrow="3", b_json="4")
    os.utime(path, ns=(old + 10**9, old + 10**9))
    assert tiles.stamp("results/tiles/a.png", "a") == [a]
    assert tiles.stamp("results/tiles/b.png", "b") == [b]
    assert os.stat(a).st_mtime_ns > old
    assert os.stat(b).st_mtime_ns == old
    # the print tile of the same shard has its own stamp
    [printed] = tiles.stamp("results/tiles/print/a.png", "a")
    assert printed != a


def test_a_missing_digests_file_is_an_error_not_a_silent_match(here):
    tiles = StoredTiles(True, True, lambda: str(here / "digests.json"))
    with pytest.raises(OSError):
        tiles.content("a")
