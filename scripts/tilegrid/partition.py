"""Routing rows to tile shards: the split's hot loop, in numpy, on both cores.

Each input batch is routed with one stable sort of its tile codes (rows keep
their file order within a tile), while the per-(tile, category) moments of the
numeric roles are merged with ``np.bincount``.  Three stages overlap:

* a reader thread decodes the next batches (pyarrow releases the GIL),
* two threads code and route one batch each (:meth:`Partitioner.prepare`, then
  :meth:`Router.route`: numpy, which releases the GIL in its sorts and gathers),
  and the calling thread commits the routed batches in file order
  (:meth:`Router.commit`, see :func:`route_batches`),
* a writer thread writes finished row groups (Arrow IPC batches, pyarrow again).

Memory is bounded by the queues between the stages plus each tile's pending
rows (fewer than ``row_group`` each), whatever the number of input rows.

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
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import shardio, tableio
from .contracts import DROP_REASONS, TILE_DROP_REASONS
from .grid import Grid
from .levels import MISSING, codes, plain, value_type
from .plan import SplitError, SplitPlan
from .stats import BatchMoments, MomentTable, TileStats, batch_moments

log = logging.getLogger("tilegrid.split")

#: batches decoded ahead of the router, and row groups queued for the writer
READ_AHEAD = 2
WRITE_QUEUE = 32
ROUTING_THREADS = 2  # batches routed at once (numpy releases the GIL in sorts and gathers)


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
    #: rows dropped per tile, tiles x TILE_DROP_REASONS (None: none dropped)
    tile_dropped: np.ndarray | None = None
    #: the largest integer per numeric column that float64 cannot hold exactly
    inexact: dict[str, int] = field(default_factory=dict)


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


def group_radix(plan: SplitPlan, levels: dict[str, pa.Array]) -> list[int]:
    """Each category column's digit base in the moments' group key: its level count,
    at least 1 (a column without levels, all missing, keeps its rows under a custom
    kind: they count as one group, as missing values count under the first level)."""
    return [max(1, len(levels[name])) for name in plan.category_columns]


def _take(data: Any, rows: np.ndarray) -> Any:
    return data.take(pa.array(rows)) if isinstance(data, pa.Array) else data[rows]


def _slice(data: Any, start: int, stop: int) -> Any:
    return data.slice(start, stop - start) if isinstance(data, pa.Array) else data[start:stop]


def shard_layout(plan: SplitPlan, schema: pa.Schema, levels: dict[str, pa.Array]) -> list[Column]:
    """Each shard column, its type in the shard and how the router takes it.

    The user's code (custom, preprocess) gets every column as it is.  Built-in
    kinds get their numeric roles as float64 and their categorical roles
    dictionary-encoded against the grid's levels (codes, not strings, to sort).
    """
    names = plan.shard_columns
    if plan.user_code:
        return [Column(n, pa.field(n, value_type(schema.field(n).type)), "arrow") for n in names]
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
    """Turns each batch into tile codes, category codes and values, and hands them to the router."""

    def __init__(
        self,
        plan: SplitPlan,
        grid: Grid,
        levels: dict[str, pa.Array],
        columns: list[Column],
        router: Router,
        total: int = 0,
    ):
        self.plan, self.grid, self.levels = plan, grid, levels
        self.columns, self.router = columns, router
        self.radix = group_radix(plan, levels)
        #: the table's row count (``chunks`` splits the rows by position)
        self.total = total
        self.input_rows = 0
        self.dropped = dict.fromkeys(DROP_REASONS, 0)
        #: rows dropped from each tile they belong to, tiles x TILE_DROP_REASONS
        self.tile_dropped = np.zeros((router.n_tiles, len(TILE_DROP_REASONS)), np.int64)
        #: integer columns too large for float64, and their largest magnitude
        self.inexact: dict[str, int] = {}

    def tile_codes(
        self, batch: pa.RecordBatch, offset: int = 0, dropped: dict[str, int] | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Each row's tile index, and a mask of rows inside the grid (None: all are).

        Rows outside the grid are counted in ``dropped`` by reason (a missing
        facet value, or one left out of row_order/col_order).  The index of a
        row outside the grid is meaningless: only kept rows are used.
        """
        spec = self.plan.spec
        n = batch.num_rows
        dropped = {} if dropped is None else dropped
        keep, tile = None, None  # codes of dropped rows are never used
        if spec.row:
            r = codes(batch.column(spec.row), self.grid.row_levels)
            keep = _drop_codes(keep, r, dropped, "missing_facet", "facet_not_in_order")
            tile = r * np.int32(self.grid.n_cols)
        if spec.chunks:
            rows = np.arange(offset, offset + n, dtype=np.int64)
            part = (rows * spec.chunks // max(self.total, 1)).astype(np.int32)
            tile = part if tile is None else tile + part
        elif spec.col:
            c = codes(batch.column(spec.col), self.grid.col_levels)
            keep = _drop_codes(keep, c, dropped, "missing_facet", "facet_not_in_order")
            tile = c if tile is None else tile + c
        if tile is None:
            tile = np.zeros(n, dtype=np.int32)
        return tile, keep

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

    def prepare(self, batch: pa.RecordBatch, offset: int) -> Routed:
        """Route one batch whose first row is row ``offset`` of the table (thread-safe).

        Each dropped row is counted once, under the first reason that applies:
        facets (row, then col), then categories (x, then hue), then numbers.
        A row dropped for a category or a number is also counted in its tile.
        """
        strict = self.plan.drops_invalid
        dropped = dict.fromkeys(DROP_REASONS, 0)
        inexact: dict[str, int] = {}
        tile, keep = self.tile_codes(batch, offset, dropped)
        per_tile = TileDrops(tile, self.router.n_tiles)
        group = np.zeros(batch.num_rows, dtype=np.int32)
        category: dict[str, np.ndarray] = {}
        for name, radix in zip(self.plan.category_columns, self.radix):
            if name not in category:
                category[name] = codes(batch.column(name), self.levels[name])
            code = category[name]
            if strict:
                keep = _drop_codes(
                    keep, code, dropped, "missing_category", "category_not_in_order", per_tile
                )
            group = group * np.int32(radix) + self.group_code(code)
        values: dict[str, np.ndarray] = {}
        for role in self.plan.numeric_roles:
            name = self.plan.columns[role]
            values[role] = numeric(batch.column(name), name)
            big = inexact_integers(batch.column(name))
            if big is not None:
                merge_inexact(inexact, {name: big})
            if strict:
                keep = _drop(keep, np.isfinite(values[role]), dropped, "non_finite", per_tile)
        sources = [self._source(batch, c, category, values) for c in self.columns]
        routed = self.router.route(tile, keep, group, values, sources)
        routed.dropped = dropped
        routed.tile_dropped = per_tile.counts
        routed.input_rows = batch.num_rows
        routed.inexact = inexact
        return routed

    @staticmethod
    def group_code(code: np.ndarray) -> np.ndarray:
        """A category's place in the moments' group key: its code; a missing or
        absent value (kept only by custom kinds) counts as the first level."""
        return np.maximum(code, 0)

    def _source(self, batch, column: Column, category, values) -> Any:
        if column.mode == "codes":
            return category[column.name]
        if column.mode == "float":
            role = next(r for r in self.plan.numeric_roles if self.plan.columns[r] == column.name)
            return values[role]
        return plain(batch.column(column.name))

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


class TileDrops:
    """One batch's rows dropped per tile and reason: tiles x :data:`TILE_DROP_REASONS`.

    Only rows inside the grid are counted here (``tile`` holds their tile codes);
    ``counts`` stays None until a row is dropped, so a clean batch costs nothing.
    """

    def __init__(self, tile: np.ndarray, n_tiles: int):
        self.tile, self.n_tiles = tile, n_tiles
        self.counts: np.ndarray | None = None

    def add(self, reason: str, rows: np.ndarray) -> int:
        """Count ``rows`` (indices) in their tiles under ``reason``; how many they are."""
        tiles = self.tile.take(rows)
        if tiles.size:
            if self.counts is None:
                self.counts = np.zeros((self.n_tiles, len(TILE_DROP_REASONS)), np.int64)
            column = TILE_DROP_REASONS.index(reason)
            self.counts[:, column] += np.bincount(tiles, minlength=self.n_tiles)
        return int(tiles.size)


def _drop(
    keep: np.ndarray | None,
    valid: np.ndarray,
    dropped: dict,
    reason: str,
    per_tile: TileDrops | None = None,
):
    """``keep`` narrowed to ``valid`` rows, counting in ``dropped`` (and in ``per_tile``,
    by the rows' tiles) the rows it removes."""
    if valid.all():
        return keep
    removed = ~valid if keep is None else keep & ~valid
    if per_tile is None:
        dropped[reason] += int(np.count_nonzero(removed))
    else:
        dropped[reason] += per_tile.add(reason, np.flatnonzero(removed))
    return valid if keep is None else keep & valid


def _drop_codes(
    keep: np.ndarray | None,
    code: np.ndarray,
    dropped: dict,
    missing: str,
    absent: str,
    per_tile: TileDrops | None = None,
) -> np.ndarray | None:
    """``keep`` narrowed to rows with a level (``code >= 0``), counting the rows it removes
    in ``dropped`` (and in ``per_tile``, by the rows' tiles) as ``missing`` (null, NaN,
    "") or ``absent`` (not in the order)."""
    valid = code >= 0
    if valid.all():
        return keep
    alive = ~valid if keep is None else keep & ~valid
    if per_tile is None:
        n_missing = int(np.count_nonzero(alive & (code == MISSING)))
        n_absent = int(np.count_nonzero(alive)) - n_missing
    else:
        rows = np.flatnonzero(alive)
        is_missing = code.take(rows) == MISSING
        n_missing = per_tile.add(missing, rows[is_missing])
        n_absent = per_tile.add(absent, rows[~is_missing])
    dropped[missing] = dropped.get(missing, 0) + n_missing
    dropped[absent] = dropped.get(absent, 0) + n_absent
    return valid if keep is None else keep & valid


def numeric(column: pa.Array, name: str) -> np.ndarray:
    """A numeric column as float64 with NaN for nulls (zero-copy for float64)."""
    column = plain(column)
    if pa.types.is_null(column.type):  # a column with no values at all (CSV)
        return np.full(len(column), np.nan)
    if pa.types.is_boolean(column.type) or not (
        pa.types.is_integer(column.type) or pa.types.is_floating(column.type)
    ):
        raise SplitError(f"column {name!r}: type {column.type} is not numeric")
    if pa.types.is_float64(column.type) and column.null_count == 0:
        return column.to_numpy()
    # unsafe: integers beyond 2**53 (epoch nanoseconds) round to the nearest float
    cast = pc.cast(column, pa.float64(), safe=False)
    return cast.fill_null(np.nan).to_numpy(zero_copy_only=False)


def inexact_integers(column: pa.Array) -> int | None:
    """The largest magnitude of an integer column when float64 cannot hold it exactly
    (beyond 2**53), else None."""
    column = plain(column)
    if not pa.types.is_integer(column.type) or len(column) == column.null_count:
        return None
    bounds = pc.min_max(column)
    big = max(abs(int(bounds["min"].as_py())), abs(int(bounds["max"].as_py())))
    return big if big > 2**53 else None


def merge_inexact(into: dict[str, int], other: dict[str, int]) -> None:
    """Merge the largest inexact integers per column of ``other`` into ``into``."""
    for name, big in other.items():
        into[name] = max(into.get(name, 0), big)


def warn_inexact(inexact: dict[str, int]) -> None:
    """Log once per column whose integers are too large for float64 to hold exactly."""
    for name, big in inexact.items():
        log.warning(
            "column %r: integers up to %d are drawn as float64, exact to 1 part in 2**53",
            name,
            big,
        )


def route_batches(part: Partitioner, batches, threads: int = ROUTING_THREADS) -> None:
    """Route batches in ``threads`` threads, committing them in file order.

    numpy's sort and gathers release the GIL: two routing threads keep both
    cores busy while the reader and writer threads wait on pyarrow.
    """
    offset = 0
    with ThreadPoolExecutor(threads, thread_name_prefix="tilegrid-route") as pool:
        pending: deque = deque()
        for batch in batches:
            pending.append(pool.submit(part.prepare, batch, offset))
            offset += batch.num_rows
            if len(pending) >= threads:
                part.commit(pending.popleft().result())
        while pending:
            part.commit(pending.popleft().result())


@contextlib.contextmanager
def shard_writer(
    plan: SplitPlan,
    grid: Grid,
    levels: dict[str, pa.Array],
    columns: list[Column],
    total: int,
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
    part = Partitioner(plan, grid, levels, columns, router, total)
    try:
        yield part
        buffers.close()
    finally:
        sink.close()


def route_table(part: Partitioner) -> None:
    """Pass 2: read the table once more and route all its rows into ``part`` (a
    :func:`shard_writer`'s, which writes them to the tiles' shards)."""
    plan = part.plan
    read = read_columns(plan, part.columns)
    route_batches(
        part, prefetch(tableio.iter_batches(plan.spec.data, read, plan.spec.source_column))
    )


def read_columns(plan: SplitPlan, columns: list[Column]) -> list[str]:
    """The input columns pass 2 reads: the shard's, and the facets."""
    return list(dict.fromkeys([c.name for c in columns] + plan.spec.facets))
