"""Violins drawn from binned KDEs with :meth:`matplotlib.axes.Axes.violin`.

Statistics follow seaborn's ``violinplot``: Scott's bandwidth scaled by
``bw_adjust``, the density drawn over the data range extended by ``cut``
bandwidths, ``density_norm`` "area" (equal areas) / "count" / "width", and an
inner box (quartiles, 1.5 IQR whiskers, median point), quartile lines, a stick
or a dot per value.  With ``log_scale`` every statistic is of log10 of the
positive values, drawn at 10 to its power, as seaborn's on a log axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.palettes import palette_colors
from ..core.sidecar import Sidecar
from ..core.stats import Moments, TileStats
from . import OptionError
from . import _kde as kde
from ._common import (
    categorical_groups,
    dodge,
    log10_positive,
    log_pass,
    no_data,
    value_log,
    value_scales,
)
from ._select import percentiles

ROLES = {"x": "categorical", "y": "numeric"}
REQUIRED = ("y",)
OPTIONS: dict[str, Any] = {
    "bw_method": "scott",
    "bw_adjust": 1.0,
    "cut": 2.0,
    "gridsize": 200,
    "inner": "box",
    "density_norm": "area",
    "width": 0.8,
    "color": "#4c72b0",
    "palette": None,
    "linewidth": 1.0,
    "linecolor": "#3a3a3a",
    "order": None,
    "log_scale": False,
}
#: on a log axis the shared limits come from the shards (the logs' bandwidths)
BINNED_Y = "data"
scales = value_scales
binned_pass = log_pass
INNER = ("box", "quart", "stick", "point", None)
#: ``inner`` stick and point draw every value up to this many in a violin; beyond,
#: one per occupied quarter of a pixel row (:func:`inner_values`), the same picture
INNER_ALL = 2000
DENSITY_NORM = ("area", "count", "width")


def check_options(options: dict[str, Any]) -> None:
    """Raise :class:`~tilegrid.kinds.OptionError` for option values out of range."""

    bw = options["bw_method"]
    if not (bw in ("scott", "silverman") or isinstance(bw, (int, float)) and bw > 0):
        raise OptionError(
            f"plot.options.bw_method: {bw!r} is not 'scott', 'silverman' or a positive number"
        )
    for key in ("bw_adjust", "width", "linewidth"):
        if not isinstance(options[key], (int, float)) or options[key] <= 0:
            raise OptionError(f"plot.options.{key}: {options[key]!r} is not a positive number")
    if not isinstance(options["cut"], (int, float)) or options["cut"] < 0:
        raise OptionError(f"plot.options.cut: {options['cut']!r} is not a number >= 0")
    if not isinstance(options["gridsize"], int) or options["gridsize"] < 2:
        raise OptionError(f"plot.options.gridsize: {options['gridsize']!r} is not an integer >= 2")
    if options["inner"] not in INNER:
        raise OptionError(
            f"plot.options.inner: {options['inner']!r} is not one of box, quart, stick, point, null"
        )
    if not isinstance(options["log_scale"], bool):
        raise OptionError(f"plot.options.log_scale: {options['log_scale']!r} is not true or false")
    if options["density_norm"] not in DENSITY_NORM:
        raise OptionError(
            f"plot.options.density_norm: {options['density_norm']!r} is not one of "
            + ", ".join(DENSITY_NORM)
        )


def value_extent(moments: Moments, options: dict[str, Any]) -> tuple[float, float]:
    """Interval a violin of these values covers on the value axis."""
    bw = kde.bandwidth(moments, options["bw_method"], options["bw_adjust"])
    return kde.support(moments, bw, options["cut"])


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The y interval every violin of the tile needs (on a log axis: :func:`binned_extents`)."""
    spans = [value_extent(m, options) for m in stats.all("y")]
    if not spans or value_log(options):
        return {}
    return {"y": (min(s[0] for s in spans), max(s[1] for s in spans))}


def binned_extents(table, sidecar: Sidecar, options: dict[str, Any]) -> dict[str, Any]:
    """On a log axis (the only pass that asks): every violin's interval, its KDE's support
    on log10 of its positive values (their bandwidth needs the logs' spread)."""
    groups, *_ = categorical_groups(table, sidecar)
    logs = [log10_positive(v) for v in groups]
    spans = [value_extent(Moments.of(v), options) for v in logs if v.size]
    if not spans:
        return {}
    return {"y": (10.0 ** min(s[0] for s in spans), 10.0 ** max(s[1] for s in spans))}


@dataclass
class ViolinStats:
    """What one violin draws: its density curve and box statistics."""

    coords: np.ndarray
    density: np.ndarray
    n: int
    q1: float
    median: float
    q3: float
    whisker_lo: float
    whisker_hi: float
    mean: float
    min: float
    max: float


def violin_stats(values: np.ndarray, options: dict[str, Any]) -> ViolinStats:
    """Density and box statistics of one group of finite values (at least one)."""
    moments = Moments.of(values)
    bw = kde.bandwidth(moments, options["bw_method"], options["bw_adjust"])
    if bw > 0:
        lo, hi = kde.support(moments, bw, options["cut"])
        m, delta = kde.grid_size(bw, lo, hi)
        cells, fractions = kde.grid_cells(values, lo, delta, m)
        counts = kde.spread(cells, fractions, m)
        coords, density = kde.kde_of_counts(counts, values.size, bw, lo, hi, options["gridsize"])
        # the KDE's grid cells find the quartiles' ranks without a sort of the values
        q1, median, q3 = percentiles(values, [25, 50, 75], cells, m)
    else:  # a single value or no spread: a flat line at that value
        coords, density = np.array([moments.min]), np.array([1.0])
        q1, median, q3 = np.percentile(values, [25, 50, 75])
    iqr = q3 - q1
    inside = (values >= q1 - 1.5 * iqr) & (values <= q3 + 1.5 * iqr)
    whisker_lo = values.min(where=inside, initial=np.inf)
    whisker_hi = values.max(where=inside, initial=-np.inf)
    return ViolinStats(
        coords,
        density,
        moments.n,
        float(q1),
        float(median),
        float(q3),
        float(whisker_lo),
        float(whisker_hi),
        moments.mean,
        moments.min,
        moments.max,
    )


def violin_widths(stats: list[ViolinStats], width: float, norm: str) -> np.ndarray:
    """Full width of each violin under seaborn's ``density_norm`` rule."""
    peaks = np.array([s.density.max() for s in stats])
    if norm == "width":
        return np.full(len(stats), width)
    if norm == "count":
        scale = peaks * np.array([s.n for s in stats])
        return width * scale / scale.max()
    return width * peaks / peaks.max()


def category_colors(categories: list[str], options: dict[str, Any]) -> list[Any]:
    """One fill color per category: ``options.palette`` (name or list) else ``color``.

    This is the violin's own category palette, drawn without hue; ``plot.palette``
    (the hue's colors, fixed by the split) is another setting.
    """

    n = max(len(categories), 1)
    category_palette = options["palette"]
    if category_palette is None:
        return [options["color"]] * n
    return palette_colors(category_palette, n, categories)


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """Draw this tile's violins: one per x category, dodged by hue when there is one."""
    categories = sidecar["x"].get("categories") or []
    groups, _, n_h, hue_colors = categorical_groups(table, sidecar)
    log = value_log(options)
    if log:  # seaborn's violins of log10 of the values, drawn at 10 to their power
        ax.set_yscale("log")
        groups = [log10_positive(v) for v in groups]
    present = [(g, v) for g, v in enumerate(groups) if v.size]
    if not present:
        no_data(ax)
        return
    colors = hue_colors or category_colors(categories, options)
    offsets, slot = dodge(n_h, options["width"])
    stats = [violin_stats(v, options) for _, v in present]
    widths = violin_widths(stats, slot, options["density_norm"])
    rows = pixel_rows(ax, sidecar, log)
    inv = _power_of_ten if log else _same
    for (g, values), st, w in zip(present, stats, widths):
        i, j = divmod(g, n_h)
        color = colors[j] if hue_colors else colors[i]
        _draw_one(ax, i + offsets[j], st, w, color, options, inv)
        if options["inner"] in ("stick", "point") and st.coords.size > 1:
            marks = inner_values(values, rows)
            _inner_observations(ax, i + offsets[j], st, w, marks, options, inv)


def _same(values):
    """The values as drawn on a linear axis: themselves."""
    return values


def _power_of_ten(values):
    """The values as drawn on a log axis, from their logs: 10 to their power."""
    return 10.0**values


def _draw_one(ax, pos: int, st: ViolinStats, width: float, color, options, inv=_same) -> None:
    lw, edge = options["linewidth"], options["linecolor"]
    if st.coords.size == 1:
        ax.hlines(inv(st.coords[0]), pos - width / 2, pos + width / 2, color=edge, lw=lw * 1.5)
    else:
        vp = {
            "coords": inv(st.coords),
            "vals": st.density,
            "mean": inv(st.mean),
            "median": inv(st.median),
            "min": inv(st.min),
            "max": inv(st.max),
        }
        parts = ax.violin(
            [vp],
            positions=[pos],
            widths=[width],
            showextrema=False,
            facecolor=color,
            linecolor=edge,
        )
        for body in parts["bodies"]:
            body.set_linewidth(lw)
            body.set_edgecolor(edge)
    if options["inner"] == "box":
        _inner_box(ax, pos, st, lw, edge, inv)
    elif options["inner"] == "quart":
        _inner_quartiles(ax, pos, st, width, lw, edge, inv)


def _inner_box(ax, pos: int, st: ViolinStats, lw: float, edge, inv) -> None:
    ax.vlines(pos, inv(st.whisker_lo), inv(st.whisker_hi), color=edge, lw=lw * 1.5, zorder=3)
    ax.vlines(pos, inv(st.q1), inv(st.q3), color=edge, lw=lw * 5, zorder=3)
    ax.scatter([pos], [inv(st.median)], s=(lw * 3.5) ** 2, color="white", zorder=4, linewidths=0)


def _inner_quartiles(ax, pos: int, st: ViolinStats, width: float, lw: float, edge, inv) -> None:
    peak = st.density.max() if st.density.size else 1.0
    for value, style in ((st.q1, (0, (3, 2))), (st.median, "-"), (st.q3, (0, (3, 2)))):
        half = width / 2 * np.interp(value, st.coords, st.density) / peak
        ax.hlines(inv(value), pos - half, pos + half, color=edge, lw=lw, linestyles=style, zorder=3)


def pixel_rows(ax, sidecar: Sidecar, log: bool = False) -> tuple[float, float, int] | None:
    """``(low, high, rows)``: the tile's y limits (their logs on a log axis, where the
    marks are placed in logs) and its height in pixels, or None."""
    lim = sidecar["y"].get("lim")
    if not lim:
        return None
    low, high = (np.log10(lim[0]), np.log10(lim[1])) if log else (lim[0], lim[1])
    return float(low), float(high), max(int(ax.figure.bbox.height), 1)


def inner_values(values: np.ndarray, rows: tuple[float, float, int] | None) -> np.ndarray:
    """The values ``inner`` stick or point marks: all of them up to :data:`INNER_ALL`;
    beyond, the centre of each occupied eighth of a pixel row of the tile, whose mark
    covers those of the values in it (O(n): a count per eighth of a row)."""
    if values.size <= INNER_ALL or rows is None:
        return values
    low, high, height = rows
    cells = 8 * height
    index = np.floor((values - low) / (high - low) * cells).astype(np.int64)
    occupied = np.flatnonzero(np.bincount(index[(index >= 0) & (index < cells)], minlength=cells))
    return low + (occupied + 0.5) * ((high - low) / cells)


def _inner_observations(ax, pos: float, st: ViolinStats, width: float, values, options, inv=_same):
    """seaborn's inner "stick" (a line across the violin at each value, as wide as the
    violin there, half the outline's width) or "point" (a dot on the centre line)."""
    from matplotlib.collections import LineCollection

    lw, edge = options["linewidth"], options["linecolor"]
    if options["inner"] == "point":
        ax.scatter(np.full(values.size, pos), inv(values), s=(lw * 2) ** 2, color=edge, zorder=3)
        return
    peak = st.density.max()
    half = width / 2 * np.interp(values, st.coords, st.density) / peak
    at = inv(values)
    segments = np.stack(
        [np.stack([pos - half, at], axis=1), np.stack([pos + half, at], axis=1)], axis=1
    )
    ax.add_collection(LineCollection(segments, colors=edge, linewidths=lw / 2), autolim=False)
