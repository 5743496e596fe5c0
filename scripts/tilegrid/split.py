"""The split: stream a table into one shard per tile plus what tiles must agree on.

Streaming passes over the needed columns, so memory does not grow with rows:

1. *levels*: the values of the facet columns and of the kind's categorical
   roles (x, hue, ...), in seaborn's order;
2. *partition*: every row is routed to its tile's buffer, flushed to the
   tile's shard (Arrow IPC) in batches of exactly ``ROW_GROUP`` rows, while
   count/mean/variance/min/max of each numeric role are merged per tile and
   category, from which each kind derives the extents its axes need;
3. only for binned kinds whose binned counts set a shared limit (histogram
   heights, KDE peaks, 2-D counts): one pass over each tile's own shard.

A shard's bytes depend only on its own rows (in file order) and the shared
levels its categories are coded against: batch boundaries are counted in the
tile's own rows, never in input batches.  A sidecar holds only what its tile
must agree on with others, so it changes only when the tile's picture must.
"""

from __future__ import annotations

import json
import logging
import os
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import tableio
from .ids import canonical_value, tile_id
from .kinds import get_kind, resolve_options, role_columns, role_types
from .levels import MISSING, LevelCollector, LevelError, cast_order, codes, plain, value_type
from .partition import Column, Routed, Router, ShardSink, TileBuffers, prefetch
from .shardio import SUFFIX, index_type, read_shard
from .stats import Moments

log = logging.getLogger("tilegrid.split")

ROW_GROUP = 1 << 16  # rows per shard row group; bounds the split's buffers per tile
ROUTING_THREADS = 2  # batches routed at once (numpy releases the GIL in sorts and gathers)
MARGIN = 0.05  # matplotlib's default autoscale margin
MANIFEST = "manifest.json"
CATEGORICAL_ROLES = ("x", "y", "hue")
#: why a row is not in any tile, in the order a row's reason is decided; each is
#: logged by the split and counted in the manifest's "dropped"
DROP_REASONS = {
    "missing_facet": "a facet value (row, col) is missing: null, NaN or empty",
    "facet_not_in_order": "a facet value is not in row_order/col_order",
    "missing_category": "a categorical value (x, hue) is missing: null, NaN or empty",
    "category_not_in_order": "a categorical value is not in its order (options.order, hue_order)",
    "non_finite": "a numeric value is missing, NaN or infinite",
}


class SplitError(ValueError):
    """A problem with the data or config found by the split, worded for the user."""


@dataclass
class SplitSpec:
    """What the split needs to know: the facets, the columns, the kind and the sharing."""

    data: str
    row: str | None = None
    col: str | None = None
    row_order: list[Any] | None = None
    col_order: list[Any] | None = None
    chunks: int | None = None
    kind: str = "violin"
    x: str | None = None
    y: str | None = None
    hue: str | None = None
    hue_order: list[Any] | None = None
    palette: Any = None
    options: dict[str, Any] = field(default_factory=dict)
    sharex: bool | str = True
    sharey: bool | str = True
    sharec: bool = True
    preprocess: str | None = None
    max_tiles: int = 1000

    @property
    def facets(self) -> list[str]:
        """The facet columns, row first."""
        return [c for c in (self.row, self.col) if c]


@dataclass
class Grid:
    """The tiles: their facet levels and ids, in grid (row-major) order."""

    row_levels: pa.Array | None
    col_levels: pa.Array | None
    col_var: str | None
    keys: list[tuple[int | None, int | None]]
    ids: list[str]

    @property
    def n_cols(self) -> int:
        return len(self.col_levels) if self.col_levels is not None else 1


@dataclass
class TileFacts:
    """Merged moments of one tile: per numeric role, per category combination."""

    rows: int
    cat_roles: list[str]
    moments: dict[str, dict[tuple[int, ...], Moments]]

    def all(self, role: str) -> list[Moments]:
        """Moments of every group of ``role``."""
        return list(self.moments.get(role, {}).values())

    def by(self, role: str, category_role: str) -> dict[int, Moments]:
        """Moments of ``role`` merged per category of ``category_role``."""
        pos = self.cat_roles.index(category_role)
        out: dict[int, Moments] = {}
        for key, m in self.moments.get(role, {}).items():
            out[key[pos]] = out[key[pos]].merge(m) if key[pos] in out else m
        return out


@dataclass
class SplitResult:
    """What the split wrote, for logging and tests."""

    tiles: list[dict[str, Any]]
    dropped: dict[str, int]
    input_rows: int = 0


# ---------------------------------------------------------------- pass 1: levels


def explicit_orders(spec: SplitSpec) -> dict[str, list[Any] | None]:
    """The orders the config gives for facet and categorical columns."""
    explicit = {spec.row: spec.row_order, spec.col: spec.col_order}
    if spec.hue:
        explicit[spec.hue] = spec.hue_order
    if spec.x and spec.options.get("order") is not None:
        explicit.setdefault(spec.x, spec.options["order"])
    return explicit


def collect_levels(
    spec: SplitSpec, columns: list[str], schema: pa.Schema | None = None
) -> tuple[dict[str, pa.Array], int]:
    """The ordered levels of ``columns`` and the table's row count (0 if not needed).

    A pass over the columns is needed wherever their values decide the order,
    categorical columns included: each row group and each file of a folder may
    carry its own dictionary, and the categories are their union.  Only when
    every column has an explicit order is no pass needed (the row count is read
    only when ``chunks`` asks for it).
    """
    explicit = explicit_orders(spec)
    schema = schema or tableio.read_schema(spec.data)
    if not spec.chunks and all(explicit.get(c) is not None for c in columns):
        try:
            return {c: cast_order(explicit[c], _level_type(schema, c), c) for c in columns}, 0
        except LevelError as exc:
            raise SplitError(str(exc)) from exc
    collectors = {c: LevelCollector(c) for c in columns}
    total = 0
    read = columns or [schema.names[0]]
    for batch in tableio.iter_batches(spec.data, read):
        total += batch.num_rows
        for name in columns:
            collectors[name].add(batch.column(name))
    try:
        return {c: collectors[c].order(explicit.get(c)) for c in columns}, total
    except LevelError as exc:
        raise SplitError(str(exc)) from exc


def _level_type(schema: pa.Schema, column: str) -> pa.DataType:
    """The type a column's levels have (dictionaries decoded, strings normalised)."""
    return value_type(schema.field(column).type)


def make_grid(spec: SplitSpec, levels: dict[str, pa.Array]) -> Grid:
    """The tiles of the grid; stops when there would be more than ``max_tiles``."""
    row_levels = levels[spec.row] if spec.row else None
    col_levels = levels[spec.col] if spec.col else None
    col_var = spec.col
    if spec.chunks:
        col_levels, col_var = pa.array(range(spec.chunks), pa.int64()), "chunk"
    for var, facet_levels in ((spec.row, row_levels), (col_var, col_levels)):
        if facet_levels is not None and len(facet_levels) == 0:
            raise SplitError(
                f"facet column {var!r}: no value to make tiles of (every value is missing: "
                "null, NaN or empty, or left out of its row_order/col_order)"
            )
    n_rows = len(row_levels) if row_levels is not None else 1
    n_cols = len(col_levels) if col_levels is not None else 1
    if n_rows * n_cols > spec.max_tiles:
        raise SplitError(
            f"facet: {n_rows} x {n_cols} = {n_rows * n_cols} tiles exceeds facet.max_tiles "
            f"({spec.max_tiles}); facet by a column with fewer values or raise facet.max_tiles"
        )
    keys = [
        (r if row_levels is not None else None, c if col_levels is not None else None)
        for r in range(n_rows)
        for c in range(n_cols)
    ]
    ids = []
    for r, c in keys:
        values = []
        if r is not None:
            values.append(row_levels[r].as_py())
        if c is not None:
            values.append(col_levels[c].as_py())
        ids.append(tile_id(values))
    return Grid(row_levels, col_levels, col_var, keys, ids)


# ---------------------------------------------------------------- pass 2: partition


class Partitioner:
    """Turns each batch into codes and values, and hands them to the router."""

    def __init__(self, spec, grid, levels, roles, columns: list[Column], router: Router):
        self.spec, self.grid, self.levels = spec, grid, levels
        self.roles, self.columns, self.router = roles, columns, router
        self.cols = role_columns(spec)
        self.cat_roles = [r for r in CATEGORICAL_ROLES if roles.get(r) == "categorical"]
        self.radix = [len(levels[self.cols[r]]) for r in self.cat_roles]
        self.numeric_roles = [r for r, t in roles.items() if t == "numeric"]
        self.strict = spec.kind != "custom"
        self.total = 0
        self.input_rows = 0
        self.dropped = dict.fromkeys(DROP_REASONS, 0)

    def tile_codes(
        self, batch: pa.RecordBatch, offset: int = 0, dropped: dict[str, int] | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Each row's tile index, and a mask of rows inside the grid (None: all are).

        Rows outside the grid are counted in ``dropped`` by reason (a missing
        facet value, or one left out of row_order/col_order).  The index of a
        row outside the grid is meaningless: only kept rows are used.
        """
        n = batch.num_rows
        dropped = {} if dropped is None else dropped
        keep, tile = None, None  # codes of dropped rows are never used
        if self.spec.row:
            r = codes(batch.column(self.spec.row), self.grid.row_levels)
            keep = _drop_codes(keep, r, dropped, "missing_facet", "facet_not_in_order")
            tile = r * np.int32(self.grid.n_cols)
        if self.spec.chunks:
            rows = np.arange(offset, offset + n, dtype=np.int64)
            part = (rows * self.spec.chunks // max(self.total, 1)).astype(np.int32)
            tile = part if tile is None else tile + part
        elif self.spec.col:
            c = codes(batch.column(self.spec.col), self.grid.col_levels)
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
        self.router.commit(routed)

    def prepare(self, batch: pa.RecordBatch, offset: int) -> Routed:
        """Route one batch whose first row is row ``offset`` of the table (thread-safe).

        Each dropped row is counted once, under the first reason that applies:
        facets (row, then col), then categories (x, then hue), then numbers.
        """
        dropped = dict.fromkeys(DROP_REASONS, 0)
        tile, keep = self.tile_codes(batch, offset, dropped)
        group = np.zeros(batch.num_rows, dtype=np.int32)
        category: dict[str, np.ndarray] = {}
        for role, radix in zip(self.cat_roles, self.radix):
            name = self.cols[role]
            if name not in category:
                category[name] = codes(batch.column(name), self.levels[name])
            code = category[name]
            if self.strict:
                keep = _drop_codes(keep, code, dropped, "missing_category", "category_not_in_order")
            group = group * np.int32(radix) + np.maximum(code, 0)
        values: dict[str, np.ndarray] = {}
        for role in self.numeric_roles:
            name = self.cols[role]
            values[role] = numeric(batch.column(name), name)
            if self.strict:
                keep = _drop(keep, np.isfinite(values[role]), dropped, "non_finite")
        sources = [self._source(batch, c, category, values) for c in self.columns]
        routed = self.router.route(tile, keep, group, values, sources)
        routed.dropped = dropped
        routed.input_rows = batch.num_rows
        return routed

    def _source(self, batch, column: Column, category, values) -> Any:
        if column.mode == "codes":
            return category[column.name]
        if column.mode == "float":
            role = next(r for r in self.numeric_roles if self.cols[r] == column.name)
            return values[role]
        return plain(batch.column(column.name))

    def facts(self, tile: int) -> TileFacts:
        """The merged moments of one tile, keyed by category codes."""
        out = {}
        for role, table in self.router.moments.items():
            out[role] = {self._unpack(g): m for g, m in table.for_tile(tile).items()}
        return TileFacts(self.router.buffers.rows[tile], self.cat_roles, out)

    def _unpack(self, group: int) -> tuple[int, ...]:
        key = []
        for radix in reversed(self.radix):
            group, code = divmod(group, radix)
            key.append(code)
        return tuple(reversed(key))


def _drop(keep: np.ndarray | None, valid: np.ndarray, dropped: dict, reason: str):
    """``keep`` narrowed to ``valid`` rows, counting in ``dropped`` the rows it removes."""
    if valid.all():
        return keep
    dropped[reason] += int(np.count_nonzero(~valid if keep is None else keep & ~valid))
    return valid if keep is None else keep & valid


def _drop_codes(
    keep: np.ndarray | None, code: np.ndarray, dropped: dict, missing: str, absent: str
) -> np.ndarray | None:
    """``keep`` narrowed to rows with a level (``code >= 0``), counting the rows it removes
    in ``dropped`` as ``missing`` (null, NaN, "") or ``absent`` (not in the order)."""
    valid = code >= 0
    if valid.all():
        return keep
    alive = ~valid if keep is None else keep & ~valid
    n_missing = int(np.count_nonzero(alive & (code == MISSING)))
    dropped[missing] = dropped.get(missing, 0) + n_missing
    dropped[absent] = dropped.get(absent, 0) + int(np.count_nonzero(alive)) - n_missing
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
    if pa.types.is_integer(column.type):
        _warn_if_inexact(column, name)
    # unsafe: integers beyond 2**53 (epoch nanoseconds) round to the nearest float
    cast = pc.cast(column, pa.float64(), safe=False)
    return cast.fill_null(np.nan).to_numpy(zero_copy_only=False)


_WARNED: set[str] = set()


def _warn_if_inexact(column: pa.Array, name: str) -> None:
    """Log once per column when its integers are too large for float64 to hold exactly."""
    if name in _WARNED or len(column) == column.null_count:
        return
    bounds = pc.min_max(column)
    big = max(abs(int(bounds["min"].as_py())), abs(int(bounds["max"].as_py())))
    if big > 2**53:
        _WARNED.add(name)
        log.warning(
            "column %r: integers up to %d are drawn as float64, exact to 1 part in 2**53",
            name,
            big,
        )


# ---------------------------------------------------------------- sharing


def share_groups(keys: list[tuple[int | None, int | None]], share: bool | str) -> list[int]:
    """The sharing group of each tile: one group, one per facet row/column, or one each."""
    if share is True:
        return [0] * len(keys)
    if share == "row":
        return [r or 0 for r, _ in keys]
    if share == "col":
        return [c or 0 for _, c in keys]
    return list(range(len(keys)))


def with_margin(lo: float, hi: float, margin: float = MARGIN, scale: str = "linear") -> list[float]:
    """``[lo, hi]`` widened by ``margin`` of its span (in log space on a log axis)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return [1.0, 10.0] if scale == "log" else [0.0, 1.0]
    if scale == "log":
        if hi <= 0:
            return [1.0, 10.0]
        lo = lo if lo > 0 else hi / 1e3
        llo, lhi = with_margin(np.log10(lo), np.log10(hi), margin)
        return [float(10**llo), float(10**lhi)]
    span = hi - lo
    if span <= 0:
        pad = 0.5 if lo == 0 else abs(lo) * 0.05
        return [lo - pad, hi + pad]
    return [lo - margin * span, hi + margin * span]


def union(extents: Iterable[tuple[float, float] | None]) -> tuple[float, float] | None:
    """Smallest interval holding every extent; None when there is none."""
    extents = [e for e in extents if e is not None and np.isfinite(e[0]) and np.isfinite(e[1])]
    if not extents:
        return None
    return (min(e[0] for e in extents), max(e[1] for e in extents))


def shared(extents: list[tuple[float, float] | None], groups: list[int]) -> list:
    """Each tile's extent replaced by the union over its sharing group."""
    by_group: dict[int, list] = {}
    for g, e in zip(groups, extents):
        by_group.setdefault(g, []).append(e)
    merged = {g: union(es) for g, es in by_group.items()}
    return [merged[g] for g in groups]


# ---------------------------------------------------------------- the split


def shard_columns(spec: SplitSpec, schema: pa.Schema) -> list[str]:
    """Columns each shard holds: the kind's roles, or every column for kind custom/preprocess."""
    if spec.kind == "custom" or spec.preprocess:
        return list(schema.names)
    return list(dict.fromkeys(role_columns(spec).values()))


def shard_layout(spec: SplitSpec, schema: pa.Schema, roles, levels) -> list[Column]:
    """Each shard column, its type in the shard and how the router takes it.

    The user's code (custom, preprocess) gets every column as it is.  Built-in
    kinds get their numeric roles as float64 and their categorical roles
    dictionary-encoded against the grid's levels (codes, not strings, to sort).
    """
    names = shard_columns(spec, schema)
    if spec.kind == "custom" or spec.preprocess:
        return [Column(n, pa.field(n, value_type(schema.field(n).type)), "arrow") for n in names]
    mode = {}
    for role, name in role_columns(spec).items():
        mode.setdefault(name, "float" if roles[role] == "numeric" else "codes")
    out = []
    for name in names:
        if mode[name] == "float":
            out.append(Column(name, pa.field(name, pa.float64()), "float"))
        else:
            dtype = pa.dictionary(index_type(len(levels[name]))[0], levels[name].type)
            out.append(Column(name, pa.field(name, dtype), "codes", levels[name]))
    return out


def run_split(spec: SplitSpec, out_dir: str) -> SplitResult:
    """Split ``spec.data`` into ``out_dir``: shards, sidecars and the manifest."""
    spec.options = resolve_options(spec.kind, spec.options)
    kind = get_kind(spec.kind)
    schema = tableio.read_schema(spec.data)
    roles = role_types(spec, schema)
    cols = role_columns(spec)
    categorical = [cols[r] for r in CATEGORICAL_ROLES if roles.get(r) == "categorical"]
    level_columns = list(dict.fromkeys(spec.facets + categorical))
    levels, total = collect_levels(spec, level_columns, schema)
    if total == 0 and not tableio.has_rows(spec.data):
        raise SplitError(f"data file {spec.data!r}: the table has no rows")
    grid = make_grid(spec, levels)
    os.makedirs(out_dir, exist_ok=True)
    columns = shard_layout(spec, schema, roles, levels)
    part = partition(spec, grid, levels, roles, columns, total, out_dir)
    facts = [part.facts(t) for t in range(len(grid.ids))]
    rows = part.router.buffers.rows
    sidecars = make_sidecars(spec, kind, grid, levels, roles, facts)
    if hasattr(kind, "binned_extents"):
        refine_binned(spec, kind, grid, sidecars, out_dir)
    tiles = []
    for t, tid in enumerate(grid.ids):
        write_json(os.path.join(out_dir, f"{tid}.json"), sidecars[t])
        r, c = grid.keys[t]
        tiles.append(
            {
                "id": tid,
                "row_index": r,
                "col_index": c,
                "facets": sidecars[t]["facets"],
                "rows": rows[t],
            }
        )
    if part.input_rows == 0:
        raise SplitError(f"data file {spec.data!r}: the table has no rows")
    check_conservation(part.input_rows, tiles, part.dropped)
    manifest = make_manifest(spec, grid, levels, roles, tiles, sidecars, facts, part.dropped)
    manifest["input_rows"] = part.input_rows
    write_json(os.path.join(out_dir, MANIFEST), manifest)
    return SplitResult(tiles, part.dropped, part.input_rows)


def check_conservation(input_rows: int, tiles: list[dict[str, Any]], dropped: dict[str, int]):
    """Every input row is in one tile or dropped for a reason; anything else is a bug."""
    kept = sum(t["rows"] for t in tiles)
    if kept + sum(dropped.values()) != input_rows:
        raise AssertionError(
            f"tilegrid bug: {input_rows} input rows, but {kept} in tiles and "
            f"{sum(dropped.values())} dropped ({dropped}); please report it"
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


def partition(spec, grid, levels, roles, columns, total, out_dir) -> Partitioner:
    """Pass 2: read the table once more and write every tile's shard."""
    paths = [os.path.join(out_dir, f"{tid}{SUFFIX}") for tid in grid.ids]
    sink = ShardSink(paths, pa.schema([c.field for c in columns]))
    buffers = TileBuffers(columns, len(paths), ROW_GROUP, sink)
    groups = int(
        np.prod(
            [
                len(levels[role_columns(spec)[r]])
                for r in CATEGORICAL_ROLES
                if roles.get(r) == "categorical"
            ]
        )
    )
    router = Router(columns, buffers, [r for r, t in roles.items() if t == "numeric"], groups)
    part = Partitioner(spec, grid, levels, roles, columns, router)
    part.total = total
    read = list(dict.fromkeys([c.name for c in columns] + spec.facets))
    try:
        route_batches(part, prefetch(tableio.iter_batches(spec.data, read)))
        buffers.close()
    finally:
        sink.close()
    return part


def _facets(spec: SplitSpec, grid: Grid, key) -> dict[str, Any]:
    r, c = key
    facets = {}
    if r is not None:
        facets["row"] = {"var": spec.row, "value": _json_value(grid.row_levels[r])}
    if c is not None:
        facets["col"] = {"var": grid.col_var, "value": _json_value(grid.col_levels[c])}
    return facets


def _json_value(scalar: pa.Scalar) -> Any:
    return canonical_value(scalar.as_py())


def make_sidecars(spec, kind, grid, levels, roles, facts) -> list[dict[str, Any]]:
    """Each tile's facts: facet values, axes (limits, categories), colors."""
    extents = [kind.extents(f, spec.options) if f.rows else {} for f in facts]
    scales = kind.scales(spec.options) if hasattr(kind, "scales") else {}
    cols = role_columns(spec)
    sidecars = [
        {"tile": tid, "facets": _facets(spec, grid, key), "rows": f.rows}
        for tid, key, f in zip(grid.ids, grid.keys, facts)
    ]
    for axis, share in (("x", spec.sharex), ("y", spec.sharey)):
        groups = share_groups(grid.keys, share)
        if roles.get(axis) == "categorical":
            cats = _categories(levels[cols[axis]], axis, facts, groups, share)
            for sc, cat in zip(sidecars, cats):
                sc[axis] = {
                    "column": cols[axis],
                    "type": "categorical",
                    "categories": cat,
                    "lim": [-0.5, max(len(cat), 1) - 0.5],
                }
            continue
        lims = shared([e.get(axis) for e in extents], groups)
        # the user's code may move values: only shared axes are fixed for it
        fixed = (spec.kind != "custom" and not spec.preprocess) or share is not False
        scale = scales.get(axis, "linear")
        for sc, lim, e in zip(sidecars, lims, extents):
            sc[axis] = {
                "column": cols.get(axis),
                "type": "continuous",
                "scale": scale,
                "extent": stable(lim) if lim and fixed else None,
                "lim": _limit(lim, scale, e.get(f"{axis}_sticky")) if fixed else None,
            }
    if getattr(kind, "COLOR", False):
        groups = share_groups(grid.keys, bool(spec.sharec))
        for sc, lim in zip(sidecars, shared([e.get("c") for e in extents], groups)):
            sc["c"] = {"lim": stable(lim) if lim else [0.0, 1.0], "shared": bool(spec.sharec)}
    if spec.hue:
        hue = hue_mapping(spec, levels.get(spec.hue), facts)
        for sc in sidecars:
            sc["hue"] = hue
    return sidecars


def stable(values: Iterable[float], digits: int = 10) -> list[float]:
    """Round to ``digits`` significant digits.

    Moments merged over differently-batched input differ in the last bits;
    rounding keeps a sidecar's bytes (and so its tile) unchanged when only
    another tile's rows changed.
    """
    return [float(f"{v:.{digits}g}") for v in values]


def _limit(extent, scale: str, sticky: float | None = None) -> list[float]:
    """Axis limits from an extent: margins on both sides, none beyond a sticky edge (0)."""
    if extent is None:
        return with_margin(np.nan, np.nan, scale=scale)
    lim = with_margin(*stable(extent), scale=scale)
    if sticky is not None:
        lim = [max(lim[0], sticky) if extent[0] >= sticky else lim[0], lim[1]]
    return stable(lim)


def _categories(levels: pa.Array, axis: str, facts, groups, share) -> list[list[Any]]:
    """Categories shown on a categorical axis: all, or those present in the sharing group."""
    everything = [_json_value(v) for v in levels]
    if share is True:
        return [everything] * len(facts)
    present: dict[int, set[int]] = {}
    for g, f in zip(groups, facts):
        for role in f.moments:
            present.setdefault(g, set()).update(f.by(role, axis))
    return [[everything[i] for i in sorted(present.get(g, ()))] for g in groups]


def hue_mapping(spec: SplitSpec, levels: pa.Array | None, facts: list[TileFacts]) -> dict[str, Any]:
    """The hue colors of the whole grid, fixed here so every tile agrees.

    A categorical hue (``levels``) gets one color per level; a numeric hue
    (no levels) a colormap over the grid-wide range of its values and the
    bounded groups of :func:`tilegrid.palettes.numeric_hue`.
    """
    from .palettes import PaletteError, numeric_hue, palette_colors

    try:
        if levels is None:
            lim = union((m.min, m.max) for f in facts for m in f.all("hue"))
            return numeric_hue(spec.hue, spec.palette, lim, _hue_is_integer(spec))
        names = [_json_value(v) for v in levels]
        colors = palette_colors(spec.palette, len(names), names)
    except PaletteError as exc:
        raise SplitError(str(exc)) from exc
    return {"column": spec.hue, "levels": names, "colors": colors}


def _hue_is_integer(spec: SplitSpec) -> bool:
    """Whether the hue column holds integers (one hue group per value when few)."""
    return pa.types.is_integer(value_type(tableio.read_schema(spec.data).field(spec.hue).type))


def refine_binned(spec, kind, grid, sidecars, out_dir) -> None:
    """Binned kinds: shared limits from counts computed on each tile's shard."""
    extents = []
    for tid, sc in zip(grid.ids, sidecars):
        if sc["rows"] == 0:
            extents.append({})
            continue
        table = read_shard(os.path.join(out_dir, f"{tid}{SUFFIX}"))
        extents.append(kind.binned_extents(table, sc, spec.options))
    for axis, share in (("y", spec.sharey), ("c", spec.sharec)):
        if not any(axis in e for e in extents):
            continue
        groups = share_groups(grid.keys, share if axis == "y" else bool(share))
        for sc, lim in zip(sidecars, shared([e.get(axis) for e in extents], groups)):
            if axis == "c":
                sc["c"]["lim"] = stable(lim) if lim else [0.0, 1.0]
            elif share is not False:
                sc["y"]["lim"] = stable([0.0, lim[1] * (1 + MARGIN)]) if lim else [0.0, 1.0]
            else:
                sc["y"]["lim"] = None


def make_manifest(spec, grid, levels, roles, tiles, sidecars, facts, dropped) -> dict[str, Any]:
    """Tiles in grid order, the grid's shape and what the mosaic draws once (legend)."""
    manifest = {
        "row": {"var": spec.row, "levels": _levels_json(grid.row_levels)} if spec.row else None,
        "col": {"var": grid.col_var, "levels": _levels_json(grid.col_levels)}
        if grid.col_levels is not None
        else None,
        "shape": [
            len(grid.row_levels) if grid.row_levels is not None else 1,
            grid.n_cols,
        ],
        "kind": spec.kind,
        "dropped": dropped,
        "tiles": tiles,
    }
    if spec.hue:
        manifest["legend"] = hue_legend(spec, sidecars[0]["hue"], facts)
    return manifest


def hue_legend(spec: SplitSpec, hue: dict[str, Any], facts: list[TileFacts]) -> dict[str, Any]:
    """What the mosaic draws once for the hue: the levels present, or a numeric hue's colorbar."""
    from .palettes import colorbar_legend

    if hue.get("type") == "continuous":
        by_value = getattr(get_kind(spec.kind), "HUE_BY_VALUE", False)
        return colorbar_legend(hue, by_value) or {"type": "colorbar", "title": spec.hue}
    present = set()
    for f in facts:
        for role in f.moments:
            present.update(f.by(role, "hue"))
    return {
        "title": spec.hue,
        "labels": [hue["levels"][i] for i in sorted(present)],
        "colors": [hue["colors"][i] for i in sorted(present)],
    }


def _levels_json(levels: pa.Array) -> list[Any]:
    return [_json_value(v) for v in levels]


def write_json(path: str, obj: Any) -> None:
    """Write ``obj`` as JSON with a stable layout (the same object gives the same bytes)."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(obj, handle, indent=1, ensure_ascii=False, allow_nan=False)
        handle.write("\n")


def split_from_params(params: dict[str, Any], out_dir: str) -> SplitResult:
    """Run the split from the rule's ``params.spec`` and log what it wrote."""
    result = run_split(SplitSpec(**params), out_dir)
    rows = sum(t["rows"] for t in result.tiles)
    empty = sum(1 for t in result.tiles if t["rows"] == 0)
    log.info("%d tiles (%d empty), %d rows kept", len(result.tiles), empty, rows)
    log.info("%d input rows", result.input_rows)
    for reason, count in result.dropped.items():
        if count:
            log.info("dropped %d rows: %s", count, DROP_REASONS[reason])
    return result
