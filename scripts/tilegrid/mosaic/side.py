"""What the mosaic draws once for the whole grid: the suptitle above it, and right of it
the colorbars (a shared colour scale, a numeric hue) and the hue legend.

Each is measured on its own (:func:`header_height`, :func:`measure_side`), from the
grid's settings and the manifest only, so the layout does not depend on the figure
that draws them; :func:`draw_header` and :func:`draw_side` then put them on a figure
(the one-figure mosaic, or the PNG mosaic's header and side rectangles) at the
places the layout gives, in that figure's pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..core.colornorms import color_norm
from ..core.manifest import Manifest
from . import ticklabels
from .cells import Cell
from .decorations import colorbar_ticks
from .legend import figure_legend
from .text import TITLE_SIZE, text_renderer_at

#: the width of a side colorbar's bar, inches
BAR_IN = 0.15


@dataclass(frozen=True)
class SideSize:
    """The widths of what is right of the grid: each colorbar with its labels, the legend;
    and the legend's height (the mosaic is at least that tall, so it is never cut)."""

    bars: tuple[int, ...] = ()
    legend: int | None = None
    legend_height: int = 0

    def width(self, pad: int) -> int:
        """The side's whole width: each part after a pad."""
        parts = [*self.bars, *([self.legend] if self.legend is not None else [])]
        return sum(pad + part for part in parts)


def suptitle(fig, title: str):
    """The mosaic's title on ``fig``, top-aligned (placed by :func:`place_suptitle`)."""
    return fig.suptitle(title, fontsize=TITLE_SIZE, va="top", parse_math=False)


def header_height(title: str | None, dpi: float) -> float:
    """The height in pixels of the suptitle ``title`` (0 without one)."""
    if not title:
        return 0.0
    from matplotlib.figure import Figure

    fig = Figure(dpi=dpi)
    return suptitle(fig, title).get_window_extent(text_renderer_at(dpi)).height


def draw_header(fig, title: str, center_x: float, top: float) -> None:
    """The suptitle on ``fig``, centred at ``center_x``, its top at ``top`` (figure pixels)."""
    text = suptitle(fig, title)
    text.set_x(center_x / fig.bbox.width)
    text.set_y(top / fig.bbox.height)


@dataclass
class SideColorbar:
    """A colorbar right of the grid: its Axes and the width of its bar."""

    ax: Any
    bar_px: int


def side_colorbars(
    fig, cells: list[Cell], manifest: Manifest, grid, tile_px, pad: int
) -> list[SideColorbar]:
    """The colorbars right of the grid, on ``fig`` (placed by :func:`draw_side`): one for
    the tiles' shared colour scale, one for a numeric hue."""
    length = bar_length(grid, tile_px, pad)
    bars = [shared_colorbar(fig, cells, length), hue_colorbar(fig, manifest, length)]
    return [bar for bar in bars if bar is not None]


def bar_length(grid, tile_px, pad: int) -> int:
    """The length in px a colorbar right of the grid is laid out for (and its ticks spaced
    on): the grid's rows of tiles and the pads between them."""
    return grid[0] * tile_px[1] + (grid[0] - 1) * pad


def shared_colorbar(fig, cells: list[Cell], length: int) -> SideColorbar | None:
    """A colorbar right of the grid (``length`` px long) when the tiles share one color scale."""
    infos = [c.meta.get("colorbar") for c in cells if c.meta.get("colorbar")]
    if not infos or not infos[0].get("shared", True):
        return None
    from matplotlib.cm import ScalarMappable

    info = infos[0]
    mappable = ScalarMappable(norm=color_norm(info), cmap=info.get("cmap", "viridis"))
    ticks = colorbar_ticks(info, length, fig.dpi)
    return side_colorbar(fig, mappable, info.get("label", ""), ticks)


def side_colorbar(fig, mappable, label: str, ticks=None) -> SideColorbar:
    """A colorbar on ``fig``, its bar :data:`BAR_IN` wide (placed by :func:`draw_side`)."""
    bar_px = round(BAR_IN * fig.dpi)
    cax = fig.add_axes((0.0, 0.0, 0.01, 0.01))
    fig.colorbar(mappable, cax=cax, ticks=ticks)
    cax.set_ylabel(label, parse_math=False)
    return SideColorbar(cax, bar_px)


def hue_mappable(legend: dict[str, Any]):
    """The ScalarMappable of a numeric hue's colorbar spec (see tilegrid.core.palettes).

    With ``edges``: one step per hue group in its color; otherwise the
    colormap's samples over ``lim``.
    """
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize

    cmap = ListedColormap(legend["colors"])
    if legend.get("edges"):
        norm = BoundaryNorm(legend["edges"], len(legend["colors"]))
    else:
        lo, hi = legend["lim"]
        norm = Normalize(lo - 0.5, hi + 0.5) if hi <= lo else Normalize(lo, hi)
    return ScalarMappable(norm=norm, cmap=cmap)


def hue_ticks(legend: dict[str, Any], length: int, dpi: float) -> tuple[list[float] | None, int]:
    """A numeric hue colorbar's ticks (``length`` px long): the legend's, every step-th
    one if stacked labels would collide (:func:`tilegrid.mosaic.ticklabels.bar_ticks`);
    and the step."""
    ticks, edges = legend.get("ticks"), legend.get("edges")
    if not ticks or not edges:
        return ticks, 1
    return ticklabels.bar_ticks(ticks, (edges[0], edges[-1]), length, dpi)


def hue_colorbar(fig, manifest: Manifest, length: int) -> SideColorbar | None:
    """One colorbar for a numeric hue (seaborn's continuous hue), titled with its column."""
    legend = manifest.get("legend")
    if not legend or legend.get("type") != "colorbar" or not legend.get("colors"):
        return None
    ticks, _ = hue_ticks(legend, length, fig.dpi)
    return side_colorbar(fig, hue_mappable(legend), legend["title"], ticks)


def _place(ax, fig, x: float, y: float, width: float, height: float) -> None:
    """Put ``ax`` at a rectangle of ``fig``'s pixels."""
    fw, fh = fig.bbox.width, fig.bbox.height
    ax.set_position((x / fw, y / fh, width / fw, height / fh))


def measure_side(
    cells: list[Cell], manifest: Manifest, grid, tile_px, pad: int, dpi: float
) -> SideSize:
    """How wide each part right of the grid is, measured on a figure of its own: each
    colorbar as long as the grid's tiles and pads (its labels included, and 4 px), the
    legend as laid out."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from ..render.figures import new_figure

    length = bar_length(grid, tile_px, pad)
    fig = new_figure(round(8 * dpi), length + round(2 * dpi), dpi)
    FigureCanvasAgg(fig)
    renderer = text_renderer_at(dpi)
    widths = []
    for bar in side_colorbars(fig, cells, manifest, grid, tile_px, pad):
        _place(bar.ax, fig, round(dpi), round(dpi), bar.bar_px, length)
        tight = bar.ax.get_tightbbox(renderer)
        widths.append(math.ceil(tight.x1 - bar.ax.bbox.x0) + 4)
    legend = figure_legend(fig, manifest)
    if legend is None:
        return SideSize(tuple(widths))
    extent = legend.get_window_extent(renderer)
    return SideSize(tuple(widths), math.ceil(extent.width), math.ceil(extent.height))


def draw_side(
    fig,
    cells: list[Cell],
    manifest: Manifest,
    grid,
    tile_px,
    size: SideSize,
    pad: int,
    x: float,
    span: tuple[float, float],
) -> None:
    """The colorbars and the legend on ``fig``, from ``x`` on (in ``fig``'s pixels, where
    the grid ends): each colorbar a pad after the last part, from the lowest tile's
    bottom to the highest tile's top (``span``), the legend centred on that height, or
    as near it as keeps a legend taller than the grid inside the figure."""
    bottom, top = span
    for bar, width in zip(side_colorbars(fig, cells, manifest, grid, tile_px, pad), size.bars):
        x += pad
        _place(bar.ax, fig, x, bottom, bar.bar_px, top - bottom)
        x += width
    legend = figure_legend(fig, manifest)
    if legend is not None:
        fw, fh = fig.bbox.width, fig.bbox.height
        centre = legend_centre((bottom + top) / 2, size.legend_height, fh)
        anchor = ((x + pad) / fw, centre / fh)
        legend.set_bbox_to_anchor(anchor, transform=fig.transFigure)


def legend_centre(centre: float, height: float, figure_height: float) -> float:
    """The legend's vertical centre: ``centre``, moved so that a legend ``height`` px tall
    stays within the figure (with a margin of 2 px) when it can."""
    half = height / 2 + 2
    if height + 4 >= figure_height:
        return figure_height / 2
    return min(max(centre, half), figure_height - half)
