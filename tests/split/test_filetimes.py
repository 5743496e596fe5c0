"""Files the split writes again with the same bytes keep their time (tilegrid.split.filetimes),
so a tile is drawn again exactly when its shard's or sidecar's bytes changed, for
shards of any size, without Snakemake's checksums (they stop at 1 MB)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SMALL_CONFIG
from tilegrid.core.manifest import DIGESTS, read_digests
from tilegrid.split.filetimes import RECORD_DIR, keep_times, record_path

# alongside (conftest.py): runs in another process next to the others; nothing timed
pytestmark = pytest.mark.alongside

# ---------------------------------------------------------------- the record, in a folder


def _write(path, data: bytes, mtime_ns: int | None = None) -> None:
    path.write_bytes(data)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))


@pytest.fixture
def here(tmp_path, monkeypatch):
    """A working directory whose ``out`` folder a split writes."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    return tmp_path / "out"


OLD = 1_600_000_000_123_456_789  # a time in 2020, in ns


def _record(path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)["files"]


def test_a_file_written_again_with_the_same_bytes_gets_its_time_back(here):
    _write(here / "a.arrow", b"rows of a", OLD)
    _write(here / "b.arrow", b"rows of b", OLD)
    assert keep_times("out") == 0  # no record yet: times as they are
    _write(here / "a.arrow", b"rows of a")  # the next split: a's bytes again
    _write(here / "b.arrow", b"rows of B")  # b's changed, same size
    _write(here / "c.arrow", b"rows of c")  # a new tile
    assert keep_times("out") == 1
    assert (here / "a.arrow").stat().st_mtime_ns == OLD
    assert (here / "b.arrow").stat().st_mtime_ns > OLD
    assert (here / "c.arrow").stat().st_mtime_ns > OLD


def test_bytes_that_came_back_after_a_change_keep_the_time_of_the_change(here):
    """The record holds the last split's time: a file changed in between keeps the
    time of that change, so a tile not yet drawn from it is still drawn."""
    _write(here / "a.arrow", b"first", OLD)
    keep_times("out")
    _write(here / "a.arrow", b"other", OLD + 10**9)  # a split whose tile was never drawn
    keep_times("out")
    _write(here / "a.arrow", b"other")  # the same bytes once more
    keep_times("out")
    assert (here / "a.arrow").stat().st_mtime_ns == OLD + 10**9


def test_a_damaged_or_missing_record_keeps_no_time_and_is_written_anew(here):
    _write(here / "a.arrow", b"rows", OLD)
    keep_times("out")
    record = record_path("out")
    for damage in ("{not json", json.dumps({"version": 0, "files": {}}), None):
        if damage is None:
            os.remove(record)
        else:
            with open(record, "w") as handle:
                handle.write(damage)
        _write(here / "a.arrow", b"rows")
        assert keep_times("out") == 0
        assert (here / "a.arrow").stat().st_mtime_ns > OLD
        assert _record(record)["a.arrow"][0] == 4


def test_the_record_is_kept_with_snakemakes_metadata_one_per_folder(here):
    assert record_path("out") == record_path("./out/")
    assert record_path("out") != record_path("prefix/out")
    assert os.path.dirname(record_path("out")) == os.path.join(".snakemake", "tilegrid")
    _write(here / ".snakemake_timestamp", b"")
    _write(here / "a.arrow", b"rows")
    keep_times("out")
    assert list(_record(record_path("out"))) == ["a.arrow"]
    assert sorted(os.listdir(here)) == [".snakemake_timestamp", "a.arrow", DIGESTS]


def test_the_folder_holds_its_files_digests_and_no_time(here):
    # read where the folder travels through storage (tilegrid.workflow.stored)
    _write(here / "a.arrow", b"rows of a", OLD)
    _write(here / "a.json", b"{}", OLD)
    keep_times("out")
    digests = read_digests(str(here / DIGESTS))
    assert digests == {
        "a.arrow": hashlib.sha256(b"rows of a").hexdigest(),
        "a.json": hashlib.sha256(b"{}").hexdigest(),
    }
    _write(here / "a.arrow", b"rows of A")  # the next split
    keep_times("out")  # the digests file itself is no file of the record
    assert list(_record(record_path("out"))) == ["a.arrow", "a.json"]
    assert read_digests(str(here / DIGESTS))["a.arrow"] == hashlib.sha256(b"rows of A").hexdigest()


# ---------------------------------------------------------------- the real workflow

CELLS = [("north", "spring"), ("north", "summer"), ("south", "spring"), ("south", "summer")]
ROWS_PER_CELL = 120_000  # ~1.3 MB per shard: above Snakemake's 1 MB checksum limit


def big_cells_table(shifts: dict[tuple[str, str], float] | None = None) -> pa.Table:
    """2 x 2 cells of 120 000 rows each; ``shifts`` moves one cell's values."""
    rng = np.random.default_rng(5)
    shifts = shifts or {}
    parts = {"site": [], "season": [], "group": [], "value": []}
    for site, season in CELLS:
        n = ROWS_PER_CELL
        parts["site"].append(np.full(n, site))
        parts["season"].append(np.full(n, season))
        parts["group"].append(np.array(["a", "b", "c"])[rng.integers(0, 3, n)])
        parts["value"].append(rng.normal(0, 1, n) + shifts.get((site, season), 0.0))
    return pa.table({name: np.concatenate(arrays) for name, arrays in parts.items()})


def _big_workflow(wf) -> None:
    pq.write_table(big_cells_table(), wf.path("data.parquet"))
    box = {"kind": "box", "x": "group", "y": "value"}
    tile = {"height": 1.2, "aspect": 1.2, "dpi": 40}
    wf.write_config({**SMALL_CONFIG, "plot": box, "tile": tile})


@pytest.fixture
def big(built_copy, tmp_path):
    """A built 2 x 2 workflow whose shards are above 1 MB."""
    return built_copy(_big_workflow, tmp_path / "wf")


def _tile_ids(wf) -> dict[tuple[str, str], str]:
    manifest = json.loads(wf.path("results", "shards", "manifest.json").read_text())
    return {
        (t["facets"]["row"]["value"], t["facets"]["col"]["value"]): t["id"]
        for t in manifest["tiles"]
    }


def _changed(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {t for t in after if before.get(t) != after[t]}


@pytest.mark.workflow
def test_a_one_cell_change_redraws_one_tile_with_shards_above_the_checksum_limit(big):
    shards = big.path("results", "shards")
    assert min(p.stat().st_size for p in shards.glob("*.arrow")) > 1_000_000
    assert "max-checksum-file-size" not in big.path("profiles/default/profile.yaml").read_text()
    before = big.tile_mtimes()
    pq.write_table(big_cells_table({("south", "summer"): 2.0}), big.path("data.parquet"))
    run = big.run_ok()
    assert run.jobs("split") == 1 and run.jobs("render") == 1
    assert _changed(before, big.tile_mtimes()) == {_tile_ids(big)[("south", "summer")]}


@pytest.mark.workflow
def test_a_tile_not_drawn_after_its_shard_changed_is_drawn_by_a_later_run(big):
    """The split runs alone after a change in one cell (the run stopped before its
    tile), then after a change in another: both tiles are drawn, none is stale."""
    ids = _tile_ids(big)
    before = big.tile_mtimes()
    pq.write_table(big_cells_table({("north", "spring"): 1.0}), big.path("data.parquet"))
    big.run_ok("results/shards")
    assert big.tile_mtimes() == before
    shifts = {("north", "spring"): 1.0, ("south", "spring"): 1.5}
    pq.write_table(big_cells_table(shifts), big.path("data.parquet"))
    run = big.run_ok()
    assert run.jobs("render") == 2
    assert _changed(before, big.tile_mtimes()) == {ids[c] for c in shifts}


@pytest.mark.workflow
def test_without_the_record_every_tile_is_drawn_again_never_a_stale_one(big):
    before = big.tile_mtimes()
    shutil.rmtree(big.path(RECORD_DIR))
    pq.write_table(big_cells_table({("north", "summer"): 1.0}), big.path("data.parquet"))
    run = big.run_ok()
    assert run.jobs("render") == 4
    assert _changed(before, big.tile_mtimes()) == set(before)
