"""The mosaic's pixel geometry: where each tile sits, and the disjoint rectangles the
PNG mosaic is composed of.

Each grid column has a left and a right gutter and each grid row a top and a bottom
one: the widest reach of the decorations of its cells (:class:`Extents`), rounded
*up* to a whole :data:`GUTTER_STEP_IN`, so that most changes of one cell (new tick
labels, a longer title) keep every gutter and no tile moves.  The layout is a
function of the current cells only (never of an earlier layout), so an incremental
run lays the mosaic out as a fresh one does.

The PNG mosaic is white but for disjoint rectangles, each drawn on its own
(:mod:`tilegrid.mosaic.pieces`): one *slot* per cell (its tile, its gutters and
:data:`BLEED` pixels around them, for antialiasing), the *header* (the
suptitle, above the grid) and the *side* (the colorbars and legend right of it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .decorations import Extents, dress
from .side import header_height, measure_side
from .titles import suptitle_font, wrap

PAD_IN = 0.12  # space between neighbouring decorations, inches
OUTER_PAD_IN = 0.08  # space around the whole figure, inches
#: gutters grow in whole steps of this many inches (0.1 in: 10 px at 100 dpi)
GUTTER_STEP_IN = 0.1
#: pixels a cell's picture reaches beyond its decorations' measured extents
#: (antialiased edges of text and lines); slots are this much larger than the gutters
BLEED = 2

#: a rectangle of the canvas array: first row, end row, first column, end column
Rect = tuple[int, int, int, int]


def pad_px(dpi: float) -> int:
    """The space between neighbouring decorations, in pixels (room for two bleeds)."""
    return max(round(PAD_IN * dpi), 2 * BLEED)


def outer_px(dpi: float) -> int:
    """The space around the whole figure, in pixels (room for a bleed)."""
    return max(round(OUTER_PAD_IN * dpi), BLEED)


def gutter_step(dpi: float) -> int:
    """The step gutters are rounded up to, in pixels."""
    return max(1, round(GUTTER_STEP_IN * dpi))


def round_up(value: int, step: int) -> int:
    """``value`` rounded up to a whole multiple of ``step``."""
    return -(-value // step) * step


@dataclass
class Layout:
    """Pixel geometry of the mosaic: figure size, each tile's lower-left corner, and the
    gutters, header and side it was laid out with."""

    width: int
    height: int
    origins: dict[str, tuple[int, int]]
    tile_px: tuple[int, int] = (0, 0)
    #: each tile's (row, col) in the grid
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: per grid column (left, right) and per grid row (top, bottom) gutter, pixels
    col_gutters: list[tuple[int, int]] = field(default_factory=list)
    row_gutters: list[tuple[int, int]] = field(default_factory=list)
    header: int = 0
    side: int = 0
    pad: int = 0
    outer: int = 0
    #: the mosaic's title as drawn: wrapped to the grid's width (:func:`lay_out`)
    title: str = field(default="", compare=False)
    #: each tile's cell, once build_mosaic placed them (see :meth:`axes`)
    cells: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def axes(self, tile: str):
        """The Axes that draws ``tile``'s decorations, put at its place with its title."""

        return dress(self.cells[tile])

    @property
    def grid_right(self) -> int:
        """The x where the grid's last gutter ends (the side parts start a pad later)."""
        return self.width - self.outer - self.side

    @property
    def grid_span(self) -> tuple[int, int]:
        """The lowest tile bottom and the highest tile top, pixels from the figure's bottom."""
        bottom = min(y for _, y in self.origins.values())
        return bottom, max(y for _, y in self.origins.values()) + self.tile_px[1]

    def slot(self, tile: str, extents: Extents | None = None) -> Rect:
        """The canvas rectangle of ``tile``'s cell: its tile, its column's and row's gutters
        and a bleed around them; with ``extents``, only the part its picture covers."""
        x0, y0 = self.origins[tile]
        w, h = self.tile_px
        row, col = self.positions[tile]
        left, right = self.col_gutters[col]
        top, bottom = self.row_gutters[row]
        if extents is not None:
            left, right, top, bottom = extents.left, extents.right, extents.top, extents.bottom
        tile_top = self.height - y0 - h
        return (
            tile_top - top - BLEED,
            tile_top + h + bottom + BLEED,
            x0 - left - BLEED,
            x0 + w + right + BLEED,
        )

    def header_rect(self) -> Rect | None:
        """The canvas rectangle of the suptitle (above the grid, left of the side), if any."""
        if not self.header:
            return None
        right = self.grid_right + BLEED if self.side else self.width
        return (0, self.outer + self.header - BLEED, 0, right)

    def side_rect(self) -> Rect | None:
        """The canvas rectangle of the colorbars and legend (right of the grid), if any."""
        if not self.side:
            return None
        return (0, self.height, self.grid_right + BLEED, self.width)

    def describe(self) -> dict[str, Any]:
        """The layout as plain JSON data (what the cache records and compares)."""
        return {
            "size": [self.width, self.height],
            "tile_px": list(self.tile_px),
            "cols": [list(g) for g in self.col_gutters],
            "rows": [list(g) for g in self.row_gutters],
            "header": self.header,
            "side": self.side,
            "pad": self.pad,
            "outer": self.outer,
            "origins": {tile: list(xy) for tile, xy in sorted(self.origins.items())},
        }


def compute_layout(
    positions: dict[str, tuple[int, int]],
    extents: dict[str, Extents],
    grid: tuple[int, int],
    tile_px: tuple[int, int],
    dpi: float,
    header: int = 0,
    side: int = 0,
    min_height: int = 0,
) -> Layout:
    """Place tiles on an integer pixel grid so neighbouring decorations never overlap.

    ``positions``: each tile's (row, col); ``extents``: how far its decorations reach;
    ``header``: the suptitle's height; ``side``: the width of what is right of the grid;
    ``min_height``: the least height (a legend taller than the grid: room below it).
    Gutters are the largest extents of their column or row, rounded up to a step.
    """
    nrows, ncols = grid
    w, h = tile_px
    step = gutter_step(dpi)
    pad, outer = pad_px(dpi), outer_px(dpi)
    left, right, top, bottom = [0] * ncols, [0] * ncols, [0] * nrows, [0] * nrows
    for tile, (row, col) in positions.items():
        e = extents[tile]
        left[col] = max(left[col], round_up(e.left, step))
        right[col] = max(right[col], round_up(e.right, step))
        top[row] = max(top[row], round_up(e.top, step))
        bottom[row] = max(bottom[row], round_up(e.bottom, step))
    xs = [outer + left[0]]
    for c in range(1, ncols):
        xs.append(xs[-1] + w + right[c - 1] + pad + left[c])
    tops = [outer + header + top[0]]
    for r in range(1, nrows):
        tops.append(tops[-1] + h + bottom[r - 1] + pad + top[r])
    width = xs[-1] + w + right[-1] + outer + side
    height = max(tops[-1] + h + bottom[-1] + outer, min_height)
    origins = {tile: (xs[col], height - tops[row] - h) for tile, (row, col) in positions.items()}
    return Layout(
        width,
        height,
        origins,
        tile_px=(w, h),
        positions=dict(positions),
        col_gutters=list(zip(left, right)),
        row_gutters=list(zip(top, bottom)),
        header=header,
        side=side,
        pad=pad,
        outer=outer,
    )


def header_px(text_height: float, dpi: float) -> int:
    """The header's height for a suptitle ``text_height`` px tall (0: no suptitle), rounded
    up to a gutter step as the gutters are."""
    if not text_height:
        return 0
    return round_up(math.ceil(text_height), gutter_step(dpi)) + pad_px(dpi)


def lay_out(
    cells: list,
    extents: dict[str, Extents],
    manifest: dict[str, Any],
    grid: tuple[int, int],
    title: str | None,
) -> tuple[Layout, Any]:
    """The mosaic's layout from its cells' extents, the suptitle's height and the side's
    widths (both measured here, :mod:`tilegrid.mosaic.side`); and those widths.

    The suptitle is wrapped to the grid's width (which the header's height does not
    change), so it is never wider than the grid: ``layout.title`` is the text drawn.
    """

    dpi = cells[0].meta["dpi"]
    tile_px = tuple(cells[0].meta["size_px"])
    pad = pad_px(dpi)
    side = measure_side(cells, manifest, grid, tile_px, pad, dpi)
    positions = {c.tile: (c.row, c.col) for c in cells}
    tall = side.legend_height + 2 * outer_px(dpi) if side.legend_height else 0
    header, drawn = 0, ""
    if title:
        flat = compute_layout(
            positions, extents, grid, tile_px, dpi, side=side.width(pad), min_height=tall
        )
        drawn = wrap(title, flat.grid_right - flat.outer, suptitle_font(), dpi)
        header = header_px(header_height(drawn, dpi), dpi)
    layout = compute_layout(
        positions,
        extents,
        grid,
        tile_px,
        dpi,
        header=header,
        side=side.width(pad),
        min_height=tall,
    )
    layout.title = drawn
    return layout, side
