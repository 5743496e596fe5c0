"""Compositing changed tiles into the mosaic's cached canvas, instead of redrawing it.

After a full draw of a PNG mosaic, :func:`write_cache` keeps beside it (in
``.mosaic-cache/``) the canvas (a copy of the PNG, a file of its own: no write
to the cache reaches the mosaic) and a record: the *decoration key*, a digest
of everything but the tiles' pixels that decides the mosaic's bytes
(:func:`decoration_key`), the canvas's digest and size, the pixel box of every
tile, per tile a digest of its PNG and of its pixels under its axes' lines, and
a seal over all of it (:func:`seal`).

On the next run, :func:`composite` pastes the tiles whose PNG changed into that
canvas and writes it the way ``savefig`` writes a PNG (:func:`png_bytes`) --
only when the result is the full draw's, byte for byte:

- the record is whole and the one written (its seal), so no origin, size or
  digest in it was changed since;
- the decoration key is the same (layout, limits, ticks, titles, settings,
  libraries, the mosaic's code, matplotlib's style): the same decorations;
- the canvas file is the one the record names (its digest, of the bytes then
  used), of the recorded size;
- the mosaic draws nothing on a tile but its axes' lines (spines and ticks, which
  overlap its edge): a full draw checks it (:func:`decorated_interior`) before it
  writes a record, and a changed tile is pasted only if its pixels where those
  lines may blend with it (:func:`line_boxes`) did not change;
- every changed tile is opaque and of its recorded size.

Anything else (no record, a damaged or changed one, another key, another canvas)
is a full draw, and the mosaic's log says why.  The cache is no output of the
workflow: deleted, it only costs one full draw.  Its files are a function of the
mosaic's inputs only, the same after a composite as after a full draw (a fresh
run leaves the same bytes).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .codedeps import closure, file_digest, files_digest
from .outputs import write_bytes, write_text

log = logging.getLogger("tilegrid.mosaic")

#: the cache folder, beside the PNG mosaic
CACHE_DIR = ".mosaic-cache"
#: bump when the record's meaning changes
RECORD_VERSION = 2
#: fields of the manifest, of its tile entries and of a TileMeta that the mosaic does
#: not draw (row counts and dropped rows change with most data changes)
UNDRAWN_MANIFEST = ("input_rows", "dropped")
UNDRAWN_MANIFEST_TILE = ("rows", "dropped")
UNDRAWN_META = ("rows",)


@dataclass
class Canvas:
    """The cached canvas's pixel geometry: its size and each tile's lower-left corner."""

    width: int
    height: int
    origins: dict[str, tuple[int, int]]


def cache_dir(png: str) -> str:
    """The folder of the composite cache of the mosaic ``png``."""
    return os.path.join(os.path.dirname(png), CACHE_DIR)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of what draws, rasterises and encodes the mosaic."""
    from importlib.metadata import version

    import matplotlib.ft2font
    from PIL import features

    found = {name: version(name) for name in ("matplotlib", "numpy", "pillow")}
    found["freetype"] = matplotlib.ft2font.__freetype_version__
    found["zlib"] = str(features.version("zlib"))
    found["python"] = f"{sys.version_info[0]}.{sys.version_info[1]}"
    found["machine"] = platform.machine()
    return found


def code_digest() -> str:
    """A digest of the package files the mosaic runs (the mosaic rule's code, see codedeps)."""
    return files_digest(closure(["mosaic"]))


def font_digest() -> str:
    """Which font file the mosaic's text is drawn with, by content."""
    from matplotlib.font_manager import FontProperties, findfont

    return file_digest(findfont(FontProperties()))


def drawn_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest without what the mosaic does not draw (row counts, dropped rows)."""
    out = {k: v for k, v in manifest.items() if k not in UNDRAWN_MANIFEST}
    out["tiles"] = [
        {k: v for k, v in tile.items() if k not in UNDRAWN_MANIFEST_TILE}
        for tile in manifest["tiles"]
    ]
    return out


def decoration_key(
    manifest: dict[str, Any],
    metas: dict[str, dict[str, Any]],
    settings: dict[str, Any],
    sharex: Any,
    sharey: Any,
) -> str:
    """A digest of everything but the tiles' pixels that decides the PNG mosaic's bytes.

    The manifest and every tile's metadata without their row counts (the tile
    sizes, dpi, limits, scales, ticks, titles, colour scales, legend), the
    mosaic's settings and sharing, the versions of the drawing and encoding
    libraries, the mosaic's code, tilegrid's matplotlib style and its font.
    Call it under :func:`tilegrid.figures.tilegrid_style`.
    """
    from .figures import style_rc

    drawn = drawn_manifest(manifest)
    payload = {
        "record": RECORD_VERSION,
        "manifest": drawn,
        "metas": [
            {k: v for k, v in metas[t["id"]].items() if k not in UNDRAWN_META}
            for t in drawn["tiles"]
        ],
        "settings": settings,
        "sharex": sharex,
        "sharey": sharey,
        "libraries": library_versions(),
        "code": code_digest(),
        "style": sorted((k, repr(v)) for k, v in style_rc().items()),
        "font": font_digest(),
    }
    return _digest(json.dumps(payload, sort_keys=True, default=repr).encode())


#: a box of tile pixels: first row, end row, first column, end column (array indices)
Box = tuple[int, int, int, int]


def line_boxes(ax, origin: tuple[int, int], size: tuple[int, int]) -> list[Box]:
    """The boxes of a tile's pixels that its axes' spines and ticks may touch.

    Each visible spine's line, widened by half the widest line (spine or tick)
    and one and a half pixels for snapping and antialiasing, and by the tick
    length inwards unless ticks point out (matplotlib's style, which the
    decoration key holds), cut to the tile at ``origin`` (lower left, figure
    pixels) of ``size``.  Call it under :func:`tilegrid.figures.tilegrid_style`, after the
    figure was drawn (which puts the spines in place).
    """
    import math

    import matplotlib as mpl

    rc = mpl.rcParams
    dpi = ax.get_figure(root=True).dpi
    widths = [rc["axes.linewidth"]]
    inward = 0.0
    for name in "xy":
        widths += [rc[f"{name}tick.{size}.width"] for size in ("major", "minor")]
        if rc[f"{name}tick.direction"] != "out":
            inward = max(inward, rc[f"{name}tick.major.size"], rc[f"{name}tick.minor.size"])
    pad = max(widths) / 2 * dpi / 72 + 1.5
    x0, y0 = origin
    width, height = size
    out = []
    for spine in ax.spines.values():
        if not spine.get_visible():
            continue
        extent = spine.get_path().get_extents(spine.get_transform())
        grow = pad + inward * dpi / 72
        cols = (math.floor(extent.x0 - grow - x0), math.ceil(extent.x1 + grow - x0))
        rows = (
            math.floor(y0 + height - extent.y1 - grow),
            math.ceil(y0 + height - extent.y0 + grow),
        )
        cols = (max(0, cols[0]), min(width, cols[1]))
        rows = (max(0, rows[0]), min(height, rows[1]))
        if cols[0] < cols[1] and rows[0] < rows[1]:
            out.append((rows[0], rows[1], cols[0], cols[1]))
    return out


def box_digest(pixels: np.ndarray, boxes: list[Box]) -> str:
    """A digest of a tile's pixels in ``boxes`` (where its axes' lines blend in)."""
    parts = [np.ascontiguousarray(pixels[r0:r1, c0:c1]).tobytes() for r0, r1, c0, c1 in boxes]
    return _digest(b"".join(parts))


def tile_box(canvas: Canvas, tile: str, size: tuple[int, int]) -> tuple[slice, slice]:
    """The rows and columns of ``tile`` (``size`` = width, height) in the canvas array."""
    x0, y0 = canvas.origins[tile]
    width, height = size
    top = canvas.height - y0 - height
    return slice(top, top + height), slice(x0, x0 + width)


def decorated_interior(
    pixels: np.ndarray,
    canvas: Canvas,
    tiles: Mapping[str, np.ndarray],
    boxes: dict[str, list[Box]],
) -> str | None:
    """The first tile whose pixels outside its ``boxes`` differ on the drawn canvas, or None.

    A full draw's check that the mosaic drew nothing over a tile but its axes'
    lines, so that pasting a tile's other pixels is exact.
    """
    for tile, image in tiles.items():
        if drawn_over(pixels, canvas, tile, image, boxes[tile]):
            return tile
    return None


def drawn_over(
    pixels: np.ndarray, canvas: Canvas, tile: str, image: np.ndarray, boxes: list[Box]
) -> bool:
    """Whether the canvas differs from ``tile``'s pixels anywhere outside its ``boxes``."""
    height, width = image.shape[:2]
    rows, cols = tile_box(canvas, tile, (width, height))
    placed = pixels[rows, cols]
    if placed.shape != image.shape:
        return True
    differ = _words(placed) != _words(image)
    for r0, r1, c0, c1 in boxes:
        differ[r0:r1, c0:c1] = False
    return bool(differ.any())


def _words(pixels: np.ndarray) -> np.ndarray:
    """RGBA uint8 pixels as one uint32 each (a view when the channels are contiguous)."""
    if pixels.strides[-1] != 1:
        pixels = np.ascontiguousarray(pixels)
    return pixels.view(np.uint32)[..., 0]


def paste(canvas_image, canvas: Canvas, tile: str, image: np.ndarray, boxes) -> None:
    """Put ``image`` at its tile's place on ``canvas_image`` (a PIL image), but in ``boxes``."""
    from PIL import Image

    rows, cols = tile_box(canvas, tile, (image.shape[1], image.shape[0]))
    left, top = cols.start, rows.start
    kept = [
        (canvas_image.crop((left + c0, top + r0, left + c1, top + r1)), (left + c0, top + r0))
        for r0, r1, c0, c1 in boxes
    ]
    canvas_image.paste(Image.fromarray(image, "RGBA"), (left, top))
    for old, at in kept:
        canvas_image.paste(old, at)


def png_bytes(image, dpi: float) -> bytes:
    """The RGBA PIL ``image`` as ``savefig`` writes it to a PNG (see figures.save_figure).

    What matplotlib's Agg backend does (``image.imsave`` of its canvas at the
    figure's dpi): the same Pillow call with the same text chunks and dpi.
    """
    import io

    import matplotlib as mpl
    from PIL.PngImagePlugin import PngInfo

    from .figures import _METADATA

    metadata = {
        "Software": f"Matplotlib version{mpl.__version__}, https://matplotlib.org/",
        **_METADATA["png"],
    }
    info = PngInfo()
    for key, value in metadata.items():
        if value is not None:
            info.add_text(key, value)
    image.info = {}  # nothing of the file it was read from
    out = io.BytesIO()
    image.save(out, format="png", pnginfo=info, dpi=(dpi, dpi))
    return out.getvalue()


# ---------------------------------------------------------------- the cache's files


class NoComposite(Exception):
    """Why the cached canvas cannot give this mosaic (it is drawn in full)."""


#: why a composite is refused, for the cache's files
NO_CACHE = "no cached canvas"
CANVAS_NOT_RECORDED = "the cached canvas is not the one recorded"
RECORD_CHANGED = "the cache record does not match its digest"


def _record_path(folder: str) -> str:
    return os.path.join(folder, "record.json")


def _canvas_path(folder: str) -> str:
    return os.path.join(folder, "canvas.png")


def drop_cache(png: str) -> None:
    """Remove the composite cache of ``png`` (the next PNG mosaic is drawn in full).

    Whatever is found under the cache's names goes, a folder or a file where the
    other was expected included, so that no damage of the cache stops a full draw.
    """
    import shutil

    folder = cache_dir(png)
    if os.path.islink(folder) or (os.path.lexists(folder) and not os.path.isdir(folder)):
        os.remove(folder)
        return
    for path in (_record_path(folder), _canvas_path(folder)):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.remove(path)
    if os.path.isdir(folder) and not os.listdir(folder):
        os.rmdir(folder)


def seal(record: dict[str, Any]) -> str:
    """A digest of everything a record holds but its seal.

    Bound to the decoration key and the canvas's digest, it covers the layout the
    record describes (the canvas size, dpi, every tile's origin, size, line boxes
    and digests), so a record changed by hand or by damage since it was written
    is found before any of it is used.
    """
    body = {k: v for k, v in record.items() if k != "seal"}
    return _digest(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())


def _write_record(folder: str, record: dict[str, Any]) -> None:
    """Write ``record``, sealed (:func:`seal`)."""
    sealed = {**record, "seal": seal(record)}
    write_text(_record_path(folder), json.dumps(sealed, sort_keys=True, indent=1) + "\n")


def read_record(folder: str) -> dict[str, Any]:
    """The cache record in ``folder``, checked against its seal; raises :class:`NoComposite`
    saying why it cannot be used (missing, damaged, of another version, changed)."""
    data = _read_cache_file(_record_path(folder), "the cache record")
    try:
        record = json.loads(data)
    except ValueError as exc:  # also UnicodeDecodeError
        raise NoComposite("the cache record is damaged (not JSON)") from exc
    if not isinstance(record, dict):
        raise NoComposite("the cache record is damaged (not a JSON object)")
    if record.get("record") != RECORD_VERSION:
        raise NoComposite("the cache record is of another version of tilegrid")
    if record.get("seal") != seal(record):
        raise NoComposite(RECORD_CHANGED)
    del record["seal"]
    return record


def _read_cache_file(path: str, what: str) -> bytes:
    """The bytes of the cache's file ``path`` (``what`` it is, for the reason it cannot be
    used): none there is no cache; any other error, one that cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise NoComposite(NO_CACHE) from exc
    except OSError as exc:
        raise NoComposite(f"{what} cannot be read ({exc.strerror or type(exc).__name__})") from exc


def _keep_canvas(folder: str, data: bytes) -> str:
    """Write the canvas ``data`` (the PNG mosaic's bytes) into the cache, a file of its own:
    no write to it reaches the mosaic.  Its digest."""
    write_bytes(_canvas_path(folder), data)
    return _digest(data)


def _read_canvas(folder: str, record: dict[str, Any]) -> bytes:
    """The cached canvas's bytes, read once and checked against the record's digest."""
    data = _read_cache_file(_canvas_path(folder), "the cached canvas")
    if _digest(data) != record["canvas"]["sha256"]:
        raise NoComposite(CANVAS_NOT_RECORDED)
    return data


def write_cache(
    png: str,
    key: str,
    dpi: float,
    canvas: Canvas,
    pixels: np.ndarray,
    tiles: Mapping[str, np.ndarray],
    boxes: dict[str, list[Box]],
    tile_paths: dict[str, str],
) -> bool:
    """After a full draw: keep a copy of the canvas ``png`` (drawn ``pixels``) and its record.

    ``tiles``: every tile's pixels as placed (each read once: it may be read from
    its file on access); ``boxes``: where its axes' lines may touch it.  No record
    (and no cache) when the drawing covers a tile elsewhere; False then.
    """
    folder = cache_dir(png)
    drop_cache(png)
    entries = {}
    for tile, image in tiles.items():
        if drawn_over(pixels, canvas, tile, image, boxes[tile]):
            log.info("no composite cache: the mosaic draws over tile %s", tile)
            return False
        entries[tile] = {
            "origin": list(canvas.origins[tile]),
            "size": [image.shape[1], image.shape[0]],
            "png": file_digest(tile_paths[tile]),
            "lines": [list(box) for box in boxes[tile]],
            "under_lines": box_digest(image, boxes[tile]),
        }
    os.makedirs(folder, exist_ok=True)
    with open(png, "rb") as handle:
        digest = _keep_canvas(folder, handle.read())
    _write_record(
        folder,
        {
            "record": RECORD_VERSION,
            "key": key,
            "dpi": dpi,
            "canvas": {"sha256": digest, "width": canvas.width, "height": canvas.height},
            "tiles": entries,
        },
    )
    return True


def composite(png: str, key: str, tile_paths: dict[str, str]) -> tuple[Canvas, int]:
    """Write ``png`` from the cached canvas with the changed tiles pasted in.

    Returns the canvas and how many tiles changed; raises :class:`NoComposite`
    (with the reason) when the result could differ from a full draw's.  The
    record is checked against its seal and the canvas against the record's
    digest before either is used.
    """
    from .mosaic import load_tile

    folder = cache_dir(png)
    record = read_record(folder)
    if record["key"] != key:
        raise NoComposite("the layout or decorations changed")
    if set(record["tiles"]) != set(tile_paths):
        raise NoComposite("other tiles")
    data = _read_canvas(folder, record)
    info = record["tiles"]
    canvas = Canvas(
        record["canvas"]["width"],
        record["canvas"]["height"],
        {tile: tuple(info[tile]["origin"]) for tile in tile_paths},
    )
    changed = {t: d for t, p in tile_paths.items() if (d := file_digest(p)) != info[t]["png"]}
    for tile in changed:  # all checked before the large canvas is decoded
        _pasteable(tile, load_tile(tile_paths[tile]), info[tile])
    os.remove(_record_path(folder))  # until the new canvas and record are in place
    if changed:
        with _open_canvas(data, canvas) as image:
            for tile, digest in changed.items():
                boxes = [tuple(box) for box in info[tile]["lines"]]
                paste(image, canvas, tile, load_tile(tile_paths[tile]), boxes)
                info[tile]["png"] = digest
            data = png_bytes(image, record["dpi"])
        record["canvas"]["sha256"] = _keep_canvas(folder, data)
    write_bytes(png, data)
    _write_record(folder, record)
    return canvas, len(changed)


def _pasteable(tile: str, pixels: np.ndarray, info: dict[str, Any]) -> None:
    """Raise NoComposite unless the changed ``tile`` (its ``pixels``) can be pasted as it is
    recorded in ``info``: of its size, opaque, the same under its axes' lines."""
    if [pixels.shape[1], pixels.shape[0]] != info["size"] or not (pixels[..., 3] == 255).all():
        raise NoComposite(f"tile {tile} is not of its recorded size or not opaque")
    if box_digest(pixels, [tuple(box) for box in info["lines"]]) != info["under_lines"]:
        raise NoComposite(f"the pixels of tile {tile} under its axes' lines changed")


def _open_canvas(data: bytes, canvas: Canvas):
    """The cached canvas (its PNG ``data``) as a decoded RGBA PIL image of the recorded size."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError) as exc:
        raise NoComposite("the cached canvas is damaged") from exc
    if image.mode != "RGBA" or image.size != (canvas.width, canvas.height):
        image.close()
        raise NoComposite("the cached canvas is not of the recorded size")
    return image
