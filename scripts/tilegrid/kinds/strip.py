"""Jittered points per category, as seaborn's ``stripplot`` (x categorical, y numeric).

Each row is a point at its value, spread across its category by a uniform jitter
(seaborn's: +-0.1 of the category with ``jitter: true``, a number for another
half-width; ``dodge`` puts each hue level in its own part of the category and
divides the jitter by the levels), drawn from a fixed ``seed`` so the pixels
never change from run to run; a group of one row is not jittered, as seaborn's.

Up to ``max_points`` rows a tile draws every point, in row order (the last on
top), as seaborn does.  Above, every row is still placed and jittered, but only
the last row of each occupied half pixel of the tile is drawn, in row order
(:func:`thinned`): with opaque markers the same picture, since each pixel shows
the last marker drawn over it, from at most four markers per pixel whatever the
rows (O(rows): a maximum per cell).  With ``alpha`` below 1 overlapping markers
no longer build up there; violin, boxen or hist show where millions of rows lie.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.sidecar import Sidecar
from ..core.stats import TileStats
from ._common import data_ranges, in_range, no_data
from ._points import PixelGrid, check_point_options, marker_kwargs, pixel_grid, tile_points

ROLES = {"x": "categorical", "y": "numeric"}
REQUIRED = ("y",)
OPTIONS: dict[str, Any] = {
    "jitter": True,
    "dodge": False,
    "size": 5.0,
    "color": "#4c72b0",
    "edgecolor": "gray",
    "linewidth": 0.0,
    "alpha": 1.0,
    "max_points": 100_000,
    "seed": 0,
    "order": None,
}


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check_point_options(
        options,
        {
            "jitter": (
                lambda v: isinstance(v, bool) or in_range(0, 0.5)(v),
                "true, false or a half-width in [0, 0.5]",
            ),
            "seed": (
                lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
                "an integer >= 0",
            ),
        },
    )


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The data range: every point is at one of its values."""
    return data_ranges(stats, ("y",))


def jitter(groups: np.ndarray, half_width: float, seed: int) -> np.ndarray:
    """Each row's offset, uniform in +-``half_width`` (0 for a group of one row)."""
    offsets = np.random.default_rng(seed).uniform(-half_width, half_width, groups.size)
    alone = np.bincount(groups)[groups] == 1
    offsets[alone] = 0.0
    return offsets


def half_width(options: dict[str, Any], n_hue: int, dodged: bool) -> float:
    """The jitter's half-width: seaborn's 0.1 for ``true``, divided by the hue levels
    when dodged."""
    value = options["jitter"]
    width = 0.1 if value is True else 0.0 if value is False else float(value)
    return width / n_hue if dodged else width


def placed(table, sidecar: Sidecar, options: dict[str, Any]):
    """``(x, y, points)``: every row's place on the tile, and the tile's points."""
    points = tile_points(table, sidecar)
    dodged = options["dodge"] and points.hue is not None
    groups = points.groups(dodged)
    spread = half_width(options, points.n_hue, dodged)
    x = points.centres(dodged) + jitter(groups, spread, options["seed"])
    return x, points.y, points


#: cells per pixel side in which a strip of many rows keeps its last row
CELLS_PER_PIXEL = 2


def thinned(x: np.ndarray, y: np.ndarray, grid: PixelGrid) -> np.ndarray:
    """The rows to draw, in row order: the last row of each occupied cell of the tile
    (a half pixel a side)."""
    width, height = grid.width * CELLS_PER_PIXEL, grid.height * CELLS_PER_PIXEL
    ix = np.floor(grid.x_px(x) * CELLS_PER_PIXEL).astype(np.int64)
    iy = np.floor(grid.y_px(y) * CELLS_PER_PIXEL).astype(np.int64)
    inside = np.flatnonzero((ix >= 0) & (ix < width) & (iy >= 0) & (iy < height))
    last = np.full(width * height, -1, np.int64)
    np.maximum.at(last, iy[inside] * width + ix[inside], inside)
    return np.sort(last[last >= 0])


def drawn_rows(ax, sidecar: Sidecar, x: np.ndarray, y: np.ndarray, options) -> np.ndarray:
    """Every row up to ``max_points``; above, :func:`thinned`."""
    if y.size <= options["max_points"]:
        return np.arange(y.size)
    n_x = len(sidecar["x"].get("categories") or []) or 1
    return thinned(x, y, pixel_grid(ax, sidecar, n_x))


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """The tile's points, jittered within their categories."""
    x, y, points = placed(table, sidecar, options)
    if not y.size:
        no_data(ax)
        return
    rows = drawn_rows(ax, sidecar, x, y, options)
    ax.scatter(
        x[rows], y[rows], facecolors=points.face_colors(rows, options["color"]),
        **marker_kwargs(options),
    )  # fmt: skip
