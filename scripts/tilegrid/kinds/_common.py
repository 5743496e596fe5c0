"""Helpers shared by the plot kinds: category codes, hue colors, dodging, empty tiles."""

from __future__ import annotations

from typing import Any

import numpy as np

NO_DATA = "no data"


def codes_of(table, column: str, categories: list[Any]) -> np.ndarray:
    """Index of each row's value in ``categories`` (-1 when absent)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..levels import plain

    values = plain(table.column(column))
    value_set = pa.array(categories).cast(values.type) if categories else values.slice(0, 0)
    return pc.index_in(values, value_set=value_set).fill_null(-1).to_numpy(zero_copy_only=False)


def numeric_of(table, column: str) -> np.ndarray:
    """A numeric column of the tile as float64 (NaN for nulls)."""
    import pyarrow as pa

    col = table.column(column)
    return col.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False)


def hue_of(table, sidecar: dict[str, Any]) -> tuple[np.ndarray | None, list[str]]:
    """Each row's hue code and the grid's hue colors, or (None, []) without hue."""
    hue = sidecar.get("hue")
    if not hue:
        return None, []
    return codes_of(table, hue["column"], hue["levels"]), hue["colors"]


def split_by(codes: np.ndarray, values: np.ndarray, n: int) -> list[np.ndarray]:
    """``values`` split into one array per code 0..n-1 (row order kept)."""
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=n))[:-1]
    return np.split(values[order], bounds)


def dodge(n_hue: int, width: float) -> tuple[np.ndarray, float]:
    """Offsets of each hue level within a category slot, and each element's width."""
    if n_hue <= 1:
        return np.zeros(1), width
    each = width / n_hue
    return (np.arange(n_hue) - (n_hue - 1) / 2) * each, each


def no_data(ax) -> None:
    """Mark an empty tile."""
    ax.text(0.5, 0.5, NO_DATA, transform=ax.transAxes, ha="center", va="center", color="0.5")
