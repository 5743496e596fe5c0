"""Routing rows to tile shards: the split's hot loop, in numpy, on both cores.

Each input batch is routed with one stable sort of its tile codes (rows keep
their file order within a tile), while the per-(tile, category) moments of the
numeric roles are merged with ``np.bincount``.  Three stages overlap:

* a reader thread decodes the next batches (pyarrow releases the GIL),
* two threads route one batch each (:meth:`Router.route`: numpy, which releases
  the GIL in its sorts and gathers), and the calling thread commits the routed
  batches in file order (:meth:`Router.commit`, see ``split.route_batches``),
* a writer thread writes finished row groups (Arrow IPC batches, pyarrow again).

Memory is bounded by the queues between the stages plus each tile's pending
rows (fewer than ``row_group`` each), whatever the number of input rows.

A shard's bytes depend only on its own rows and on the grid's shared facts
(the category levels): row groups hold exactly ``row_group`` of the tile's
own rows, never a count of input batches, and categorical columns are
dictionary-encoded against the grid's levels.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from . import shardio
from .stats import BatchMoments, MomentTable, batch_moments

#: batches decoded ahead of the router, and row groups queued for the writer
READ_AHEAD = 2
WRITE_QUEUE = 32


def prefetch(items: Iterable[Any], depth: int = READ_AHEAD) -> Iterator[Any]:
    """Iterate ``items`` in a background thread, ``depth`` items ahead.

    Decoding a Parquet or CSV batch releases the GIL, so it overlaps with the
    caller's work.  An exception in the producer is raised in the caller.
    """
    box: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                box.put((item, None))
            box.put((done, None))
        except BaseException as exc:  # noqa: BLE001 - raised in the consumer
            box.put((done, exc))

    thread = threading.Thread(target=produce, name="tilegrid-read", daemon=True)
    thread.start()
    try:
        while True:
            item, exc = box.get()
            if exc is not None:
                raise exc
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a producer blocked on a full queue finish
            with contextlib.suppress(queue.Empty):
                box.get(timeout=0.05)


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
        codes = pa.array(np.asarray(data, dtype=index.to_pandas_dtype()), index)
        return pa.DictionaryArray.from_arrays(codes, column.levels)
    return pa.array(data, column.field.type)


@dataclass
class Routed:
    """One batch, routed: each tile's rows (in file order) and the batch's moments."""

    pieces: list[tuple[int, list[Any], int]]
    moments: dict[str, BatchMoments | None]
    dropped: dict[str, int]
    input_rows: int = 0


class Router:
    """Routes batches: one stable sort per batch, moments merged per tile and category.

    :meth:`route` only reads shared state, so batches can be routed in
    parallel threads; :meth:`commit` must see them in file order.
    """

    def __init__(self, columns: list[Column], buffers: TileBuffers, roles: list[str], groups: int):
        self.columns, self.buffers = columns, buffers
        self.n_tiles = len(buffers.rows)
        self.moments = {role: MomentTable(groups) for role in roles}
        # numpy sorts 8- and 16-bit keys by radix sort (stable): one pass per byte
        self.sort_type = (
            np.uint8 if self.n_tiles <= 256 else np.uint16 if self.n_tiles <= 2**16 else np.int32
        )

    def route(
        self,
        tile: np.ndarray,
        keep: np.ndarray | None,
        group: np.ndarray,
        values: dict[str, np.ndarray],
        sources: list[Any],
    ) -> Routed:
        """Each tile's kept rows, in file order, and the batch's moments.

        ``tile`` and ``group`` are per-row codes, ``keep`` a mask of rows to keep
        (None: all), ``values`` the numeric roles as float64 (non-finite values
        are left out of the moments), ``sources`` each shard column's data.
        """
        kept = None if keep is None else np.flatnonzero(keep)
        t = tile if kept is None else tile[kept]
        routed = Routed([], {}, {})
        if t.size == 0:
            return routed
        g = group if kept is None else group[kept]
        for role, v in values.items():
            v = v if kept is None else v[kept]
            keys = self.moments[role].keys(t, g)
            finite = np.isfinite(v)
            if not finite.all():
                keys, v = keys[finite], v[finite]
            routed.moments[role] = batch_moments(keys, v)
        order = np.argsort(t.astype(self.sort_type, copy=False), kind="stable")
        rows = order if kept is None else kept[order]
        counts = np.bincount(t, minlength=self.n_tiles)
        taken = [_take(data, rows) for data in sources]
        start = 0
        for tid in np.flatnonzero(counts).tolist():
            stop = start + int(counts[tid])
            routed.pieces.append((tid, [_slice(a, start, stop) for a in taken], stop - start))
            start = stop
        return routed

    def commit(self, routed: Routed) -> None:
        """Merge a routed batch's moments and append its rows (batches in file order)."""
        for role, moments in routed.moments.items():
            self.moments[role].merge(moments)
        for tid, pieces, n in routed.pieces:
            self.buffers.append(tid, pieces, n)


def _take(data: Any, rows: np.ndarray) -> Any:
    return data.take(pa.array(rows)) if isinstance(data, pa.Array) else data[rows]


def _slice(data: Any, start: int, stop: int) -> Any:
    return data.slice(start, stop - start) if isinstance(data, pa.Array) else data[start:stop]
