"""Writing the shards: the gathered rows of every tile, and what they agree on.

The gather (:mod:`tilegrid.split.gather`) commits each scan's routed batches, in file
order, to a :class:`Partitioner` (:func:`shard_writer`): it merges the batches'
moments per tile and category and counts rows and dropped rows, while
:class:`TileBuffers` append each tile's rows and hand whole row groups to a
writer thread (:class:`ShardSink`).

A shard's bytes depend only on its own rows and on what the grid shares
(the category levels): row groups hold exactly ``row_group`` of the tile's
own rows, never a count of input batches, and categorical columns are
dictionary-encoded against the grid's levels.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from ..core import shards as shardio
from ..core.manifest import DROP_REASONS, TILE_DROP_REASONS
from ..core.stats import BatchMoments, MomentTable, TileStats
from .drops import merge_inexact
from .grid import Grid
from .spec import SplitPlan

log = logging.getLogger("tilegrid.split")

#: batches decoded ahead of the router, and row groups queued for the writer
READ_AHEAD = 2
WRITE_QUEUE = 32
ROUTING_THREADS = 2  # batches routed at once (numpy releases the GIL in sorts and gathers)


class ShardSink:
    """Writes tiles' row groups in a background thread, in the order they come."""

    def __init__(self, paths: list[str], schema: pa.Schema):
        self.paths, self.schema = paths, schema
        self.writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
        self.jobs: queue.Queue = queue.Queue(maxsize=WRITE_QUEUE)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="tilegrid-write", daemon=True)
        self.thread.start()

    def write(self, tile: int, table: pa.Table) -> None:
        """Queue one row group of ``tile``; raises the failure of an earlier write."""
        self._check()
        self.jobs.put((tile, table))

    def close(self) -> None:
        """Write what is queued, close every shard, raise the first failure."""
        self.jobs.put(None)
        self.thread.join()
        self._check()

    def _check(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.error is not None:
                continue  # drain the queue; the router raises the error
            tile, table = job
            try:
                if tile not in self.writers:
                    self.writers[tile] = shardio.open_writer(self.paths[tile], self.schema)
                self.writers[tile].write_table(table)
            except BaseException as exc:  # noqa: BLE001 - raised in the router
                self.error = exc
        for writer in self.writers.values():
            try:
                writer.close()
            except BaseException as exc:  # noqa: BLE001 - raised in the router
                self.error = self.error or exc


@dataclass
class Column:
    """One shard column: its name, its type in the shard, and where its data comes from.

    ``mode`` is "codes" (category codes, stored dictionary-encoded against
    ``levels``), "float" (a numeric role as float64) or "arrow" (the input
    column as it is, taken with Arrow).
    """

    name: str
    field: pa.Field
    mode: str
    levels: pa.Array | None = None


class TileBuffers:
    """Each tile's rows not yet written; whole row groups go to the sink."""

    def __init__(self, columns: list[Column], n_tiles: int, row_group: int, sink: ShardSink):
        self.columns, self.row_group, self.sink = columns, row_group, sink
        self.schema = pa.schema([c.field for c in columns])
        self.pending: list[list[list[Any]]] = [[] for _ in range(n_tiles)]
        self.pending_rows = [0] * n_tiles
        self.rows = [0] * n_tiles

    def append(self, tile: int, pieces: list[Any], n: int) -> None:
        """Add ``n`` rows of ``tile`` (one piece per column); write whole row groups."""
        self.pending[tile].append(pieces)
        self.pending_rows[tile] += n
        self.rows[tile] += n
        if self.pending_rows[tile] >= self.row_group:
            self._flush(tile, final=False)

    def close(self) -> None:
        """Write every tile's last, partial row group (and an empty shard for an empty tile)."""
        for tile in range(len(self.pending)):
            if self.pending_rows[tile] or self.rows[tile] == 0:
                self._flush(tile, final=True)

    def _flush(self, tile: int, final: bool) -> None:
        pending = self.pending[tile]
        arrays = [_concat(c, [p[i] for p in pending]) for i, c in enumerate(self.columns)]
        total, start = self.pending_rows[tile], 0
        while total - start >= self.row_group:
            self._write(tile, arrays, start, start + self.row_group)
            start += self.row_group
        if final and (total > start or self.rows[tile] == 0):
            self._write(tile, arrays, start, total)
            start = total
        self.pending[tile] = [[_slice(a, start, total) for a in arrays]] if total > start else []
        self.pending_rows[tile] = total - start

    def _write(self, tile: int, arrays: list[Any], start: int, stop: int) -> None:
        columns = [_arrow(c, _slice(a, start, stop)) for c, a in zip(self.columns, arrays)]
        self.sink.write(tile, pa.Table.from_arrays(columns, schema=self.schema))


def _concat(column: Column, pieces: list[Any]) -> Any:
    """One tile's pending pieces of a column as one array (numpy, or Arrow for "arrow")."""
    if not pieces:
        if column.mode == "arrow":
            return pa.array([], column.field.type)
        return np.empty(0, np.int32 if column.mode == "codes" else np.float64)
    if len(pieces) == 1:
        return pieces[0]
    return pa.concat_arrays(pieces) if column.mode == "arrow" else np.concatenate(pieces)


def _arrow(column: Column, data: Any) -> pa.Array:
    """A column's data as the Arrow array stored in the shard."""
    if column.mode == "arrow":
        return data
    if column.mode == "codes":
        index = column.field.type.index_type
        codes = pa.array(np.asarray(data, dtype=f"int{index.bit_width}"), index)
        return pa.DictionaryArray.from_arrays(codes, column.levels)
    return pa.array(data, column.field.type)


@dataclass
class Routed:
    """One batch, routed: each tile's rows (in file order) and the batch's moments."""

    pieces: list[tuple[int, list[Any], int]]
    moments: dict[str, BatchMoments | None]
    dropped: dict[str, int]
    input_rows: int = 0
    #: rows dropped per tile, tiles x TILE_DROP_REASONS (None: none dropped)
    tile_dropped: np.ndarray | None = None
    #: the largest integer per numeric column that float64 cannot hold exactly
    inexact: dict[str, int] = field(default_factory=dict)


class Router:
    """Takes routed batches in file order: their moments merged per tile and category,
    their rows appended to each tile's buffer."""

    def __init__(self, columns: list[Column], buffers: TileBuffers, roles: list[str], groups: int):
        self.columns, self.buffers = columns, buffers
        self.n_tiles = len(buffers.rows)
        self.moments = {role: MomentTable(groups) for role in roles}

    def commit(self, routed: Routed) -> None:
        """Merge a routed batch's moments and append its rows (batches in file order)."""
        for role, moments in routed.moments.items():
            self.moments[role].merge(moments)
        for tid, pieces, n in routed.pieces:
            self.buffers.append(tid, pieces, n)


def group_radix(plan: SplitPlan, levels: dict[str, pa.Array]) -> list[int]:
    """Each category column's digit base in the moments' group key: its level count,
    at least 1 (a column without levels, all missing, keeps its rows under a custom
    kind: they count as one group, as missing values count under the first level)."""
    return [max(1, len(levels[name])) for name in plan.category_columns]


def _slice(data: Any, start: int, stop: int) -> Any:
    return data.slice(start, stop - start) if isinstance(data, pa.Array) else data[start:stop]


def shard_layout(plan: SplitPlan, levels: dict[str, pa.Array]) -> list[Column]:
    """Each shard column, its type in the shard and how the router takes it.

    The user's code (custom, preprocess) gets every column as it is.  Built-in
    kinds get their numeric roles as float64 and their categorical roles
    dictionary-encoded against the grid's levels (codes, not strings, to sort).
    """
    names = plan.shard_columns
    if plan.user_code:
        return [Column(n, pa.field(n, plan.value_types[n]), "arrow") for n in names]
    mode = {}
    for role, name in plan.columns.items():
        mode.setdefault(name, "float" if plan.roles[role] == "numeric" else "codes")
    out = []
    for name in names:
        if mode[name] == "float":
            out.append(Column(name, pa.field(name, pa.float64()), "float"))
        else:
            dtype = pa.dictionary(shardio.index_type(len(levels[name]))[0], levels[name].type)
            out.append(Column(name, pa.field(name, dtype), "codes", levels[name]))
    return out


class Partitioner:
    """The table's routed batches, committed in file order: rows and dropped rows
    counted (per tile too), rows and moments handed to the router."""

    def __init__(
        self,
        plan: SplitPlan,
        grid: Grid,
        levels: dict[str, pa.Array],
        columns: list[Column],
        router: Router,
    ):
        self.plan, self.grid, self.levels = plan, grid, levels
        self.columns, self.router = columns, router
        self.radix = group_radix(plan, levels)
        self.input_rows = 0
        self.dropped = dict.fromkeys(DROP_REASONS, 0)
        #: rows dropped from each tile they belong to, tiles x TILE_DROP_REASONS
        self.tile_dropped = np.zeros((router.n_tiles, len(TILE_DROP_REASONS)), np.int64)
        #: integer columns too large for float64, and their largest magnitude
        self.inexact: dict[str, int] = {}

    def commit(self, routed: Routed) -> None:
        """Count the batch's rows and dropped rows, and hand its rows and moments to the router."""
        self.input_rows += routed.input_rows
        for reason, count in routed.dropped.items():
            self.dropped[reason] += count
        if routed.tile_dropped is not None:
            self.tile_dropped += routed.tile_dropped
        merge_inexact(self.inexact, routed.inexact)
        self.router.commit(routed)

    def tile_drops(self, tile: int) -> dict[str, int]:
        """The rows dropped from ``tile``, by reason: only the reasons that dropped any."""
        counts = self.tile_dropped[tile].tolist()
        return {reason: n for reason, n in zip(TILE_DROP_REASONS, counts) if n}

    def tile_stats(self, tile: int) -> TileStats:
        """The merged moments of one tile, keyed by category codes."""
        out = {}
        for role, table in self.router.moments.items():
            out[role] = {self._unpack(g): m for g, m in table.for_tile(tile).items()}
        return TileStats(self.router.buffers.rows[tile], self.plan.categorical_roles, out)

    def _unpack(self, group: int) -> tuple[int, ...]:
        key = []
        for radix in reversed(self.radix):
            group, code = divmod(group, radix)
            key.append(code)
        return tuple(reversed(key))


@contextlib.contextmanager
def shard_writer(
    plan: SplitPlan,
    grid: Grid,
    levels: dict[str, pa.Array],
    columns: list[Column],
    out_dir: str,
    row_group: int,
) -> Iterator[Partitioner]:
    """A partitioner whose committed rows are written to every tile's shard.

    Commit routed batches to it in file order; on leaving, each tile's last row
    group is written and every shard closed (an empty tile's shard too).
    """
    paths = [os.path.join(out_dir, f"{tid}{shardio.SUFFIX}") for tid in grid.ids]
    sink = ShardSink(paths, pa.schema([c.field for c in columns]))
    buffers = TileBuffers(columns, len(paths), row_group, sink)
    groups = int(np.prod(group_radix(plan, levels)))
    router = Router(columns, buffers, plan.numeric_roles, groups)
    part = Partitioner(plan, grid, levels, columns, router)
    try:
        yield part
        buffers.close()
    finally:
        sink.close()
