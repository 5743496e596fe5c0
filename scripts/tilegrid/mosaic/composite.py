"""Compositing the changed cells of a PNG mosaic into its cached copy, instead of drawing
it again, in time proportional to the change.

The PNG mosaic is white but for disjoint rectangles: each cell's slot with its
picture, the header and the side (:mod:`tilegrid.mosaic.png`), and it is written in
independent bands (:mod:`tilegrid.mosaic.pngbands`).  :func:`composite` takes the record
and the copy the last run kept (:mod:`tilegrid.mosaic.cache`) and:

1. draws the cells whose key (all that decorates them, :func:`tilegrid.mosaic.cells.cell_key`)
   or tile PNG changed, and only those (when more than half changed, it gives up:
   a full draw costs as much);
2. lays the mosaic out again, from their new extents and the recorded ones of the
   others: if the layout is not the recorded one (a gutter grew or shrank, a tile
   moved), it gives up, and the mosaic is drawn in full (with the pictures drawn);
3. inflates the bands that the changed slots (and the header or the side, if their
   keys changed) touch, from the copy, paints them there as a full draw paints them
   on white, re-encodes those bands and keeps every other band's bytes.

The result is the full draw's, byte for byte: a band's bytes are a function of
its pixels, and its pixels are the same white and the same pictures.  It gives
up, with the reason, on a record that is missing, damaged, changed or of another
version; another draw key (code, libraries, style, font); other tiles; another
layout; a copy that is missing or not the one recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.outputs import sweep_folder
from .cache import NoComposite, cache_dir, read_canvas, read_record
from .decorations import Extents
from .layout import Layout
from .pieces import CellImage, paint_rect, processes, render_cells
from .png import Drawn, Patch, Plan, cell_patches, frame_patches, png_text
from .pngbands import (
    Band,
    band_chunk,
    band_chunk_size,
    band_spans,
    bands_touched,
    decode_band,
    encode_band,
    png_head,
    png_tail,
)

#: above this many changed cells, they are drawn in parallel
PARALLEL_CHANGES = 64


def changed_cells(plan: Plan, record: dict[str, Any]) -> list:
    """The cells whose key or tile PNG is not the recorded one."""
    cells = record["cells"]
    return [
        cell
        for cell in plan.cells
        if plan.keys[cell.tile] != cells[cell.tile]["key"]
        or plan.digests[cell.tile] != cells[cell.tile]["png"]
    ]


def layout_change(old: dict[str, Any], new: dict[str, Any]) -> str:
    """Why the recorded layout ``old`` is not ``new`` (both :meth:`Layout.describe`)."""
    if old.get("size") != new["size"]:
        was = " x ".join(map(str, old.get("size") or ["?", "?"]))
        return f"the layout changed (now {new['size'][0]} x {new['size'][1]} px, was {was})"
    for part, name in (("cols", "a column's gutter"), ("rows", "a row's gutter")):
        if old.get(part) != new[part]:
            return f"the layout changed ({name})"
    return "the layout changed"


def _band_chunks(data: bytes, head: bytes, sizes: list[list[int]], tail: bytes) -> list[bytes]:
    """The ``IDAT`` chunk of each band in the copy ``data`` of a PNG written with ``head``,
    bands of recorded ``sizes`` and ``tail``; NoComposite if the copy is not laid out so."""
    total = len(head) + sum(band_chunk_size(size) for size, _ in sizes) + len(tail)
    if not (data.startswith(head) and data.endswith(tail)) or len(data) != total:
        raise NoComposite("the cached canvas is not laid out as recorded")
    chunks, at = [], len(head)
    for size, _ in sizes:
        chunks.append(data[at : at + band_chunk_size(size)])
        at += band_chunk_size(size)
    return chunks


def repaint_band(
    chunk: bytes, adler: int, span: tuple[int, int], width: int, patches: list[Patch]
) -> Band:
    """A band of the copy (its ``chunk``, rows ``span``) with ``patches`` painted on it."""
    top, end = span
    band = Band(chunk[8:-4], adler, (end - top) * (width * 4 + 1))
    try:
        pixels = decode_band(band, end - top, width)
    except ValueError as exc:
        raise NoComposite(f"the cached canvas is damaged ({exc})") from exc
    for rect, painted in patches:
        paint_rect(pixels, top, rect, painted)
    return encode_band(pixels)


def repaint(
    chunks: list[bytes], sizes: list[list[int]], layout: Layout, patches: list[Patch]
) -> tuple[list[bytes], list[tuple[int, int]], int]:
    """Every band's chunk and (size, Adler-32) after ``patches``: the bands they touch
    inflated, painted and encoded again (in threads), the others as they were; and how
    many were encoded."""
    spans = band_spans(layout.height)
    touched = bands_touched(layout.height, [(rect[0], rect[1]) for rect, _ in patches])
    out_chunks, out_sizes = list(chunks), [tuple(size) for size in sizes]

    def one(index: int) -> Band:
        return repaint_band(chunks[index], sizes[index][1], spans[index], layout.width, patches)

    threads = min(processes(), len(touched))
    if threads > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            bands = list(pool.map(one, touched))
    else:
        bands = [one(index) for index in touched]
    for index, band in zip(touched, bands):
        out_chunks[index] = band_chunk(band)
        out_sizes[index] = (len(band.data), band.adler)
    return out_chunks, out_sizes, len(touched)


@dataclass
class Composited:
    """A PNG mosaic composited: what was drawn, how many cells changed, which of the
    header and the side were drawn again, how many bands were encoded."""

    drawn: Drawn
    cells: int
    parts: list[str]
    encoded: int

    def summary(self) -> str:
        """What was composited, for the log."""
        parts = "".join(f" and the {part}" for part in self.parts)
        size = f"{self.drawn.layout.width} x {self.drawn.layout.height} px"
        bands = f"{self.encoded} of {len(self.drawn.bands)} bands encoded"
        cells = f"{self.cells} changed cell{'' if self.cells == 1 else 's'}{parts}"
        return f"composited {cells} into the cached canvas: {size} ({bands})"


def composite(png: str, plan: Plan, pictures: dict[str, CellImage]) -> Composited:
    """The PNG mosaic of ``plan`` from the cache of ``png``, with the changed cells painted in.

    Raises :class:`~tilegrid.mosaic.cache.NoComposite` (with the reason) when the
    result could differ from a full draw's; the cells drawn by then are in ``pictures``
    (a full draw uses them).  The record is checked against its seal and the copy
    against the record's digest before either is used.
    """
    sweep_folder(cache_dir(png))  # what a killed writer of the cache left
    record = read_record(png)
    text = png_text()
    if record["draw"] != plan.draw_key:
        raise NoComposite("the mosaic's code, libraries or style changed")
    if set(record["cells"]) != set(plan.paths):
        raise NoComposite("other tiles")
    changed = changed_cells(plan, record)
    if len(changed) > len(plan.cells) // 2:  # a full draw is as fast, and holds less
        raise NoComposite(f"{len(changed)} of {len(plan.cells)} cells changed")
    workers = processes() if len(changed) > PARALLEL_CHANGES else 1
    pictures.update(render_cells(changed, plan.paths, workers, pack=workers > 1))
    extents = {tile: Extents(*entry["extents"]) for tile, entry in record["cells"].items()}
    extents.update((tile, picture.extents) for tile, picture in pictures.items())
    layout, side = plan.lay_out(extents)
    if layout.describe() != record["layout"]:
        raise NoComposite(layout_change(record["layout"], layout.describe()))
    data = read_canvas(png, record)
    head = png_head(layout.width, layout.height, plan.dpi, text)
    if len(record["bands"]) != len(band_spans(layout.height)):
        raise NoComposite("the cache record's bands are not the layout's")
    adlers = [adler for _, adler in record["bands"]]
    tail = png_tail(adlers, layout.width, layout.height)
    chunks = _band_chunks(data, head, record["bands"], tail)
    patches = [p for cell in changed for p in cell_patches(layout, pictures[cell.tile], True)]
    header = plan.header_key() != record["header"]
    right = plan.side_key() != record["side"]
    patches += frame_patches(plan, layout, side, header=header, right=right)
    chunks, sizes, encoded = repaint(chunks, record["bands"], layout, patches)
    tail = png_tail([adler for _, adler in sizes], layout.width, layout.height)
    out = b"".join([head, *chunks, tail])
    parts = [name for name, redrawn in (("header", header), ("side", right)) if redrawn]
    return Composited(Drawn(layout, extents, sizes, out), len(changed), parts, encoded)
