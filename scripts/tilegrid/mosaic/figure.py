"""Assemble tiles into one mosaic, placing every tile pixel-exactly.

Each tile PNG is the data area of one facet, and each tile's *cell* is the tile with
its decorations around it: spines, ticks, tick labels, axis labels, titles and its
own colorbar, drawn as a matplotlib Axes of the tile's pixel rectangle
(:mod:`tilegrid.mosaic.cells` decides them, :mod:`tilegrid.mosaic.decorations` draws them).  The
gutters between tiles are measured from those decorations
(:mod:`tilegrid.mosaic.layout`), so nothing is clipped and nothing the mosaic draws
covers a tile's interior.

The PNG mosaic is composed of each cell's picture, drawn on its own, and of the
header and side parts (:mod:`tilegrid.mosaic.png`), so that a change redraws and
re-encodes only the cells it touches (:mod:`tilegrid.mosaic.composite`).  A PDF or SVG
mosaic is one matplotlib figure with the same layout (:func:`build_mosaic`), in
which tiles that look alike share one Axes drawn at each of their places
(:class:`TileDecorations`); it embeds each tile's print version (drawn at
``mosaic.print_dpi``, a whole multiple of the tile's pixels), unresampled and
scaled onto exactly its tile's data area (:func:`embed_print_tiles`).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import matplotlib
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

from ..core.manifest import Manifest, read_manifest
from ..core.tilemeta import TileMeta, read_tile_meta
from ..render.figures import new_figure, save_figure, tilegrid_style
from . import notices
from .cache import drop_cache
from .cells import Cell, look, make_cells, same_axis
from .decorations import decorate, dress, text_renderer
from .layout import Layout, lay_out
from .pieces import measure_cells
from .png import plan_png
from .side import draw_header, draw_side
from .tileimages import load_tile, place_tile, tile_size
from .write import write_png

log = logging.getLogger("tilegrid.mosaic")


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
    """The mosaic as one figure: tiles placed pixel-exactly with their axes drawn once,
    laid out as the PNG mosaic is (the same extents,
    :func:`tilegrid.mosaic.pieces.measure_cells`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    grid, cells = make_cells(manifest, metas, settings, sharex, sharey)
    layout, side = lay_out(cells, measure_cells(cells), manifest, grid, settings.get("title"))
    dpi = cells[0].meta["dpi"]
    w, h = layout.tile_px
    fig = new_figure(layout.width, layout.height, dpi)
    FigureCanvasAgg(fig)
    fw, fh = fig.bbox.width, fig.bbox.height
    renderer = text_renderer(fig)
    shared: dict[str, Any] = {}
    for cell in cells:
        x0, y0 = layout.origins[cell.tile]
        cell.rect = (x0 / fw, y0 / fh, w / fw, h / fh)
        key = look(cell)
        if key not in shared:
            shared[key] = Axes(fig, cell.rect, zorder=1)
            decorate(shared[key], cell, renderer)
        cell.ax = shared[key]
        place_tile(fig, tile_paths[cell.tile], x0, y0)
        layout.cells[cell.tile] = cell
    fig.add_artist(TileDecorations(cells))
    if layout.title:
        center = (layout.outer + layout.grid_right) / 2
        draw_header(fig, layout.title, center, layout.height - layout.outer)
    if layout.side:
        span = layout.grid_span
        draw_side(fig, cells, manifest, grid, (w, h), side, layout.pad, layout.grid_right, span)
    return fig, layout


class TileError(ValueError):
    """A print tile the mosaic cannot use (not its tile's size or axes), worded for the user.

    A damaged tile file is a :class:`tilegrid.core.tilemeta.TileMetaError`, naming it.
    """


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
        if not same_axis(printed[name], screen[name]):
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
    """Read the manifest and tiles, build the mosaic and save it in every format asked,
    and say in the log what had to be hidden, shortened or wrapped to fit
    (:mod:`tilegrid.mosaic.notices`).

    Each tile's metadata is read from its PNG.  The PNG is composited from its cache
    when it can be (:func:`tilegrid.mosaic.write.write_png`); a PDF or SVG is one figure
    of the same layout, which embeds the print tiles ``print_pngs`` when given.
    """
    manifest = read_manifest(manifest_path)
    return _write_figures(manifest, pngs, outputs, settings, sharex, sharey, print_pngs)


@tilegrid_style()
def write_mosaic_page(
    page: dict[str, Any],
    pngs: list[str],
    outputs: list[str],
    settings: dict[str, Any],
    sharex: bool | str = True,
    sharey: bool | str = True,
    print_pngs: list[str] | None = None,
) -> Layout:
    """One page of a paged mosaic (``mosaic.page``), as :func:`write_mosaic` writes the
    whole grid: ``page`` is the page's manifest
    (:func:`tilegrid.core.pages.page_manifest`, its tiles placed on the page),
    ``pngs`` its tiles.  Each page's PNG has a composite cache of its own."""
    page_settings = {**settings, "col_wrap": None}  # the page's places are final
    return _write_figures(page, pngs, outputs, page_settings, sharex, sharey, print_pngs)


@tilegrid_style()
def write_mosaic_document(
    manifest_path: str,
    pngs: list[str],
    pdf: str,
    settings: dict[str, Any],
    sharex: bool | str = True,
    sharey: bool | str = True,
    print_pngs: list[str] | None = None,
    page: dict[str, int] | None = None,
) -> None:
    """The pages of a paged mosaic as one PDF document ``pdf``, a page each, drawn in full
    (as every PDF mosaic is), with reproducible bytes."""
    from matplotlib.backends.backend_pdf import PdfPages

    from ..core.outputs import writing
    from ..core.pages import page_manifests
    from ..render.figures import _METADATA, TILEGRID_RC

    manifest = read_manifest(manifest_path)
    col_wrap = settings.get("col_wrap")
    page_settings = {**settings, "col_wrap": None}
    paths = {_stem(p): p for p in pngs}
    print_paths = {_stem(p): p for p in print_pngs or []}
    pages = page_manifests(manifest, col_wrap, page or {})
    with (
        writing(pdf) as tmp,
        matplotlib.rc_context(TILEGRID_RC),
        PdfPages(tmp, metadata=_METADATA["pdf"]) as document,
    ):
        for one in pages:
            ids = [t["id"] for t in one["tiles"]]
            metas = {i: read_tile_meta(paths[i]) for i in ids}
            chosen = {i: paths[i] for i in ids}
            fig, layout = build_mosaic(one, metas, chosen, page_settings, sharex, sharey)
            if print_paths:
                printed = {i: read_tile_meta(print_paths[i]) for i in ids}
                prints = {i: print_paths[i] for i in ids}
                embed_print_tiles(fig, layout, metas, prints, printed)
            document.savefig(fig, dpi=fig.dpi, facecolor=fig.get_facecolor())
            notices.say(list(layout.cells.values()), layout, one, settings.get("title"))
    log.info("drew %s in full: %d pages", os.path.basename(pdf), len(pages))


def _write_figures(
    manifest: Manifest,
    pngs: list[str],
    outputs: list[str],
    settings: dict[str, Any],
    sharex: bool | str,
    sharey: bool | str,
    print_pngs: list[str] | None,
) -> Layout:
    """The mosaic of ``manifest``'s tiles in every format of ``outputs``."""
    paths = {_stem(p): p for p in pngs}
    tile_metas = {tile: read_tile_meta(path) for tile, path in paths.items()}
    png = next((path for path in outputs if not is_vector(path)), None)
    vectors = [path for path in outputs if is_vector(path)]
    layout, cells = None, []
    if png:
        plan = plan_png(manifest, tile_metas, paths, settings, sharex, sharey)
        layout, cells = write_png(png, plan), plan.cells
    else:
        for path in outputs:
            drop_cache(path)
    if vectors:
        fig, layout = build_mosaic(manifest, tile_metas, paths, settings, sharex, sharey)
        if print_pngs:
            print_paths = {_stem(p): p for p in print_pngs}
            printed = {tile: read_tile_meta(path) for tile, path in print_paths.items()}
            embed_print_tiles(fig, layout, tile_metas, print_paths, printed)
        for path in vectors:
            save_figure(fig, path)
        log.info("drew %s in full", " and ".join(os.path.basename(p) for p in vectors))
        cells = cells or list(layout.cells.values())
    notices.say(cells, layout, manifest, settings.get("title"))
    return layout


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]
