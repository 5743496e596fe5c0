"""Messy input: each case gives one clear error or a documented graceful result."""

from __future__ import annotations

import gzip

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from PIL import Image
from tilegrid.core.tilemeta import read_tile_meta
from tilegrid.render.tile import render_tile
from tilegrid.split.job import SplitError, SplitSpec, run_split
from tilegrid.table import TableError, iter_batches, read_schema

TILE = {"height": 1.0, "aspect": 1.0, "dpi": 50}


def _split_render(tmp_path, table: pa.Table, **spec):
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    out = tmp_path / "shards"
    result = run_split(SplitSpec(data=str(path), **spec), str(out))
    metas = []
    for tile in result.tiles:
        png = tmp_path / f"{tile['id']}.png"
        render_tile(
            str(out / f"{tile['id']}.arrow"),
            str(out / f"{tile['id']}.json"),
            {"kind": spec.get("kind", "violin"), "options": {}},
            TILE,
            str(png),
        )
        with Image.open(png) as img:
            assert img.size == (50, 50)
        metas.append(read_tile_meta(str(png)))
    return result, metas


# ------------------------------------------------------------------ files


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.parquet", b"", "cannot be read as parquet"),
        ("truncated.parquet", None, "cannot be read as parquet"),
        ("empty.csv", b"", "cannot be read as csv"),
        ("data.xlsx", b"x", "unsupported extension"),
    ],
)
def test_unreadable_files_are_named_with_what_is_wrong(tmp_path, name, content, message):
    path = tmp_path / name
    if content is None:  # a real Parquet file cut in half
        pq.write_table(pa.table({"v": np.arange(1000.0)}), path)
        path.write_bytes(path.read_bytes()[:300])
    else:
        path.write_bytes(content)
    with pytest.raises(TableError, match=message) as err:
        read_schema(str(path))
    assert name in str(err.value) and "\n" not in str(err.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(TableError, match="does not exist"):
        read_schema(str(tmp_path / "nope.csv"))


def test_a_header_only_csv_says_the_table_has_no_rows(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("g,v\n")
    with pytest.raises(SplitError, match="the table has no rows"):
        run_split(SplitSpec(data=str(path), x="g", y="v"), str(tmp_path / "o"))


def test_a_ragged_csv_names_the_file(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("g,v\na,1\nb,2,3\n")
    with pytest.raises(TableError, match="r.csv"):
        list(iter_batches(str(path), ["g", "v"]))


def test_a_latin1_csv_names_the_file(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes("g,v\nZ\xfcrich,1\n".encode("latin-1"))
    with pytest.raises(TableError, match="l.csv"):
        list(iter_batches(str(path), ["g", "v"]))


def test_gzipped_csv_simply_works(tmp_path):
    path = tmp_path / "d.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("g,v\na,1\nb,2\na,3\n")
    result = run_split(SplitSpec(data=str(path), row="g", y="v"), str(tmp_path / "o"))
    assert [t["rows"] for t in result.tiles] == [2, 1]


def test_tsv_and_feather_read_like_parquet(tmp_path):
    table = pa.table({"g": ["a", "b", "a"], "v": [1.0, 2.0, 3.0]})
    pacsv.write_csv(table, tmp_path / "d.tsv", pacsv.WriteOptions(delimiter="\t"))
    import pyarrow.feather as feather

    feather.write_feather(table, tmp_path / "d.feather")
    for name in ("d.tsv", "d.feather"):
        result = run_split(
            SplitSpec(data=str(tmp_path / name), row="g", y="v"), str(tmp_path / name[2:])
        )
        assert [t["rows"] for t in result.tiles] == [2, 1]


def test_a_directory_of_parquet_files_is_one_table(tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    pq.write_table(pa.table({"g": ["a", "b"], "v": [1.0, 2.0]}), folder / "part-0.parquet")
    pq.write_table(pa.table({"g": ["a"], "v": [3.0]}), folder / "part-1.parquet")
    result = run_split(SplitSpec(data=str(folder), row="g", y="v"), str(tmp_path / "o"))
    assert [t["rows"] for t in result.tiles] == [2, 1]


# ------------------------------------------------------------------ values


def test_nan_inf_and_all_nan_tiles_are_dropped_counted_and_drawn_as_no_data(tmp_path):
    table = pa.table({"r": ["a", "a", "a", "b", "b"], "v": [1.0, np.nan, np.inf, np.nan, -np.inf]})
    result, _ = _split_render(tmp_path, table, row="r", y="v")
    assert result.dropped["non_finite"] == 4
    assert [t["rows"] for t in result.tiles] == [1, 0]


@pytest.mark.parametrize(
    "values",
    [[3.0], [2.5] * 50, [1e300, -1e300, 5e299, 0.0], [1e-300, 2e-300, 3e-300]],
    ids=["single row", "constant", "huge magnitudes", "tiny magnitudes"],
)
def test_degenerate_values_render_without_error(tmp_path, values):
    table = pa.table({"v": values})
    _, metas = _split_render(tmp_path, table, y="v")
    lo, hi = metas[0]["y"]["lim"]
    assert np.isfinite(lo) and np.isfinite(hi) and lo < min(values) <= max(values) < hi


def test_hostile_facet_values_get_safe_distinct_tiles(tmp_path):
    values = ["Zürich/Nord", "..", "a b", "A B", "x" * 300, "🙂", "tab\there", "a/b", "a-b"]
    table = pa.table({"f": values, "v": np.arange(len(values), dtype=float)})
    result, _ = _split_render(tmp_path, table, col="f", y="v")
    ids = [t["id"] for t in result.tiles]
    assert len(set(ids)) == len(values)
    assert all(len(i) <= 51 and i.replace("-", "").isalnum() for i in ids)


def test_a_facet_with_many_values_stops_before_any_shard(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"f": np.arange(100_000), "v": np.zeros(100_000)}), path)
    with pytest.raises(SplitError, match="100000 tiles exceeds facet.max_tiles"):
        run_split(SplitSpec(data=str(path), col="f", y="v"), str(tmp_path / "o"))
    assert not (tmp_path / "o").exists()


def test_a_non_numeric_y_is_named(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"v": ["1", "2"]}), path)
    with pytest.raises(SplitError, match="column 'v': type string is not numeric"):
        run_split(SplitSpec(data=str(path), y="v"), str(tmp_path / "o"))
