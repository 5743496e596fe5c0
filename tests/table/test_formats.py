"""Tables shaped as real data is: folders, Hive partitions, mixed types, huge integers, no rows."""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import Workflow, small_table
from tilegrid.split.job import SplitError, SplitSpec, run_split
from tilegrid.table import TableError, has_rows, read_schema

# workflow runs with no timing in them: they fill the Slurm tests' waits (conftest.py)
pytestmark = pytest.mark.alongside("waits")


def _tiles(result) -> dict:
    """{(row value, col value): rows} of a split result."""
    out = {}
    for tile in result.tiles:
        facets = tile["facets"]
        key = tuple(facets[k]["value"] if k in facets else None for k in ("row", "col"))
        out[key] = tile["rows"]
    return out


def test_hive_partition_folders_are_read_as_columns(tmp_path):
    for site, n in (("north", 3), ("south", 5)):
        (tmp_path / "d" / f"site={site}").mkdir(parents=True)
        pq.write_table(
            pa.table({"v": np.arange(float(n))}), tmp_path / "d" / f"site={site}" / "part-0.parquet"
        )
    assert "site" in read_schema(str(tmp_path / "d")).names
    result = run_split(SplitSpec(data=str(tmp_path / "d"), col="site", y="v"), str(tmp_path / "o"))
    assert _tiles(result) == {(None, "north"): 3, (None, "south"): 5}


def test_a_folder_of_int_and_float_files_is_read_as_float(tmp_path):
    (tmp_path / "d").mkdir()
    pq.write_table(pa.table({"g": ["a", "b"], "v": [1, 2]}), tmp_path / "d" / "a.parquet")
    pq.write_table(pa.table({"g": ["a", "b"], "v": [3.5, 4.5]}), tmp_path / "d" / "b.parquet")
    assert read_schema(str(tmp_path / "d")).field("v").type == pa.float64()
    result = run_split(
        SplitSpec(data=str(tmp_path / "d"), col="g", kind="hist", x="v"), str(tmp_path / "o")
    )
    assert _tiles(result) == {(None, "a"): 2, (None, "b"): 2}


def test_a_folder_whose_files_disagree_on_a_type_names_the_column_and_both_files(tmp_path):
    (tmp_path / "d").mkdir()
    pq.write_table(pa.table({"v": [1, 2]}), tmp_path / "d" / "a.parquet")
    pq.write_table(pa.table({"v": ["x", "y"]}), tmp_path / "d" / "b.parquet")
    with pytest.raises(TableError) as info:
        read_schema(str(tmp_path / "d"))
    assert str(info.value) == (
        f"data folder {str(tmp_path / 'd')!r}: column 'v' is int64 in 'a.parquet' but string "
        "in 'b.parquet'; write every file with the same type for it"
    )


def test_a_folder_with_a_categorical_file_and_a_text_file_is_read_as_text(tmp_path):
    (tmp_path / "d").mkdir()
    cat = pa.DictionaryArray.from_arrays(pa.array([0, 1], pa.int8()), pa.array(["a", "b"]))
    pq.write_table(pa.table({"g": cat, "v": [1.0, 2.0]}), tmp_path / "d" / "a.parquet")
    pq.write_table(pa.table({"g": ["c", "a"], "v": [3.0, 4.0]}), tmp_path / "d" / "b.parquet")
    result = run_split(SplitSpec(data=str(tmp_path / "d"), col="g", y="v"), str(tmp_path / "o"))
    assert sum(_tiles(result).values()) == 4


def test_an_empty_file_in_a_folder_is_named_not_its_folder(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    pq.write_table(pa.table({"g": ["a", "b"], "v": [1.0, 2.0]}), folder / "a.parquet")
    (folder / "b.parquet").write_bytes(b"")
    with pytest.raises(TableError) as info:
        read_schema(str(folder))
    assert f"data file {str(folder / 'b.parquet')!r} (in {str(folder)!r})" in str(info.value)


def test_duplicate_column_names_in_a_csv_are_named(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("v,v,g\n1,2,a\n")
    with pytest.raises(TableError, match="column name 'v' appears more than once"):
        read_schema(str(path))


def test_integers_beyond_2_53_are_drawn_as_floats_with_one_warning(tmp_path, caplog):
    path = tmp_path / "t.parquet"
    t0 = 1_700_000_000_000_000_000  # epoch nanoseconds
    pq.write_table(
        pa.table({"g": ["a", "b"] * 5, "t": pa.array([t0 + i for i in range(10)], pa.int64())}),
        path,
    )
    with caplog.at_level(logging.WARNING, logger="tilegrid.split"):
        result = run_split(
            SplitSpec(data=str(path), col="g", kind="hist", x="t"), str(tmp_path / "o")
        )
    assert sum(_tiles(result).values()) == 10
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "column 't': integers up to 1700000000000000009 are drawn as float64, "
        "exact to 1 part in 2**53"
    ]
    sidecar = json.loads((tmp_path / "o" / f"{result.tiles[0]['id']}.json").read_text())
    assert sidecar["x"]["extent"][0] == pytest.approx(float(t0), rel=1e-12)


@pytest.mark.parametrize("name", ["empty.parquet", "header.csv"])
def test_a_table_with_no_rows_says_so(tmp_path, name):
    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text("g,v\n")
    else:
        pq.write_table(
            pa.table({"g": pa.array([], pa.string()), "v": pa.array([], pa.float64())}), path
        )
    assert not has_rows(str(path))
    with pytest.raises(SplitError) as info:
        run_split(SplitSpec(data=str(path), col="g", kind="hist", x="v"), str(tmp_path / "o"))
    assert str(info.value) == f"data file {str(path)!r}: the table has no rows"


@pytest.mark.workflow
def test_mathtext_in_facet_category_and_hue_values_is_shown_literally(workflow):
    """Values like "$\\frac$" are user strings: shown as written, never parsed as mathtext.

    Every string below is invalid mathtext, so a title, tick label, axis label, legend
    entry or legend title parsed as mathtext would stop the run with a ValueError."""
    table = pa.table(
        {
            "site": ["$\\frac$", "$^$"] * 60,
            "season": ["$x^$", "$x^$", "${$", "${$"] * 30,
            "group": ["a$\\frac$"] * 4 + ["$_^$"] * 4 + ["a$\\frac$"] * 112,
            "$\\frac$ kind": ["$\\frac{$", "$^{$", "$^{$"] * 40,
            "$\\frac$ value": np.arange(120.0),
        }
    )
    pq.write_table(table, workflow.path("data.parquet"))
    workflow.update_config(
        plot={"hue": "$\\frac$ kind", "y": "$\\frac$ value"},
        mosaic={"title": "$\\frac$ {row_name}", "formats": ["png", "pdf", "svg"]},
    )
    run = workflow.run_ok()
    assert run.jobs("mosaic") == 1 and workflow.path("results", "mosaic.png").stat().st_size
    metas = workflow.tile_metas().values()
    labels = {label for meta in metas for label in meta["x"]["ticklabels"]}
    assert labels == {"a$\\frac$", "$_^$"}


def _write_bad(workflow, case: str) -> None:
    """The small table, broken in one way, where config.yaml's data points."""
    good = small_table()
    if case == "duplicate columns":
        workflow.path("data.csv").write_text("site,season,group,value,value\nnorth,spring,a,1,2\n")
    elif case == "no rows":
        pq.write_table(good.slice(0, 0), workflow.path("data.parquet"))
    elif case == "folder with two types":
        folder = workflow.path("data")
        folder.mkdir()
        pq.write_table(good.slice(0, 10), folder / "a.parquet")
        bad = good.slice(10).set_column(3, "value", pa.array(["x"] * (good.num_rows - 10)))
        pq.write_table(bad, folder / "b.parquet")


def _write_good(workflow, case: str) -> None:
    good = small_table()
    if case == "duplicate columns":
        import pyarrow.csv as pacsv

        pacsv.write_csv(good, workflow.path("data.csv"))
    elif case == "no rows":
        pq.write_table(good, workflow.path("data.parquet"))
    elif case == "folder with two types":
        folder = workflow.path("data")
        pq.write_table(good.slice(0, 10), folder / "a.parquet")
        pq.write_table(good.slice(10), folder / "b.parquet")


BAD_DATA = {
    "duplicate columns": (
        "data.csv",
        "tilegrid: error: data file 'data.csv': column name 'value' appears more than once; "
        "rename one of them",
    ),
    "no rows": ("data.parquet", "tilegrid: error: data file 'data.parquet': the table has no rows"),
    "folder with two types": (
        "data",
        "tilegrid: error: data folder 'data': column 'value' is double in 'a.parquet' but "
        "string in 'b.parquet'; write every file with the same type for it",
    ),
}


@pytest.mark.workflow
@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_bad_data_is_one_line_leaves_no_output_and_a_fixed_rerun_matches_a_clean_run(
    workflow, tmp_path, case
):
    data, message = BAD_DATA[case]
    workflow.update_config(data=data)
    _write_bad(workflow, case)
    run = workflow.snakemake()
    assert run.returncode != 0
    errors = [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")]
    assert [e.split(" (log: ")[0] for e in errors] == [message], run.output[-3000:]
    results = workflow.path("results")
    assert not results.exists() or not [p for p in results.rglob("*") if p.is_file()]
    _write_good(workflow, case)
    workflow.run_ok()
    clean = Workflow(tmp_path / "clean")
    clean.write_config(yaml.safe_load(workflow.path("config.yaml").read_text()))
    if case == "folder with two types":
        shutil.copytree(workflow.path("data"), clean.path("data"))
    else:
        _write_good(clean, case)
    clean.run_ok()
    for path in clean.path("results").rglob("*"):
        if path.is_file():
            assert workflow.path(path.relative_to(clean.root)).read_bytes() == path.read_bytes()


def _results_bytes(workflow: Workflow) -> dict[str, bytes]:
    """Every file under results/, by path relative to the workflow."""
    results = workflow.path("results")
    return {
        str(p.relative_to(workflow.root)): p.read_bytes() for p in results.rglob("*") if p.is_file()
    }


@pytest.mark.workflow
def test_a_hive_folder_with_epoch_nanoseconds_runs_with_one_warning_line_and_reruns_identically(
    workflow, tmp_path
):
    """Shapes that need no fix, through the CLI: Hive partition columns are facets, int64
    nanoseconds beyond 2**53 are plotted with exactly one warning line in the split log,
    and a second run from scratch writes the same bytes."""
    t0 = 1_700_000_000_000_000_000
    for site in ("north", "south"):
        for season in ("spring", "summer"):
            part = workflow.path("data", f"site={site}", f"season={season}")
            part.mkdir(parents=True)
            ns = pa.array([t0 + 7_919 * i for i in range(50)], pa.int64())
            pq.write_table(pa.table({"group": ["a", "b"] * 25, "t": ns}), part / "part-0.parquet")
    workflow.update_config(data="data", plot={"kind": "box", "x": "group", "y": "t"})
    run = workflow.run_ok()
    log = workflow.path("logs", "split.log").read_text().splitlines()
    warnings = [line for line in log if "warning" in line]
    assert warnings == [
        "tilegrid: warning: column 't': integers up to 1700000000000388031 are drawn as "
        "float64, exact to 1 part in 2**53"
    ], log
    assert [line for line in run.output.splitlines() if "warning" in line] == warnings
    manifest = json.loads(workflow.path("results", "shards", "manifest.json").read_text())
    assert [t["rows"] for t in manifest["tiles"]] == [50] * 4
    assert manifest["input_rows"] == 200
    first = _results_bytes(workflow)
    shutil.rmtree(workflow.path("results"))
    workflow.run_ok()
    assert _results_bytes(workflow) == first
