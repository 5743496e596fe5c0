"""The TileMeta inside each tile's PNG: what the mosaic needs to draw the tile's axes;
reading a tile PNG checked; the tiles folder pruned.

The render writes ``results/tiles/<tile>.png`` with its TileMeta in a ``tEXt``
chunk (:func:`tile_meta_text`, compact ASCII JSON, before the pixels); the mosaic
and the viewer read it with :func:`read_tile_meta` without decoding a pixel, and
the tile's pixels or bytes with :func:`read_tile_image` or :func:`read_tile_bytes`.
A damaged tile is one line naming it (:class:`TileMetaError`).
"""

import json
import os
import struct
import zlib
from collections.abc import Callable
from typing import Any, NotRequired, TypedDict, TypeVar

_T = TypeVar("_T")


class AxisMeta(TypedDict):
    """One axis of a drawn tile: limits, scale, label, and its ticks when they are fixed."""

    lim: list[float]
    scale: str
    label: str
    ticks: list[float] | None
    ticklabels: list[str] | None


class TileColorbar(TypedDict, total=False):
    """A tile's color scale as drawn: the sidecar's
    :class:`~tilegrid.core.sidecar.ColorScale` and the kind's look."""

    lim: list[float]
    shared: bool
    quantiles: list[float]
    cmap: str
    norm: str
    label: str


class TileMeta(TypedDict):
    """Inside ``results/tiles/<tile>.png``: what the mosaic needs to draw the axes around it.

    A print tile's (``results/tiles/print/<tile>.png``) is the same with its own
    ``size_px`` and ``dpi`` (``mosaic.print_dpi``).  See :func:`tile_meta_text`.
    """

    x: AxisMeta
    y: AxisMeta
    title: str
    tile: str
    size_px: list[int]
    dpi: float
    rows: int
    colorbar: NotRequired[TileColorbar]


# ---------------------------------------------------------------- reading and writing

#: the keyword of the PNG text chunk (tEXt) that holds a tile's TileMeta
TILE_META_KEY = "tilegrid"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: chunks from which on a PNG holds its pixels (or nothing more): the reader stops there
_PIXEL_CHUNKS = (b"IDAT", b"IEND")


class TileMetaError(ValueError):
    """A tile PNG whose TileMeta or pixels cannot be read; the message names the file and
    what to do (for a damaged file: :func:`damaged_tile`)."""


def damaged_tile(path: str, why: BaseException | str) -> TileMetaError:
    """The one-line error of the damaged tile PNG ``path``: what is wrong, what to do."""
    text = " ".join(str(why).split()) or type(why).__name__
    return TileMetaError(f"tile {path} is damaged ({text}); delete it and rerun: it is drawn again")


def tile_meta_text(meta: TileMeta) -> dict[str, str]:
    """The PNG text entries that hold a drawn tile's metadata, to save the tile with.

    One entry, :data:`TILE_META_KEY`: the TileMeta as compact JSON, ASCII
    (anything else escaped, so it fits a Latin-1 ``tEXt`` chunk).  The render
    passes it to :func:`tilegrid.render.figures.save_figure`, which writes it before
    the pixels, so :func:`read_tile_meta` reads it without decoding them.
    """
    return {TILE_META_KEY: json.dumps(meta, separators=(",", ":"))}


def read_tile_meta(path: str) -> TileMeta:
    """A drawn tile's metadata, from the text chunk of its PNG ``path`` (:func:`tile_meta_text`).

    Reads only the chunks before the pixels.  A file that is no PNG, a chunk
    that is damaged, or a PNG without the chunk (a tile drawn by a tilegrid
    that wrote it to ``<tile>.json``, or no tile) raise :class:`TileMetaError`,
    one line naming the file.
    """
    try:
        with open(path, "rb") as handle:
            text = _png_text(handle, TILE_META_KEY.encode("latin-1"))
        if text is None:
            raise TileMetaError(
                f"tile {path} holds no tilegrid metadata (it was not drawn by this "
                "version of tilegrid); delete it and rerun: it is drawn again"
            )
        meta = json.loads(text)
        if not isinstance(meta, dict):
            raise ValueError("its metadata is not a JSON object")
    except TileMetaError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise damaged_tile(path, exc) from exc
    return meta


def read_tile_image(path: str, read: Callable[[Any], _T]) -> _T:
    """``read(image)`` of the tile PNG ``path`` opened with Pillow (``read`` decodes what
    it needs: the pixels, or only the header's size).

    A file Pillow cannot read or decode (truncated, no PNG, damaged pixels) raises
    :class:`TileMetaError`, one line naming the file (:func:`damaged_tile`); a missing
    file raises FileNotFoundError.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return read(image)
    except FileNotFoundError:
        raise
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError) as exc:
        raise damaged_tile(path, exc) from exc


def read_tile_bytes(path: str) -> bytes:
    """The bytes of the tile PNG ``path``, checked whole without decoding its pixels: the
    PNG signature, then every chunk complete with a right CRC, up to the IEND chunk.

    A damaged file raises :class:`TileMetaError`, one line naming it (:func:`damaged_tile`).
    """
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        _check_chunks(memoryview(data))
    except ValueError as exc:
        raise damaged_tile(path, exc) from exc
    return data


def _check_chunks(data: memoryview) -> None:
    """Raise ValueError unless ``data`` is a PNG whose chunks are whole and right, up to IEND."""
    if bytes(data[: len(_PNG_SIGNATURE)]) != _PNG_SIGNATURE:
        raise ValueError("not a PNG file")
    at = len(_PNG_SIGNATURE)
    while True:
        if at + 8 > len(data):
            raise ValueError("the file ends before its IEND chunk")
        length, kind = struct.unpack_from(">I4s", data, at)
        chunk = f"its {kind.decode('latin-1')} chunk" if kind.isalpha() else "a chunk of no type"
        end = at + 12 + length
        if end > len(data):
            raise ValueError(f"the file ends inside {chunk}")
        if zlib.crc32(data[at + 4 : end - 4]) != int.from_bytes(data[end - 4 : end], "big"):
            raise ValueError(f"the CRC of {chunk} is wrong")
        if kind == b"IEND":
            return
        at = end


def _png_text(handle, key: bytes) -> bytes | None:
    """The text of the ``tEXt`` chunk ``key`` before the pixels of the PNG in ``handle``, or None.

    Raises ValueError when the file is no PNG, ends early, or that chunk's CRC is wrong.
    """
    if handle.read(len(_PNG_SIGNATURE)) != _PNG_SIGNATURE:
        raise ValueError("not a PNG file")
    prefix = key + b"\0"
    while True:
        head = handle.read(8)
        if len(head) < 8:
            raise ValueError("the file ends before its pixels")
        length, kind = struct.unpack(">I4s", head)
        if kind in _PIXEL_CHUNKS:
            return None
        body = handle.read(length + 4)  # the data and its CRC
        if len(body) < length + 4:
            raise ValueError(f"the file ends inside its {kind.decode('latin-1')} chunk")
        data = body[:length]
        if kind == b"tEXt" and data.startswith(prefix):
            if zlib.crc32(kind + data) != int.from_bytes(body[length:], "big"):
                raise ValueError(f"the CRC of its {key.decode('latin-1')} text chunk is wrong")
            return data[len(prefix) :]


# ---------------------------------------------------------------- the tiles folder


def prune_stale_tiles(tiles_dir: str, keep_ids: set[str]) -> list[str]:
    """Delete the tiles in ``tiles_dir`` whose id is not in ``keep_ids``; return their ids, sorted.

    A tile is its ``<id>.png``; every ``<id>.json`` goes too (the metadata a
    tilegrid before :func:`tile_meta_text` wrote beside each tile: no job's
    output now).  Other files are left alone.  Tiles of facet values no longer
    in the data are not outputs of any job, so Snakemake never removes them:
    the mosaic rule does, as its last step.
    """
    stale = set()
    for name in sorted(os.listdir(tiles_dir)):
        stem, ext = os.path.splitext(name)
        if ext == ".json" or (ext == ".png" and stem not in keep_ids):
            os.remove(os.path.join(tiles_dir, name))
            if stem not in keep_ids:
                stale.add(stem)
    return sorted(stale)
