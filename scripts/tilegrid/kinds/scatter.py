"""Scatter plots: true markers for small tiles, a density raster for big ones.

Above ``max_points`` rows a tile is drawn like datashader does: points are
counted per pixel of the tile (np.bincount, O(n)) and the counts shaded
(``norm`` linear, log or eq_hist) on one colour scale shared by the tiles
(``sharec``), with one colorbar: the split counts every raster tile's pixels
(the tile's size is in its sidecar, ``tile_px``) and agrees the count range and,
for eq_hist, the quantiles of all the tiles' pixel counts
(:mod:`tilegrid.core.colornorms`), so a count has one colour in every tile.

With a categorical hue, each pixel's colour is the count-weighted mix of the
hue colours, and its opacity shows the count on the same shared scale, from
``min_alpha`` (datashader's name and default, 40 of 255) for the sparsest pixels
to opaque.  A numeric hue colours each point by its own value (the grid's
colormap over the grid-wide range, see :mod:`tilegrid.core.palettes`); in the raster,
a pixel gets the colour of the mean value of its points, its opacity as with a
categorical hue.

seaborn's ``size`` and ``style`` (options of that name, :mod:`tilegrid.kinds._marks`)
set each marker's area and shape from the grid's mappings in the sidecar, drawn as
seaborn's scatterplot draws them: one collection in row order.  The raster has no
markers, so it shows neither (the split's log names those tiles).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.colornorms import color_norm
from ..core.sidecar import Sidecar
from ..core.stats import TileStats
from . import OptionError, _marks
from ._common import (
    by_hue,
    check,
    data_ranges,
    hue_of,
    hue_values,
    in_range,
    log_scales,
    numeric_of,
    positive,
)

#: size follows its column as seaborn's does (:func:`tilegrid.core.marks.size_is_numeric`)
ROLES = {"x": "numeric", "y": "numeric", "style": "categorical"}
#: the density raster shades counts on a colour scale the tiles share ...
COLOR = True
#: ... counted per pixel of the tile: the split needs the tile's size
PIXEL_GRID = True
#: a numeric hue colors each point by its value (a continuous colorbar), not by group
HUE_BY_VALUE = True
REQUIRED = ("x", "y")
#: options that name a column (seaborn's size and style)
COLUMN_OPTIONS = ("size", "style")
NORMS = ("linear", "log", "eq_hist")
OPTIONS: dict[str, Any] = {
    "s": 12.0,
    "alpha": 0.8,
    "marker": "o",
    "color": "#4c72b0",
    "max_points": 50_000,
    "cmap": "viridis",
    "norm": "eq_hist",
    "min_alpha": 40,
    "log_scale": False,
    **_marks.SCATTER_OPTIONS,
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
            "min_alpha": (in_range(0, 255), "a number in [0, 255]"),
            **_marks.RULES,
        },
    )
    if options["style"] and options["markers"] is False:
        raise OptionError(
            "plot.options.markers: false leaves scatter's style nothing to show (it maps "
            "the style's levels to markers); leave it out, or leave out style"
        )


scales = log_scales


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


def is_raster(rows: int, options: dict[str, Any]) -> bool:
    """Whether a tile of ``rows`` points is drawn as the density raster."""
    return rows > options["max_points"]


def raster_counts(table, sidecar: Sidecar, options: dict[str, Any], shape=None):
    """The raster's counts as drawn: ``(total, layers)``, the points per pixel and,
    with a categorical hue, each level's ``(color, counts)``; None below ``max_points``.

    ``shape`` (rows, cols) defaults to the tile's size in its sidecar.
    """
    xs, ys = sidecar["x"], sidecar["y"]
    if hue_values(table, sidecar) is not None:
        x, y = numeric_of(table, xs["column"]), numeric_of(table, ys["column"])
        if not is_raster(x.size, options):
            return None
        total = _Raster(xs, ys, shape or raster_shape(sidecar)).counts(x, y)
        return total, []
    points = by_hue(table, sidecar, xs["column"], ys["column"])
    if not is_raster(sum(x.size for _, x, _ in points), options):
        return None
    raster = _Raster(xs, ys, shape or raster_shape(sidecar))
    layers = [(color, raster.counts(x, y)) for color, x, y in points]
    return np.sum([c for _, c in layers], axis=0), layers


def raster_shape(sidecar: Sidecar, ax=None) -> tuple[int, int]:
    """(rows, cols) of the raster: the tile's size the split agreed (``tile_px``),
    else the size of ``ax``'s figure."""
    if sidecar.get("tile_px"):
        width, height = sidecar["tile_px"]
        return int(height), int(width)
    return int(round(ax.figure.bbox.height)), int(round(ax.figure.bbox.width))


def binned_extents(table, sidecar: Sidecar, options: dict[str, Any]) -> dict[str, Any]:
    """The range of the raster's non-empty pixel counts (and, for eq_hist, how many
    pixels hold each count), for the shared colour scale; nothing below ``max_points``."""
    counted = raster_counts(table, sidecar, options)
    if counted is None:
        return {}
    nz = counted[0][counted[0] > 0]
    if not nz.size:
        return {}
    out: dict[str, Any] = {"c": (float(nz.min()), float(nz.max()))}
    if options["norm"] == "eq_hist":
        values, weights = np.unique(nz, return_counts=True)
        out["c_hist"] = (values, weights)
    return out


def levels(total: np.ndarray, sidecar: Sidecar, options: dict[str, Any]) -> np.ndarray:
    """Each pixel's count on the shared colour scale, in [0, 1]; 0 where empty.

    The agreed scale is the sidecar's ``c`` (the grid's count range, and for eq_hist
    its quantiles); a sidecar without one (drawn outside the split) falls back
    to the tile's own counts.
    """

    scale = sidecar.get("c")
    if not scale or (options["norm"] == "eq_hist" and not scale.get("quantiles")):
        return shade(total, options["norm"])
    norm = color_norm({**scale, "norm": options["norm"]})
    out = np.zeros(total.shape)
    nz = total > 0
    out[nz] = np.clip(np.ma.getdata(norm(total[nz].astype(float))), 0, 1)
    return out


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> dict | None:
    """Markers, or the density raster when the tile has more than ``max_points`` rows."""
    xs, ys = sidecar["x"], sidecar["y"]
    for axis, spec in (("x", xs), ("y", ys)):
        if spec.get("scale") == "log":
            getattr(ax, f"set_{axis}scale")("log")
    values = hue_values(table, sidecar)
    counted = raster_counts(table, sidecar, options, raster_shape(sidecar, ax))
    if counted is None:
        _markers(ax, table, sidecar, values, options)
        return None
    total, layers = counted
    level = levels(total, sidecar, options)
    show = _Raster(xs, ys, total.shape)
    if values is not None:  # numeric hue: each pixel the colour of its mean value
        from ..core.palettes import value_colors

        x, y = numeric_of(table, xs["column"]), numeric_of(table, ys["column"])
        mean = show.counts(x, y, values) / np.maximum(total, 1)
        rgb = value_colors(np.where(total > 0, mean, np.nan), sidecar["hue"])[..., :3]
        show.paint(ax, rgb, _alpha(level, total, options))
        return None
    if layers[0][0] is None:  # no hue: the colormap, opaque, and its colorbar
        from matplotlib import colormaps

        rgb = colormaps[options["cmap"]](level)[..., :3]
        show.paint(ax, rgb, (total > 0).astype(float))
        label = "Count" if options["norm"] != "eq_hist" else "Count (eq_hist)"
        return {"colorbar": {"cmap": options["cmap"], "norm": options["norm"], "label": label}}
    from matplotlib.colors import to_rgb

    mix = sum(c[..., None] * np.array(to_rgb(col)) for col, c in layers)
    show.paint(ax, mix / np.maximum(total, 1)[..., None], _alpha(level, total, options))
    return None


def _alpha(level: np.ndarray, total: np.ndarray, options: dict[str, Any]) -> np.ndarray:
    """Opacity by count, as datashader's: ``min_alpha`` / 255 for the lowest, 1 for the
    highest, 0 where empty."""
    floor = options["min_alpha"] / 255
    return np.where(total > 0, floor + (1 - floor) * level, 0.0)


def _markers(ax, table, sidecar: Sidecar, values, options: dict[str, Any]) -> None:
    """True markers, coloured by hue level or by a numeric hue's value; with a size or
    a style, sized and shaped per point (:func:`_semantic_markers`)."""
    if sidecar.get("size") or sidecar.get("style"):
        _semantic_markers(ax, table, sidecar, values, options)
        return
    xs, ys = sidecar["x"], sidecar["y"]
    style = {"s": options["s"], "alpha": options["alpha"], "marker": options["marker"]}
    if values is not None:
        from ..core.palettes import value_colors

        x, y = numeric_of(table, xs["column"]), numeric_of(table, ys["column"])
        ax.scatter(x, y, color=value_colors(values, sidecar["hue"]), linewidths=0, **style)
        return
    for color, x, y in by_hue(table, sidecar, xs["column"], ys["column"]):
        ax.scatter(x, y, color=color or options["color"], linewidths=0, **style)


def point_colors(table, sidecar: Sidecar, values, options: dict[str, Any]):
    """Each row's colour: its hue level's, its numeric hue value's, or ``color``."""
    if values is not None:
        from ..core.palettes import value_colors

        return value_colors(values, sidecar["hue"])
    codes, colors = hue_of(table, sidecar)
    if codes is None:
        return options["color"]
    from matplotlib.colors import to_rgba_array

    return to_rgba_array(colors)[np.maximum(codes, 0)]  # no level: not drawn (the caller)


def _semantic_markers(ax, table, sidecar: Sidecar, values, options: dict[str, Any]) -> None:
    """seaborn's scatterplot with size and style: one collection in row order, each
    point's area from the size mapping and its marker from the style mapping.

    A row without a size, style or hue level (only a ``preprocess`` function can make
    one: the split drops them) is not drawn, as seaborn drops it."""
    x, y = numeric_of(table, sidecar["x"]["column"]), numeric_of(table, sidecar["y"]["column"])
    sizes = _marks.point_areas(table, sidecar)
    codes = _marks.style_codes(table, sidecar)
    keep = np.ones(x.size, bool)
    if sizes is not None:
        keep &= np.isfinite(sizes)
    if codes is not None:
        keep &= codes >= 0
    hue_codes, _ = hue_of(table, sidecar)
    if hue_codes is not None and values is None:
        keep &= hue_codes >= 0
    colors = point_colors(table, sidecar, values, options)
    points = ax.scatter(
        x[keep],
        y[keep],
        s=options["s"] if sizes is None else sizes[keep],
        color=colors if isinstance(colors, str) else colors[keep],
        alpha=options["alpha"],
        marker=_marks.level_marker(sidecar, 0) or options["marker"],
        linewidths=0,
    )
    if codes is not None and sidecar["style"].get("markers"):
        paths = _marks.marker_paths(sidecar)
        points.set_paths([paths[c] for c in codes[keep].tolist()])


class _Raster:
    """Pixels of the tile over its agreed limits (log axes counted in log space)."""

    def __init__(self, xs, ys, shape: tuple[int, int]):
        self.xs, self.ys, self.shape = xs, ys, shape
        self.lims = [_transform(np.array(s["lim"], float), s.get("scale")) for s in (xs, ys)]

    def counts(self, x, y, weights=None) -> np.ndarray:
        tx, ty = _transform(x, self.xs.get("scale")), _transform(y, self.ys.get("scale"))
        return pixel_counts(tx, ty, self.lims, self.shape, weights)

    def paint(self, ax, rgb: np.ndarray, alpha: np.ndarray) -> None:
        """Show ``rgb`` pixels at opacity ``alpha`` over the tile's data area."""
        rgba = np.dstack([rgb, alpha])
        extent = [*self.xs["lim"], *self.ys["lim"]]
        ax.imshow(rgba, extent=extent, origin="lower", interpolation="nearest", aspect="auto")
