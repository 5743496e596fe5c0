"""A tile's axes as the mosaic draws them around its pixels: scale, limits, ticks,
tick labels, axis labels, margin title and (for an own colour scale) its colorbar,
in seaborn's despined look; and how far they reach beyond the tile.

Tick labels are laid out by :mod:`tilegrid.mosaic.ticklabels` from their measured sizes,
so none overlap.  Everything here is a function of the cell (:mod:`tilegrid.mosaic.cells`)
and the Axes' pixel size, never of where the Axes sits on a figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..core.colornorms import color_norm, eq_hist_ticks
from ..core.tilemeta import AxisMeta
from . import ticklabels
from .cells import Cell
from .text import text_renderer_at

#: MaxNLocator's steps for numeric axes
TICK_STEPS = [1, 2, 2.5, 5, 10]


@dataclass(frozen=True)
class Extents:
    """How far decorations reach beyond a tile's data area, in pixels."""

    left: int
    right: int
    bottom: int
    top: int


def tick_bins(length_px: int, dpi: float, fontsize_pt: float) -> int:
    """Number of tick intervals that fit along an axis, as matplotlib's AutoLocator estimates.

    Computed from whole pixels, so equal tiles always get equal ticks (the
    AutoLocator itself floors a float length and can differ by one tick).
    """
    return max(1, int(length_px * 72 // (dpi * 2 * fontsize_pt)))


def text_renderer(fig):
    """An Agg renderer at the figure's dpi for measuring, without the figure's pixel buffer.

    Measuring needs text metrics only; a renderer of a large figure's size would
    allocate gigabytes for a 32x32 grid.
    """
    return text_renderer_at(fig.dpi)


def dress(cell: Cell):
    """The cell's (shared) Axes, put at the cell's place with the cell's title."""
    cell.ax.set_position(cell.rect)
    # column names and values are shown as written: "$x$" is not mathtext here
    cell.ax.set_title(cell.title, parse_math=False)
    return cell.ax


def decorate(ax, cell: Cell, renderer=None) -> None:
    """Set up one look of tile axes: scale, limits, ticks, labels (seaborn's despined look),
    the margin title and the tile's own colorbar.  The title is the tile's own (:func:`dress`).

    Tick labels are laid out by :mod:`tilegrid.mosaic.ticklabels` from their measured
    sizes (``renderer``: an Agg renderer at the figure's dpi), so none overlap.
    """
    ax.patch.set_visible(False)
    renderer = renderer or text_renderer(ax.get_figure())
    width, height = cell.meta["size_px"]
    for name, length in (("x", width), ("y", height)):
        meta = cell.meta[name]
        getattr(ax, f"set_{name}scale")(meta["scale"])
        getattr(ax, f"set_{name}lim")(*meta["lim"])
        if meta["ticks"] is not None:
            fixed_ticks(ax, name, meta, length, cell.meta["dpi"])
        elif meta["scale"] == "linear":
            numeric_ticks(ax, name, length, cell.meta["dpi"], renderer)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.tick_params(labelbottom=cell.show_xticklabels, labelleft=cell.show_yticklabels)
    # column names and values are shown as written: "$x$" is not mathtext here
    ax.set_xlabel(cell.xlabel, parse_math=False)
    ax.set_ylabel(cell.ylabel, parse_math=False)
    if cell.margin_title:
        ax.annotate(
            cell.margin_title,
            xy=(1.02, 0.5),
            xycoords="axes fraction",
            rotation=270,
            ha="left",
            va="center",
            parse_math=False,
        )
    if cell.own_colorbar:
        tile_colorbar(ax, cell)


def axes_extents(ax, renderer) -> Extents:
    """How far ``ax``'s decorations (ticks, labels, titles, colorbar) reach beyond its box."""
    tight = ax.get_tightbbox(renderer)
    box = ax.bbox
    return Extents(
        max(0, math.ceil(box.x0 - tight.x0)),
        max(0, math.ceil(tight.x1 - box.x1)),
        max(0, math.ceil(box.y0 - tight.y0)),
        max(0, math.ceil(tight.y1 - box.y1)),
    )


def _tick_font(ax, name: str):
    """The font of an axis's tick labels, from its first tick (made if need be: only
    that one, where ``get_major_ticks()`` makes one per location of the locator)."""
    axis = getattr(ax, f"{name}axis")
    return axis.get_major_ticks(1)[0].label1.get_fontproperties()


def _tick_positions(ax, name: str, ticks) -> list[float]:
    """Pixel positions of ``ticks`` along axis ``name`` (the axes is at its final size)."""
    index = 0 if name == "x" else 1
    points = [(t, 0.0) if name == "x" else (0.0, t) for t in ticks]
    return [float(p[index]) for p in ax.transData.transform(points)] if points else []


def fixed_ticks(ax, name: str, meta: AxisMeta, length: int, dpi: float) -> None:
    """A tile's own ticks and labels (categories), flat, turned or thinned to fit
    (:func:`tilegrid.mosaic.ticklabels.fixed_labels`, which the log's notices use too)."""
    labels = meta["ticklabels"]
    literal = {"parse_math": False} if labels is not None else {}
    if not labels:
        getattr(ax, f"set_{name}ticks")(meta["ticks"], labels=labels, **literal)
        return
    placed = ticklabels.fixed_labels(meta, name, length, dpi)
    getattr(ax, f"set_{name}ticks")(meta["ticks"], labels=list(placed.shown), **literal)
    if placed.fit.rotation:
        ax.tick_params(axis=name, labelrotation=placed.fit.rotation)
        if placed.fit.rotation != 90:
            for label in getattr(ax, f"get_{name}ticklabels")():
                label.set_horizontalalignment("right")
                label.set_rotation_mode("anchor")


def numeric_ticks(ax, name: str, length: int, dpi: float, renderer) -> None:
    """Ticks of a linear numeric axis: as many as its length holds, fewer while the
    formatted labels would not fit flat (:mod:`tilegrid.mosaic.ticklabels`)."""
    from matplotlib.ticker import MaxNLocator

    axis = getattr(ax, f"{name}axis")
    font = _tick_font(ax, name)
    lo, hi = sorted(getattr(ax, f"get_{name}lim")())
    space = ticklabels.room(font, renderer.dpi)
    bins = tick_bins(length, dpi, font.get_size_in_points())
    while True:
        locator = MaxNLocator(nbins=bins, steps=TICK_STEPS)
        axis.set_major_locator(locator)
        ticks = [t for t in locator.tick_values(lo, hi) if lo <= t <= hi]
        labels = axis.get_major_formatter().format_ticks(ticks)
        widths = ticklabels.measure(renderer, labels, font)
        positions = _tick_positions(ax, name, ticks)
        if bins == 1 or ticklabels.fits(positions, widths, name, 0, space):
            return
        bins -= 1


def colorbar_ticks(info: dict[str, Any], length_px: float, dpi: float) -> list[float] | None:
    """Fixed ticks of a colour scale, or None (the colorbar's own locator).

    eq_hist: round counts spread along the bar, as close as stacked tick labels may be
    (:mod:`tilegrid.mosaic.ticklabels`: a line's em and the clear space) on a bar of
    ``length_px``.
    """
    if info.get("norm") != "eq_hist" or not info.get("quantiles"):
        return None
    space = ticklabels.room(ticklabels.tick_font("y"), dpi)
    return eq_hist_ticks(info["quantiles"], space.across / max(length_px, 1))


def tile_colorbar(ax, cell: Cell) -> None:
    """A colorbar beside one tile (its Axes ``ax``) whose color scale is its own."""
    from matplotlib.cm import ScalarMappable

    info = cell.meta["colorbar"]
    cax = ax.inset_axes((1.04, 0.0, 0.05, 1.0))
    mappable = ScalarMappable(norm=color_norm(info), cmap=info.get("cmap", "viridis"))
    ticks = colorbar_ticks(info, cell.meta["size_px"][1], cell.meta["dpi"])
    ax.get_figure().colorbar(mappable, cax=cax, ticks=ticks)
    cax.set_ylabel(info.get("label", ""), parse_math=False)
