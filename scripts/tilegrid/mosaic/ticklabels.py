"""Tick labels that never overlap and are never hidden while turning them would do.

One rule for every axis the mosaic draws.  Each label is measured with
matplotlib's text metrics (the tick label's font, at the figure's dpi) and set
against the distance between its tick and the next one:

1. flat, if every pair of neighbours fits side by side with :data:`GAP_EM` of
   space between them;
2. else, on an x axis, turned 45 degrees, else 90 degrees, if the turned labels
   do not collide: each is a line of text one em thick (the font size, ascender to
   descender), and the distance between neighbouring parallel baselines
   (spacing x sin(rotation)) leaves :data:`CLEAR_PX` between those lines;
3. else, only then, thinned: every 2nd, 3rd, ... label, trying 1 and 2 again at
   each step (the mosaic's log names every axis thinned, :mod:`tilegrid.mosaic.notices`).

A y axis's labels are never turned: they are stacked lines, which fit as turned
ones do.  A numeric axis is thinned by asking its locator for fewer ticks, not by
blanking labels; a colorbar's ticks are spaced as stacked lines too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..core.tilemeta import AxisMeta
from .text import text_renderer_at

#: the space kept between flat neighbouring labels side by side, in ems of their font
GAP_EM = 0.5
#: the space kept between the one-em-thick lines of stacked or turned labels, pixels
#: (what docs/compare counts as visible space)
CLEAR_PX = 2.0
#: the rotations tried, in order of preference, on an x axis
ROTATIONS = (0, 45, 90)


@dataclass(frozen=True)
class Room:
    """What neighbouring labels need, in pixels: ``gap`` between flat ones side by side;
    ``em`` (a line of text's thickness) and ``clear`` between stacked or turned ones."""

    gap: float
    em: float
    clear: float = CLEAR_PX

    @property
    def across(self) -> float:
        """The distance two stacked or turned lines of text need between their baselines."""
        return self.em + self.clear


def room(font, dpi: float) -> Room:
    """The :class:`Room` of labels in ``font`` at ``dpi``."""
    em = font.get_size_in_points() * dpi / 72
    return Room(gap=GAP_EM * em, em=em)


@dataclass(frozen=True)
class LabelFit:
    """How an axis's tick labels are drawn: turned by ``rotation`` degrees, and
    every ``step``-th one shown (from the first)."""

    rotation: int = 0
    step: int = 1


def fits(
    positions: Sequence[float], widths: Sequence[float], axis: str, rotation: int, space: Room
) -> bool:
    """Whether labels ``widths`` px wide at ``positions`` (px along the axis) leave the
    room ``space`` asks between neighbours when turned by ``rotation`` degrees.  An
    empty label (width 0) takes no room."""
    for (pa, wa), (pb, wb) in zip(zip(positions, widths), zip(positions[1:], widths[1:])):
        spacing = abs(pb - pa)
        if axis == "x" and rotation == 0:  # text along the axis: half of each width
            need = (wa + wb) / 2 + space.gap
        else:  # parallel lines of text (stacked on y, slanted or upright on x)
            if axis == "x":
                spacing *= math.sin(math.radians(rotation))
            need = space.em * ((wa > 0) + (wb > 0)) / 2 + space.clear
        if spacing < need:
            return False
    return True


def choose(positions: Sequence[float], widths: Sequence[float], axis: str, space: Room) -> LabelFit:
    """The first of flat, 45 and 90 degrees (x only) that fits, at the smallest thinning step."""
    n = len(positions)
    rotations = ROTATIONS if axis == "x" else (0,)
    for step in range(1, max(n, 1) + 1):
        kept_positions, kept_widths = positions[::step], widths[::step]
        for rotation in rotations:
            if fits(kept_positions, kept_widths, axis, rotation, space):
                return LabelFit(rotation, step)
    return LabelFit(0, max(n, 1))


def measure(renderer, labels: Sequence[str], font) -> list[float]:
    """The width in px of each label, drawn as plain text in ``font`` (0 for an empty one)."""
    out = []
    for label in labels:
        width = 0.0
        if label:
            width = renderer.get_text_width_height_descent(label, font, ismath=False)[0]
        out.append(float(width))
    return out


def tick_font(name: str):
    """The font of axis ``name``'s tick labels under the current style."""
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties

    return FontProperties(size=mpl.rcParams[f"{name}tick.labelsize"])


def tick_pixels(ticks: Sequence[float], lim: Sequence[float], scale: str, length: float):
    """Where ``ticks`` fall along an axis ``length`` px long with limits ``lim`` on
    matplotlib's ``scale`` (its default transform), px from the first limit."""
    from matplotlib.scale import scale_factory

    transform = scale_factory(scale, None).get_transform()
    lo, hi, *at = transform.transform([*lim, *ticks])
    return [float((t - lo) / (hi - lo) * length) for t in at] if hi != lo else [0.0] * len(at)


@dataclass(frozen=True)
class AxisLabels:
    """An axis's fixed tick labels as the mosaic draws them: how they fit, which ticks
    lie within the limits, which labels are shown, and the room they had."""

    fit: LabelFit
    inside: tuple[int, ...]
    labels: tuple[str, ...]
    shown: tuple[str, ...]
    #: the closest two ticks within the limits, px (inf with fewer than two)
    spacing: float
    space: Room

    @property
    def count(self) -> int:
        """How many labels there are within the limits (non-empty)."""
        return sum(1 for i in self.inside if self.labels[i])

    @property
    def hidden(self) -> int:
        """How many labels within the limits thinning blanked (non-empty ones)."""
        return sum(1 for i in self.inside if self.labels[i] and not self.shown[i])


def fixed_labels(meta: AxisMeta, name: str, length: float, dpi: float) -> AxisLabels:
    """How axis ``name`` (its TileMeta ``meta``, fixed ticks with labels) of a tile
    ``length`` px long is labelled at ``dpi``: :func:`choose` over the labels within
    the limits, measured in the tick font (:func:`tick_font`)."""
    labels = tuple(str(label) for label in meta["ticklabels"])
    lo, hi = sorted(meta["lim"])
    inside = tuple(i for i, t in enumerate(meta["ticks"]) if lo <= t <= hi)
    ticks = [meta["ticks"][i] for i in inside]
    positions = tick_pixels(ticks, meta["lim"], meta["scale"], length)
    font = tick_font(name)
    space = room(font, dpi)
    widths = measure(text_renderer_at(dpi), [labels[i] for i in inside], font)
    fit = choose(positions, widths, name, space)
    kept = set(inside[:: fit.step])
    shown = tuple(label if i in kept or i not in inside else "" for i, label in enumerate(labels))
    gaps = [abs(b - a) for a, b in zip(positions, positions[1:])]
    return AxisLabels(fit, inside, labels, shown, min(gaps, default=math.inf), space)


def bar_ticks(
    ticks: Sequence[float], lim: Sequence[float], length: float, dpi: float
) -> tuple[list[float], int]:
    """A colorbar's fixed ``ticks`` (a linear bar over ``lim``, ``length`` px long) that
    stacked labels hold without colliding: every step-th one; and the step."""
    positions = tick_pixels(ticks, lim, "linear", length)
    fit = choose(positions, [1.0] * len(positions), "y", room(tick_font("y"), dpi))
    return [float(t) for t in ticks[:: fit.step]], fit.step
