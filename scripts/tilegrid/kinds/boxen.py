"""Letter-value ("boxen") plots, as seaborn's ``boxenplot`` (x categorical, y numeric).

A letter-value plot extends the box plot into the tails: the central box spans
the quartiles (the letter values of depth 1, at 1/4 and 3/4), the next boxes the
eighths (1/8 and 7/8), then the sixteenths, and so on, each level half as wide
(``width_method: exponential``) and lighter than the one inside it.  How many
levels (``k``) follows seaborn's ``k_depth`` rule from the group's size ``n``:

- ``tukey`` (default): ``k = floor(log2 n) - 3``, so 5-8 values lie beyond
  each end, about as many outliers as a box plot shows;
- ``proportion``: ``floor(log2 n) - floor(log2(n * outlier_prop)) + 1``, about
  ``outlier_prop`` of the values beyond;
- ``trustworthy``: ``floor(log2(n / (2 z^2))) + 1`` with ``z`` the normal
  quantile at ``1 - trust_alpha / 2``, the deepest letter value whose
  confidence interval does not overlap the next;
- ``full``: ``floor(log2 n) + 1``, the outermost box reaching the extremes;
- an integer: that many levels.

Always at least one.  The letter values are exact quantiles (numpy's linear
interpolation, as seaborn), computed in the render job from the tile's shard,
which holds the tile's rows in memory anyway: one ``np.percentile`` call per
group, a selection, O(rows).  Values beyond the outermost letter values are
drawn as outliers, at most ``max_fliers`` per box (evenly spaced by rank,
always including both extremes), so a shallow ``k_depth`` on millions of rows
stays cheap.

Every drawn box edge is a quantile of the group and every outlier one of its
values, so the group's data range, which the split knows from its moments,
holds everything drawn: it is the extent shared limits are agreed from (the
same one as with ``showfliers: false``, where seaborn would fit the boxes
alone).

Colours follow seaborn: a box at level ``e`` levels out from the quartile box is
the blend ``2 ** (-e / 3)`` of the way from a light tint of the main colour (the
main colour's HUSL hue at 15 % of its saturation and lightness 95, seaborn's
``light_palette``) to the main colour; edges and the median line are grey at
0.6 times the lightness of the darkest fill colour, unless ``linecolor`` is set.
"""

from __future__ import annotations

import colorsys
import math
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Any

import numpy as np

from ..core.sidecar import Sidecar
from ..core.stats import TileStats
from ._common import (
    LOG_SCALE_RULE,
    categorical_groups,
    check,
    data_ranges,
    dodge,
    in_range,
    log10_positive,
    log_pass,
    no_data,
    positive,
    positive_range,
    value_log,
    value_scales,
)
from ._husl import light_tint

ROLES = {"x": "categorical", "y": "numeric"}
REQUIRED = ("y",)
OPTIONS: dict[str, Any] = {
    "k_depth": "tukey",
    "outlier_prop": 0.007,
    "trust_alpha": 0.05,
    "width_method": "exponential",
    "width": 0.8,
    "color": "#4c72b0",
    "fill": True,
    "linewidth": 0.75,
    "linecolor": None,
    "showfliers": True,
    "fliersize": 5.0,
    "max_fliers": 1000,
    "order": None,
    "log_scale": False,
}
#: on a log axis the shared limits are the positive values' range, found in the shards
BINNED_Y = "data"
scales = value_scales
binned_pass = log_pass
K_DEPTHS = ("tukey", "proportion", "trustworthy", "full")
WIDTH_METHODS = ("exponential", "linear", "area")
#: deepest integer ``k_depth``: tails of 2 ** -61 are below any float sample's resolution
MAX_DEPTH = 60
#: seaborn's outlier marker: an open circle with a mid-grey edge (filled boxes)
FLIER_EDGE = "0.45"


def _depth_ok(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    return v in K_DEPTHS or isinstance(v, int) and 1 <= v <= MAX_DEPTH


def _color_ok(v: Any) -> bool:
    from matplotlib.colors import is_color_like

    return isinstance(v, (str, list, tuple)) and is_color_like(v)


def check_options(options: dict[str, Any]) -> None:
    """Raise :class:`~tilegrid.kinds.OptionError` for option values out of range."""
    check(
        options,
        {
            "k_depth": (_depth_ok, f"one of {', '.join(K_DEPTHS)} or an integer in 1..{MAX_DEPTH}"),
            "outlier_prop": (lambda v: positive(v) and v < 1, "a number in (0, 1)"),
            "trust_alpha": (lambda v: positive(v) and v < 1, "a number in (0, 1)"),
            "width_method": (lambda v: v in WIDTH_METHODS, f"one of {', '.join(WIDTH_METHODS)}"),
            "width": (in_range(0.01, 1.0), "a number in (0, 1]"),
            "color": (_color_ok, "a colour"),
            "linecolor": (lambda v: v is None or _color_ok(v), "a colour or null (automatic)"),
            "fill": (lambda v: isinstance(v, bool), "true or false"),
            "linewidth": (positive, "a positive number"),
            "showfliers": (lambda v: isinstance(v, bool), "true or false"),
            "fliersize": (in_range(0, 100), "a number in [0, 100]"),
            "max_fliers": (lambda v: isinstance(v, int) and v >= 0, "an integer >= 0"),
            "log_scale": LOG_SCALE_RULE,
        },
    )


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The data range: every letter value and outlier lies within it (on a log axis the
    positive values', :func:`binned_extents`)."""
    return {} if value_log(options) else data_ranges(stats, ("y",))


def binned_extents(table, sidecar: Sidecar, options: dict[str, Any]) -> dict[str, Any]:
    """On a log axis (the only pass that asks): the range of the positive values."""
    return positive_range(table, sidecar)


# ---------------------------------------------------------------- statistics


def letter_depth(n: int, k_depth: str | int, outlier_prop: float, trust_alpha: float) -> int:
    """How many letter-value levels a group of ``n`` values gets (at least 1)."""
    if k_depth == "tukey":
        k = int(math.log2(n)) - 3
    elif k_depth == "proportion":
        k = int(math.log2(n)) - int(math.log2(n * outlier_prop)) + 1
    elif k_depth == "trustworthy":
        z = NormalDist().inv_cdf(1 - trust_alpha / 2)
        k = int(math.log2(n / (2 * z * z))) + 1
    elif k_depth == "full":
        k = int(math.log2(n)) + 1
    else:
        k = int(k_depth)
    return max(k, 1)


def letter_percentiles(k: int, full: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The ``2k`` percentiles (0-100) of ``k`` letter-value levels, ascending, and the
    level of each of the ``2k - 1`` boxes between them (0 outermost, ``k - 1`` the
    quartile box).

    The lower letter value of depth ``d`` (1 = quartiles) is the quantile at
    ``2 ** -(d + 1)``, the upper one at ``1 - 2 ** -(d + 1)``.  With ``full`` the
    outermost pair is the minimum and maximum.
    """
    lower = 0.5 ** np.arange(k + 1, 1, -1)  # 2**-(k+1) ... 1/4
    upper = 1 - 0.5 ** np.arange(2, k + 2)  # 3/4 ... 1 - 2**-(k+1)
    percentiles = 100 * np.concatenate([lower, upper])
    if full:
        percentiles[0], percentiles[-1] = 0.0, 100.0
    inward = np.arange(k)
    levels = np.concatenate([inward, inward[-2::-1]])
    return percentiles, levels


@dataclass
class LetterValues:
    """What one letter-value plot draws."""

    n: int
    k: int
    percentiles: np.ndarray  # 2k, ascending
    values: np.ndarray  # the letter values at those percentiles
    levels: np.ndarray  # 2k - 1 boxes: box i spans values[i] .. values[i + 1]
    median: float
    fliers: np.ndarray  # values beyond the outermost letter values, at most max_fliers
    n_fliers: int  # how many there are in all


def even_by_rank(values: np.ndarray, most: int) -> np.ndarray:
    """At most ``most`` of ``values``, sorted, evenly spaced by rank, keeping both
    extremes (when ``most`` >= 2); a selection, not a sort, of the values."""
    if values.size <= most:
        return np.sort(values)
    if most == 0:
        return values[:0]
    ranks = np.unique(np.linspace(0, values.size - 1, most).round().astype(np.intp))
    return np.partition(values, ranks)[ranks]


def letter_values(values: np.ndarray, options: dict[str, Any]) -> LetterValues:
    """Letter values, median and outliers of one group of finite values (at least one)."""
    n = int(values.size)
    k = letter_depth(n, options["k_depth"], options["outlier_prop"], options["trust_alpha"])
    percentiles, levels = letter_percentiles(k, full=options["k_depth"] == "full")
    letters = np.percentile(values, np.append(percentiles, 50.0))
    edges, median = letters[:-1], float(letters[-1])
    fliers = values[(values < edges[0]) | (values > edges[-1])]
    return LetterValues(
        n=n,
        k=k,
        percentiles=percentiles,
        values=edges,
        levels=levels,
        median=median,
        fliers=even_by_rank(fliers, options["max_fliers"]),
        n_fliers=int(fliers.size),
    )


def box_widths(lv: LetterValues, width: float, method: str) -> np.ndarray:
    """Full width of each box, the widest ``width`` (seaborn's ``width_method``).

    ``exponential``: each level out half as wide; ``linear``: widths in steps of
    one level; ``area``: each box's area proportional to the share of values it
    holds (a box of zero height, from tied values, gets width 0 there).
    """
    exponent = (lv.levels - 1 - lv.k).astype(float)
    if method == "linear":
        rel = lv.levels + 1.0
    elif method == "exponential":
        rel = 2.0**exponent
    else:
        tails = lv.levels < lv.k - 1
        heights = np.diff(lv.values)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(heights > 0, 2.0 ** (exponent - tails) / heights, 0.0)
        if not rel.max() > 0:  # every box of zero height (one distinct value)
            rel = np.ones_like(rel)
    return rel / rel.max() * width


def level_colors(color: Any, lv: LetterValues) -> np.ndarray:
    """RGBA fill of each box: ``2 ** (-e / 3)`` of the way from :func:`light_tint` to
    ``color``, ``e`` levels out from the quartile box (through a 256-colour map, as
    seaborn's ``light_palette(color, as_cmap=True)``)."""
    from matplotlib.colors import LinearSegmentedColormap, to_rgb

    cmap = LinearSegmentedColormap.from_list("boxen", [light_tint(color), to_rgb(color)])
    exponent = (lv.levels - 1 - lv.k).astype(float)
    return cmap(2 ** ((exponent + 2) / 3))


def auto_linecolor(colors: list[Any]) -> tuple[float, float, float]:
    """seaborn's automatic line colour: grey at 0.6 times the HLS lightness of the
    darkest of ``colors`` (the fill colours of the whole grid)."""

    from matplotlib.colors import to_rgb

    lum = 0.6 * min(colorsys.rgb_to_hls(*to_rgb(c))[1] for c in colors)
    return lum, lum, lum


# ---------------------------------------------------------------- drawing


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """One letter-value plot per x category, dodged by hue."""
    groups, _, n_h, hue_colors = categorical_groups(table, sidecar)
    present = [(g, v) for g, v in enumerate(groups) if v.size]
    if not present:
        no_data(ax)
        return
    offsets, slot = dodge(n_h, options["width"])
    linecolor = options["linecolor"] or auto_linecolor(hue_colors or [options["color"]])
    log = value_log(options)
    if log:  # seaborn's letter values of log10 of the values, drawn at 10 to their power
        ax.set_yscale("log")
    for g, values in present:
        i, j = divmod(g, n_h)
        color = hue_colors[j] if hue_colors else options["color"]
        values = log10_positive(values) if log else values
        if values.size:
            lv = letter_values(values, options)
            _draw_one(ax, i + offsets[j], lv, slot, color, linecolor, options, log)


def _draw_one(
    ax, pos: float, lv: LetterValues, width: float, color, linecolor, options, log: bool
) -> None:

    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    widths = box_widths(lv, width, options["width_method"])  # of the values' logs on a log axis
    if log:
        lv = replace(lv, values=10.0**lv.values, median=10.0**lv.median, fliers=10.0**lv.fliers)
    boxes = [
        Rectangle((pos - w / 2, lo), w, hi - lo)
        for w, lo, hi in zip(widths, lv.values[:-1], lv.values[1:])
    ]
    lw = options["linewidth"]
    if options["fill"]:
        faces, edges, mark = level_colors(color, lv), linecolor, linecolor
    else:
        faces, edges, mark = "none", color, color
    ax.add_collection(
        PatchCollection(boxes, facecolors=faces, edgecolors=edges, linewidths=lw), autolim=False
    )
    ax.plot(
        [pos - width / 2, pos + width / 2],
        [lv.median, lv.median],
        color=mark,
        linewidth=1.25 * lw,
        solid_capstyle="butt",
    )
    if options["showfliers"] and lv.fliers.size:
        ax.scatter(
            np.full(lv.fliers.size, pos),
            lv.fliers,
            s=options["fliersize"] ** 2,
            facecolors="none",
            edgecolors=FLIER_EDGE if options["fill"] else color,
        )
