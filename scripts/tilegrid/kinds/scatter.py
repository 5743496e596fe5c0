"""Scatter plots: true markers for small tiles, a density raster for big ones.

Above ``max_points`` rows a tile is drawn like datashader does: points are
counted per pixel of the tile (np.bincount, O(n)) and the counts shaded
(``norm`` linear, log or eq_hist); with hue, each pixel's color is the
count-weighted mix of the hue colors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import by_hue, check, data_ranges, in_range, log_axes, positive

ROLES = {"x": "numeric", "y": "numeric"}
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


def extents(facts, options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The data ranges of x and y."""
    return data_ranges(facts)


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


def pixel_counts(x, y, lims, shape) -> np.ndarray:
    """Points per pixel of a ``shape`` (rows, cols) raster over ``lims`` (bottom row first)."""
    (x0, x1), (y0, y1) = lims
    rows, cols = shape
    ix = np.floor((x - x0) / (x1 - x0) * cols).astype(np.int64)
    iy = np.floor((y - y0) / (y1 - y0) * rows).astype(np.int64)
    ok = (ix >= 0) & (ix < cols) & (iy >= 0) & (iy < rows)
    return np.bincount(iy[ok] * cols + ix[ok], minlength=rows * cols).reshape(rows, cols)


def _transform(values: np.ndarray, scale: str) -> np.ndarray:
    return np.log10(np.where(values > 0, values, np.nan)) if scale == "log" else values


def draw(ax, table, sidecar: dict[str, Any], options: dict[str, Any]) -> None:
    """Markers, or the density raster when the tile has more than ``max_points`` rows."""
    xs, ys = sidecar["x"], sidecar["y"]
    for axis, spec in (("x", xs), ("y", ys)):
        if spec.get("scale") == "log":
            getattr(ax, f"set_{axis}scale")("log")
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


def _raster(ax, layers, xs, ys, options) -> None:
    from matplotlib import colormaps
    from matplotlib.colors import to_rgb

    shape = (int(round(ax.figure.bbox.height)), int(round(ax.figure.bbox.width)))
    lims = [_transform(np.array(s["lim"], float), s.get("scale")) for s in (xs, ys)]
    counts = [
        pixel_counts(_transform(x, xs.get("scale")), _transform(y, ys.get("scale")), lims, shape)
        for _, x, y in layers
    ]
    total = np.sum(counts, axis=0)
    level = shade(total, options["norm"])
    if layers[0][0] is None:  # no hue: the colormap
        rgb = colormaps[options["cmap"]](level)[..., :3]
    else:  # hue: mix the hue colors by count, darker where denser
        mix = sum(c[..., None] * np.array(to_rgb(col)) for c, (col, _, _) in zip(counts, layers))
        rgb = mix / np.maximum(total, 1)[..., None]
        rgb = 1 - (1 - rgb) * (0.25 + 0.75 * level)[..., None]
    rgba = np.dstack([rgb, (total > 0).astype(float)])
    extent = [*xs["lim"], *ys["lim"]]
    ax.imshow(rgba, extent=extent, origin="lower", interpolation="nearest", aspect="auto")
