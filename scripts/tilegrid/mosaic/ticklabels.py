"""Tick labels that do not overlap: flat, turned or thinned, from their measured sizes.

One rule for every axis the mosaic draws.  Each label is measured with
matplotlib's text metrics (the tick label's font, at the figure's dpi) and set
against the distance between its tick and the next one:

1. flat, if every pair of neighbours fits with :data:`GAP_EM` of space between;
2. else, on an x axis, turned 45 degrees, if the slanted labels' parallel
   baselines are a line height and the gap apart, else 90 degrees, likewise;
3. else thinned: every 2nd, 3rd, ... label, trying 1 and 2 again at each step.

A y axis's labels are never turned (they run across the axis already), and a
numeric axis is thinned by asking its locator for fewer ticks, not by blanking
labels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: the space kept between neighbouring labels, in ems of their font
GAP_EM = 0.5
#: the rotations tried, in order of preference, on an x axis
ROTATIONS = (0, 45, 90)


@dataclass(frozen=True)
class LabelFit:
    """How an axis's tick labels are drawn: turned by ``rotation`` degrees, and
    every ``step``-th one shown (from the first)."""

    rotation: int = 0
    step: int = 1


def fits(
    positions: Sequence[float],
    sizes: Sequence[tuple[float, float]],
    axis: str,
    rotation: int,
    gap: float,
) -> bool:
    """Whether labels of ``sizes`` (width, height in px) at ``positions`` (px along the
    axis) leave at least ``gap`` px between neighbours when turned by ``rotation``."""
    pairs = list(zip(zip(positions, sizes), zip(positions[1:], sizes[1:])))
    for (pa, (wa, ha)), (pb, (wb, hb)) in pairs:
        spacing = abs(pb - pa)
        if axis == "y":  # horizontal text stacked along the axis: heights
            need = (ha + hb) / 2
        elif rotation == 0:  # text along the axis: half of each width
            need = (wa + wb) / 2
        else:  # parallel slanted or upright strips, a line height thick
            spacing *= math.sin(math.radians(rotation))
            need = max(ha, hb)
        if spacing < need + gap:
            return False
    return True


def choose(
    positions: Sequence[float], sizes: Sequence[tuple[float, float]], axis: str, gap: float
) -> LabelFit:
    """The first of flat, 45 and 90 degrees (x only) that fits, at the smallest thinning step."""
    n = len(positions)
    rotations = ROTATIONS if axis == "x" else (0,)
    for step in range(1, max(n, 1) + 1):
        kept_positions, kept_sizes = positions[::step], sizes[::step]
        for rotation in rotations:
            if fits(kept_positions, kept_sizes, axis, rotation, gap):
                return LabelFit(rotation, step)
    return LabelFit(0, max(n, 1))


def measure(renderer, labels: Sequence[str], font) -> list[tuple[float, float]]:
    """Width and height in px of each label's box, drawn as plain text in ``font``.

    The height is at least a line's ("lp": ascender to descender), as matplotlib
    sizes a text's box, so that "10" and "ag" stand equally tall.
    """
    _, line, _ = renderer.get_text_width_height_descent("lp", font, ismath=False)
    out = []
    for label in labels:
        if not label:
            out.append((0.0, 0.0))
            continue
        width, height, _ = renderer.get_text_width_height_descent(label, font, ismath=False)
        out.append((float(width), float(max(height, line))))
    return out


def gap_px(font, dpi: float) -> float:
    """:data:`GAP_EM` of ``font`` in pixels."""
    return GAP_EM * font.get_size_in_points() * dpi / 72
