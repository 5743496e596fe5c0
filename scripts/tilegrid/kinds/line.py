"""Lines through x-sorted data, as seaborn's ``lineplot``.

Where x values repeat, y is aggregated per x value (``estimator`` and its
``errorbar`` band as bar and point: :mod:`tilegrid.kinds._estimate`; a mean or sum
from per-value sums, any other estimator from each value's rows; on a log axis of
log10 of the values, as seaborn).  Above
``max_vertices`` distinct x values a line is aggregated per pixel column instead,
so it stays a few hundred vertices.

The shared y limit holds exactly what is drawn, the estimates and their bands:
the split aggregates each tile's shard as :func:`draw` does (:func:`bands`, in
:func:`binned_extents`), over the tile's width in pixels, which it writes in the
sidecar (``tile_px``) so that both count the same pixel columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.sidecar import Sidecar
from ..core.stats import Moments, TileStats
from . import _estimate, _marks
from ._common import by_hue, check, data_ranges, in_range, log_scales, positive, split_by

ROLES = {"x": "numeric", "y": "numeric", "style": "categorical"}
REQUIRED = ("x", "y")
#: options that name a column (seaborn's size and style)
COLUMN_OPTIONS = ("style",)
#: the shared y limit is the drawn bands' data interval (not a count from 0) ...
BINNED_Y = "data"
#: ... aggregated per pixel column of the tile: the split needs the tile's size
PIXEL_GRID = True
OPTIONS: dict[str, Any] = {
    "estimator": "mean",
    "errorbar": ["ci", 95],
    "n_boot": 1000,
    "seed": 0,
    "color": "#4c72b0",
    "linewidth": 1.5,
    "alpha": 0.2,
    "max_vertices": 2000,
    "log_scale": False,
    **_marks.LINE_OPTIONS,
}


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check(
        options,
        {
            **_estimate.OPTION_RULES,
            "linewidth": (positive, "a positive number"),
            "alpha": (in_range(0, 1), "a number in [0, 1]"),
            "max_vertices": (lambda v: isinstance(v, int) and v >= 2, "an integer >= 2"),
            **_marks.RULES,
        },
    )


scales = log_scales


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Data ranges; y is replaced by the drawn bands' interval (:func:`binned_extents`)."""
    return data_ranges(stats)


def aggregate(x: np.ndarray, y: np.ndarray, keys: np.ndarray, options: dict[str, Any]):
    """Per distinct key: x position, estimate, band low and high, and count."""
    uniq, inverse = unique_inverse(keys)
    n = np.bincount(inverse)
    xs = np.bincount(inverse, x) / n
    name, _ = _estimate.parse_estimator(options["estimator"])
    method, _ = _estimate.parse_errorbar(options["errorbar"])
    if name in ("mean", "sum") and method != "pi":
        est, lo, hi = moment_bands(y, inverse, n, options)
    else:
        est, lo, hi = value_bands(y, inverse, n, options)
    return xs, est, lo, hi, n


def moment_bands(y: np.ndarray, inverse: np.ndarray, n: np.ndarray, options: dict[str, Any]):
    """Mean or sum and its band per group, from per-group sums (one pass of bincounts)."""
    mean = np.bincount(inverse, y) / n
    var = np.maximum(np.bincount(inverse, y * y) / n - mean * mean, 0)
    est, lo, hi = np.empty(n.size), np.empty(n.size), np.empty(n.size)
    for i in range(n.size):
        m = Moments(int(n[i]), float(mean[i]), float(var[i]), float("nan"), float("nan"))
        est[i], lo[i], hi[i] = _estimate.from_moments(m, options["estimator"], options["errorbar"])
    _, level = _estimate.parse_errorbar(options["errorbar"])
    for i, values in small_groups(y, inverse, n, options):
        # seaborn's bootstrap where the t interval of a few values is far too wide
        lo[i], hi[i] = _estimate.bootstrap_interval(
            values, options["estimator"], float("nan"), level, options["n_boot"], options["seed"]
        )
    return est, lo, hi


def value_bands(y: np.ndarray, inverse: np.ndarray, n: np.ndarray, options: dict[str, Any]):
    """Any estimator and band per group, from each group's values (O(rows) in all)."""
    out = np.empty((3, n.size))
    for i, values in enumerate(split_by(inverse, y, n.size)):
        out[:, i] = _estimate.estimate(
            values, options["estimator"], options["errorbar"], options["n_boot"], options["seed"]
        )
    return out[0], out[1], out[2]


def small_groups(y: np.ndarray, inverse: np.ndarray, n: np.ndarray, options: dict[str, Any]):
    """``(group, its values)`` of the groups whose confidence band is bootstrapped, as
    bar and point do (:data:`~tilegrid.kinds._estimate.BOOTSTRAP_BELOW`)."""
    method, _ = _estimate.parse_errorbar(options["errorbar"])
    small = np.flatnonzero((n >= 2) & (n < _estimate.BOOTSTRAP_BELOW))
    if method != "ci" or not small.size:
        return
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate(([0], np.cumsum(n)[:-1]))
    for i in small.tolist():
        yield i, y[order[starts[i] : starts[i] + n[i]]]


def unique_inverse(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)``, by counting when keys are few integers.

    Pixel columns (and integer x values) are counted in O(rows) instead of
    argsorted: ten times faster for millions of rows, with the same result.
    """
    if keys.size:
        lo, hi = keys.min(), keys.max()
        if np.isfinite(lo) and np.isfinite(hi) and hi - lo <= 1 << 20:
            offsets = keys - lo
            index = offsets.astype(np.intp)
            if np.array_equal(index, offsets):  # integers (float keys from np.floor)
                present = np.bincount(index) > 0
                rank = np.cumsum(present) - 1
                return lo + np.flatnonzero(present).astype(keys.dtype), rank[index]
    return np.unique(keys, return_inverse=True)


def bands(table, sidecar: Sidecar, options: dict[str, Any], columns: int):
    """Per hue level (and style level, :func:`styled_bands`):
    ``(color, x, estimate, band low, band high, n)`` as drawn."""
    return [band for _, band in styled_bands(table, sidecar, options, columns)]


def styled_bands(table, sidecar: Sidecar, options: dict[str, Any], columns: int):
    """``(style level, (color, x, estimate, band low, band high, n))`` per line drawn: one
    per hue level and style level present (seaborn's lineplot groups by both; the level
    is None without a style).

    Grouped per distinct x value, or per pixel column (of ``columns`` over the
    x limits) above ``max_vertices`` distinct values.  The band is the estimate
    itself where an x value has a single row.
    """
    xs_spec, ys_spec = sidecar["x"], sidecar["y"]
    log_x, log_y = (spec.get("scale") == "log" for spec in (xs_spec, ys_spec))
    lo_x, hi_x = np.log10(xs_spec["lim"]) if log_x else xs_spec["lim"]
    out = []
    for color, level, x, y in line_groups(table, sidecar):
        x, y = on_log_axes(x, y, log_x, log_y)
        keys = x
        if np.unique(x).size > options["max_vertices"]:  # aggregate per pixel column
            keys = np.floor((x - lo_x) / (hi_x - lo_x) * columns)
        px, est, lo, hi, n = aggregate(x, y, keys, options)
        lo, hi = np.where(n > 1, lo, est), np.where(n > 1, hi, est)
        if log_y:
            est, lo, hi = 10.0**est, 10.0**lo, 10.0**hi
        out.append((level, (color, 10.0**px if log_x else px, est, lo, hi, n)))
    return out


def line_groups(table, sidecar: Sidecar):
    """``(color, style level, x, y)`` of each line: per hue level present, then per
    style level present within it (seaborn's order of ``iter_data``)."""
    x_column, y_column = sidecar["x"]["column"], sidecar["y"]["column"]
    codes = _marks.style_codes(table, sidecar)
    if codes is None:
        return [(color, None, x, y) for color, x, y in by_hue(table, sidecar, x_column, y_column)]
    out = []
    columns = (x_column, y_column)
    for color, x, y, c in by_hue(table, sidecar, *columns, codes=codes):
        for level in np.unique(c).tolist():
            out.append((color, level, x[c == level], y[c == level]))
    return out


def on_log_axes(x: np.ndarray, y: np.ndarray, log_x: bool, log_y: bool):
    """``(x, y)`` as seaborn aggregates them: log10 of the values of a log axis (the
    rows with a value there that is not positive left out), else the values."""
    if not (log_x or log_y):
        return x, y
    keep = ((x > 0) if log_x else True) & ((y > 0) if log_y else True)
    x, y = x[keep], y[keep]
    return (np.log10(x) if log_x else x), (np.log10(y) if log_y else y)


def pixel_columns(sidecar: Sidecar, ax=None) -> int:
    """The pixel columns a line is aggregated over: the tile's width the split agreed
    (``tile_px``), else the width of ``ax``'s figure."""
    if sidecar.get("tile_px"):
        return int(sidecar["tile_px"][0])
    return max(int(ax.figure.bbox.width), 1) if ax is not None else 1


def binned_extents(table, sidecar: Sidecar, options: dict[str, Any]) -> dict[str, Any]:
    """The y interval of the drawn lines and bands, for the shared y limit."""
    shown = options["errorbar"] is not None
    lows, highs = [], []
    for _, _, est, lo, hi, _ in bands(table, sidecar, options, pixel_columns(sidecar)):
        lows += [est, lo] if shown else [est]  # NaN (the std of one value) is not drawn
        highs += [est, hi] if shown else [est]
    if not lows:
        return {}
    lo, hi = np.concatenate(lows), np.concatenate(highs)
    if sidecar["y"].get("scale") == "log":  # a log axis shows the positive part only
        lo = lo[lo > 0]
    lo, hi = lo[np.isfinite(lo)], hi[np.isfinite(hi)]
    if not (lo.size and hi.size):
        return {}
    return {"y": (float(lo.min()), float(hi.max()))}


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """One line per hue level, with a band where x values repeat."""
    for axis in ("x", "y"):
        if sidecar[axis].get("scale") == "log":
            getattr(ax, f"set_{axis}scale")("log")
    for level, band in styled_bands(table, sidecar, options, pixel_columns(sidecar, ax)):
        color, px, est, lo, hi, n = band
        color = color or options["color"]
        if (n > 1).any() and options["errorbar"] is not None:
            ax.fill_between(px, lo, hi, color=color, alpha=options["alpha"], linewidth=0)
        ax.plot(px, est, color=color, lw=options["linewidth"], **line_style(sidecar, level))


def line_style(sidecar: Sidecar, level: int | None) -> dict[str, Any]:
    """A line's dashes and markers for its style level (seaborn's lineplot: markers with
    a white edge 0.75 wide; a solid line for ``""``)."""
    if level is None:
        return {}
    out: dict[str, Any] = {}
    dashes, marker = _marks.level_dashes(sidecar, level), _marks.level_marker(sidecar, level)
    if dashes:
        out["dashes"] = dashes
    if marker is not None:
        out.update(marker=marker, markeredgewidth=0.75, markeredgecolor="w")
    return out
