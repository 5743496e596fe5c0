"""Routing one scan's rows to its tiles, in one pass: the split's hot loop, in numpy.

A scan reads its rows once.  Each batch is *coded* in file order (the facet
and category levels are learnt as they come, :class:`~tilegrid.split.levels.LevelLearner`,
and each row gets its *local* tile: a dense id of its facet codes), then *routed*
in a worker thread (one stable sort of the local tiles, so rows keep their file
order within a tile; the moments of the numeric roles per tile and category
group by ``np.bincount``), and committed in file order.  The gather maps local
tiles, codes and groups to the table's (:mod:`tilegrid.split.gather`).

Three stages overlap: a reader thread decodes the next batches (pyarrow
releases the GIL), routing threads sort and gather (numpy releases it too), and
the calling thread codes and commits.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from ..core.levels import plain
from ..core.manifest import DROP_REASONS, TILE_DROP_REASONS
from ..core.stats import batch_moments
from .drops import TileDrops, drop, drop_codes, inexact_integers, merge_inexact, numeric
from .grid import fixed_levels
from .levels import DenseIds, LevelLearner
from .spec import SplitPlan

#: batches decoded ahead of the router
READ_AHEAD = 2
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


@dataclass(frozen=True)
class ScanColumn:
    """One shard column as a scan stores it: "codes" (a categorical role: int32 codes of
    the scan's own levels), "float" (a numeric role as float64) or "arrow" (as read)."""

    name: str
    field: pa.Field
    mode: str


def scan_columns(plan: SplitPlan) -> list[ScanColumn]:
    """The shard's columns as a scan stores them (see
    :func:`tilegrid.split.writer.shard_layout`)."""
    if plan.user_code:
        return [
            ScanColumn(n, pa.field(n, plan.value_types[n]), "arrow") for n in plan.shard_columns
        ]
    mode: dict[str, str] = {}
    for role, name in plan.columns.items():
        mode.setdefault(name, "float" if plan.roles[role] == "numeric" else "codes")
    types = {"float": pa.float64(), "codes": pa.int32()}
    return [ScanColumn(n, pa.field(n, types[mode[n]]), mode[n]) for n in plan.shard_columns]


@dataclass
class Coded:
    """One batch, coded: each row's local tile and group, the rows kept, what to store."""

    tile: np.ndarray
    keep: np.ndarray | None
    group: np.ndarray
    values: dict[str, np.ndarray]
    sources: list[Any]
    n_tiles: int
    n_groups: int
    input_rows: int
    dropped: dict[str, int]
    tile_dropped: np.ndarray | None
    inexact: dict[str, int]
    #: per category column, how many kept rows each of its local levels has
    kept_levels: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class RoutedBatch:
    """One batch, routed: its kept rows sorted by local tile, and their moments."""

    rows: list[Any]
    #: (local tile, rows) in the order of ``rows``
    pieces: list[tuple[int, int]]
    #: per numeric role: local tiles, local groups and the moments' arrays, or None
    moments: dict[str, tuple | None]
    coded: Coded
    scales: dict[str, float | None] = field(default_factory=dict)


class ScanRouter:
    """Codes a scan's batches in file order, learning its levels, and routes them.

    :meth:`code` must see the batches in order (it learns); :meth:`route` only
    reads what :meth:`code` returned, so batches are routed in parallel threads.
    """

    def __init__(self, plan: SplitPlan, total: int = 0):
        self.plan, self.total = plan, total
        spec = plan.spec
        explicit = fixed_levels(
            plan, [n for n in plan.level_columns if plan.orders.get(n) is not None]
        )
        self.learners = {n: LevelLearner(n, explicit.get(n)) for n in plan.level_columns}
        self.facets = [] if spec.chunks else spec.facets
        self.tiles = DenseIds(len(self.facets))
        self.groups = DenseIds(len(plan.category_columns))
        self.columns = scan_columns(plan)

    def code(self, batch: pa.RecordBatch, offset: int) -> Coded:
        """Code one batch whose first row is row ``offset`` of the table (in file order).

        Each dropped row is counted once, under the first reason that applies:
        facets (row, then col), then categories (x, then hue), then numbers.
        A row dropped for a category or a number is also counted in its tile.
        """
        n = batch.num_rows
        dropped = dict.fromkeys(DROP_REASONS, 0)
        tile, keep = self._tile(batch, offset, dropped)
        per_tile = TileDrops(tile, self.n_tiles)
        strict = self.plan.drops_invalid
        category: dict[str, np.ndarray] = {}
        digits = []
        for name in self.plan.category_columns:
            if name not in category:
                category[name] = self.learners[name].code(batch.column(name))
            code = category[name]
            if strict:
                keep = drop_codes(
                    keep, code, dropped, "missing_category", "category_not_in_order", per_tile
                )
            digits.append(np.where(code >= 0, code + np.int32(1), np.int32(0)))
        group = self.groups.ids(digits, n)
        values, inexact = {}, {}
        for role in self.plan.numeric_roles:
            name = self.plan.columns.get(role)
            if name is None:  # the rows role (COUNTS_ROWS): each row once, for its count
                values[role] = np.zeros(n)
                continue
            values[role] = numeric(batch.column(name), name)
            big = inexact_integers(batch.column(name))
            if big is not None:
                merge_inexact(inexact, {name: big})
            if strict:
                keep = drop(keep, np.isfinite(values[role]), dropped, "non_finite", per_tile)
        sources = [self._source(batch, c, category, values) for c in self.columns]
        kept = {name: kept_counts(code, keep) for name, code in category.items()}
        return Coded(
            tile, keep, group, values, sources, self.n_tiles, len(self.groups), n,
            dropped, per_tile.counts, inexact, kept,
        )  # fmt: skip

    @property
    def n_tiles(self) -> int:
        """Local tiles so far (with ``facet.chunks``: the chunks)."""
        return self.plan.spec.chunks or len(self.tiles)

    def tile_keys(self) -> list[list[int]] | None:
        """Each local tile's facet codes (of the scan's levels); None with ``facet.chunks``,
        whose local tiles are the table's."""
        return None if self.plan.spec.chunks else [list(k) for k in self.tiles.keys]

    def _tile(self, batch: pa.RecordBatch, offset: int, dropped: dict[str, int]):
        """Each row's local tile, and the rows inside the grid (None: all are)."""
        n = batch.num_rows
        if self.plan.spec.chunks:
            rows = np.arange(offset, offset + n, dtype=np.int64)
            return (rows * self.plan.spec.chunks // max(self.total, 1)).astype(np.int32), None
        keep = None
        codes = []
        for name in self.facets:
            code = self.learners[name].code(batch.column(name))
            keep = drop_codes(keep, code, dropped, "missing_facet", "facet_not_in_order")
            codes.append(code)
        if keep is None:
            return self.tiles.ids(codes, n), None
        tile = np.zeros(n, np.int32)  # rows outside the grid: never used
        tile[keep] = self.tiles.ids([c[keep] for c in codes], int(np.count_nonzero(keep)))
        return tile, keep

    def _source(self, batch, column: ScanColumn, category, values) -> Any:
        if column.mode == "codes":
            return category[column.name]
        if column.mode == "float":
            role = next(r for r in self.plan.numeric_roles if self.plan.columns[r] == column.name)
            return values[role]
        return plain(batch.column(column.name))

    def route(self, coded: Coded) -> RoutedBatch:
        """Sort the batch's kept rows by local tile (file order within each) and take the
        moments of its numeric roles per local tile and group (thread-safe)."""
        kept = None if coded.keep is None else np.flatnonzero(coded.keep)
        t = coded.tile if kept is None else coded.tile[kept]
        routed = RoutedBatch([], [], {}, coded)
        if t.size == 0:
            return routed
        g = coded.group if kept is None else coded.group[kept]
        for role, v in coded.values.items():
            v = v if kept is None else v[kept]
            routed.moments[role] = _moments(t, g, v, coded.n_groups)
        order = np.argsort(t.astype(_sort_type(coded.n_tiles), copy=False), kind="stable")
        rows = order if kept is None else kept[order]
        routed.rows = [_take(data, rows) for data in coded.sources]
        counts = np.bincount(t, minlength=coded.n_tiles)
        routed.pieces = [(tid, int(counts[tid])) for tid in np.flatnonzero(counts).tolist()]
        return routed


def kept_counts(code: np.ndarray, keep: np.ndarray | None) -> np.ndarray:
    """How many of the kept rows have each code (a level's rows all dropped: 0)."""
    if keep is not None:
        code = code[keep]
    return np.bincount(code[code >= 0]) if code.size else np.zeros(0, np.int64)


def _sort_type(n_tiles: int):
    """The narrowest key type: numpy sorts 8- and 16-bit keys by radix sort (stable)."""
    return np.uint8 if n_tiles <= 256 else np.uint16 if n_tiles <= 2**16 else np.int32


def _moments(tiles: np.ndarray, groups: np.ndarray, values: np.ndarray, n_groups: int):
    """The batch's moments per (local tile, local group) of finite ``values``, or None."""
    keys = tiles.astype(np.int64) * max(n_groups, 1) + groups
    finite = np.isfinite(values)
    if not finite.all():
        keys, values = keys[finite], values[finite]
    moments = batch_moments(keys, values)
    if moments is None:
        return None
    tile, group = np.divmod(moments.keys, max(n_groups, 1))
    return (tile, group, moments)


def _take(data: Any, rows: np.ndarray) -> Any:
    return data.take(pa.array(rows)) if isinstance(data, pa.Array) else data[rows]


def route_batches(
    router: ScanRouter,
    batches: Iterable[pa.RecordBatch],
    commit: Callable[[RoutedBatch], None],
    threads: int = ROUTING_THREADS,
) -> None:
    """Code ``batches`` in order, route them in ``threads`` threads, ``commit`` them in order
    (one thread: all in this one, the batches read ahead of nothing)."""
    offset = 0
    if threads <= 1:
        for batch in batches:
            commit(router.route(router.code(batch, offset)))
            offset += batch.num_rows
        return
    batches = prefetch(batches)
    with ThreadPoolExecutor(threads, thread_name_prefix="tilegrid-route") as pool:
        pending: deque = deque()
        for batch in batches:
            pending.append(pool.submit(router.route, router.code(batch, offset)))
            offset += batch.num_rows
            if len(pending) >= threads:
                commit(pending.popleft().result())
        while pending:
            commit(pending.popleft().result())


def tile_drop_rows(counts: list[np.ndarray]) -> list[list[int]]:
    """Rows dropped per local tile, ``[tile, *counts by TILE_DROP_REASONS]`` for each tile
    that dropped any, from the batches' counts (arrays of the tiles known then)."""
    if not counts:
        return []
    total = np.zeros((max(len(c) for c in counts), len(TILE_DROP_REASONS)), np.int64)
    for c in counts:
        total[: len(c)] += c
    return [[int(t), *total[t].tolist()] for t in np.flatnonzero(total.any(axis=1))]
