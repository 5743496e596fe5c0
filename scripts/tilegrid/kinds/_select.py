"""Percentiles of a large group of values, exactly ``np.percentile``'s, without sorting them.

``np.percentile`` partitions the whole group around every rank it needs (an
introselect pass per rank, on a copy): on a tile of a million values a group
that costs more than its KDE.  Here the ranks' values are found from a
histogram instead: each value's bin (the KDE's own grid index, which the
caller has anyway) is counted, the bin holding each rank is read off the
cumulative counts, and only that bin's values are partitioned.  The values
found are then interpolated with numpy's own arithmetic for its default
``linear`` method, so the result is ``np.percentile``'s to the last bit
(``tests/kinds/test_kinds.py`` checks it on generated data, ties included).
"""

from __future__ import annotations

import numpy as np


def percentiles(
    values: np.ndarray, qs: list[float], bins: np.ndarray | None = None, n_bins: int = 0
) -> np.ndarray:
    """``np.percentile(values, qs)`` of finite ``values`` (at least one).

    ``bins``: each value's bin in a grid of ``n_bins`` over the values (a larger
    value is never in a smaller bin), e.g. the KDE's; made here when None.
    """
    n = values.size
    virtual = (n - 1) * (np.asarray(qs, dtype=np.float64) / 100)
    previous, following = _indexes(virtual, n)
    wanted = sorted({int(i) % n for i in (*previous, *following)})
    found = order_statistics(values, wanted, bins, n_bins)
    low = np.array([found[int(i) % n] for i in previous])
    high = np.array([found[int(i) % n] for i in following])
    return _lerp(low, high, virtual - previous)


def _indexes(virtual: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ranks on either side of each virtual index, as numpy's ``_get_indexes`` gives
    them (-1: the largest value; 0: the smallest)."""
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= n - 1
    previous[above] = -1
    following[above] = -1
    below = virtual < 0
    previous[below] = 0
    following[below] = 0
    return previous.astype(np.intp), following.astype(np.intp)


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's ``_lerp``: from ``b`` back where ``t >= 0.5``, for the same last bit."""
    diff = b - a
    out = np.add(a, diff * t)
    np.subtract(b, diff * (1 - t), out=out, where=t >= 0.5)
    return out


def order_statistics(
    values: np.ndarray, ranks: list[int], bins: np.ndarray | None = None, n_bins: int = 0
) -> dict[int, float]:
    """The ``ranks``-th smallest of ``values`` (0-based), each found in its bin alone."""
    if bins is None:
        bins, n_bins = value_bins(values)
    bounds = np.cumsum(np.bincount(bins, minlength=n_bins))
    by_bin: dict[int, list[int]] = {}
    for rank in ranks:
        by_bin.setdefault(int(np.searchsorted(bounds, rank, side="right")), []).append(rank)
    found = {}
    for b, in_bin in by_bin.items():
        start = int(bounds[b - 1]) if b else 0
        members = values[bins == b]
        kth = [rank - start for rank in in_bin]
        members.partition(kth)
        found.update({rank: float(members[k]) for rank, k in zip(in_bin, kth)})
    return found


#: bins of :func:`value_bins`: enough that a bin holds a small share of any group
VALUE_BINS = 1024


def value_bins(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Each value's bin in ``VALUE_BINS`` equal bins from the smallest to the largest."""
    lo, hi = float(values.min()), float(values.max())
    if not hi > lo:
        return np.zeros(values.size, dtype=np.intp), 1
    bins = (values - lo) * (VALUE_BINS / (hi - lo))
    index = bins.astype(np.intp)
    np.minimum(index, VALUE_BINS - 1, out=index)
    return index, VALUE_BINS
