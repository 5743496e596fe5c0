"""Lines through x-sorted data, as seaborn's ``lineplot``.

Where x values repeat, y is aggregated per x value (``estimator`` mean, with an
analytic ``errorbar`` band). Above ``max_vertices`` distinct x values a line
is aggregated per pixel column instead, so it stays a few hundred vertices.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..contracts import Sidecar
from ..stats import Moments, TileStats
from . import _estimate
from ._common import by_hue, check, data_ranges, in_range, log_axes, positive

ROLES = {"x": "numeric", "y": "numeric"}
REQUIRED = ("x", "y")
OPTIONS: dict[str, Any] = {
    "estimator": "mean",
    "errorbar": ["ci", 95],
    "color": "#4c72b0",
    "linewidth": 1.5,
    "alpha": 0.2,
    "max_vertices": 2000,
    "log_scale": False,
}


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check(
        options,
        {
            "estimator": (lambda v: v in ("mean", "sum"), "mean or sum"),
            "errorbar": (
                _estimate.valid_errorbar,
                'null, "ci", "se", "sd", "pi" or [method, level]',
            ),
            "linewidth": (positive, "a positive number"),
            "alpha": (in_range(0, 1), "a number in [0, 1]"),
            "max_vertices": (lambda v: isinstance(v, int) and v >= 2, "an integer >= 2"),
        },
    )


def scales(options: dict[str, Any]) -> dict[str, str]:
    """Logarithmic axes from ``log_scale``."""
    return log_axes(options)


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Data ranges (aggregated lines and their bands lie within them or close)."""
    out = data_ranges(stats)
    if options["estimator"] == "sum" and "y" in out:
        total = sum(m.mean * m.n for m in stats.all("y"))
        out["y"] = (min(out["y"][0], 0.0, total), max(out["y"][1], 0.0, total))
    return out


def aggregate(x: np.ndarray, y: np.ndarray, keys: np.ndarray, options: dict[str, Any]):
    """Per distinct key: x position, estimate, band low and high."""
    uniq, inverse = unique_inverse(keys)
    n = np.bincount(inverse)
    xs = np.bincount(inverse, x) / n
    sums = np.bincount(inverse, y)
    mean = sums / n
    var = np.maximum(np.bincount(inverse, y * y) / n - mean * mean, 0)
    est, lo, hi = np.empty(uniq.size), np.empty(uniq.size), np.empty(uniq.size)
    for i in range(uniq.size):
        m = Moments(int(n[i]), float(mean[i]), float(var[i]), float("nan"), float("nan"))
        est[i], lo[i], hi[i] = _estimate.from_moments(m, options["estimator"], options["errorbar"])
    return xs, est, lo, hi, n


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


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """One line per hue level, with a band where x values repeat."""
    xs_spec, ys_spec = sidecar["x"], sidecar["y"]
    for axis, spec in (("x", xs_spec), ("y", ys_spec)):
        if spec.get("scale") == "log":
            getattr(ax, f"set_{axis}scale")("log")
    lo_x, hi_x = xs_spec["lim"]
    columns = max(int(ax.figure.bbox.width), 1)
    for color, x, y in by_hue(table, sidecar, xs_spec["column"], ys_spec["column"]):
        keys = x
        if np.unique(x).size > options["max_vertices"]:  # aggregate per pixel column
            keys = np.floor((x - lo_x) / (hi_x - lo_x) * columns)
        px, est, lo, hi, n = aggregate(x, y, keys, options)
        color = color or options["color"]
        if (n > 1).any() and options["errorbar"] is not None:
            ax.fill_between(
                px,
                np.where(n > 1, lo, est),
                np.where(n > 1, hi, est),
                color=color,
                alpha=options["alpha"],
                linewidth=0,
            )
        ax.plot(px, est, color=color, lw=options["linewidth"])
