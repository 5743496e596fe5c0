"""A split per input file (issue 14, item 2): scan each file, gather the scans.

:func:`tilegrid.split.scan.scan_part` once per input file, then
:func:`tilegrid.split.gather.gather`,
must write exactly what :func:`tilegrid.split.run_split` writes: every shard,
sidecar and the manifest, byte for byte (so both invariants of the split hold
for this path: rows conserved, and a rerun after an edit equals a fresh run).
The inputs are the generated shapes of tests/properties/test_conservation.py: one file,
a folder, lists and globs of mixed formats, per-batch dictionaries, nulls,
source columns, explicit orders, input batches and shard row groups of a few
rows.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from conftest import SPECS, Workflow, small_table
from hypothesis import given
from test_conservation import PROPERTY, Case, cases, small_batches, write_input
from tilegrid.split.job import SplitError, SplitSpec, run_split
from tilegrid.table import formats, open_table
from tilegrid.table.units import ScanPart, scan_parts


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def one_part_per_unit(spec: SplitSpec, range_rows: int | None = None) -> list[ScanPart]:
    """The table cut into one part per input file (or per range of ``range_rows`` rows of a
    Parquet file's row groups), as a table of many large files is cut."""
    table = open_table(spec.data, spec.source_column)
    return scan_parts(table, range_rows=range_rows or 1 << 62, group_bytes=0)


def scatter_gather(spec: SplitSpec, out: Path, scans: Path, range_rows: int | None = None) -> None:
    """The split cut per file, in-process: one scan per input file (or per range of row
    groups of ``range_rows`` rows of a Parquet file), then the gather."""
    run_split(spec, str(out), one_part_per_unit(spec, range_rows), str(scans))


def whole_split(spec: SplitSpec, out: Path) -> None:
    """The split of the table in one part: one scan of every row, then the gather."""
    table = open_table(spec.data, spec.source_column)
    run_split(spec, str(out), [ScanPart(tuple(table.units))])


def split_both_ways(
    case: Case, folder: Path, range_rows: int | None = None
) -> tuple[Path, Path] | None:
    """Split the case's input whole and per file; None when both refuse it alike."""
    data, _ = write_input(case, folder)
    spec = SplitSpec(data=data if isinstance(data, list) else str(data), **case.spec)
    whole, per_file = folder / "whole", folder / "per-file"
    with small_batches(case.batch_rows, case.shard_row_group):
        try:
            whole_split(spec, whole)
        except SplitError as exc:
            with pytest.raises(SplitError) as refused:
                scatter_gather(spec, per_file, folder / "scans", range_rows)
            assert str(refused.value) == str(exc)
            return None
        scatter_gather(spec, per_file, folder / "scans", range_rows)
    return whole, per_file


def check_same_outputs(case: Case, base: Path, range_rows: int | None = None) -> None:
    """The split per file writes the whole split's files, byte for byte."""
    with tempfile.TemporaryDirectory(dir=base) as folder:
        outputs = split_both_ways(case, Path(folder), range_rows)
        if outputs is None:
            return
        whole, per_file = (folder_bytes(p) for p in outputs)
        assert sorted(per_file) == sorted(whole), "the same files"
        for name, content in whole.items():
            assert per_file[name] == content, f"{name} differs"


@PROPERTY
@given(case=cases())
def test_scanning_each_file_and_gathering_writes_the_whole_splits_bytes(case, tmp_path_factory):
    check_same_outputs(case, tmp_path_factory.getbasetemp())


@PROPERTY
@given(case=cases(formats=("parquet", "many")))
def test_parquet_files_scanned_in_ranges_of_row_groups_give_the_whole_splits_bytes(
    case, tmp_path_factory
):
    check_same_outputs(case, tmp_path_factory.getbasetemp(), range_rows=1)


@PROPERTY
@given(case=cases(formats=("folder", "many"), kinds=("violin", "hist", "kde")))
def test_many_files_scanned_one_by_one_give_the_whole_splits_bytes(case, tmp_path_factory):
    check_same_outputs(case, tmp_path_factory.getbasetemp())


def mixed_files(folder: Path, n: int = 900, seed: int = 5) -> list[str]:
    """A table of every kind's columns (NaN, inf and null included) as three files:
    CSV, Parquet of several row groups, Feather."""
    rng = np.random.default_rng(seed)
    u = np.round(rng.uniform(0, 10, n), 1)
    v = np.sin(u) + rng.normal(0, 0.3, n)
    v[:4] = [np.nan, np.inf, -np.inf, np.nan]
    hue = rng.choice(["one", "two", ""], n).astype(object)
    hue[rng.random(n) < 0.05] = None
    table = pa.table(
        {
            "f": rng.choice(["p", "q", "s"], n),
            "r": rng.choice(["top", "bottom"], n),
            "g": rng.choice(["a", "b", "c"], n),
            "k": rng.choice(["x", "y"], n),
            "h": pa.array(hue, pa.string()),
            "u": u,
            "v": v,
        }
    )
    third = n // 3
    paths = [folder / "a.csv", folder / "b.parquet", folder / "c.feather"]
    pacsv.write_csv(table.slice(0, third), paths[0])
    pq.write_table(table.slice(third, third), paths[1], row_group_size=70)
    feather.write_feather(table.slice(2 * third), paths[2])
    return [str(p) for p in paths]


KIND_SPECS = {**SPECS, "custom": {"x": "u", "y": "v"}}


@pytest.mark.parametrize("kind", sorted(KIND_SPECS))
@pytest.mark.parametrize("hue", [None, "h"])
def test_every_kind_split_per_file_writes_the_whole_splits_bytes(tmp_path, kind, hue):
    if kind == "heatmap" and hue:
        pytest.skip("heatmap has no hue")
    spec = {**KIND_SPECS[kind]}
    data = mixed_files(tmp_path)
    split_spec = SplitSpec(data=data, row="r", col="f", kind=kind, hue=hue, **spec)
    with small_batches(50, 40):
        run_split(split_spec, str(tmp_path / "whole"))
        scatter_gather(split_spec, tmp_path / "per-file", tmp_path / "scans")
    whole, per_file = folder_bytes(tmp_path / "whole"), folder_bytes(tmp_path / "per-file")
    assert len(whole) == 2 * 6 + 1
    assert per_file == whole


def test_a_preprocessed_split_per_file_keeps_every_column_as_the_whole_split(tmp_path):
    data = mixed_files(tmp_path)
    spec = SplitSpec(data=data, row="r", kind="box", x="g", y="v", preprocess="pre.py:fn")
    with small_batches(50, 40):
        run_split(spec, str(tmp_path / "whole"))
        scatter_gather(spec, tmp_path / "per-file", tmp_path / "scans")
    assert folder_bytes(tmp_path / "per-file") == folder_bytes(tmp_path / "whole")


def hive_folder(folder: Path, seed: int = 9) -> Path:
    """A Parquet folder partitioned as ``year=<int>/site=<text>/`` whose files differ in
    types (int in one, float in another) and dictionaries; the partitions are facets."""
    rng = np.random.default_rng(seed)
    for i, (year, site) in enumerate([(2020, "north"), (2020, "south"), (2021, "north")]):
        n = 120 + 30 * i
        part = folder / f"year={year}" / f"site={site}"
        part.mkdir(parents=True)
        value = rng.normal(i, 1, n) if i != 1 else rng.integers(0, 9, n)
        group = pa.array(rng.choice(["a", "b", "c"][: 2 + (i == 2)], n)).dictionary_encode()
        pq.write_table(pa.table({"g": group, "v": value}), part / f"part-{i}.parquet")
    return folder


@pytest.mark.parametrize("source_column", [None, "file"])
def test_a_hive_folder_scanned_file_by_file_gives_the_whole_splits_bytes(tmp_path, source_column):
    """A scan reads only its own file (no other footer) and still gets the folder's
    types and each file's partition values."""
    data = str(hive_folder(tmp_path / "data"))
    spec = SplitSpec(
        data=data, row="year", col="site", kind="violin", x="g", y="v", source_column=source_column
    )
    with small_batches(50, 40):
        run_split(spec, str(tmp_path / "whole"))
        scatter_gather(spec, tmp_path / "per-file", tmp_path / "scans")
    whole = folder_bytes(tmp_path / "whole")
    assert len(whole) == 2 * 4 + 1  # 2 x 2 tiles (one empty), and the manifest
    assert folder_bytes(tmp_path / "per-file") == whole


def test_a_custom_kind_keeps_the_rows_of_a_category_column_with_no_values(tmp_path):
    """All of x missing: no levels at all.  A custom kind keeps the rows (violin would
    drop them), whole and per file alike; the moments' group key once divided by 0."""
    rng = np.random.default_rng(4)
    missing = pa.nulls(400, pa.string())
    table = pa.table({"r": rng.choice(["a", "b"], 400), "g": missing, "v": rng.normal(size=400)})
    files = [str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")]
    pq.write_table(table.slice(0, 150), files[0])
    pq.write_table(table.slice(150), files[1])
    spec = SplitSpec(data=files, row="r", kind="custom", x="g", y="v")
    result = run_split(spec, str(tmp_path / "whole"))
    assert sum(t["rows"] for t in result.tiles) == 400 and not any(result.dropped.values())
    scatter_gather(spec, tmp_path / "per-file", tmp_path / "scans")
    assert folder_bytes(tmp_path / "per-file") == folder_bytes(tmp_path / "whole")


# ---------------------------------------------------------------- the workflow


def results(wf: Workflow) -> dict[str, bytes]:
    """Every file under the workflow's ``results/``."""
    return folder_bytes(wf.path("results"))


# That an edited, added or removed file of a folder or glob rescans that file only (and
# results equal a fresh run's) is checked after every step of the incremental property
# test (tests/properties/test_incremental.py, scans_to_run).

#: the split's output: a run asking for it runs the scans and the split, no render
SHARDS = "results/shards"


@pytest.mark.workflow
@pytest.mark.alongside("waits")  # times nothing: fills the Slurm tests' waits
def test_a_list_entry_added_scans_only_the_new_file(workflow):
    """Only the split is looked at: each run asks for the shards (no tile is drawn)."""
    table = small_table(rows_per_cell=20)
    os.makedirs(workflow.path("parts"))
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), workflow.path("parts", "a.parquet"))
    pacsv.write_csv(table.slice(half), workflow.path("parts", "b.csv"))
    workflow.update_config(data=["parts/a.parquet"])
    first = workflow.run_ok(SHARDS)
    assert (first.jobs("scan"), first.jobs("split")) == (0, 1)  # one file: split whole
    workflow.update_config(data=["parts/a.parquet", "parts/b.csv"])
    assert workflow.run_ok(SHARDS).jobs("scan") == 2
    # each ran by its command, in a process of its own, whose cost ends its log
    scans = sorted(workflow.path("logs", "scan").glob("*.log"))
    for log, task in [(workflow.path("logs", "split.log"), "split"), (scans[0], "scan")]:
        last = log.read_text().splitlines()[-1]
        assert last.startswith(f"{task} done in the job's own process in "), last
    pq.write_table(table.slice(0, 10), workflow.path("parts", "c.parquet"))
    workflow.update_config(data=["parts/a.parquet", "parts/b.csv", "parts/c.parquet"])
    grown = workflow.run_ok(SHARDS)
    assert (grown.jobs("scan"), grown.jobs("split")) == (1, 1), grown.output[-3000:]
    workflow.update_config(data=["parts/a.parquet"])
    single = workflow.run_ok(SHARDS)
    assert single.jobs("split") == 1
    assert not workflow.path("results", "scans").exists()  # no stale scan is left


def test_integers_too_large_for_floats_are_warned_once_by_the_gather(tmp_path, caplog):
    t0 = 1_700_000_000_000_000_000  # epoch nanoseconds
    data = []
    for i in range(3):
        ns = pa.array([t0 + 10 * i + j for j in range(10)], pa.int64())
        pq.write_table(pa.table({"g": ["a", "b"] * 5, "t": ns}), tmp_path / f"{i}.parquet")
        data.append(str(tmp_path / f"{i}.parquet"))
    spec = SplitSpec(data=data, col="g", kind="hist", x="t")
    with caplog.at_level(logging.WARNING, logger="tilegrid.split"):
        scatter_gather(spec, tmp_path / "out", tmp_path / "scans")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "column 't': integers up to 1700000000000000029 are drawn as float64, "
        "exact to 1 part in 2**53"
    ]


@pytest.mark.workflow
@pytest.mark.alongside("waits")  # times nothing: fills the Slurm tests' waits
def test_a_large_parquet_file_is_scanned_in_ranges_of_its_row_groups(workflow):
    """A file of three row groups of BATCH_ROWS rows, cut in ranges of BATCH_ROWS rows:
    the split scans the three ranges side by side itself (no scan job: one file), and
    writes the same shards and tiles as a split of the file in one piece."""
    n = 2 * formats.BATCH_ROWS + 1000
    rng = np.random.default_rng(7)
    table = pa.table(
        {
            "site": pa.array(np.array(["north", "south"])[rng.integers(0, 2, n)]),
            "season": pa.array(np.array(["spring", "summer", "autumn"])[rng.integers(0, 3, n)]),
            "group": pa.array(np.array(["a", "b", "c"])[rng.integers(0, 3, n)]),
            "value": rng.normal(0, 1, n),
        }
    )
    pq.write_table(table, workflow.path("data.parquet"), row_group_size=formats.BATCH_ROWS)
    ranged = workflow.run_ok(env={"TILEGRID_SCAN_ROWS": str(formats.BATCH_ROWS)})
    assert (ranged.jobs("scan"), ranged.jobs("split")) == (0, 1), ranged.output[-3000:]
    assert "scanned 3 parts" in workflow.path("logs", "split.log").read_text()
    per_range = results(workflow)
    whole = workflow.run_ok("--forcerun", "split", env={"TILEGRID_SCAN_ROWS": str(10 * n)})
    assert (whole.jobs("scan"), whole.jobs("split"), whole.jobs("render")) == (0, 1, 0)
    assert "scanned 1 part " in workflow.path("logs", "split.log").read_text()
    assert results(workflow) == per_range
