"""Assemble tiles into one matplotlib figure, placing every tile pixel-exactly.

Each tile PNG is the data area of one facet.  The mosaic puts it on the figure
with :meth:`~matplotlib.figure.Figure.figimage` at integer pixel offsets (no
resampling) and draws a transparent Axes of the same pixel rectangle over it:
the spines, ticks, tick labels, axis labels and titles, as vectors.  The gaps
between tiles are measured from those decorations, so nothing is clipped and
nothing the mosaic draws covers a tile's interior.

Tiles whose axes look alike (the same limits, ticks, labels shown, sizes; the
title aside) share one Axes, set up and measured once and drawn at each of
their places with their own title (:class:`TileDecorations`): a 32 x 32 grid
of shared axes holds a handful of Axes, not 1024.

A PDF or SVG mosaic embeds each tile's print version instead (drawn at
``mosaic.print_dpi``, a whole multiple of the tile's pixels): the same layout,
with every print tile embedded unresampled and scaled onto exactly its tile's
data area (:func:`embed_print_tiles`).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.image import AxesImage, FigureImage

from . import ticklabels
from .colornorms import color_norm, eq_hist_ticks
from .composite import (
    Canvas,
    NoComposite,
    composite,
    decoration_key,
    drop_cache,
    line_boxes,
    write_cache,
)
from .contracts import (
    AxisMeta,
    Manifest,
    TileMeta,
    TileMetaError,
    read_manifest,
    read_tile_image,
    read_tile_meta,
)
from .figures import new_figure, save_figure, set_pixel_size, tilegrid_style

log = logging.getLogger("tilegrid.mosaic")

PAD_IN = 0.12  # space between neighbouring decorations, inches
OUTER_PAD_IN = 0.08  # space around the whole figure, inches
TITLE_SIZE = "large"
#: how each kind's hue levels look in the legend (default: filled patches)
LEGEND_STYLE = {"line": "line", "kde": "line", "ecdf": "line", "point": "line", "scatter": "marker"}
DEFAULT_TEMPLATES = {
    "template": "{row_var} = {row_name} | {col_var} = {col_name}",
    "row_template": "{row_var} = {row_name}",
    "col_template": "{col_var} = {col_name}",
}


@dataclass
class Cell:
    """One tile's place in the grid and what decorates it."""

    tile: str
    row: int
    col: int
    meta: TileMeta
    facets: dict[str, Any]
    show_xticklabels: bool = True
    show_yticklabels: bool = True
    xlabel: str = ""
    ylabel: str = ""
    title: str = ""
    margin_title: str = ""
    #: the Axes that draws this tile's decorations, shared with the tiles that look alike
    ax: Any = field(default=None, repr=False)
    #: the tile's data area as a figure fraction (left, bottom, width, height)
    rect: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)


def look(cell: Cell) -> str:
    """What decides a tile's axes but its title: tiles with the same look share an Axes."""
    import json

    parts = {
        "x": cell.meta["x"],
        "y": cell.meta["y"],
        "size": cell.meta["size_px"],
        "dpi": cell.meta["dpi"],
        "colorbar": cell.meta.get("colorbar"),
        "labels": [cell.show_xticklabels, cell.show_yticklabels, cell.xlabel, cell.ylabel],
        "margin_title": cell.margin_title,
    }
    return json.dumps(parts, sort_keys=True, default=repr)


def dress(cell: Cell):
    """The cell's (shared) Axes, put at the cell's place with the cell's title."""
    cell.ax.set_position(cell.rect)
    # column names and values are shown as written: "$x$" is not mathtext here
    cell.ax.set_title(cell.title, parse_math=False)
    return cell.ax


def grid_shape_and_positions(
    manifest: Manifest, col_wrap: int | None
) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    """Grid shape and each manifest tile's (row, col) slot, wrapping columns if asked."""
    tiles = manifest["tiles"]
    if manifest.get("col") and not manifest.get("row") and col_wrap:
        n = len(tiles)
        ncols = min(col_wrap, n)
        slots = [(t["col_index"] // col_wrap, t["col_index"] % col_wrap) for t in tiles]
        return (math.ceil(n / ncols), ncols), slots
    slots = [(t["row_index"] or 0, t["col_index"] or 0) for t in tiles]
    return tuple(manifest["shape"]), slots


def _same_axis(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("lim", "scale", "ticks", "ticklabels")
    return all(a.get(k) == b.get(k) for k in keys)


def outer_flags(cells: list[Cell], sharex, sharey) -> None:
    """Tick labels only on outer axes where the axis is shared, as seaborn does.

    A tile shows x tick labels unless x is shared and the tile below it has the
    same x axis; likewise y with the tile to its left.  A tile above an empty
    slot is a bottom tile.
    """
    at = {(c.row, c.col): c for c in cells}
    for cell in cells:
        below = at.get((cell.row + 1, cell.col))
        left = at.get((cell.row, cell.col - 1))
        cell.show_xticklabels = not (
            sharex is not False
            and below is not None
            and _same_axis(cell.meta["x"], below.meta["x"])
        )
        cell.show_yticklabels = not (
            sharey is not False and left is not None and _same_axis(cell.meta["y"], left.meta["y"])
        )


def _names(facets: dict[str, Any]) -> dict[str, Any]:
    names = {"row_var": "", "row_name": "", "col_var": "", "col_name": ""}
    for key in ("row", "col"):
        if key in facets:
            names[f"{key}_var"] = facets[key]["var"]
            names[f"{key}_name"] = facets[key]["value"]
    return names


def assign_titles(cells: list[Cell], settings: dict[str, Any], grid: tuple[int, int]) -> None:
    """Titles in seaborn's style: one per tile, or margin titles on the top row and right side."""
    templates = {k: settings.get(k) or v for k, v in DEFAULT_TEMPLATES.items()}
    for cell in cells:
        names = _names(cell.facets)
        has_row, has_col = "row" in cell.facets, "col" in cell.facets
        if settings.get("margin_titles") and has_row:
            if has_col and cell.row == 0:
                cell.title = templates["col_template"].format(**names)
            if cell.col == grid[1] - 1:
                cell.margin_title = templates["row_template"].format(**names)
        elif has_row and has_col:
            cell.title = templates["template"].format(**names)
        elif has_col:
            cell.title = templates["col_template"].format(**names)
        elif has_row:
            cell.title = templates["row_template"].format(**names)
        if cell.meta.get("title"):
            cell.title = cell.meta["title"]


def assign_labels(cells: list[Cell], settings: dict[str, Any]) -> None:
    """Axis labels once per grid row (y, left column) and column (x, bottom tiles)."""
    left_col = {}
    for cell in cells:
        left_col[cell.row] = min(left_col.get(cell.row, cell.col), cell.col)
    has_below = {(c.row - 1, c.col) for c in cells}
    for cell in cells:
        if (cell.row, cell.col) not in has_below:
            cell.xlabel = settings.get("xlabel") or cell.meta["x"]["label"]
        if cell.col == left_col[cell.row]:
            cell.ylabel = settings.get("ylabel") or cell.meta["y"]["label"]


def tick_bins(length_px: int, dpi: float, fontsize_pt: float) -> int:
    """Number of tick intervals that fit along an axis, as matplotlib's AutoLocator estimates.

    Computed from whole pixels, so equal tiles always get equal ticks (the
    AutoLocator itself floors a float length and can differ by one tick).
    """
    return max(1, int(length_px * 72 // (dpi * 2 * fontsize_pt)))


#: MaxNLocator's steps for numeric axes
TICK_STEPS = [1, 2, 2.5, 5, 10]


def decorate(ax, cell: Cell, renderer=None) -> None:
    """Set up one look of tile axes: scale, limits, ticks, labels (seaborn's despined look).

    The title is the tile's own (:func:`dress`).

    Tick labels are laid out by :mod:`tilegrid.ticklabels` from their measured
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
            fixed_ticks(ax, name, meta, renderer)
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


def fixed_ticks(ax, name: str, meta: AxisMeta, renderer) -> None:
    """A tile's own ticks and labels (categories), flat, turned or thinned to fit."""
    labels = meta["ticklabels"]
    literal = {"parse_math": False} if labels is not None else {}
    getattr(ax, f"set_{name}ticks")(meta["ticks"], labels=labels, **literal)
    if not labels:
        return
    lo, hi = sorted(meta["lim"])
    inside = [i for i, t in enumerate(meta["ticks"]) if lo <= t <= hi]
    font = _tick_font(ax, name)
    fit = ticklabels.choose(
        _tick_positions(ax, name, [meta["ticks"][i] for i in inside]),
        ticklabels.measure(renderer, [str(labels[i]) for i in inside], font),
        name,
        ticklabels.gap_px(font, renderer.dpi),
    )
    if fit.step > 1:
        shown = set(inside[:: fit.step])
        thinned = [label if i in shown else "" for i, label in enumerate(labels)]
        getattr(ax, f"set_{name}ticks")(meta["ticks"], labels=thinned, **literal)
    if fit.rotation:
        ax.tick_params(axis=name, labelrotation=fit.rotation)
        if fit.rotation != 90:
            for label in getattr(ax, f"get_{name}ticklabels")():
                label.set_horizontalalignment("right")
                label.set_rotation_mode("anchor")


def numeric_ticks(ax, name: str, length: int, dpi: float, renderer) -> None:
    """Ticks of a linear numeric axis: as many as its length holds, fewer while the
    formatted labels would not fit flat (:mod:`tilegrid.ticklabels`)."""
    from matplotlib.ticker import MaxNLocator

    axis = getattr(ax, f"{name}axis")
    font = _tick_font(ax, name)
    lo, hi = sorted(getattr(ax, f"get_{name}lim")())
    gap = ticklabels.gap_px(font, renderer.dpi)
    bins = tick_bins(length, dpi, font.get_size_in_points())
    while True:
        locator = MaxNLocator(nbins=bins, steps=TICK_STEPS)
        axis.set_major_locator(locator)
        ticks = [t for t in locator.tick_values(lo, hi) if lo <= t <= hi]
        labels = axis.get_major_formatter().format_ticks(ticks)
        sizes = ticklabels.measure(renderer, labels, font)
        if bins == 1 or ticklabels.fits(_tick_positions(ax, name, ticks), sizes, name, 0, gap):
            return
        bins -= 1


@dataclass
class Extents:
    """How far decorations reach beyond a tile's data area, in pixels."""

    left: int
    right: int
    bottom: int
    top: int


def text_renderer(fig):
    """An Agg renderer at the figure's dpi for measuring, without the figure's pixel buffer.

    Measuring needs text metrics only; the layout figure spreads the axes far
    apart, and a renderer of its size would allocate gigabytes for a 32x32 grid.
    """
    return text_renderer_at(fig.dpi)


def text_renderer_at(dpi: float):
    """An Agg renderer of one pixel at ``dpi``, for text metrics only."""
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(1, 1, dpi)


def measure(fig, cells: list[Cell]) -> dict[str, Extents]:
    """Extents of each cell's decorations, measured with the Agg renderer."""
    renderer = text_renderer(fig)
    out = {}
    for cell in cells:
        ax = dress(cell)
        tight = ax.get_tightbbox(renderer)
        box = ax.bbox
        out[cell.tile] = Extents(
            max(0, math.ceil(box.x0 - tight.x0)),
            max(0, math.ceil(tight.x1 - box.x1)),
            max(0, math.ceil(box.y0 - tight.y0)),
            max(0, math.ceil(tight.y1 - box.y1)),
        )
    return out


@dataclass
class Layout:
    """Pixel geometry of the mosaic: figure size and each tile's lower-left corner."""

    width: int
    height: int
    origins: dict[str, tuple[int, int]]
    #: each tile's cell, once build_mosaic placed them (see :meth:`axes`)
    cells: dict[str, Cell] = field(default_factory=dict, repr=False, compare=False)

    def axes(self, tile: str):
        """The Axes that draws ``tile``'s decorations, put at its place with its title."""
        return dress(self.cells[tile])


def compute_layout(
    cells: list[Cell],
    extents: dict[str, Extents],
    grid: tuple[int, int],
    tile_px: tuple[int, int],
    pad: int,
    outer: int,
    header: int,
    right_extra: int = 0,
) -> Layout:
    """Place tiles on an integer pixel grid so neighbouring decorations never overlap."""
    nrows, ncols = grid
    w, h = tile_px
    left = [0] * ncols
    right = [0] * ncols
    top = [0] * nrows
    bottom = [0] * nrows
    for cell in cells:
        e = extents[cell.tile]
        left[cell.col] = max(left[cell.col], e.left)
        right[cell.col] = max(right[cell.col], e.right)
        top[cell.row] = max(top[cell.row], e.top)
        bottom[cell.row] = max(bottom[cell.row], e.bottom)
    xs = [outer + left[0]]
    for c in range(1, ncols):
        xs.append(xs[-1] + w + right[c - 1] + pad + left[c])
    tops = [outer + header + top[0]]
    for r in range(1, nrows):
        tops.append(tops[-1] + h + bottom[r - 1] + pad + top[r])
    width = xs[-1] + w + right[-1] + outer + right_extra
    height = tops[-1] + h + bottom[-1] + outer
    origins = {c.tile: (xs[c.col], height - tops[c.row] - h) for c in cells}
    return Layout(width, height, origins)


class TileError(ValueError):
    """A print tile the mosaic cannot use (not its tile's size or axes), worded for the user.

    A damaged tile file is a :class:`tilegrid.contracts.TileMetaError`, naming it.
    """


def load_tile(path: str, mode: str = "RGBA") -> np.ndarray:
    """A tile PNG as a uint8 array (RGBA, or ``mode``); a damaged file is a TileMetaError
    naming it, with what to do (:func:`tilegrid.contracts.read_tile_image`)."""
    return read_tile_image(path, lambda img: np.asarray(img.convert(mode)))


def tile_size(path: str) -> tuple[int, int]:
    """A tile PNG's width and height in pixels, from its header (the pixels are not decoded);
    a damaged header is a TileMetaError naming the file."""
    return read_tile_image(path, lambda img: img.size)


class TileImage(FigureImage):
    """A tile at integer pixel offsets on the figure, as ``figimage`` places it (no
    resampling), read from its PNG only while it is drawn.

    Holding no tile's pixels between draws keeps the mosaic job of a large grid
    small: 1024 tiles of 300 x 250 px held at once are 300 MB on top of the canvas.
    """

    _EMPTY = np.full((1, 1, 4), 255, dtype=np.uint8)

    def __init__(self, fig, path: str, x0: int, y0: int):
        super().__init__(fig, offsetx=x0, offsety=y0, origin="upper", zorder=0)
        self.path = path
        self.set_data(self._EMPTY)

    def draw(self, renderer):
        self.set_data(load_tile(self.path))
        try:
            super().draw(renderer)
        finally:
            self.set_data(self._EMPTY)


def place_tile(fig, path: str, x0: int, y0: int) -> TileImage:
    """Put the tile ``path`` on ``fig`` with its lower-left pixel at (x0, y0)."""
    image = TileImage(fig, path, x0, y0)
    fig.images.append(image)
    image._remove_method = fig.images.remove  # as Figure.figimage does: remove() works
    return image


class TileDecorations(Artist):
    """Every tile's decorations, in grid order: each tile's (shared) Axes drawn at its place.

    The Axes are no children of the figure; this artist draws them, above the tiles.
    """

    def __init__(self, cells: list[Cell]):
        super().__init__()
        self.cells = cells
        self.set_zorder(1)

    def draw(self, renderer):
        for cell in self.cells:
            dress(cell).draw(renderer)


def build_mosaic(
    manifest: Manifest,
    metas: dict[str, TileMeta],
    tile_paths: dict[str, str],
    settings: dict[str, Any],
    sharex: bool | str = True,
    sharey: bool | str = True,
):
    """The mosaic figure: tiles placed pixel-exactly with their axes drawn once."""
    grid, slots = grid_shape_and_positions(manifest, settings.get("col_wrap"))
    cells = [
        Cell(t["id"], r, c, metas[t["id"]], t["facets"])
        for t, (r, c) in zip(manifest["tiles"], slots)
    ]
    dpi = cells[0].meta["dpi"]
    tile_px = tuple(cells[0].meta["size_px"])
    outer_flags(cells, sharex, sharey)
    assign_titles(cells, settings, grid)
    assign_labels(cells, settings)
    # Measure the decorations with every axes at its final pixel size, far apart.
    spread = (tile_px[0] + 8 * dpi, tile_px[1] + 4 * dpi)
    fig = new_figure(spread[0] * grid[1], spread[1] * grid[0], dpi)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fw, fh = fig.bbox.width, fig.bbox.height
    renderer = text_renderer(fig)
    shared: dict[str, Any] = {}
    for cell in cells:
        x0 = cell.col * spread[0] + 4 * dpi
        y0 = (grid[0] - 1 - cell.row) * spread[1] + 2 * dpi
        cell.rect = (x0 / fw, y0 / fh, tile_px[0] / fw, tile_px[1] / fh)
        key = look(cell)
        if key not in shared:
            shared[key] = Axes(fig, cell.rect, zorder=1)
            decorate(shared[key], cell, renderer)
        cell.ax = shared[key]
    fig.add_artist(TileDecorations(cells))
    header = 0
    suptitle = None
    renderer = text_renderer(fig)
    if settings.get("title"):
        suptitle = fig.suptitle(settings["title"], fontsize=TITLE_SIZE, va="top", parse_math=False)
        header = math.ceil(suptitle.get_window_extent(renderer).height) + round(PAD_IN * dpi)
    pad = round(PAD_IN * dpi)
    colorbars = [
        bar
        for bar in (
            shared_colorbar(fig, cells, grid, tile_px, pad),
            hue_colorbar(fig, manifest, grid, tile_px, pad),
        )
        if bar is not None
    ]
    legend = figure_legend(fig, manifest)
    side = 0
    for bar in colorbars:
        side += pad + bar.width
    if legend is not None:
        side += pad + math.ceil(legend.get_window_extent(renderer).width)
    layout = compute_layout(
        cells,
        measure(fig, cells),
        grid,
        tile_px,
        pad=pad,
        outer=round(OUTER_PAD_IN * dpi),
        header=header,
        right_extra=side,
    )
    set_pixel_size(fig, layout.width, layout.height)
    fw, fh = fig.bbox.width, fig.bbox.height
    for cell in cells:
        x0, y0 = layout.origins[cell.tile]
        cell.rect = (x0 / fw, y0 / fh, tile_px[0] / fw, tile_px[1] / fh)
        place_tile(fig, tile_paths[cell.tile], x0, y0)
        layout.cells[cell.tile] = cell
    grid_right = layout.width - round(OUTER_PAD_IN * dpi) - side
    bottom = min(y for _, y in layout.origins.values())
    top = max(y for _, y in layout.origins.values()) + tile_px[1]
    x = grid_right
    for bar in colorbars:
        x += pad
        bar.ax.set_position((x / fw, bottom / fh, bar.bar_px / fw, (top - bottom) / fh))
        x += bar.width
    if legend is not None:
        legend.set_bbox_to_anchor(
            ((x + pad) / fw, (bottom + top) / 2 / fh), transform=fig.transFigure
        )
    if suptitle is not None:
        suptitle.set_y(1 - round(OUTER_PAD_IN * dpi) / fh)
        suptitle.set_x((round(OUTER_PAD_IN * dpi) + grid_right) / 2 / fw)
    return fig, layout


@dataclass
class SideColorbar:
    """The one colorbar of a grid whose tiles share a color scale."""

    ax: Any
    bar_px: int
    width: int


def shared_colorbar(fig, cells: list[Cell], grid, tile_px, pad: int) -> SideColorbar | None:
    """A colorbar right of the grid when the tiles share one color scale."""
    infos = [c.meta.get("colorbar") for c in cells if c.meta.get("colorbar")]
    if not infos or not infos[0].get("shared", True):
        own = {id(c.ax): c for c in cells if c.meta.get("colorbar")}  # one per Axes
        for cell in own.values():
            tile_colorbar(cell)
        return None
    from matplotlib.cm import ScalarMappable

    info = infos[0]
    mappable = ScalarMappable(norm=color_norm(info), cmap=info.get("cmap", "viridis"))
    length = grid[0] * tile_px[1] + (grid[0] - 1) * pad
    ticks = colorbar_ticks(info, length, fig.dpi)
    return side_colorbar(fig, mappable, grid, tile_px, pad, info.get("label", ""), ticks)


def colorbar_ticks(info: dict[str, Any], length_px: float, dpi: float) -> list[float] | None:
    """Fixed ticks of a colour scale, or None (the colorbar's own locator).

    eq_hist: round counts spread along the bar, no closer than a measured label
    height and the gap of :mod:`tilegrid.ticklabels` on a bar of ``length_px``.
    """
    if info.get("norm") != "eq_hist" or not info.get("quantiles"):
        return None
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties

    font = FontProperties(size=mpl.rcParams["ytick.labelsize"])
    renderer = text_renderer_at(dpi)
    (_, height), *_ = ticklabels.measure(renderer, ["0"], font)
    spacing = (height + ticklabels.gap_px(font, dpi)) / max(length_px, 1)
    return eq_hist_ticks(info["quantiles"], spacing)


def side_colorbar(fig, mappable, grid, tile_px, pad: int, label: str, ticks=None) -> SideColorbar:
    """A colorbar right of the grid, as tall as the grid (placed by build_mosaic)."""
    dpi = fig.dpi
    bar_px = round(0.15 * dpi)
    height = grid[0] * tile_px[1] + (grid[0] - 1) * pad
    fw, fh = fig.bbox.width, fig.bbox.height
    cax = fig.add_axes((0.5, 0.05, bar_px / fw, min(height / fh, 0.9)))
    fig.colorbar(mappable, cax=cax, ticks=ticks)
    cax.set_ylabel(label, parse_math=False)
    renderer = text_renderer(fig)
    tight = cax.get_tightbbox(renderer)
    width = math.ceil(tight.x1 - cax.bbox.x0) + 4
    return SideColorbar(cax, bar_px, width)


def hue_mappable(legend: dict[str, Any]):
    """The ScalarMappable of a numeric hue's colorbar spec (see tilegrid.palettes).

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


def hue_colorbar(fig, manifest: Manifest, grid, tile_px, pad: int) -> SideColorbar | None:
    """One colorbar for a numeric hue (seaborn's continuous hue), titled with its column."""
    legend = manifest.get("legend")
    if not legend or legend.get("type") != "colorbar" or not legend.get("colors"):
        return None
    mappable = hue_mappable(legend)
    return side_colorbar(fig, mappable, grid, tile_px, pad, legend["title"], legend.get("ticks"))


def tile_colorbar(cell: Cell) -> None:
    """A colorbar beside one tile whose color scale is its own."""
    from matplotlib.cm import ScalarMappable

    info = cell.meta["colorbar"]
    cax = cell.ax.inset_axes((1.04, 0.0, 0.05, 1.0))
    mappable = ScalarMappable(norm=color_norm(info), cmap=info.get("cmap", "viridis"))
    ticks = colorbar_ticks(info, cell.meta["size_px"][1], cell.meta["dpi"])
    cell.ax.get_figure().colorbar(mappable, cax=cax, ticks=ticks)
    cax.set_ylabel(info.get("label", ""), parse_math=False)


def legend_handles(kind: str, colors: list[str]) -> list[Any]:
    """Legend entries in the style the kind draws: filled patches, lines or markers."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    style = LEGEND_STYLE.get(kind, "patch")
    if style == "line":
        return [Line2D([], [], color=c, lw=1.5) for c in colors]
    if style == "marker":
        return [Line2D([], [], color=c, marker="o", linestyle="", markersize=6) for c in colors]
    return [Patch(facecolor=c, edgecolor="#3a3a3a", linewidth=0.8) for c in colors]


def figure_legend(fig, manifest: Manifest):
    """One legend for the whole grid, listing the hue levels present (seaborn's add_legend)."""
    legend = manifest.get("legend")
    if not legend or legend.get("type") == "colorbar" or not legend["labels"]:
        return None
    drawn = fig.legend(
        legend_handles(manifest.get("kind", ""), legend["colors"]),
        [str(label) for label in legend["labels"]],
        title=legend["title"],
        loc="center left",
        frameon=False,
    )
    for text in [*drawn.get_texts(), drawn.get_title()]:
        text.set_parse_math(False)  # hue values as written
    return drawn


def check_print_tile(tile: str, screen: TileMeta, printed: TileMeta, size: tuple[int, int]) -> None:
    """The print tile is its screen tile at ``printed["dpi"]``: same axes, scaled pixels.

    Its pixels are exactly ``printed["dpi"] / screen["dpi"]`` times the screen
    tile's in each direction, and its limits, scales and ticks are the screen
    tile's (which the mosaic draws around it); otherwise a TileError says so.
    """
    scale = printed["dpi"] / screen["dpi"]
    want = [round(side * scale) for side in screen["size_px"]]
    width, height = size
    if printed["size_px"] != want or [width, height] != want:
        raise TileError(
            f"print tile {tile} is {width} x {height} px, not {want[0]} x {want[1]} "
            f"(its tile at {printed['dpi']:g} dpi); delete results/tiles/print/{tile}.png "
            "and rerun: it is drawn again"
        )
    for name in ("x", "y"):
        if not _same_axis(printed[name], screen[name]):
            raise TileError(
                f"print tile {tile}: its {name} axis ({printed[name]['lim']}) is not its "
                f"tile's ({screen[name]['lim']}); the drawing depends on the dpi"
            )


class PrintTileImage(AxesImage):
    """A print tile on its axes, read from its PNG only while it is drawn.

    With ``interpolation="none"``, vector backends embed the image with its own
    pixels (no resampling to the figure's dpi), scaled onto the axes' extent.
    Holding no pixels between draws keeps a large grid's mosaic job small (the
    PDF backend still keeps each drawn image until the file is closed).
    """

    _EMPTY = np.full((1, 1, 3), 255, dtype=np.uint8)

    def __init__(self, ax, path: str):
        super().__init__(ax, interpolation="none", extent=(0, 1, 0, 1))
        self.path = path
        self.set_data(self._EMPTY)

    def draw(self, renderer):
        self.set_data(load_tile(self.path, "RGB"))
        try:
            super().draw(renderer)
        finally:
            self.set_data(self._EMPTY)


def embed_print_tiles(
    fig, layout: Layout, metas: dict[str, TileMeta], paths: dict[str, str], print_metas
) -> None:
    """Replace every tile image of ``fig`` by its print tile, on exactly the same data area.

    Each print tile is a :class:`PrintTileImage` filling an axes of its tile's
    pixel rectangle (limits 0-1, no axis, no background).
    """
    for image in list(fig.images):  # the screen tiles, placed by build_mosaic
        image.remove()
    fw, fh = fig.bbox.width, fig.bbox.height
    for tile, (x0, y0) in layout.origins.items():
        check_print_tile(tile, metas[tile], print_metas[tile], tile_size(paths[tile]))
        width, height = metas[tile]["size_px"]
        ax = fig.add_axes((x0 / fw, y0 / fh, width / fw, height / fh), zorder=0)
        ax.set_axis_off()
        ax.add_image(PrintTileImage(ax, paths[tile]))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)


def is_vector(path: str) -> bool:
    """Whether ``path`` is a PDF or SVG figure (which embeds print tiles)."""
    return os.path.splitext(path)[1].lower() in (".pdf", ".svg")


@tilegrid_style()  # matplotlib's defaults, whatever matplotlibrc this process read
def write_mosaic(
    manifest_path: str,
    pngs: list[str],
    outputs: list[str],
    settings: dict[str, Any],
    sharex: bool | str = True,
    sharey: bool | str = True,
    print_pngs: list[str] | None = None,
) -> Layout:
    """Read the manifest and tiles, build the mosaic and save it in every format asked.

    Each tile's metadata is read from its PNG.  With ``print_pngs``, the PDF
    and SVG outputs embed those print tiles in place of the tile PNGs; the PNG
    is the same.
    """
    manifest = read_manifest(manifest_path)
    paths = {_stem(p): p for p in pngs}
    tile_metas = {tile: read_tile_meta(path) for tile, path in paths.items()}
    png = next((path for path in outputs if not is_vector(path)), None)
    key = decoration_key(manifest, tile_metas, settings, sharex, sharey) if png else ""
    if png and outputs == [png]:
        layout = composite_mosaic(png, key, paths)
        if layout is not None:
            return layout
    fig, layout = build_mosaic(manifest, tile_metas, paths, settings, sharex, sharey)
    later = [path for path in outputs if print_pngs and is_vector(path)]
    for path in outputs:
        if path not in later:
            save_figure(fig, path)
    if png:
        cache_canvas(fig, layout, png, key, paths)
    else:
        for path in outputs:
            drop_cache(path)
    if later:
        print_paths = {_stem(p): p for p in print_pngs}
        printed = {tile: read_tile_meta(path) for tile, path in print_paths.items()}
        embed_print_tiles(fig, layout, tile_metas, print_paths, printed)
        for path in later:
            save_figure(fig, path)
    log.info("drew the mosaic of %d tiles: %d x %d px", len(pngs), layout.width, layout.height)
    return layout


def composite_mosaic(png: str, key: str, paths: dict[str, str]) -> Layout | None:
    """The PNG mosaic from its cached canvas with the changed tiles pasted in, if that
    gives the full draw's bytes (see :mod:`tilegrid.composite`); None otherwise.

    ``key``: the decoration key of this mosaic; ``paths``: every tile's PNG by id.
    """
    try:
        canvas, changed = composite(png, key, paths)
    except NoComposite as why:
        log.info("drawing the mosaic in full: %s", why)
        return None
    except TileMetaError:  # a damaged tile, named: a full draw would stop on it too
        raise
    except (KeyError, TypeError, ValueError, IndexError, OSError) as exc:
        log.info("drawing the mosaic in full: the cache is damaged (%s)", type(exc).__name__)
        return None
    log.info(
        "composited %d changed tile%s into the cached canvas: %d x %d px",
        changed,
        "" if changed == 1 else "s",
        canvas.width,
        canvas.height,
    )
    return Layout(canvas.width, canvas.height, canvas.origins)


def cache_canvas(fig, layout: Layout, png: str, key: str, paths: dict[str, str]) -> None:
    """After a full draw saved ``png``: keep its canvas for compositing (tilegrid.composite)."""
    tiles = TilePixels({tile: paths[tile] for tile in layout.origins})
    boxes = {
        tile: line_boxes(layout.axes(tile), layout.origins[tile], tile_size(paths[tile]))
        for tile in layout.origins
    }
    pixels = np.asarray(fig.canvas.buffer_rgba())
    canvas = Canvas(layout.width, layout.height, layout.origins)
    write_cache(png, key, fig.dpi, canvas, pixels, tiles, boxes, paths)


class TilePixels(Mapping):
    """Each tile's pixels (RGBA) by id, read from its PNG when asked for, never held."""

    def __init__(self, paths: dict[str, str]):
        self.paths = paths

    def __getitem__(self, tile: str) -> np.ndarray:
        return load_tile(self.paths[tile])

    def __iter__(self):
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]
