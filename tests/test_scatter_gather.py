"""A split per input file (issue 14, item 2): scan each file, gather the scans.

:func:`tilegrid.scan.scan_file` once per input file, then :func:`tilegrid.gather.gather`,
must write exactly what :func:`tilegrid.split.run_split` writes: every shard,
sidecar and the manifest, byte for byte (so both invariants of the split hold
for this path: rows conserved, and a rerun after an edit equals a fresh run).
The inputs are the generated shapes of tests/test_conservation.py: one file,
a folder, lists and globs of mixed formats, per-batch dictionaries, nulls,
source columns, explicit orders, input batches and shard row groups of a few
rows.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from conftest import SPECS
from hypothesis import given
from test_conservation import PROPERTY, Case, cases, small_batches, write_input
from tilegrid import tableio
from tilegrid.gather import gather
from tilegrid.scan import scan_file
from tilegrid.split import SplitError, SplitSpec, run_split


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def scatter_gather(spec: SplitSpec, out: Path, scans: Path) -> None:
    """The split per file, in-process: one scan per input file, then the gather."""
    folders = []
    for i, file in enumerate(tableio.input_files(spec.data)):
        folders.append(str(scans / str(i)))
        scan_file(spec, file, folders[-1])
    gather(spec, folders, str(out))


def split_both_ways(case: Case, folder: Path) -> tuple[Path, Path] | None:
    """Split the case's input whole and per file; None when both refuse it alike."""
    data, _ = write_input(case, folder)
    spec = SplitSpec(data=data if isinstance(data, list) else str(data), **case.spec)
    whole, per_file = folder / "whole", folder / "per-file"
    with small_batches(case.batch_rows, case.shard_row_group):
        try:
            run_split(spec, str(whole))
        except SplitError as exc:
            with pytest.raises(SplitError) as refused:
                scatter_gather(spec, per_file, folder / "scans")
            assert str(refused.value) == str(exc)
            return None
        scatter_gather(spec, per_file, folder / "scans")
    return whole, per_file


def check_same_outputs(case: Case, base: Path) -> None:
    """The split per file writes the whole split's files, byte for byte."""
    with tempfile.TemporaryDirectory(dir=base) as folder:
        outputs = split_both_ways(case, Path(folder))
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
