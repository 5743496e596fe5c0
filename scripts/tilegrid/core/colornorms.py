"""Colour norms of the shared colour scales, one definition for the tiles and the mosaic.

A tile that shades by value and the mosaic's colorbar build their norm here from
the same :class:`~tilegrid.core.tilemeta.TileColorbar` (limits, norm name and, for
``eq_hist``, the grid's count quantiles), so a colour in a tile reads the same
on the colorbar.

``eq_hist`` is datashader's histogram equalisation made shareable: the split
merges the distribution of the shaded counts over every tile of the sharing
group and writes :data:`EQ_HIST_LEVELS` quantiles of it in each sidecar; a count
then maps to its rank among all the group's non-empty cells (the lowest count
to the bottom of the colormap, as datashader does), the same in every tile.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: quantiles of the count distribution kept for a shared eq_hist (one per colormap entry)
EQ_HIST_LEVELS = 256


def count_quantiles(values: np.ndarray, weights: np.ndarray) -> list[float]:
    """:data:`EQ_HIST_LEVELS` quantiles (levels 0 to 1) of the distinct ``values``
    (counts), each seen ``weights`` times: the smallest value whose cumulative
    share reaches each level."""
    order = np.argsort(values, kind="stable")
    values, weights = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cdf = np.cumsum(weights) / weights.sum()
    levels = np.linspace(0, 1, EQ_HIST_LEVELS)
    index = np.minimum(np.searchsorted(cdf, levels * (1 - 1e-12), side="left"), values.size - 1)
    return [float(v) for v in values[index]]


def merge_histograms(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and their summed weights over several ``(values, weights)``."""
    values = np.concatenate([p[0] for p in parts])
    weights = np.concatenate([p[1] for p in parts])
    uniq, inverse = np.unique(values, return_inverse=True)
    return uniq, np.bincount(inverse, weights=weights, minlength=uniq.size)


def eq_hist_points(quantiles: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """The equalising map as points (count, level): each distinct quantile at the
    highest level it reaches, rescaled so that the lowest count is level 0."""
    q = np.asarray(quantiles, float)
    levels = np.linspace(0, 1, q.size)
    last = np.r_[q[1:] != q[:-1], True]  # the last level of each run of equal counts
    xs, ps = q[last], levels[last]
    if xs.size < 2:
        return xs, np.zeros(xs.size)
    return xs, (ps - ps[0]) / (ps[-1] - ps[0])


def eq_hist_norm(quantiles: list[float]):
    """A matplotlib norm mapping a count to its rank in the shared distribution."""
    from matplotlib.colors import FuncNorm, Normalize

    xs, ps = eq_hist_points(quantiles)
    if xs.size < 2:  # one count everywhere: the bottom of the colormap
        lo = float(xs[0]) if xs.size else 0.0
        return Normalize(lo, lo + 1)

    def forward(values):
        return np.interp(values, xs, ps)

    def inverse(levels):
        return np.interp(levels, ps, xs)

    return FuncNorm((forward, inverse), vmin=float(xs[0]), vmax=float(xs[-1]))


def eq_hist_ticks(quantiles: list[float], spacing: float = 0.12) -> list[float]:
    """Colorbar ticks of an eq_hist scale: round counts (1, 2, 5 x 10^k), the lowest and
    the highest count, at least ``spacing`` apart in level."""
    xs, ps = eq_hist_points(quantiles)
    if xs.size < 2:
        return [float(v) for v in xs]
    lo, hi = float(xs[0]), float(xs[-1])
    decades = range(int(np.floor(np.log10(max(lo, 1e-12)))), int(np.ceil(np.log10(hi))) + 1)
    nice = sorted({m * 10.0**d for d in decades for m in (1, 2, 5)} | {lo, hi})
    ticks: list[float] = []
    for value in (v for v in nice if lo <= v <= hi):
        level = float(np.interp(value, xs, ps))
        if ticks and level - float(np.interp(ticks[-1], xs, ps)) < spacing:
            if value != hi:
                continue
            ticks.pop()  # the highest count replaces a tick too close below it
        ticks.append(value)
    return ticks


def color_norm(info: dict[str, Any]):
    """The matplotlib norm of a colour scale (a TileColorbar: ``lim``, ``norm``, ``quantiles``)."""
    from matplotlib.colors import LogNorm, Normalize

    if info.get("norm") == "eq_hist" and info.get("quantiles"):
        return eq_hist_norm(info["quantiles"])
    lo, hi = info["lim"]
    if info.get("norm") == "log":
        return LogNorm(max(lo, hi * 1e-6, 1e-300), hi)
    return Normalize(lo, hi)
