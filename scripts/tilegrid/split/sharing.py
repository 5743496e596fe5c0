"""Axis sharing arithmetic: which tiles share an axis, and the limits they agree on.

Pure functions of extents (``(lo, hi)`` intervals or None), as seaborn's
``sharex``/``sharey`` mean them: True (the whole grid), "row", "col" or False.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

MARGIN = 0.05  # matplotlib's default autoscale margin


def share_groups(keys: list[tuple[int | None, int | None]], share: bool | str) -> list[int]:
    """The sharing group of each tile: one group, one per facet row/column, or one each."""
    if share is True:
        return [0] * len(keys)
    if share == "row":
        return [r or 0 for r, _ in keys]
    if share == "col":
        return [c or 0 for _, c in keys]
    return list(range(len(keys)))


def with_margin(lo: float, hi: float, margin: float = MARGIN, scale: str = "linear") -> list[float]:
    """``[lo, hi]`` widened by ``margin`` of its span (in log space on a log axis)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return [1.0, 10.0] if scale == "log" else [0.0, 1.0]
    if scale == "log":
        if hi <= 0:
            return [1.0, 10.0]
        lo = lo if lo > 0 else hi / 1e3
        llo, lhi = with_margin(np.log10(lo), np.log10(hi), margin)
        return [float(10**llo), float(10**lhi)]
    span = hi - lo
    if span <= 0:
        pad = 0.5 if lo == 0 else abs(lo) * 0.05
        return [lo - pad, hi + pad]
    return [lo - margin * span, hi + margin * span]


def union(extents: Iterable[tuple[float, float] | None]) -> tuple[float, float] | None:
    """Smallest interval holding every extent; None when there is none."""
    extents = [e for e in extents if e is not None and np.isfinite(e[0]) and np.isfinite(e[1])]
    if not extents:
        return None
    return (min(e[0] for e in extents), max(e[1] for e in extents))


def shared(extents: list[tuple[float, float] | None], groups: list[int]) -> list:
    """Each tile's extent replaced by the union over its sharing group."""
    by_group: dict[int, list] = {}
    for g, e in zip(groups, extents):
        by_group.setdefault(g, []).append(e)
    merged = {g: union(es) for g, es in by_group.items()}
    return [merged[g] for g in groups]


def stable(values: Iterable[float], digits: int = 10) -> list[float]:
    """Round to ``digits`` significant digits.

    Moments merged over differently-batched input differ in the last bits;
    rounding keeps a sidecar's bytes (and so its tile) unchanged when only
    another tile's rows changed.
    """
    return [float(f"{v:.{digits}g}") for v in values]


def axis_limits(extent, scale: str, sticky=None) -> list[float]:
    """Axis limits from an extent: margins on both sides, none beyond a sticky edge.

    ``sticky``: a lower edge (0, where bars stand), or a ``(low, high)`` pair, either
    None (a histogram of shares, ``multiple: fill``, spans exactly 0 to 1).
    """
    if extent is None:
        return with_margin(np.nan, np.nan, scale=scale)
    lim = with_margin(*stable(extent), scale=scale)
    low, high = sticky if isinstance(sticky, (list, tuple)) else (sticky, None)
    if low is not None and extent[0] >= low:
        lim[0] = max(lim[0], low)
    if high is not None and extent[1] <= high:
        lim[1] = min(lim[1], high)
    return stable(lim)


def count_limits(extent: tuple[float, float] | None) -> list[float]:
    """Limits of a count axis (histogram heights, KDE peaks): from 0 to the peak and a margin."""
    return stable([0.0, extent[1] * (1 + MARGIN)]) if extent else [0.0, 1.0]


def color_limits(extent: tuple[float, float] | None) -> list[float]:
    """Limits of a color scale: the extent, or [0, 1] without one."""
    return stable(extent) if extent else [0.0, 1.0]
