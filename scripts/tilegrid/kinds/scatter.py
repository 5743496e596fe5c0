"""Scatter plots: true markers for small tiles, a density raster for big ones.

Above ``max_points`` rows a tile is drawn like datashader does: points are
counted per pixel of the tile (np.bincount, O(n)) and the counts shaded
(``norm`` linear, log or eq_hist); with a categorical hue, each pixel's color
is the count-weighted mix of the hue colors.

A numeric hue colors each point by its own value (the grid's colormap over the
grid-wide range, see :mod:`tilegrid.palettes`); in the raster, a pixel gets the
color of the mean value of its points, darker where denser.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..contracts import Sidecar
from ..stats import TileStats
from ._common import by_hue, check, data_ranges, hue_values, in_range, log_axes, positive

ROLES = {"x": "numeric", "y": "numeric"}
#: a numeric hue colors each point by its value (a continuous colorbar), not by group
HUE_BY_VALUE = True
REQUIRED = ("x", "y")
NORMS = ("linear", "log", "eq_hist")
OPTIONS: dict[str, Any] = {
    "s": 12.0,
    "alpha": 0.8,
    "marker": "o",
    "color": "#4c72b0",
    "max_points": 50_000,
    "cmap": "viridis",
    "norm": "eq_hist",
    "log_scale": False,
}


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check(
        options,
        {
            "s": (positive, "a positive number"),
            "alpha": (in_range(0, 1), "a number in [0, 1]"),
            "max_points": (lambda v: isinstance(v, int) and v >= 0, "an integer >= 0"),
            "norm": (lambda v: v in NORMS, "one of " + ", ".join(NORMS)),
        },
    )


def scales(options: dict[str, Any]) -> dict[str, str]:
    """Logarithmic axes from ``log_scale``."""
    return log_axes(options)


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The data ranges of x and y."""
    return data_ranges(stats)


def shade(counts: np.ndarray, norm: str) -> np.ndarray:
    """Counts mapped to [0, 1] for a colormap; 0 stays 0 (the background)."""
    out = np.zeros(counts.shape)
    nz = counts > 0
    if not nz.any():
        return out
    if norm == "linear":
        out[nz] = counts[nz] / counts.max()
    elif norm == "log":
        out[nz] = np.log1p(counts[nz]) / np.log1p(counts.max())
    else:  # eq_hist: rank of each count among the non-empty pixels
        values = np.sort(counts[nz])
        out[nz] = np.searchsorted(values, counts[nz], side="right") / values.size
    return out


def pixel_counts(x, y, lims, shape, weights=None) -> np.ndarray:
    """Points per pixel of a ``shape`` (rows, cols) raster over ``lims`` (bottom row first).

    With ``weights``, the sum of the points' weights per pixel instead.
    """
    (x0, x1), (y0, y1) = lims
    rows, cols = shape
    ix = np.floor((x - x0) / (x1 - x0) * cols).astype(np.int64)
    iy = np.floor((y - y0) / (y1 - y0) * rows).astype(np.int64)
    ok = (ix >= 0) & (ix < cols) & (iy >= 0) & (iy < rows)
    w = None if weights is None else weights[ok]
    flat = np.bincount(iy[ok] * cols + ix[ok], weights=w, minlength=rows * cols)
    return flat.reshape(rows, cols)


def _transform(values: np.ndarray, scale: str) -> np.ndarray:
    return np.log10(np.where(values > 0, values, np.nan)) if scale == "log" else values


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """Markers, or the density raster when the tile has more than ``max_points`` rows."""
    xs, ys = sidecar["x"], sidecar["y"]
    for axis, spec in (("x", xs), ("y", ys)):
        if spec.get("scale") == "log":
            getattr(ax, f"set_{axis}scale")("log")
    values = hue_values(table, sidecar)
    if values is not None:
        _draw_by_value(ax, table, sidecar, values, options)
        return
    layers = by_hue(table, sidecar, xs["column"], ys["column"])
    if sum(x.size for _, x, _ in layers) <= options["max_points"]:
        for color, x, y in layers:
            ax.scatter(
                x,
                y,
                s=options["s"],
                alpha=options["alpha"],
                marker=options["marker"],
                color=color or options["color"],
                linewidths=0,
            )
        return
    _raster(ax, layers, xs, ys, options)


def _draw_by_value(ax, table, sidecar, values: np.ndarray, options) -> None:
    """Markers colored by their hue value, or the raster colored by each pixel's mean value."""
    from ..palettes import value_colors
    from ._common import numeric_of

    xs, ys = sidecar["x"], sidecar["y"]
    x, y = numeric_of(table, xs["column"]), numeric_of(table, ys["column"])
    if x.size <= options["max_points"]:
        ax.scatter(
            x,
            y,
            s=options["s"],
            alpha=options["alpha"],
            marker=options["marker"],
            color=value_colors(values, sidecar["hue"]),
            linewidths=0,
        )
        return
    raster = _Raster(ax, xs, ys)
    total = raster.counts(x, y)
    mean = raster.counts(x, y, values) / np.maximum(total, 1)
    rgb = value_colors(np.where(total > 0, mean, np.nan), sidecar["hue"])[..., :3]
    raster.show(_darken(rgb, shade(total, options["norm"])), total)


class _Raster:
    """Pixels of the tile over its agreed limits (log axes counted in log space)."""

    def __init__(self, ax, xs, ys):
        self.ax, self.xs, self.ys = ax, xs, ys
        self.shape = (int(round(ax.figure.bbox.height)), int(round(ax.figure.bbox.width)))
        self.lims = [_transform(np.array(s["lim"], float), s.get("scale")) for s in (xs, ys)]

    def counts(self, x, y, weights=None) -> np.ndarray:
        tx, ty = _transform(x, self.xs.get("scale")), _transform(y, self.ys.get("scale"))
        return pixel_counts(tx, ty, self.lims, self.shape, weights)

    def show(self, rgb: np.ndarray, total: np.ndarray) -> None:
        rgba = np.dstack([rgb, (total > 0).astype(float)])
        extent = [*self.xs["lim"], *self.ys["lim"]]
        self.ax.imshow(rgba, extent=extent, origin="lower", interpolation="nearest", aspect="auto")


def _darken(rgb: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Colors darker where ``level`` (the shaded count, 0-1) is higher."""
    return 1 - (1 - rgb) * (0.25 + 0.75 * level)[..., None]


def _raster(ax, layers, xs, ys, options) -> None:
    from matplotlib import colormaps
    from matplotlib.colors import to_rgb

    raster = _Raster(ax, xs, ys)
    counts = [raster.counts(x, y) for _, x, y in layers]
    total = np.sum(counts, axis=0)
    level = shade(total, options["norm"])
    if layers[0][0] is None:  # no hue: the colormap
        rgb = colormaps[options["cmap"]](level)[..., :3]
    else:  # hue: mix the hue colors by count, darker where denser
        mix = sum(c[..., None] * np.array(to_rgb(col)) for c, (col, _, _) in zip(counts, layers))
        rgb = _darken(mix / np.maximum(total, 1)[..., None], level)
    raster.show(rgb, total)
