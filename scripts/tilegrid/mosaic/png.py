"""The PNG mosaic: disjoint pieces on white, written in independent bands.

Every cell's picture (:mod:`tilegrid.mosaic.pieces`: its tile and its own decorations),
the header (the suptitle) and the side (colorbars, legend) are drawn on their own
and painted at their rectangles (:mod:`tilegrid.mosaic.layout`) on a white canvas,
which is written band by band (:mod:`tilegrid.mosaic.pngbands`).  Here: the plan of a
PNG mosaic and its full draw; :mod:`tilegrid.mosaic.write` chooses between that and
compositing the changed cells into the cached copy (:mod:`tilegrid.mosaic.composite`).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.code import file_digest
from ..core.manifest import Manifest
from ..core.tilemeta import TileMeta
from .cache import draw_key, json_digest
from .cells import Cell, cell_key, make_cells
from .decorations import Extents
from .layout import Layout, Rect, lay_out
from .pieces import (
    CellImage,
    paint_rect,
    processes,
    render_cells,
    render_header,
    render_side,
)
from .pngbands import Band, encode_image, png_bytes
from .side import SideSize

log = logging.getLogger("tilegrid.mosaic")

#: a rectangle of the canvas and what is painted there (None: white)
Patch = tuple[Rect, "np.ndarray | None"]


def png_text() -> dict[str, str | None]:
    """The PNG's text entries, as :func:`tilegrid.render.figures.save_figure` has ``savefig``
    write them (None: left out)."""
    import matplotlib as mpl

    from ..render.figures import _METADATA

    software = f"Matplotlib version{mpl.__version__}, https://matplotlib.org/"
    return {"Software": software, **_METADATA["png"]}


@dataclass
class Plan:
    """All that the PNG mosaic's bytes depend on, read before anything is drawn: the
    manifest, the settings, the cells, the tiles' files and their digests."""

    manifest: Manifest
    settings: dict[str, Any]
    grid: tuple[int, int]
    cells: list[Cell]
    paths: dict[str, str]

    @property
    def dpi(self) -> float:
        """The tiles' dpi, which the mosaic is drawn at."""
        return self.cells[0].meta["dpi"]

    @property
    def title(self) -> str | None:
        """The mosaic's title (``mosaic.title``), if any."""
        return self.settings.get("title")

    @functools.cached_property
    def keys(self) -> dict[str, str]:
        """Each cell's key (:func:`tilegrid.mosaic.cells.cell_key`), by tile."""
        return {cell.tile: cell_key(cell) for cell in self.cells}

    @functools.cached_property
    def draw_key(self) -> str:
        """The draw key (:func:`tilegrid.mosaic.cache.draw_key`) of this mosaic."""
        return draw_key(png_text())

    @functools.cached_property
    def digests(self) -> dict[str, str]:
        """Each tile PNG's digest, by tile."""
        return {tile: file_digest(path) for tile, path in self.paths.items()}

    def header_key(self) -> str:
        """A digest of what the header draws (its place is the layout's)."""
        return json_digest({"title": self.title, "dpi": self.dpi})

    def side_key(self) -> str:
        """A digest of what the side draws: the legend, the shared colour scale (not the
        tiles' own ones), the grid's shape and tile size (a colorbar's ticks follow its
        length)."""
        scales = [c.meta.get("colorbar") for c in self.cells if not c.own_colorbar]
        shared = [scale for scale in scales if scale][:1]
        return json_digest(
            {
                "legend": self.manifest.get("legend"),
                "marks": self.manifest.get("marks"),
                "kind": self.manifest.get("kind"),
                "colorbar": shared,
                "grid": self.grid,
                "tile": self.cells[0].meta["size_px"],
                "dpi": self.dpi,
            }
        )

    def lay_out(self, extents: dict[str, Extents]) -> tuple[Layout, SideSize]:
        """The layout for these cells' extents (:func:`tilegrid.mosaic.layout.lay_out`)."""
        return lay_out(self.cells, extents, self.manifest, self.grid, self.title)


def plan_png(
    manifest: Manifest,
    metas: dict[str, TileMeta],
    paths: dict[str, str],
    settings: dict[str, Any],
    sharex: bool | str,
    sharey: bool | str,
) -> Plan:
    """The plan of the PNG mosaic of these tiles (``metas``, ``paths``: by tile id)."""
    grid, cells = make_cells(manifest, metas, settings, sharex, sharey)
    return Plan(manifest, settings, grid, cells, paths)


@dataclass
class Drawn:
    """A PNG mosaic as written: its layout, every cell's extents, each band's compressed
    size and Adler-32, the file's bytes."""

    layout: Layout
    extents: dict[str, Extents]
    bands: list[tuple[int, int]]
    data: bytes


def cell_patches(layout: Layout, picture: CellImage, clear: bool) -> list[Patch]:
    """How a cell's picture is painted: its slot white (when ``clear``), then the picture."""
    patches = [(layout.slot(picture.tile), None)] if clear else []
    return [*patches, (layout.slot(picture.tile, picture.extents), picture.pixels())]


def frame_patches(
    plan: Plan, layout: Layout, side: SideSize, header: bool = True, right: bool = True
) -> list[Patch]:
    """The header and the side (those asked for), each drawn at its rectangle."""
    patches = []
    if header and layout.header:
        patches.append((layout.header_rect(), render_header(layout, layout.title, plan.dpi)))
    if right and layout.side:
        pixels = render_side(layout, plan.cells, plan.manifest, plan.grid, side, plan.dpi)
        patches.append((layout.side_rect(), pixels))
    return patches


def draw_png(plan: Plan, pictures: dict[str, CellImage]) -> Drawn:
    """The whole PNG mosaic: every cell's picture (those not in ``pictures`` drawn, in
    parallel), the header and the side on white, every band encoded (in threads)."""
    workers = processes()
    todo = [cell for cell in plan.cells if cell.tile not in pictures]
    pictures.update(render_cells(todo, plan.paths, workers, pack=True))
    layout, side = plan.lay_out({tile: p.extents for tile, p in pictures.items()})
    canvas = np.full((layout.height, layout.width, 4), 255, np.uint8)
    for cell in plan.cells:
        for rect, pixels in cell_patches(layout, pictures[cell.tile], clear=False):
            paint_rect(canvas, 0, rect, pixels)
    for rect, pixels in frame_patches(plan, layout, side):
        paint_rect(canvas, 0, rect, pixels)
    bands = encode_image(canvas, workers)
    del canvas
    data = png_bytes(layout.width, layout.height, plan.dpi, png_text(), bands)
    extents = {tile: p.extents for tile, p in pictures.items()}
    return Drawn(layout, extents, band_sizes(bands), data)


def band_sizes(bands: list[Band]) -> list[tuple[int, int]]:
    """Each band's compressed size and Adler-32, as the record keeps them."""
    return [(len(band.data), band.adler) for band in bands]
