"""The gather half of a split per input file: every file's scan into the split's outputs.

:func:`gather` reads the scans of :func:`tilegrid.scan.scan_file`, one per
input file, in the order the table reads its files, and writes what
:func:`tilegrid.split.run_split` writes, byte for byte:

1. the levels: each file's values and categories, concatenated in file order,
   ordered as the whole-table pass orders them (:func:`tilegrid.grid.order_levels`),
   then the grid;
2. each file's routed batches, their tiles and category codes mapped from the
   file's own levels to the table's, committed in file order to the split's own
   shard writer (:func:`tilegrid.partition.shard_writer`): the same rows in the
   same order give the same row groups, and each batch's moments, merged in the
   same order, the same floats;
3. the rest of the split as it is (:func:`tilegrid.split.finish_split`): bins,
   binned passes over the shards, sidecars, manifest, rows accounted for.

Only the reading and routing of rows is per file; a file that did not change
keeps its scan.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

import numpy as np
import pyarrow as pa

from . import split, tableio
from .filetimes import keep_times
from .grid import explicit_levels, make_grid, order_levels
from .levels import LevelCollector, codes
from .partition import (
    Column,
    Partitioner,
    Routed,
    _slice,
    group_radix,
    shard_layout,
    shard_writer,
)
from .plan import SplitError, SplitPlan, SplitSpec, make_plan
from .scan import SCAN_INDEX, SCAN_MOMENTS, SCAN_ROWS, read_arrays
from .stats import BatchMoments

#: the folder of the scans, beside the shards' folder (results/scans)
SCANS = "scans"


def gather(
    spec: SplitSpec, scans: list[str], out_dir: str, schema: pa.Schema | None = None
) -> split.SplitResult:
    """Write the split of ``spec.data`` into ``out_dir`` from the scan folders of its
    files (``scans``, in the order of :func:`tilegrid.tableio.input_files`)."""
    if spec.chunks:
        raise SplitError("facet.chunks splits the whole table by row position: no split per file")
    schema = schema or tableio.read_schema(spec.data, spec.source_column)
    plan = make_plan(spec, schema)
    indexes = [read_index(scan, plan) for scan in scans]
    levels = gathered_levels(plan, schema, scans, indexes)
    if sum(index["input_rows"] for index in indexes) == 0:
        raise SplitError(f"{tableio.describe(spec.data)}: the table has no rows")
    grid = make_grid(plan.spec, levels)
    os.makedirs(out_dir, exist_ok=True)
    columns = shard_layout(plan, schema, levels)
    with shard_writer(plan, grid, levels, columns, 0, out_dir, split.ROW_GROUP) as part:
        for scan, index in zip(scans, indexes):
            replay_scan(part, scan, index)
    return split.finish_split(plan, grid, levels, part, out_dir)


def split_job(
    params: dict[str, Any], out_dir: str, scans: list[str], schema: str | None
) -> split.SplitResult:
    """The checkpoint's job: gather the ``scans`` of the input files (a split per file),
    or with none split the table whole.  ``schema`` is the table's
    (:func:`tilegrid.tableio.schema_token`).  Scans of files no longer read are
    removed from ``scans/`` beside ``out_dir``, so the results hold a fresh run's.
    Files written with the bytes they had keep their time (:mod:`tilegrid.filetimes`)."""
    remove_stale_scans(os.path.join(os.path.dirname(os.path.normpath(out_dir)), SCANS), scans)
    spec = SplitSpec(**params)
    if not scans:
        result = split.run_split(spec, out_dir)
    else:
        table = tableio.schema_from_token(schema) if schema else None
        result = gather(spec, scans, out_dir, table)
    keep_times(out_dir)
    return split.log_result(result)


def remove_stale_scans(scans_dir: str, scans: list[str]) -> None:
    """Remove the scan folders in ``scans_dir`` that are not among ``scans`` (and the
    folder itself when none is), so the results hold what a fresh run's hold."""
    if not os.path.isdir(scans_dir):
        return
    keep = {os.path.normpath(scan) for scan in scans}
    for name in os.listdir(scans_dir):
        path = os.path.normpath(os.path.join(scans_dir, name))
        if path not in keep:
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    if not keep:
        os.rmdir(scans_dir)


def read_index(scan: str, plan: SplitPlan) -> dict[str, Any]:
    """A scan's index; a scan made for other columns is a bug of the caller."""
    with open(os.path.join(scan, SCAN_INDEX), encoding="utf-8") as handle:
        index = json.load(handle)
    if [level["column"] for level in index["levels"]] != plan.level_columns:
        raise ValueError(f"scan {scan!r} was made for another split (its level columns differ)")
    return index


def gathered_levels(
    plan: SplitPlan, schema: pa.Schema, scans: list[str], indexes: list[dict[str, Any]]
) -> dict[str, pa.Array]:
    """The table's levels: every file's values, in file order, ordered as the split orders them."""
    fixed = explicit_levels(plan.spec, plan.level_columns, schema)
    if fixed is not None:
        return fixed
    collectors = {name: LevelCollector(name) for name in plan.level_columns}
    for scan, index in zip(scans, indexes):
        for i, level in enumerate(index["levels"]):
            collector = collectors[level["column"]]
            collector.categorical = collector.categorical or level["categorical"]
            collector.chunks += read_arrays(os.path.join(scan, f"seen-{i}.arrow"))
    return order_levels(plan.spec, collectors)


def replay_scan(part: Partitioner, scan: str, index: dict[str, Any]) -> None:
    """Commit one file's routed batches to ``part``, mapped to the table's levels, in order."""
    maps = LevelMaps(part, scan)
    with (
        pa.OSFile(os.path.join(scan, SCAN_ROWS)) as rows_file,
        pa.OSFile(os.path.join(scan, SCAN_MOMENTS)) as moments_file,
    ):
        rows = pa.ipc.open_file(rows_file)
        moments = pa.ipc.open_file(moments_file)
        n_rows = n_moments = 0
        for batch in index["batches"]:
            routed = Routed([], {}, {})
            if batch["pieces"]:
                record = rows.get_batch(n_rows)
                n_rows += 1
                routed.pieces = maps.pieces(record, batch["pieces"])
            for role in part.plan.numeric_roles:
                scale = batch["scales"][role]
                if scale is not None:
                    record = moments.get_batch(n_moments)
                    n_moments += 1
                    routed.moments[role] = maps.moments(record, scale, role)
            part.commit(routed)
    part.commit(
        Routed(
            [],
            {},
            dict(index["dropped"]),
            input_rows=index["input_rows"],
            tile_dropped=maps.tile_drops(index["tile_dropped"]),
            inexact=index["inexact"],
        )
    )


class LevelMaps:
    """One file's tiles, categories and moment cells as the table's (gather's) codes."""

    def __init__(self, part: Partitioner, scan: str):
        plan, grid, levels = part.plan, part.grid, part.levels
        local = {
            name: read_arrays(os.path.join(scan, f"levels-{i}.arrow"))[0]
            for i, name in enumerate(plan.level_columns)
        }
        self.part = part
        self.code = {name: _code_map(local[name], levels[name]) for name in plan.level_columns}
        spec = plan.spec
        rows = self.code[spec.row] if spec.row else np.zeros(1, np.int32)
        cols = self.code[spec.col] if spec.col else np.zeros(1, np.int32)
        self.tile = (rows[:, None].astype(np.int64) * grid.n_cols + cols[None, :]).ravel()
        self.group = _group_map(
            [self.code[name] for name in plan.category_columns],
            group_radix(plan, levels),
        )
        self.local_groups = int(np.prod([len(local[n]) + 1 for n in plan.category_columns]))

    def tile_drops(self, local: list[list[int]]) -> np.ndarray | None:
        """A file's rows dropped per local tile (scan index) as the table's tiles x reasons."""
        if not local:
            return None
        counts = np.zeros_like(self.part.tile_dropped)
        for tile, *by_reason in local:
            counts[self.tile[tile]] += by_reason
        return counts

    def pieces(self, record: pa.RecordBatch, pieces: list[list[int]]) -> list:
        """The batch's rows as routed pieces of the table's tiles, codes mapped."""
        data = [self._source(c, record.column(i)) for i, c in enumerate(self.part.columns)]
        out, start = [], 0
        for tid, n in pieces:
            out.append((int(self.tile[tid]), [_slice(a, start, start + n) for a in data], n))
            start += n
        return out

    def moments(self, record: pa.RecordBatch, scale: float, role: str) -> BatchMoments:
        """The batch's moments of ``role``, keyed by the table's (tile, group) cells."""
        keys = record.column(0).to_numpy()
        tile, group = np.divmod(keys, self.local_groups)
        groups = self.part.router.moments[role].groups
        # a table of one group keys moments by tile alone (MomentTable.keys)
        mapped = self.tile[tile] if groups == 1 else self.tile[tile] * groups + self.group[group]
        return BatchMoments(
            mapped, *(record.column(i).to_numpy() for i in range(1, 6)), scale=scale
        )

    def _source(self, column: Column, array: pa.Array) -> Any:
        if column.mode == "codes":
            return self.code[column.name][array.to_numpy()]
        if column.mode == "float":
            return array.to_numpy(zero_copy_only=False)
        return array


def _code_map(local: pa.Array, levels: pa.Array) -> np.ndarray:
    """The table's code of each of a file's levels (every one is among the table's)."""
    mapped = codes(local, levels) if len(local) else np.zeros(0, np.int32)
    if (mapped < 0).any():
        raise AssertionError("tilegrid bug: a file's level is not among the table's levels")
    return mapped.astype(np.int32, copy=False)


def _group_map(maps: list[np.ndarray], radix: list[int]) -> np.ndarray:
    """The table's group code of each of a file's group codes.

    A file's group digits are its level codes plus one (0: missing, counted by
    the whole split under the first level); the table's digits are its codes.
    """
    size = int(np.prod([len(m) + 1 for m in maps]))
    local = np.arange(size, dtype=np.int64)
    digits = []
    for m in reversed(maps):
        local, digit = np.divmod(local, len(m) + 1)
        digits.append(np.where(digit > 0, np.append(np.int32(0), m)[digit], 0))
    out = np.zeros(size, dtype=np.int64)
    for r, digit in zip(radix, reversed(digits)):
        out = out * r + digit
    return out
