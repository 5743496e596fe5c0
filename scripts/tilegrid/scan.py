"""The scatter half of a split per input file: one file's rows, routed, and its statistics.

:func:`scan_file` reads one of the table's files (:func:`tilegrid.tableio.input_files`)
exactly as the whole-table split reads it (the same batches, cast to the table's
schema) and routes it with the split's own code (:class:`~tilegrid.partition.Partitioner`),
but against the file's *own* levels, so its output depends on no other file's
rows.  :func:`tilegrid.gather.gather` turns the scans of every file into the
split's outputs, byte for byte those of :func:`tilegrid.split.run_split`.

A scan folder holds:

* ``scan.json``: the file's row count, its dropped rows by reason (and per local tile),
  each level column's flags, and per input batch the routed pieces (local tile, rows) and
  the scale of each numeric role's moments;
* ``rows.arrow``: per input batch with kept rows, one record batch of them, tile
  by tile, in file order (categories as codes of the file's own levels);
* ``moments.arrow``: per input batch and numeric role, the batch's moments per
  (local tile, local group) cell, unmerged: merging them in file order in the
  gather gives the whole-table split's floats exactly;
* ``levels-<i>.arrow`` (the levels the file's categories are coded against) and
  ``seen-<i>.arrow`` (the values and categories the file holds, in order of
  first appearance) for each level column ``i``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa

from . import shardio, tableio
from .grid import Grid, explicit_orders, scan_levels
from .levels import LevelError, cast_order, value_type
from .partition import (
    Column,
    Partitioner,
    Routed,
    Router,
    merge_inexact,
    prefetch,
    read_columns,
    route_batches,
    shard_layout,
)
from .plan import SplitError, SplitPlan, SplitSpec, make_plan

log = logging.getLogger("tilegrid.split")

SCAN_INDEX = "scan.json"
SCAN_ROWS = "rows.arrow"
SCAN_MOMENTS = "moments.arrow"
#: the columns of ``moments.arrow``: :class:`tilegrid.stats.BatchMoments`'s arrays
MOMENT_SCHEMA = pa.schema(
    [
        ("keys", pa.int64()),
        ("count", pa.int64()),
        ("mean", pa.float64()),
        ("m2", pa.float64()),
        ("lo", pa.float64()),
        ("hi", pa.float64()),
    ]
)


def scan_file(
    spec: SplitSpec,
    file: str | tableio.InputFile,
    out_dir: str,
    schema: pa.Schema | None = None,
) -> dict:
    """Scan one input ``file`` of ``spec.data`` into the folder ``out_dir``; return its index.

    ``file`` is one of :func:`tilegrid.tableio.input_parts` (or its path), and
    ``schema`` the whole table's (:func:`tilegrid.tableio.read_schema`): the file
    is read cast to it, as the whole-table split reads it, and no other file is read.
    """
    if spec.chunks:
        raise SplitError("facet.chunks splits the whole table by row position: no split per file")
    schema = schema or tableio.read_schema(spec.data, spec.source_column)
    if isinstance(file, str):
        file = find_part(spec, file)
    plan = make_plan(spec, schema)

    def batches(columns: list[str]) -> Iterator[pa.RecordBatch]:
        return tableio.iter_file_batches(file, columns, spec.source_column, schema)

    read = plan.level_columns or [schema.names[0]]
    collectors, _ = scan_levels(plan.level_columns, batches(read))
    levels = file_levels(plan, schema, collectors)
    columns = shard_layout(plan, schema, levels)
    os.makedirs(out_dir, exist_ok=True)
    recorder = ScanRecorder(plan, levels, columns, out_dir)
    try:
        route_batches(recorder, prefetch(batches(read_columns(plan, columns))))
    finally:
        recorder.close()
    level_info = []
    for i, name in enumerate(plan.level_columns):
        _write_arrays(os.path.join(out_dir, f"levels-{i}.arrow"), [levels[name]])
        collector = collectors[name]
        seen = [collector.seen()] if collector.chunks else []
        _write_arrays(os.path.join(out_dir, f"seen-{i}.arrow"), seen, levels[name].type)
        level_info.append({"column": name, "categorical": collector.categorical})
    index = {
        "file": file.path,
        "input_rows": recorder.input_rows,
        "dropped": recorder.dropped,
        "tile_dropped": local_tile_drops(recorder),
        "inexact": recorder.inexact,
        "levels": level_info,
        "batches": recorder.batches,
    }
    with open(os.path.join(out_dir, SCAN_INDEX), "w", encoding="utf-8") as handle:
        json.dump(index, handle, indent=1)
    return index


def local_tile_drops(recorder: Partitioner) -> list[list[int]]:
    """The file's rows dropped per local tile: ``[tile, *counts by TILE_DROP_REASONS]``
    for each tile that dropped any."""
    counts = recorder.tile_dropped
    return [[int(t), *counts[t].tolist()] for t in np.flatnonzero(counts.any(axis=1))]


def scan_from_params(
    params: dict[str, Any], file: dict[str, Any], schema: str, out_dir: str
) -> dict:
    """Run the scan rule's job: ``params`` the split's spec without ``data``, ``file``
    the input file's :class:`~tilegrid.tableio.InputFile` fields, ``schema`` the table's
    (:func:`~tilegrid.tableio.schema_token`)."""
    part = tableio.InputFile(**file)
    index = scan_file(
        SplitSpec(data=part.path, **params), part, out_dir, tableio.schema_from_token(schema)
    )
    kept = sum(n for batch in index["batches"] for _, n in batch["pieces"])
    log.info("%s: %d rows, %d kept", part.path, index["input_rows"], kept)
    return index


def find_part(spec: SplitSpec, path: str) -> tableio.InputFile:
    """The input file of ``spec.data`` at ``path``, and how the table reads it."""
    key = os.path.realpath(path)
    for part in tableio.input_parts(spec.data, spec.source_column):
        if os.path.realpath(part.path) == key:
            return part
    raise SplitError(f"{tableio.describe(spec.data)}: {path!r} is not one of its files")


def file_levels(
    plan: SplitPlan, schema: pa.Schema, collectors: dict[str, Any]
) -> dict[str, pa.Array]:
    """The levels one file's categories are coded against: the explicit order where the
    config gives one (so rows outside it are dropped as the whole split drops them),
    else every value the file holds, in order of first appearance."""
    explicit = explicit_orders(plan.spec)
    out = {}
    for name, collector in collectors.items():
        dtype = value_type(schema.field(name).type)
        try:
            if explicit.get(name) is not None:
                out[name] = cast_order(explicit[name], dtype, name)
            elif collector.chunks:
                out[name] = collector.seen()
            else:
                out[name] = pa.array([], dtype)
        except LevelError as exc:
            raise SplitError(str(exc)) from exc
    return out


def local_grid(plan: SplitPlan, levels: dict[str, pa.Array]) -> Grid:
    """The file's own grid: its facet values (maybe none), for routing only."""
    spec = plan.spec
    row = levels[spec.row] if spec.row else None
    col = levels[spec.col] if spec.col else None
    return Grid(row, col, spec.col, [], [])


def tile_count(grid: Grid) -> int:
    """How many tiles ``grid`` has (rows x columns, either may be 0)."""
    return grid.n_rows * grid.n_cols


class _TileRows:
    """Rows per local tile (the router's view of its buffers; the scan keeps no rows)."""

    def __init__(self, n_tiles: int):
        self.rows = [0] * n_tiles


class ScanRecorder(Partitioner):
    """A partitioner for one file that records each routed batch instead of merging it.

    Category codes of the moments' groups are shifted by one (0: a missing or
    absent value, which a custom kind keeps and the whole split counts under
    the first level), so the gather can map every group to the table's levels.
    """

    def __init__(
        self, plan: SplitPlan, levels: dict[str, pa.Array], columns: list[Column], out_dir: str
    ):
        grid = local_grid(plan, levels)
        self.tiles = _TileRows(tile_count(grid))
        radix = [len(levels[name]) + 1 for name in plan.category_columns]
        router = Router(columns, self.tiles, plan.numeric_roles, int(np.prod(radix)))
        super().__init__(plan, grid, levels, columns, router)
        self.radix = radix
        self.batches: list[dict[str, Any]] = []
        self.row_schema = pa.schema([local_field(c) for c in columns])
        self.rows = shardio.open_writer(os.path.join(out_dir, SCAN_ROWS), self.row_schema)
        self.moments = pa.ipc.new_file(os.path.join(out_dir, SCAN_MOMENTS), MOMENT_SCHEMA)

    @staticmethod
    def group_code(code: np.ndarray) -> np.ndarray:
        return np.where(code >= 0, code + np.int32(1), np.int32(0)).astype(np.int32)

    def commit(self, routed: Routed) -> None:
        """Count the batch's rows and write its routed rows and unmerged moments."""
        self.input_rows += routed.input_rows
        for reason, count in routed.dropped.items():
            self.dropped[reason] += count
        merge_inexact(self.inexact, routed.inexact)
        if routed.tile_dropped is not None:
            self.tile_dropped += routed.tile_dropped
        pieces = []
        for tid, _, n in routed.pieces:
            pieces.append([tid, n])
            self.tiles.rows[tid] += n
        if pieces:
            arrays = [
                _concat_local(c, [p[1][i] for p in routed.pieces])
                for i, c in enumerate(self.columns)
            ]
            self.rows.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self.row_schema))
        scales: dict[str, float | None] = {}
        for role in self.plan.numeric_roles:
            m = routed.moments.get(role)
            scales[role] = None if m is None else m.scale
            if m is not None:
                table = [m.keys, m.count, m.mean, m.m2, m.lo, m.hi]
                self.moments.write_batch(pa.RecordBatch.from_arrays(table, schema=MOMENT_SCHEMA))
        self.batches.append({"pieces": pieces, "scales": scales})

    def close(self) -> None:
        """Close the scan's files."""
        self.rows.close()
        self.moments.close()


def local_field(column: Column) -> pa.Field:
    """A shard column as a scan stores it: categories as int32 codes of the file's levels."""
    if column.mode == "codes":
        return pa.field(column.name, pa.int32())
    return column.field


def _concat_local(column: Column, pieces: list[Any]) -> pa.Array:
    """One batch's routed pieces of a column as one Arrow array."""
    if column.mode == "arrow":
        return pieces[0] if len(pieces) == 1 else pa.concat_arrays(pieces)
    data = pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
    return pa.array(data, local_field(column).type)


def _write_arrays(path: str, arrays: list[pa.Array], dtype: pa.DataType | None = None) -> None:
    """Write ``arrays`` (one type) as the record batches of an Arrow IPC file, column "v"."""
    schema = pa.schema([("v", arrays[0].type if arrays else dtype)])
    with pa.ipc.new_file(path, schema) as writer:
        for array in arrays:
            writer.write_batch(pa.RecordBatch.from_arrays([array], schema=schema))


def read_arrays(path: str) -> list[pa.Array]:
    """The arrays :func:`_write_arrays` wrote."""
    with pa.OSFile(path) as source:
        reader = pa.ipc.open_file(source)
        return [reader.get_batch(i).column(0) for i in range(reader.num_record_batches)]
