"""The levels of the facet and categorical columns in seaborn's order, and the grid.

A tile's id comes from its facet values (:func:`tilegrid.core.ids.tile_id`), never
from its place in the grid, so re-ordering or wrapping the grid renames no tile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from ..core.ids import tile_id
from ..core.levels import LevelCollector, LevelError, cast_order, value_type
from ..kinds import get_kind
from .spec import SplitError, SplitSpec


@dataclass
class Grid:
    """The tiles: their facet levels and ids, in grid (row-major) order."""

    row_levels: pa.Array | None
    col_levels: pa.Array | None
    col_var: str | None
    keys: list[tuple[int | None, int | None]]
    ids: list[str]

    @property
    def n_rows(self) -> int:
        return len(self.row_levels) if self.row_levels is not None else 1

    @property
    def n_cols(self) -> int:
        return len(self.col_levels) if self.col_levels is not None else 1


def explicit_orders(spec: SplitSpec) -> dict[str, list[Any] | None]:
    """The orders the config gives for facet and categorical columns."""
    explicit = {spec.row: spec.row_order, spec.col: spec.col_order}
    if spec.hue:
        explicit[spec.hue] = spec.hue_order
    if spec.x and spec.options.get("order") is not None:
        explicit.setdefault(spec.x, spec.options["order"])
    named = get_kind(spec.kind).column_options if spec.kind != "custom" else ()
    for role in [r for r in ("size", "style") if r in named]:  # size_order, style_order
        column, order = spec.options.get(role), spec.options.get(f"{role}_order")
        if column and order is not None:
            explicit.setdefault(column, order)
    return explicit


def explicit_levels(
    spec: SplitSpec, columns: list[str], schema: pa.Schema
) -> dict[str, pa.Array] | None:
    """The levels when every column has an explicit order (no pass needed), else None."""
    explicit = explicit_orders(spec)
    if spec.chunks or not all(explicit.get(c) is not None for c in columns):
        return None
    try:
        return {c: cast_order(explicit[c], _level_type(schema, c), c) for c in columns}
    except LevelError as exc:
        raise SplitError(str(exc)) from exc


def order_levels(spec: SplitSpec, collectors: dict[str, LevelCollector]) -> dict[str, pa.Array]:
    """Each column's levels in seaborn's order (explicit orders as the config gives them)."""
    explicit = explicit_orders(spec)
    try:
        return {c: collector.order(explicit.get(c)) for c, collector in collectors.items()}
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
