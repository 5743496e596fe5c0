"""seaborn's beeswarm: points moved across their category so that no two markers overlap.

The algorithm of seaborn 0.13's ``Beeswarm`` (BSD-3-Clause, Michael Waskom), in
pixels: points are placed in order of their value, each at the candidate position
nearest the centre line that overlaps none of the points already placed whose
value is within a marker's width (the candidates: the centre, and either side of
each such neighbour, alternating).  Here each point's search is one array
operation instead of a loop over candidates; the placements, and so the
pixels, are seaborn's.  Points pushed beyond the category's width are put on its
edge (seaborn's "gutters").
"""

from __future__ import annotations

import numpy as np


def beeswarm(x: np.ndarray, y: np.ndarray, radius: float) -> np.ndarray:
    """The x (pixels) of each point after swarming, points of value ``y`` (pixels)
    starting at ``x`` (all on one centre line), markers of ``radius`` pixels."""
    if x.size < 2:
        return x.copy()
    sorter = np.argsort(y)  # seaborn's sort (its kind too: ties keep seaborn's order)
    placed_x, placed_y = _swarm(x[sorter], y[sorter], radius)
    out = np.empty_like(x, dtype=float)
    out[sorter] = placed_x
    return out


def _swarm(xs: np.ndarray, ys: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Place points sorted by value, one after another (seaborn's ``Beeswarm.beeswarm``)."""
    midline = xs[0]
    reach = 2 * radius
    placed_x = np.empty(xs.size)
    placed_x[0] = xs[0]
    for i in range(1, xs.size):
        first = _first_neighbour(ys, i, reach)
        nx, ny = placed_x[first:i], ys[first:i]
        placed_x[i] = _place(xs[i], ys[i], nx, ny, reach, midline)
    return placed_x, ys


def _first_neighbour(ys: np.ndarray, i: int, reach: float) -> int:
    """The first of the points placed before ``i`` whose value is within ``reach`` of its
    (they are sorted: the rest follow), by seaborn's test ``y_i - y_j < reach``."""
    first = int(np.searchsorted(ys[:i], ys[i] - reach, side="right"))
    while first > 0 and ys[i] - ys[first - 1] < reach:
        first -= 1
    while first < i and not ys[i] - ys[first] < reach:
        first += 1
    return first


def _place(x: float, y: float, nx: np.ndarray, ny: np.ndarray, reach: float, midline) -> float:
    """The first candidate, by distance from the centre line, that overlaps no neighbour."""
    if not nx.size:
        return x
    dy = y - ny
    dx = np.sqrt(np.maximum(reach * reach - dy * dy, 0)) * 1.05
    pairs = np.stack([nx - dx, nx + dx], axis=1)
    pairs[1::2] = pairs[1::2, ::-1]  # left first, then right first, alternating
    candidates = np.concatenate(([x], pairs.ravel()))
    candidates = candidates[np.argsort(np.abs(candidates - midline))]
    clear = (candidates[:, None] - nx[None, :]) ** 2 + (dy * dy)[None, :] >= reach * reach
    good = np.flatnonzero(clear.all(axis=1))
    return float(candidates[good[0]] if good.size else candidates[-1])


def gutters(x: np.ndarray, centre: float, half_width: float) -> tuple[np.ndarray, int]:
    """``x`` with points beyond ``centre +- half_width`` put on that edge, and how many."""
    lo, hi = centre - half_width, centre + half_width
    out = np.clip(x, lo, hi)
    return out, int(np.count_nonzero((x < lo) | (x > hi)))
