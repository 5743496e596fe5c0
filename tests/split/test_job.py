"""The split: shards, sidecars and manifest from a table, without Snakemake."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import small_table
from tilegrid.core.shards import batch_sizes, read_shard
from tilegrid.split import gather
from tilegrid.split.job import SplitError, SplitSpec, run_split
from tilegrid.table import formats


def _spec(path, **kw):
    base = dict(data=str(path), row="site", col="season", x="group", y="value")
    return SplitSpec(**{**base, **kw})


def _shard_bytes(out):
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.fixture
def table_path(tmp_path):
    path = tmp_path / "data.parquet"
    pq.write_table(small_table(), path, row_group_size=500)
    return path


def test_every_row_goes_to_exactly_its_tile(table_path, tmp_path):
    result = run_split(_spec(table_path), str(tmp_path / "out"))
    table = pq.read_table(table_path)
    for tile in result.tiles:
        facets = tile["facets"]
        shard = read_shard(tmp_path / "out" / f"{tile['id']}.arrow")
        mask = np.array(table["site"].to_pylist()) == facets["row"]["value"]
        mask &= np.array(table["season"].to_pylist()) == facets["col"]["value"]
        assert shard.column_names == ["group", "value"]
        assert shard["value"].to_pylist() == table["value"].filter(pa.array(mask)).to_pylist()


def test_shards_are_byte_identical_whatever_the_input_batching(table_path, tmp_path, monkeypatch):
    run_split(_spec(table_path), str(tmp_path / "a"))
    monkeypatch.setattr(formats, "BATCH_ROWS", 97)
    monkeypatch.setattr(gather, "ROW_GROUP", gather.ROW_GROUP)
    run_split(_spec(table_path), str(tmp_path / "b"))
    assert _shard_bytes(tmp_path / "a") == _shard_bytes(tmp_path / "b")


def test_row_groups_are_counted_in_the_tiles_own_rows(table_path, tmp_path, monkeypatch):
    monkeypatch.setattr(gather, "ROW_GROUP", 100)
    monkeypatch.setattr(formats, "BATCH_ROWS", 333)
    result = run_split(_spec(table_path), str(tmp_path / "out"))
    sizes = batch_sizes(tmp_path / "out" / f"{result.tiles[0]['id']}.arrow")
    assert sizes[:-1] == [100] * (len(sizes) - 1) and 0 < sizes[-1] <= 100


def test_a_change_in_one_cell_changes_only_that_shard(table_path, tmp_path):
    result = run_split(_spec(table_path, sharey=False), str(tmp_path / "a"))
    table = pq.read_table(table_path)
    values = table["value"].to_numpy().copy()
    values[:10] += 1  # the first rows all belong to north/spring
    table = table.set_column(3, "value", pa.array(values))
    pq.write_table(table, table_path)
    run_split(_spec(table_path, sharey=False), str(tmp_path / "b"))
    a, b = _shard_bytes(tmp_path / "a"), _shard_bytes(tmp_path / "b")
    changed = {name for name in a if a[name] != b[name]} - {"manifest.json"}
    tile = next(t["id"] for t in result.tiles if t["id"].startswith("north-spring-"))
    assert f"{tile}.arrow" in changed and changed <= {f"{tile}.arrow", f"{tile}.json"}


def test_levels_follow_seaborns_order(tmp_path):
    path = tmp_path / "t.parquet"
    cat = pa.DictionaryArray.from_arrays(pa.array([1, 0, 1], pa.int8()), pa.array(["hi", "lo"]))
    pq.write_table(
        pa.table({"c": cat, "n": [3, 1, 2], "s": ["b", "a", "b"], "v": [1.0, 2, 3]}), path
    )
    spec = SplitSpec(data=str(path), row="c", col="n", x="s", y="v")
    result = run_split(spec, str(tmp_path / "o"))
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert result.input_rows == 3
    assert manifest["row"]["levels"] == ["hi", "lo"]  # categorical order, unused kept
    assert manifest["col"]["levels"] == [1, 2, 3]  # numbers sorted
    sidecar = json.loads((tmp_path / "o" / f"{result.tiles[0]['id']}.json").read_text())
    assert sidecar["x"]["categories"] == ["b", "a"]  # strings in order of appearance


def test_explicit_order_selects_and_orders_values(table_path, tmp_path):
    result = run_split(_spec(table_path, col_order=["autumn", "spring"]), str(tmp_path / "o"))
    cols = [t["facets"]["col"]["value"] for t in result.tiles]
    assert cols == ["autumn", "spring"] * 2


def test_missing_combinations_get_an_empty_tile(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"r": ["a", "b"], "c": ["x", "y"], "v": [1.0, 2.0]}), path)
    result = run_split(SplitSpec(data=str(path), row="r", col="c", y="v"), str(tmp_path / "o"))
    assert [t["rows"] for t in result.tiles] == [1, 0, 0, 1]


def test_shared_y_limits_are_equal_across_tiles_and_cover_every_violin(table_path, tmp_path):
    result = run_split(_spec(table_path, sharey=True), str(tmp_path / "o"))
    lims = {tuple(_sidecar(tmp_path / "o", t)["y"]["lim"]) for t in result.tiles}
    assert len(lims) == 1
    lo, hi = lims.pop()
    values = pq.read_table(table_path)["value"].to_numpy()
    assert lo < values.min() and hi > values.max()


def test_unshared_y_limits_follow_each_tile(table_path, tmp_path):
    result = run_split(_spec(table_path, sharey=False), str(tmp_path / "o"))
    lims = {tuple(_sidecar(tmp_path / "o", t)["y"]["lim"]) for t in result.tiles}
    assert len(lims) == len(result.tiles)


def test_shared_by_row_limits_are_equal_within_a_row(table_path, tmp_path):
    result = run_split(_spec(table_path, sharey="row"), str(tmp_path / "o"))
    by_row = {}
    for t in result.tiles:
        by_row.setdefault(t["row_index"], set()).add(tuple(_sidecar(tmp_path / "o", t)["y"]["lim"]))
    assert all(len(v) == 1 for v in by_row.values()) and len(by_row) == 2


def test_manifest_lists_tiles_in_grid_order(table_path, tmp_path):
    run_split(_spec(table_path), str(tmp_path / "o"))
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["shape"] == [2, 3]
    assert [(t["row_index"], t["col_index"]) for t in manifest["tiles"]] == [
        (r, c) for r in range(2) for c in range(3)
    ]


def test_too_many_tiles_stop_before_any_shard_is_written(table_path, tmp_path):
    with pytest.raises(SplitError, match="max_tiles"):
        run_split(_spec(table_path, max_tiles=5), str(tmp_path / "o"))
    assert not (tmp_path / "o").exists()


def test_non_finite_values_are_dropped_and_counted(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"r": ["a"] * 4, "v": [1.0, np.nan, np.inf, 2.0]}), path)
    result = run_split(SplitSpec(data=str(path), row="r", y="v"), str(tmp_path / "o"))
    assert result.dropped["non_finite"] == 2 and result.tiles[0]["rows"] == 2


def _sidecar(out, tile):
    return json.loads((out / f"{tile['id']}.json").read_text())


def test_hue_levels_get_one_color_mapping_for_the_whole_grid(tmp_path):
    path = tmp_path / "t.parquet"
    table = pa.table(
        {"r": ["a", "a", "b", "b"], "h": ["x", "y", "y", "z"], "v": [1.0, 2.0, 3.0, 4.0]}
    )
    pq.write_table(table, path)
    result = run_split(SplitSpec(data=str(path), row="r", y="v", hue="h"), str(tmp_path / "o"))
    hues = [_sidecar(tmp_path / "o", t)["hue"] for t in result.tiles]
    assert hues[0] == hues[1] and hues[0]["levels"] == ["x", "y", "z"]
    assert len(set(hues[0]["colors"])) == 3
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["legend"]["labels"] == ["x", "y", "z"]


def test_chunks_split_rows_into_consecutive_tiles(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"v": np.arange(10, dtype=float)}), path)
    result = run_split(SplitSpec(data=str(path), y="v", chunks=3), str(tmp_path / "o"))
    shards = [
        read_shard(tmp_path / "o" / f"{t['id']}.arrow")["v"].to_pylist() for t in result.tiles
    ]
    assert shards == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert [t["facets"]["col"] for t in result.tiles][0] == {"var": "chunk", "value": 0}


def test_the_split_job_forgets_what_it_read_first_and_records_it_last(
    table_path, tmp_path, monkeypatch
):
    from tilegrid.split.job import split_job
    from tilegrid.table.contents import recorded_content

    monkeypatch.chdir(tmp_path)
    params = dict(data=str(table_path), row="site", col="season", x="group", y="value")
    split_job(params, "results/shards", [], None, 1, ["d1"])
    assert recorded_content("results/shards", ["d1"])
    with pytest.raises(KeyError):  # a failed split leaves no record: the next run splits
        split_job({**params, "y": "nothing"}, "results/shards", [], None, 1, ["d2"])
    assert not recorded_content("results/shards", ["d1"])
    assert not recorded_content("results/shards", ["d2"])
