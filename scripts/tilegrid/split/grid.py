"""The levels of the facet and categorical columns in seaborn's order, and the grid.

A tile's id comes from its facet values (:func:`tilegrid.core.ids.tile_id`), never
from its place in the grid, so re-ordering or wrapping the grid renames no tile.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from ..core.ids import tile_id
from .levels import LevelCollector, LevelError, cast_order
from .spec import SplitError, SplitPlan, SplitSpec


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


def fixed_levels(plan: SplitPlan, columns: list[str]) -> dict[str, pa.Array]:
    """The levels the config's orders fix for ``columns``, cast to each column's type."""
    try:
        return {c: cast_order(plan.orders[c], plan.value_types[c], c) for c in columns}
    except LevelError as exc:
        raise SplitError(str(exc)) from exc


def explicit_levels(plan: SplitPlan) -> dict[str, pa.Array] | None:
    """The levels when every level column has an explicit order (no pass needed), else None."""
    columns = plan.level_columns
    if plan.spec.chunks or not all(plan.orders.get(c) is not None for c in columns):
        return None
    return fixed_levels(plan, columns)


def order_levels(plan: SplitPlan, collectors: dict[str, LevelCollector]) -> dict[str, pa.Array]:
    """Each column's levels in seaborn's order (explicit orders as the config gives them)."""
    try:
        return {c: collector.order(plan.orders.get(c)) for c, collector in collectors.items()}
    except LevelError as exc:
        raise SplitError(str(exc)) from exc


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
