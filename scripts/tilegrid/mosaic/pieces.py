"""The PNG mosaic's pieces, each drawn on a small figure of its own: a cell's picture,
the header, the side.

A cell's picture (:func:`render_cells`) is its tile with its decorations drawn
around and over it, on a figure just large enough for them: the decorations'
extents are measured with the Axes at a fixed place of a fixed-size figure, then
the figure is cut to the extents plus :data:`~tilegrid.mosaic.layout.BLEED` and drawn.
So the picture depends on the cell alone (its tile, its metadata, what decorates
it: :func:`tilegrid.mosaic.cells.cell_key`), not on the layout, the other cells or the
process that draws it, and a full draw and an incremental one paste the same
pixels.  Cells that look alike (:func:`tilegrid.mosaic.cells.look`) share one decorated
Axes, each drawn with its own title, as one Axes per cell would draw it.

A full draw renders the cells in forked processes (:func:`processes`); the header
and the side are drawn at their rectangles' size (:func:`render_header`,
:func:`render_side`).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import zlib
from collections.abc import Iterable

import numpy as np

from ..core.manifest import Manifest
from ..render.figures import new_figure
from .cells import Cell, look
from .decorations import Extents, axes_extents, decorate
from .layout import BLEED, Layout, Rect
from .side import SideSize, draw_header, draw_side
from .text import text_renderer_at
from .tileimages import TileImage, place_tile

#: inches of figure around a cell's Axes (more for a cell whose decorations reach further)
MARGIN_IN = 2.0
#: cells per task of a parallel draw (at most), and the fewest cells drawn in parallel
TASK_CELLS = 32
PARALLEL_CELLS = 16
#: the most processes a full draw uses (each holds matplotlib: ~75 MB)
MOST_PROCESSES = 8


class CellImage:
    """A cell's picture: its decorations' extents and its RGBA pixels, the tile at
    (``extents.left`` + BLEED, ``extents.top`` + BLEED) from the top left; held
    compressed once :meth:`pack` is called (a picture is mostly white)."""

    def __init__(self, tile: str, extents: Extents, pixels: np.ndarray):
        self.tile = tile
        self.extents = extents
        self.shape = pixels.shape
        self._pixels: np.ndarray | None = pixels
        self._packed: bytes | None = None

    def pack(self) -> CellImage:
        """Hold the pixels compressed from now on (to keep many, or send them)."""
        if self._packed is None:
            self._packed = zlib.compress(self._pixels, 1)
            self._pixels = None
        return self

    def pixels(self) -> np.ndarray:
        """The picture's pixels (rows, columns, RGBA)."""
        if self._pixels is not None:
            return self._pixels
        return np.frombuffer(zlib.decompress(self._packed), np.uint8).reshape(self.shape)

    def __getstate__(self) -> dict:
        self.pack()
        return self.__dict__


def processes() -> int:
    """How many processes draw a full mosaic's cells (and threads encode its bands): the
    CPUs this process may use, at most :data:`MOST_PROCESSES`; 1 without ``fork``."""
    if not hasattr(os, "fork"):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MOST_PROCESSES))


class LookFigure:
    """A figure with one decorated Axes, for the cells of one look: each cell's
    decorations measured (:meth:`measure`) and drawn (:meth:`draw`) with the Axes at one
    fixed place of a figure of one fixed size, and its picture cut out of that.

    The place never depends on where the cell goes in the mosaic: Agg does not draw
    the same pixels at every whole-pixel offset (an Axes placed by figure fractions
    lands a few ulps beside its pixel, and a tick on a half pixel snaps to one side
    or the other), so a cell is always drawn at the same offset and only its pixels
    are moved.  ``margin``: inches of figure around the Axes; ``frames``: figures to
    draw on, by size, cleared and used again by the next look (matplotlib caches text
    metrics by renderer: one figure, one renderer).
    """

    def __init__(self, first: Cell, frames: dict | None = None, margin: float = MARGIN_IN):
        from matplotlib.axes import Axes

        self.size = tuple(first.meta["size_px"])
        dpi = first.meta["dpi"]
        self.margin = round(margin * dpi)
        width, height = self.size[0] + 2 * self.margin, self.size[1] + 2 * self.margin
        self.fig = _frame({} if frames is None else frames, width, height, dpi)
        fw, fh = self.fig.bbox.width, self.fig.bbox.height
        box = (self.margin / fw, self.margin / fh, self.size[0] / fw, self.size[1] / fh)
        self.ax = Axes(self.fig, box, zorder=1)
        self.fig.add_axes(self.ax)
        self.renderer = text_renderer_at(dpi)
        decorate(self.ax, first, self.renderer)
        self.image: TileImage | None = None

    def measure(self, cell: Cell) -> Extents:
        """How far ``cell``'s decorations (with its title) reach beyond its tile."""
        # column names and values are shown as written: "$x$" is not mathtext here
        self.ax.set_title(cell.title, parse_math=False)
        return axes_extents(self.ax, self.renderer)

    def holds(self, extents: Extents) -> bool:
        """Whether decorations of ``extents`` and their bleed fit in the figure."""
        return max(astuple(extents)) + BLEED <= self.margin

    def draw(self, cell: Cell, extents: Extents, path: str) -> CellImage:
        """``cell``'s picture (after :meth:`measure` of it): its tile ``path`` and its
        decorations, cut to their extents and a bleed around them."""
        e, m = extents, self.margin
        if self.image is None:
            self.image = place_tile(self.fig, path, m, m)
        self.image.move(path, m, m)
        self.fig.canvas.draw()
        buffer = np.asarray(self.fig.canvas.buffer_rgba())
        rows = slice(m - e.top - BLEED, m + self.size[1] + e.bottom + BLEED)
        cols = slice(m - e.left - BLEED, m + self.size[0] + e.right + BLEED)
        return CellImage(cell.tile, e, buffer[rows, cols].copy())


def astuple(extents: Extents) -> tuple[int, int, int, int]:
    """``extents`` as (left, right, bottom, top)."""
    return extents.left, extents.right, extents.bottom, extents.top


def _measured(figure: LookFigure, cell: Cell, frames: dict) -> tuple[LookFigure, Extents]:
    """``cell`` measured on ``figure``, or on a figure of its own with a margin of whole
    inches wide enough for its decorations when they reach beyond ``figure``'s."""
    extents = figure.measure(cell)
    if figure.holds(extents):
        return figure, extents
    dpi = cell.meta["dpi"]
    wider = LookFigure(cell, frames, math.ceil((max(astuple(extents)) + BLEED) / dpi))
    return wider, wider.measure(cell)


def _frame(frames: dict, width: int, height: int, dpi: float):
    """A white figure of ``width`` x ``height`` px from ``frames``, cleared, or a new one."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = frames.get((width, height, dpi))
    if fig is not None:
        # Figure.clear() clears every Axes before it removes it, which costs as much
        # as making one (a third of a free-axes cell's picture); removed first, an
        # Axes about to be thrown away is not cleared for nothing
        for ax in list(fig.axes):
            fig.delaxes(ax)
        fig.clear()
        return fig
    fig = frames[width, height, dpi] = new_figure(width, height, dpi)
    FigureCanvasAgg(fig)
    return fig


def render_look(
    cells: list[Cell], paths: dict[str, str], frames: dict | None = None
) -> Iterable[CellImage]:
    """The pictures of ``cells``, which share one look: one Axes decorated once, measured
    and drawn with each cell's title over each cell's tile (``frames``: see LookFigure)."""
    frames = {} if frames is None else frames
    figure = LookFigure(cells[0], frames)
    for cell in cells:
        drawing, extents = _measured(figure, cell, frames)
        yield drawing.draw(cell, extents, paths[cell.tile])


def measure_cells(cells: list[Cell]) -> dict[str, Extents]:
    """Every cell's extents, measured as :func:`render_look` measures them (nothing drawn)."""
    out: dict[str, Extents] = {}
    frames: dict = {}
    for group in look_groups(cells):
        figure = LookFigure(group[0], frames)
        out.update((cell.tile, _measured(figure, cell, frames)[1]) for cell in group)
    return out


def look_groups(cells: list[Cell], most: int | None = None) -> list[list[Cell]]:
    """``cells`` grouped by look, in order of first appearance, each group cut into
    parts of at most ``most`` cells."""
    groups: dict[str, list[Cell]] = {}
    for cell in cells:
        groups.setdefault(look(cell), []).append(cell)
    out = []
    for group in groups.values():
        step = most or len(group)
        out += [group[i : i + step] for i in range(0, len(group), step)]
    return out


def _render_task(task: tuple[list[list[Cell]], dict[str, str]]) -> list[CellImage]:
    """In a worker process: some groups' pictures (packed to be sent)."""
    groups, paths = task
    frames: dict = {}
    return [p.pack() for cells in groups for p in render_look(cells, paths, frames)]


def render_cells(
    cells: list[Cell], paths: dict[str, str], workers: int = 1, pack: bool = False
) -> dict[str, CellImage]:
    """Every cell's picture, by tile; in ``workers`` forked processes when there are
    enough cells (the same pixels: each picture depends on its cell alone), packed if
    ``pack`` (as pictures drawn in other processes always are)."""
    if workers <= 1 or len(cells) < PARALLEL_CELLS:
        frames: dict = {}
        drawn = (p for group in look_groups(cells) for p in render_look(group, paths, frames))
        return {p.tile: p.pack() if pack else p for p in drawn}

    most = max(1, min(TASK_CELLS, -(-len(cells) // (4 * workers))))
    tasks = []
    for groups in _tasks(look_groups(cells, most), most):
        tasks.append((groups, {c.tile: paths[c.tile] for group in groups for c in group}))
    return {p.tile: p for part in in_processes(_render_task, tasks, workers) for p in part}


def in_processes(function, tasks: list, workers: int) -> list:
    """``function`` of each task in ``workers`` forked processes, results in any order.

    The processes end by themselves after the last task (``close``): ending them with
    SIGTERM (what leaving ``with Pool()`` does) left a mosaic job waiting for ever once,
    on a process that had inherited the warm worker's SIGTERM handler and never ended.
    SIGTERM is also set back to its default in them, for the way out on an error.
    """
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_default_sigterm)
    try:
        results = list(pool.imap_unordered(function, tasks))
        pool.close()
        return results
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _default_sigterm() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _tasks(groups: list[list[Cell]], most: int) -> list[list[list[Cell]]]:
    """``groups`` put together in tasks of about ``most`` cells, in order."""
    tasks: list[list[list[Cell]]] = [[]]
    for group in groups:
        if tasks[-1] and sum(map(len, tasks[-1])) + len(group) > most:
            tasks.append([])
        tasks[-1].append(group)
    return tasks


def _rect_figure(rect: Rect, dpi: float):
    """A white figure of ``rect``'s size, ready to draw with Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = new_figure(rect[3] - rect[2], rect[1] - rect[0], dpi)
    FigureCanvasAgg(fig)
    return fig


def _pixels(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.array(fig.canvas.buffer_rgba())


def render_header(layout: Layout, title: str, dpi: float) -> np.ndarray:
    """The header rectangle's pixels: the suptitle centred over the grid."""
    rect = layout.header_rect()
    fig = _rect_figure(rect, dpi)
    draw_header(fig, title, (layout.outer + layout.grid_right) / 2, rect[1] - layout.outer)
    return _pixels(fig)


def render_side(
    layout: Layout,
    cells: list[Cell],
    manifest: Manifest,
    grid: tuple[int, int],
    size: SideSize,
    dpi: float,
) -> np.ndarray:
    """The side rectangle's pixels: the colorbars and the legend right of the grid."""
    rect = layout.side_rect()
    fig = _rect_figure(rect, dpi)
    bottom, top = layout.grid_span
    x = layout.grid_right - rect[2]
    draw_side(fig, cells, manifest, grid, layout.tile_px, size, layout.pad, x, (bottom, top))
    return _pixels(fig)


def paint_rect(block: np.ndarray, block_top: int, rect: Rect, pixels: np.ndarray | None) -> None:
    """Put ``pixels`` (white if None) on the rows of ``rect`` that fall in ``block``."""
    r0, r1, c0, c1 = rect
    lo, hi = max(r0, block_top), min(r1, block_top + block.shape[0])
    if lo < hi:
        part = block[lo - block_top : hi - block_top, c0:c1]
        part[...] = 255 if pixels is None else pixels[lo - r0 : hi - r0]
