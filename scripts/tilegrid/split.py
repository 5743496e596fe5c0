"""The split: stream a table into one shard per tile plus what tiles must agree on.

Two streaming passes over the needed columns, so memory does not grow with the
number of rows:

1. *levels*: the values of the facet columns (and of a categorical ``x``), in
   seaborn's order: explicit order, else categorical order, else sorted
   numbers, else first appearance;
2. *partition*: every row is routed to its tile's buffer, flushed to the tile's
   Parquet shard in row groups of exactly ``ROW_GROUP`` rows, while count,
   mean, variance, min and max of the value column are merged per tile and
   category for the shared limits.

A shard's bytes depend only on its own rows (in file order): row-group
boundaries are counted in the tile's own rows, never in input batches.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import tableio
from .ids import canonical_value, tile_id
from .kde import Moments
from .kinds import get_kind, resolve_options

log = logging.getLogger("tilegrid.split")

ROW_GROUP = 1 << 18
MARGIN = 0.05  # matplotlib's default autoscale margin
MANIFEST = "manifest.json"


class SplitError(ValueError):
    """A problem with the data or config found by the split, worded for the user."""


@dataclass
class SplitSpec:
    """What the split needs to know: the facets, the columns and the sharing."""

    data: str
    row: str | None = None
    col: str | None = None
    row_order: list[Any] | None = None
    col_order: list[Any] | None = None
    kind: str = "violin"
    x: str | None = None
    y: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    sharex: bool | str = True
    sharey: bool | str = True
    max_tiles: int = 1000

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SplitSpec:
        """Build the spec from a validated config dictionary."""
        facet, plot = config.get("facet", {}), config.get("plot", {})
        return cls(
            data=config["data"],
            row=facet.get("row"),
            col=facet.get("col"),
            row_order=facet.get("row_order"),
            col_order=facet.get("col_order"),
            kind=plot.get("kind", "violin"),
            x=plot.get("x"),
            y=plot.get("y"),
            options=plot.get("options") or {},
            sharex=config.get("sharex", True),
            sharey=config.get("sharey", True),
            max_tiles=facet.get("max_tiles", 1000),
        )

    @property
    def facets(self) -> list[str]:
        """The facet columns, row first."""
        return [c for c in (self.row, self.col) if c]


# ---------------------------------------------------------------- levels


def _is_ordered_type(dtype: pa.DataType) -> bool:
    return (
        pa.types.is_integer(dtype)
        or pa.types.is_floating(dtype)
        or pa.types.is_boolean(dtype)
        or pa.types.is_temporal(dtype)
        or pa.types.is_decimal(dtype)
    )


def _value_type(dtype: pa.DataType) -> pa.DataType:
    dtype = dtype.value_type if pa.types.is_dictionary(dtype) else dtype
    if pa.types.is_large_string(dtype) or pa.types.is_string_view(dtype):
        return pa.string()
    return dtype


def _plain(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Decode dictionaries and normalise string types, so values compare by value."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    target = _value_type(array.type)
    return array if array.type == target else array.cast(target)


class LevelCollector:
    """Distinct values of one column across batches, in first-appearance order."""

    def __init__(self, name: str):
        self.name = name
        self.chunks: list[pa.Array] = []
        self.dictionary: pa.Array | None = None

    def add(self, column: pa.Array) -> None:
        """Record the distinct values of one batch's column."""
        if pa.types.is_dictionary(column.type) and self.dictionary is None:
            self.dictionary = _plain(column.dictionary)
        self.chunks.append(pc.unique(_plain(column)))

    def order(self, explicit: list[Any] | None) -> pa.Array:
        """The levels in seaborn's order (``explicit`` wins when given)."""
        seen = (
            pc.unique(pa.concat_arrays(self.chunks)).drop_null()
            if self.chunks
            else pa.array([], pa.string())
        )
        if explicit is not None:
            return _cast_order(explicit, seen.type, self.name)
        if self.dictionary is not None:
            return self.dictionary
        if _is_ordered_type(seen.type):
            return seen.take(pc.array_sort_indices(seen))
        return seen


def _cast_order(values: list[Any], dtype: pa.DataType, column: str) -> pa.Array:
    try:
        return pa.array(values).cast(dtype)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise SplitError(
            f"order for column {column!r}: {values!r} cannot be read as its type {dtype}"
        ) from exc


def collect_levels(spec: SplitSpec, categorical_x: bool) -> dict[str, pa.Array]:
    """First pass: the ordered levels of the facet columns (and of x when categorical)."""
    columns = list(dict.fromkeys(spec.facets + ([spec.x] if categorical_x else [])))
    if not columns:
        return {}
    collectors = {c: LevelCollector(c) for c in columns}
    for batch in tableio.iter_batches(spec.data, columns):
        for name in columns:
            collectors[name].add(batch.column(name))
    explicit = {spec.row: spec.row_order, spec.col: spec.col_order}
    if categorical_x:
        explicit.setdefault(spec.x, spec.options.get("order"))
    levels = {name: collectors[name].order(explicit.get(name)) for name in columns}
    if categorical_x and spec.x in spec.facets:
        levels[spec.x] = collectors[spec.x].order(spec.options.get("order"))
    return levels


# ---------------------------------------------------------------- partition


class ShardWriter:
    """Buffers one tile's rows and writes them in row groups of exactly ROW_GROUP rows."""

    def __init__(self, path: str, schema: pa.Schema):
        self.path = path
        self.schema = schema
        self.pending: list[pa.RecordBatch] = []
        self.pending_rows = 0
        self.rows = 0
        self.writer: pq.ParquetWriter | None = None

    def append(self, batch: pa.RecordBatch) -> None:
        """Add rows; flush every complete row group."""
        self.pending.append(batch)
        self.pending_rows += batch.num_rows
        self.rows += batch.num_rows
        while self.pending_rows >= ROW_GROUP:
            table = pa.Table.from_batches(self.pending, self.schema)
            self._write(table.slice(0, ROW_GROUP))
            rest = table.slice(ROW_GROUP)
            self.pending = rest.to_batches()
            self.pending_rows = rest.num_rows

    def close(self) -> None:
        """Write the last, partial row group (or an empty shard) and close the file."""
        if self.pending_rows or self.writer is None:
            self._write(pa.Table.from_batches(self.pending, self.schema))
        self.pending = []
        self.writer.close()

    def _write(self, table: pa.Table) -> None:
        if self.writer is None:
            self.writer = pq.ParquetWriter(
                self.path, self.schema, compression="zstd", store_schema=True
            )
        self.writer.write_table(table.combine_chunks(), row_group_size=ROW_GROUP)


@dataclass
class TileKey:
    """A tile's place among the facet levels."""

    row_index: int | None
    col_index: int | None


class MomentTable:
    """Count/mean/variance/min/max of the value column per (tile, category), merged."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], Moments] = {}

    def add(self, tiles: np.ndarray, groups: np.ndarray, values: np.ndarray) -> None:
        """Merge one batch's values, grouped by tile and category code."""
        if values.size == 0:
            return
        table = pa.table({"t": tiles, "g": groups, "v": values})
        agg = table.group_by(["t", "g"]).aggregate(
            [
                ("v", "count"),
                ("v", "mean"),
                ("v", "variance", pc.VarianceOptions(ddof=0)),
                ("v", "min"),
                ("v", "max"),
            ]
        )
        cols = [agg.column(c).to_pylist() for c in agg.column_names]
        names = agg.column_names
        for row in zip(*cols):
            rec = dict(zip(names, row))
            key = (rec["t"], rec["g"])
            new = Moments(
                rec["v_count"], rec["v_mean"], rec["v_variance"], rec["v_min"], rec["v_max"]
            )
            self.cells[key] = merge_moments(self.cells.get(key), new)

    def for_tile(self, tile: int) -> dict[int, Moments]:
        """The moments of each category present in ``tile``."""
        return {g: m for (t, g), m in self.cells.items() if t == tile}


def merge_moments(a: Moments | None, b: Moments) -> Moments:
    """Combine two samples' moments (Chan et al.'s parallel variance)."""
    if a is None or a.n == 0:
        return b
    n = a.n + b.n
    delta = b.mean - a.mean
    mean = a.mean + delta * b.n / n
    m2 = a.var * a.n + b.var * b.n + delta * delta * a.n * b.n / n
    return Moments(n, mean, m2 / n, min(a.min, b.min), max(a.max, b.max))


def _codes(column: pa.Array, levels: pa.Array) -> np.ndarray:
    """Index of each value in ``levels``; -1 for nulls and values not among them."""
    idx = pc.index_in(_plain(column), value_set=levels)
    return idx.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


# ---------------------------------------------------------------- the split


@dataclass
class SplitResult:
    """What the split wrote, for logging and tests."""

    tiles: list[dict[str, Any]]
    dropped: dict[str, int]


def shard_columns(spec: SplitSpec, schema: pa.Schema) -> list[str]:
    """Columns each shard holds: x and y, or every column for a custom kind."""
    if spec.kind == "custom":
        return list(schema.names)
    return [c for c in (spec.x, spec.y) if c]


def _shard_schema(schema: pa.Schema, columns: list[str]) -> pa.Schema:
    return pa.schema([pa.field(c, _value_type(schema.field(c).type)) for c in columns])


def run_split(spec: SplitSpec, out_dir: str) -> SplitResult:
    """Split ``spec.data`` into ``out_dir``: shards, sidecars and the manifest."""
    options = resolve_options(spec.kind, spec.options)
    spec.options = options
    schema = tableio.read_schema(spec.data)
    x_type = _value_type(schema.field(spec.x).type) if spec.x else None
    categorical_x = spec.x is not None and not (
        spec.kind == "custom" and x_type is not None and _is_ordered_type(x_type)
    )
    levels = collect_levels(spec, categorical_x)
    row_levels = levels.get(spec.row) if spec.row else None
    col_levels = levels.get(spec.col) if spec.col else None
    n_rows = len(row_levels) if row_levels is not None else 1
    n_cols = len(col_levels) if col_levels is not None else 1
    if n_rows * n_cols > spec.max_tiles:
        raise SplitError(
            f"facet: {n_rows} x {n_cols} = {n_rows * n_cols} tiles exceeds facet.max_tiles "
            f"({spec.max_tiles}); facet by a column with fewer values or raise facet.max_tiles"
        )
    keys = [
        TileKey(r if spec.row else None, c if spec.col else None)
        for r in range(n_rows)
        for c in range(n_cols)
    ]
    ids = [tile_id(_facet_values(k, row_levels, col_levels)) for k in keys]
    os.makedirs(out_dir, exist_ok=True)
    columns = shard_columns(spec, schema)
    shard_schema = _shard_schema(schema, columns)
    writers = [ShardWriter(os.path.join(out_dir, f"{i}.parquet"), shard_schema) for i in ids]
    x_levels = levels.get(spec.x) if categorical_x else None
    moments, x_moments, dropped = _partition(
        spec, columns, n_cols, row_levels, col_levels, x_levels, writers
    )
    for writer in writers:
        writer.close()
    tiles = _write_sidecars(
        spec, out_dir, keys, ids, writers, row_levels, col_levels, x_levels, moments, x_moments
    )
    _write_json(
        os.path.join(out_dir, MANIFEST),
        _manifest(spec, tiles, row_levels, col_levels, x_levels, dropped),
    )
    return SplitResult(tiles, dropped)


def _facet_values(key: TileKey, row_levels, col_levels) -> list[Any]:
    values = []
    if key.row_index is not None:
        values.append(row_levels[key.row_index].as_py())
    if key.col_index is not None:
        values.append(col_levels[key.col_index].as_py())
    return values


def _numeric(column: pa.Array, name: str) -> np.ndarray:
    column = _plain(column)
    if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
        raise SplitError(f"column {name!r}: type {column.type} is not numeric")
    return column.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False)


def _partition(spec, columns, n_cols, row_levels, col_levels, x_levels, writers):
    """Second pass: route rows to shards and merge value moments per tile and category."""
    read = list(dict.fromkeys(columns + spec.facets))
    moments, x_moments = MomentTable(), MomentTable()
    dropped = {"null_facet": 0, "null_x": 0, "nonfinite_y": 0}
    numeric_x = spec.x is not None and x_levels is None
    for batch in tableio.iter_batches(spec.data, read):
        n = batch.num_rows
        tile = np.zeros(n, dtype=np.int64)
        keep = np.ones(n, dtype=bool)
        if spec.row:
            r = _codes(batch.column(spec.row), row_levels)
            keep &= r >= 0
            tile += np.maximum(r, 0) * n_cols
        if spec.col:
            c = _codes(batch.column(spec.col), col_levels)
            keep &= c >= 0
            tile += np.maximum(c, 0)
        dropped["null_facet"] += int(n - keep.sum())
        group = np.zeros(n, dtype=np.int64)
        if x_levels is not None:
            group = _codes(batch.column(spec.x), x_levels)
            if spec.kind != "custom":
                bad = keep & (group < 0)
                dropped["null_x"] += int(bad.sum())
                keep &= group >= 0
        y = _numeric(batch.column(spec.y), spec.y) if spec.y else None
        if y is not None:
            finite = np.isfinite(y)
            if spec.kind != "custom":
                dropped["nonfinite_y"] += int((keep & ~finite).sum())
                keep &= finite
            moments.add(tile[keep & finite], group[keep & finite], y[keep & finite])
        if numeric_x:
            xv = _numeric(batch.column(spec.x), spec.x)
            ok = keep & np.isfinite(xv)
            x_moments.add(tile[ok], np.zeros(int(ok.sum()), np.int64), xv[ok])
        _route(batch.select(columns), tile, keep, writers)
    return moments, x_moments, dropped


def _route(batch: pa.RecordBatch, tile: np.ndarray, keep: np.ndarray, writers) -> None:
    """Append each kept row to its tile's writer, preserving row order within a tile."""
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        return
    order = idx[np.argsort(tile[idx], kind="stable")]
    counts = np.bincount(tile[order], minlength=len(writers))
    plain = pa.RecordBatch.from_arrays(
        [_plain(batch.column(i)) for i in range(batch.num_columns)],
        schema=writers[0].schema,
    )
    taken = plain.take(pa.array(order))
    start = 0
    for t in np.flatnonzero(counts):
        writers[t].append(taken.slice(start, int(counts[t])))
        start += int(counts[t])


# ---------------------------------------------------------------- sidecars


def share_groups(keys: list[TileKey], share: bool | str) -> list[int]:
    """The sharing group of each tile: one group, one per facet row/column, or one each."""
    if share is True:
        return [0] * len(keys)
    if share == "row":
        return [k.row_index or 0 for k in keys]
    if share == "col":
        return [k.col_index or 0 for k in keys]
    return list(range(len(keys)))


def with_margin(lo: float, hi: float, margin: float = MARGIN) -> list[float]:
    """``[lo, hi]`` widened by ``margin`` of its span, or by 0.5 if it is a point."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return [0.0, 1.0]
    span = hi - lo
    if span <= 0:
        pad = 0.5 if lo == 0 else abs(lo) * 0.05
        return [lo - pad, hi + pad]
    return [lo - margin * span, hi + margin * span]


def _union(extents: Iterable[tuple[float, float]]) -> tuple[float, float]:
    """Smallest interval holding every extent; ``(nan, nan)`` when there is none."""
    extents = list(extents)
    if not extents:
        return (np.nan, np.nan)
    return (min(e[0] for e in extents), max(e[1] for e in extents))


def _shared_extents(extent_by_tile: list[tuple[float, float] | None], groups: list[int]):
    by_group: dict[int, list[tuple[float, float]]] = {}
    for g, e in zip(groups, extent_by_tile):
        if e is not None:
            by_group.setdefault(g, []).append(e)
    return [_union(by_group.get(g, [])) for g in groups]


def _write_sidecars(
    spec, out_dir, keys, ids, writers, row_levels, col_levels, x_levels, moments, x_moments
):
    kind = get_kind(spec.kind)
    per_tile = [moments.for_tile(t) for t in range(len(keys))]
    y_extent = [
        _union([kind.value_extent(m, spec.options) for m in cells.values()]) if cells else None
        for cells in per_tile
    ]
    y_lims = _shared_extents(y_extent, share_groups(keys, spec.sharey))
    x_extent = [
        _union([(m.min, m.max) for m in x_moments.for_tile(t).values()]) for t in range(len(keys))
    ]
    x_lims = _shared_extents(
        [e if np.isfinite(e[0]) else None for e in x_extent], share_groups(keys, spec.sharex)
    )
    x_groups = share_groups(keys, spec.sharex)
    present_by_group: dict[int, set[int]] = {}
    for t, g in enumerate(x_groups):
        present_by_group.setdefault(g, set()).update(per_tile[t])
    tiles = []
    for t, (key, tid) in enumerate(zip(keys, ids)):
        sidecar = {
            "tile": tid,
            "facets": _facets(spec, key, row_levels, col_levels),
            "rows": writers[t].rows,
            "x": _x_axis(spec, x_levels, present_by_group[x_groups[t]], x_lims[t]),
            "y": _continuous_axis(spec.y, y_lims[t], spec.sharey, spec.kind),
        }
        _write_json(os.path.join(out_dir, f"{tid}.json"), sidecar)
        tiles.append(
            {
                "id": tid,
                "row_index": key.row_index,
                "col_index": key.col_index,
                "facets": sidecar["facets"],
                "rows": writers[t].rows,
            }
        )
    return tiles


def _facets(spec, key: TileKey, row_levels, col_levels) -> dict[str, Any]:
    facets = {}
    if key.row_index is not None:
        facets["row"] = {"var": spec.row, "value": _json_value(row_levels[key.row_index])}
    if key.col_index is not None:
        facets["col"] = {"var": spec.col, "value": _json_value(col_levels[key.col_index])}
    return facets


def _json_value(scalar: pa.Scalar) -> Any:
    return canonical_value(scalar.as_py())


def _x_axis(spec, x_levels, present: set[int], lim) -> dict[str, Any] | None:
    if spec.x is None:
        return {"column": None, "type": "categorical", "categories": [], "lim": [-0.5, 0.5]}
    if x_levels is None:
        return _continuous_axis(spec.x, lim, spec.sharex, spec.kind)
    shown = range(len(x_levels)) if spec.sharex is True else sorted(present)
    categories = [_json_value(x_levels[i]) for i in shown]
    return {
        "column": spec.x,
        "type": "categorical",
        "categories": categories,
        "lim": [-0.5, max(len(categories), 1) - 0.5],
    }


def _continuous_axis(column, extent, share, kind: str) -> dict[str, Any]:
    applies = kind != "custom" or share is not False
    lim = with_margin(*extent) if applies else None
    return {"column": column, "type": "continuous", "lim": lim}


def _manifest(spec, tiles, row_levels, col_levels, x_levels, dropped) -> dict[str, Any]:
    return {
        "row": {"var": spec.row, "levels": _levels_json(row_levels)} if spec.row else None,
        "col": {"var": spec.col, "levels": _levels_json(col_levels)} if spec.col else None,
        "shape": [len(row_levels) if spec.row else 1, len(col_levels) if spec.col else 1],
        "x": spec.x,
        "y": spec.y,
        "kind": spec.kind,
        "x_categories": _levels_json(x_levels) if x_levels is not None else None,
        "dropped": dropped,
        "tiles": tiles,
    }


def _levels_json(levels: pa.Array) -> list[Any]:
    return [_json_value(v) for v in levels]


def _write_json(path: str, obj: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(obj, handle, indent=1, ensure_ascii=False, allow_nan=False)
        handle.write("\n")


def split_from_params(params: dict[str, Any], out_dir: str) -> SplitResult:
    """Run the split from the rule's ``params.spec`` and log what it wrote."""
    spec = SplitSpec(**params)
    result = run_split(spec, out_dir)
    rows = sum(t["rows"] for t in result.tiles)
    empty = sum(1 for t in result.tiles if t["rows"] == 0)
    log.info("%d tiles (%d empty), %d rows kept", len(result.tiles), empty, rows)
    for reason, count in result.dropped.items():
        if count:
            log.info("dropped %d rows: %s", count, reason.replace("_", " "))
    return result
