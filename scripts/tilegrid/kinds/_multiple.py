"""seaborn's ``multiple`` for histograms: how the hue levels' bars share each bin.

- ``layer``: every level's bars from 0, over each other (kind hist draws these itself);
- ``stack``: each bin's bars on top of each other, the last level at the bottom
  (seaborn stacks in reverse hue order and draws the last level first);
- ``fill``: stacked, then divided by the bin's total, so each bin spans 0 to 1
  (a bin without rows draws nothing);
- ``dodge``: each bin split into one narrow bar per hue level of the grid, side by
  side in hue order (on a log axis split in log space).

Without hue every ``multiple`` draws the plain histogram, as seaborn's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MULTIPLES = ("layer", "stack", "dodge", "fill")


@dataclass
class Bars:
    """One hue level's bars as drawn: left edges, widths, bottoms and tops."""

    color: Any
    left: np.ndarray
    width: np.ndarray
    bottom: np.ndarray
    top: np.ndarray

    def edges(self) -> np.ndarray:
        """The bars' edges as one run of steps: each left edge, then the last right edge."""
        return np.append(self.left, self.left[-1] + self.width[-1])


def arrange(
    edges: np.ndarray, layers: list, n_levels: int, multiple: str, log: bool = False
) -> list[Bars]:
    """Each hue level's :class:`Bars` in drawing order.

    ``layers``: ``[(level, color, heights)]`` of the levels present, in hue order;
    ``n_levels``: the grid's hue levels (the dodge slots); ``log``: bins in log space.
    """
    left, width = edges[:-1], np.diff(edges)
    zeros = np.zeros(left.size)
    if multiple == "dodge":
        return [_dodged(edges, level, n_levels, log, color, h) for level, color, h in layers]
    if multiple not in ("stack", "fill"):
        return [Bars(color, left, width, zeros, h) for _, color, h in layers]
    total = np.sum([h for _, _, h in layers], axis=0) if layers else zeros
    out, bottom = [], zeros
    for _, color, h in reversed(layers):
        top = bottom + h
        if multiple == "fill":
            with np.errstate(invalid="ignore", divide="ignore"):
                shares = np.where(total > 0, [bottom, top] / np.where(total > 0, total, 1), 0.0)
            out.append(Bars(color, left, width, shares[0], shares[1]))
        else:
            out.append(Bars(color, left, width, bottom, top))
        bottom = top
    return out


def _dodged(edges, level: int, n_levels: int, log: bool, color, heights) -> Bars:
    """One level's narrow bars: its slot of ``n_levels`` in every bin."""
    ends = np.log10(edges) if log else edges
    step = np.diff(ends) / max(n_levels, 1)
    lo, hi = ends[:-1] + level * step, ends[:-1] + (level + 1) * step
    if log:
        lo, hi = 10**lo, 10**hi
    return Bars(color, lo, hi - lo, np.zeros(lo.size), heights)


def tallest(bars: list[Bars]) -> float:
    """The highest top of any bar, for the shared y limit."""
    return max((float(b.top.max()) for b in bars if b.top.size), default=0.0)


def draw_bars(ax, bars: list[Bars], options: dict[str, Any], alpha: float) -> None:
    """Draw arranged bars (``multiple`` other than layer): filled bars with white edges,
    or steps (``element: step``) filled between each level's bottom and top."""
    from matplotlib.colors import to_rgba

    for b in bars:
        color = b.color or options["color"]
        if options["element"] == "bars":
            face = to_rgba(color, alpha) if options["fill"] else "none"
            ax.bar(
                b.left,
                b.top - b.bottom,
                width=b.width,
                bottom=b.bottom,
                align="edge",
                facecolor=face,
                edgecolor="white" if options["fill"] else color,
                linewidth=options["linewidth"],
            )
            continue
        if options["fill"]:
            ax.stairs(b.top, b.edges(), baseline=b.bottom, fill=True, color=color, alpha=alpha)
        ax.stairs(b.top, b.edges(), baseline=b.bottom, color=color, linewidth=1.5)
