"""A numeric hue as the split fixes it for the whole grid.

Its colormap over the grid's range of the column (or ``hue_norm``), cut into at most
:data:`HUE_BINS` groups (one per integer when few) whose colours every tile draws
with, and the mosaic's one colorbar for it.  Colormaps themselves are
:mod:`tilegrid.core.palettes`.

Grouping by a numeric hue stays bounded, whatever the number of distinct
values.  Kinds that draw one element per hue level (violin, box, bar, point,
hist, kde, ecdf, line) draw one per *hue group*:

- an integer column whose ``[lo, hi]`` holds at most :data:`HUE_BINS`
  integers: one group per integer (the distinct values, when few);
- otherwise at most :data:`HUE_BINS` equal-width bins with round edges
  (steps of 1, 2, 2.5 or 5 times a power of ten; whole numbers for an integer
  column) covering ``[lo, hi]``.  Bins are closed on the left; the last bin
  also holds its right edge.

A group's color is the colormap at the group's centre, and the mosaic's
colorbar shows the groups as steps.  Scatter colors each point by its own
value and gets a continuous colorbar.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.manifest import ColorbarLegend
from ..core.palettes import DEFAULT_CMAP, colormap, hue_norm
from ..core.sidecar import ContinuousHue

#: most groups a numeric hue makes for the kinds that draw one element per level
HUE_BINS = 6
#: colors of a continuous colorbar in the manifest
COLORBAR_SAMPLES = 256


def _round(value: float) -> float:
    """Edges as the decimal numbers they are meant to be (0.3, not 0.30000000000000004)."""
    return float(f"{value:.12g}")


def hue_edges(lo: float, hi: float, integer: bool = False) -> list[float]:
    """Edges of the at most :data:`HUE_BINS` groups of a numeric hue over ``[lo, hi]``."""
    if integer and hi - lo + 1 <= HUE_BINS:  # one group per integer value
        return [v - 0.5 for v in range(int(lo), int(hi) + 2)]
    if hi <= lo:
        return [lo - 0.5, hi + 0.5]
    exponent = math.floor(math.log10((hi - lo) / HUE_BINS))
    for e in range(exponent, exponent + 3):
        for mantissa in (1, 2, 2.5, 5):
            step = mantissa * 10.0**e
            if integer and (step < 1 or step != int(step)):
                continue
            first = math.floor(lo / step)
            # an integer bin [a, b) holds exactly `step` integers: the last edge lies above hi
            last = math.floor(hi / step) + 1 if integer else max(math.ceil(hi / step), first + 1)
            if last - first <= HUE_BINS:
                return [_round(k * step) for k in range(first, last + 1)]
    raise AssertionError(f"no hue bins for [{lo}, {hi}]")  # pragma: no cover


def group_centres(edges: list[float]) -> list[float]:
    """The middle of each hue group."""
    return [_round((a + b) / 2) for a, b in zip(edges, edges[1:])]


def numeric_hue(
    column: str, palette: Any, lim: tuple[float, float] | None, integer: bool
) -> ContinuousHue:
    """A tile sidecar's ``hue`` for a numeric column: colormap, [lo, hi] and groups.

    ``lim`` is the grid's range of the column (None when no row has a value).
    """
    from matplotlib.colors import to_hex

    name = DEFAULT_CMAP if palette is None else palette
    cmap = colormap(name)
    if lim is None:
        return ContinuousHue(column=column, type="continuous", cmap=name, lim=None)
    lo, hi = float(lim[0]), float(lim[1])
    edges = hue_edges(lo, hi, integer)
    norm = hue_norm((lo, hi))
    return ContinuousHue(
        column=column,
        type="continuous",
        cmap=name,
        lim=[lo, hi],
        edges=edges,
        discrete=bool(integer and hi - lo + 1 <= HUE_BINS),
        colors=[to_hex(cmap(norm(c))) for c in group_centres(edges)],
    )


def colorbar_legend(hue: ContinuousHue, by_value: bool) -> ColorbarLegend | None:
    """The manifest's legend for a numeric hue: one colorbar for the grid.

    ``by_value``: the kind colors each mark by its own value (a continuous
    colorbar over [lo, hi]); otherwise the colorbar shows the hue groups as
    steps, ticked at the integers (one group each) or at the bin edges.
    """
    from matplotlib.colors import to_hex

    if hue.get("lim") is None:
        return None
    if by_value:
        cmap = colormap(hue["cmap"])
        samples = np.linspace(0, 1, COLORBAR_SAMPLES)
        return ColorbarLegend(
            type="colorbar",
            title=hue["column"],
            lim=hue["lim"],
            colors=[to_hex(c) for c in cmap(samples)],
        )
    edges = hue["edges"]
    ticks = group_centres(edges) if hue.get("discrete") else edges
    return ColorbarLegend(
        type="colorbar", title=hue["column"], edges=edges, colors=hue["colors"], ticks=ticks
    )
