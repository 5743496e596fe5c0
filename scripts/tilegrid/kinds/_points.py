"""What the categorical point kinds (strip, swarm) share: each row's category, hue and
colour, the centres of the (dodged) groups, and the tile's pixel grid.

Points are placed in data units: category ``i`` is at ``x = i`` (the axis spans
``-0.5 .. n - 0.5``), hue levels dodged within 0.8 of it as seaborn's
``_nested_offsets``; the tile's size in pixels (its figure's) turns data units
into pixels where a kind needs them (a swarm's marker radius, a strip's cells).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.sidecar import Sidecar
from ._common import check, codes_of, dodge, hue_of, in_range, numeric_of, positive

#: the width of a category's slot that points may use (seaborn's ``.8 * native_width``)
WIDTH = 0.8

#: option checks shared by strip and swarm
OPTION_RULES = {
    "dodge": (lambda v: isinstance(v, bool), "true or false"),
    "size": (positive, "a positive number"),
    "linewidth": (in_range(0, 100), "a number in [0, 100]"),
    "alpha": (in_range(0, 1), "a number in [0, 1]"),
    "max_points": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
                   "an integer >= 1"),
}  # fmt: skip


def check_point_options(options: dict[str, Any], extra: dict[str, Any]) -> None:
    """Raise OptionError for an option of strip or swarm out of range."""
    check(options, {**OPTION_RULES, **extra})


@dataclass
class TilePoints:
    """A tile's rows as points: value, category, hue level (-1: none), and the grid's
    categories and hue colours."""

    y: np.ndarray
    x: np.ndarray
    hue: np.ndarray | None
    colors: list[str]
    n_x: int

    @property
    def n_hue(self) -> int:
        """The grid's hue levels (1 without hue)."""
        return max(len(self.colors), 1)

    def groups(self, by_hue: bool) -> np.ndarray:
        """Each row's group: its category, or (``by_hue``) its category and hue level."""
        if by_hue and self.hue is not None:
            return self.x.astype(np.int64) * self.n_hue + self.hue
        return self.x.astype(np.int64)

    def centres(self, by_hue: bool) -> np.ndarray:
        """Each row's centre on the category axis: its category, dodged by hue if asked."""
        centre = self.x.astype(float)
        if by_hue and self.hue is not None:
            offsets, _ = dodge(self.n_hue, WIDTH)
            centre += offsets[self.hue]
        return centre

    def face_colors(self, rows: np.ndarray, color: Any) -> Any:
        """The colour of each of ``rows`` (RGBA): its hue level's, or ``color`` without hue."""
        from matplotlib.colors import to_rgba, to_rgba_array

        if self.hue is None:
            return [to_rgba(color)]
        return to_rgba_array(self.colors)[self.hue[rows]]


def tile_points(table, sidecar: Sidecar) -> TilePoints:
    """The tile's rows with a category (and a hue level, when there is hue)."""
    categories = (sidecar.get("x") or {}).get("categories") or []
    y = numeric_of(table, sidecar["y"]["column"])
    x = (
        codes_of(table, sidecar["x"]["column"], categories)
        if categories
        else np.zeros(y.size, np.int32)
    )
    hue, colors = hue_of(table, sidecar)
    keep = x >= 0
    if hue is not None:
        keep &= hue >= 0
    if not keep.all():
        y, x, hue = y[keep], x[keep], None if hue is None else hue[keep]
    return TilePoints(y, x, hue, colors, max(len(categories), 1))


@dataclass(frozen=True)
class PixelGrid:
    """The tile in pixels: how many per unit of the category axis and of the value axis."""

    width: int
    height: int
    x_lim: tuple[float, float]
    y_lim: tuple[float, float]

    def x_px(self, x: np.ndarray) -> np.ndarray:
        """Category-axis positions in pixels from the left edge."""
        lo, hi = self.x_lim
        return (x - lo) / (hi - lo) * self.width

    def y_px(self, y: np.ndarray) -> np.ndarray:
        """Values in pixels from the bottom edge."""
        lo, hi = self.y_lim
        return (y - lo) / (hi - lo) * self.height

    def x_data(self, px: np.ndarray) -> np.ndarray:
        """Pixels from the left edge back to category-axis positions."""
        lo, hi = self.x_lim
        return lo + px / self.width * (hi - lo)


def pixel_grid(ax, sidecar: Sidecar, n_x: int) -> PixelGrid:
    """The tile's pixel grid from its figure's size and the limits the split agreed."""
    y_lim = sidecar["y"].get("lim") or [0.0, 1.0]
    x_lim = (sidecar.get("x") or {}).get("lim") or [-0.5, n_x - 0.5]
    return PixelGrid(
        width=max(int(round(ax.figure.bbox.width)), 1),
        height=max(int(round(ax.figure.bbox.height)), 1),
        x_lim=(float(x_lim[0]), float(x_lim[1])),
        y_lim=(float(y_lim[0]), float(y_lim[1])),
    )


def marker_kwargs(options: dict[str, Any]) -> dict[str, Any]:
    """seaborn's scatter look for strip and swarm: ``s = size ** 2``, no edge by default."""
    return {
        "s": options["size"] ** 2,
        "marker": "o",
        "edgecolors": options["edgecolor"],
        "linewidths": options["linewidth"],
        "alpha": options["alpha"],
        "zorder": 3,
    }
