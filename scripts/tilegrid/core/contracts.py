"""The files the stages hand each other, written down once.

::

    split ──► <tile>.json      Sidecar: what one tile must agree on with the others
          ──► manifest.json    Manifest: the tiles in grid order, the grid's shape, the legend
    render ─► <tile>.png       TileMeta, in a text chunk of the tile's PNG: what the
                               mosaic needs to draw the tile's axes

Each is a plain JSON object, typed here as a ``TypedDict``: build one by calling
its type with keywords (the keyword order is the key order written), read one
with :func:`read_sidecar`, :func:`read_manifest` or :func:`read_tile_meta`, and
write one with the matching ``write_*`` (a TileMeta: :func:`tile_meta_text`,
saved with the PNG).  The layout is fixed (one space of indent, UTF-8 as it is,
a trailing newline; a TileMeta compact and ASCII), so the same object always
gives the same bytes and a tile is redrawn only when what it must agree on
changes.
"""

import json
import os
import struct
import zlib
from collections.abc import Callable
from typing import Any, Literal, NotRequired, TypedDict, TypeVar

MANIFEST = "manifest.json"
_T = TypeVar("_T")
#: why a row is not in any tile, in the order a row's reason is decided; each is
#: logged by the split and counted in the manifest's "dropped"
DROP_REASONS = {
    "missing_facet": "a facet value (row, col) is missing: null, NaN or empty",
    "facet_not_in_order": "a facet value is not in row_order/col_order",
    "missing_category": "a categorical value (x, hue) is missing: null, NaN or empty",
    "category_not_in_order": "a categorical value is not in its order (options.order, hue_order)",
    "non_finite": "a numeric value is missing, NaN or infinite",
}
#: the reasons a row is dropped from a tile it belongs to (its facet values are valid):
#: counted per tile too, in the manifest's tiles
TILE_DROP_REASONS = ("missing_category", "category_not_in_order", "non_finite")


# ---------------------------------------------------------------- sidecar (split -> render)


class FacetValue(TypedDict):
    """The facet column (``var``) and the value a tile holds of it."""

    var: str
    value: Any


#: a tile's facet values, under "row" and/or "col"
Facets = dict[str, FacetValue]


class CategoricalAxis(TypedDict):
    """A categorical x or y: the categories shown, at positions 0, 1, ..."""

    column: str
    type: Literal["categorical"]
    categories: list[Any]
    lim: list[float]


class ContinuousAxis(TypedDict):
    """A numeric x or y: its scale, the shared data extent and the axis limits.

    ``extent`` and ``lim`` are None where the user's code may move values
    (kind custom, preprocess) and the axis is not shared.
    """

    column: str | None
    type: Literal["continuous"]
    scale: str
    extent: list[float] | None
    lim: list[float] | None


Axis = CategoricalAxis | ContinuousAxis


class ColorScale(TypedDict):
    """The color limits of a kind that shades by value (``COLOR``), and whether they are shared.

    ``quantiles``: for an eq_hist scale, the counts at evenly spaced ranks of every
    shaded cell of the sharing group (see :mod:`tilegrid.core.colornorms`).
    """

    lim: list[float]
    shared: bool
    quantiles: NotRequired[list[float]]


class CategoricalHue(TypedDict):
    """A categorical hue: one color per level, the same in every tile."""

    column: str
    levels: list[Any]
    colors: list[str]


class ContinuousHue(TypedDict):
    """A numeric hue: a colormap over the grid-wide ``lim``, in bounded groups (``edges``).

    Without any value (``lim`` None) the groups are left out.
    """

    column: str
    type: Literal["continuous"]
    cmap: str
    lim: list[float] | None
    edges: NotRequired[list[float]]
    discrete: NotRequired[bool]
    colors: NotRequired[list[str]]


Hue = CategoricalHue | ContinuousHue


class Bins(TypedDict):
    """Histogram bins every tile uses, fixed by the split from the whole table's x.

    ``count`` equal bins from ``start`` to ``stop`` (``np.linspace``), in log10
    of x when ``log``; or, when ``edges`` is given, those edges as they are.
    ``discrete`` says the bins are one per integer (centred on it).
    """

    start: float
    stop: float
    count: int
    log: bool
    discrete: bool
    edges: NotRequired[list[float]]


class Sidecar(TypedDict):
    """``<tile>.json`` beside a shard: what the tile must agree on with the other tiles."""

    tile: str
    facets: Facets
    rows: int
    x: Axis
    y: Axis
    c: NotRequired[ColorScale]
    hue: NotRequired[Hue]
    #: the rows of the whole grid, for kinds whose heights are shares of the whole
    #: figure (kde and hist with common_norm, as seaborn's displot)
    norm_rows: NotRequired[int]
    #: the tile's [width, height] in pixels, for kinds that aggregate per pixel (line,
    #: scatter's raster), so that the split's shared limits count the tile's pixels
    tile_px: NotRequired[list[int]]
    #: the histogram bins of the whole grid (kinds with ``shared_bins``: hist)
    bins: NotRequired[Bins]


# ---------------------------------------------------------------- manifest (split -> mosaic)


class FacetLevels(TypedDict):
    """A facet column and its levels, in grid order."""

    var: str
    levels: list[Any]


class ManifestTile(TypedDict):
    """One tile in grid order: its id, its grid position, its facet values and row count.

    ``dropped``: the tile's rows left out, by reason (of :data:`TILE_DROP_REASONS`,
    in that order), only the reasons that dropped a row; absent when none did.  It
    is not in the sidecar, so a change in it alone redraws nothing.
    """

    id: str
    row_index: int | None
    col_index: int | None
    facets: Facets
    rows: int
    dropped: NotRequired[dict[str, int]]


class CategoricalLegend(TypedDict):
    """The hue levels present in the grid and their colors."""

    title: str
    labels: list[Any]
    colors: list[str]


class ColorbarLegend(TypedDict):
    """A numeric hue's colorbar: a colormap over ``lim``, or steps at ``edges``."""

    type: Literal["colorbar"]
    title: str
    lim: NotRequired[list[float]]
    edges: NotRequired[list[float]]
    colors: NotRequired[list[str]]
    ticks: NotRequired[list[float]]


Legend = CategoricalLegend | ColorbarLegend


class Manifest(TypedDict):
    """``manifest.json``: the tiles in grid order, the grid's shape, what the mosaic draws once."""

    row: FacetLevels | None
    col: FacetLevels | None
    shape: list[int]
    kind: str
    dropped: dict[str, int]
    tiles: list[ManifestTile]
    legend: NotRequired[Legend]
    input_rows: int


# ---------------------------------------------------------------- tile metadata (render -> mosaic)


class AxisMeta(TypedDict):
    """One axis of a drawn tile: limits, scale, label, and its ticks when they are fixed."""

    lim: list[float]
    scale: str
    label: str
    ticks: list[float] | None
    ticklabels: list[str] | None


class TileColorbar(TypedDict, total=False):
    """A tile's color scale as drawn: the sidecar's :class:`ColorScale` and the kind's look."""

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


def sidecar_path(shards_dir: str, tile: str) -> str:
    """Where the split writes the sidecar of ``tile``."""
    return os.path.join(shards_dir, f"{tile}.json")


def manifest_path(shards_dir: str) -> str:
    """Where the split writes the manifest."""
    return os.path.join(shards_dir, MANIFEST)


def dumps(obj: Any, allow_nan: bool = True) -> str:
    """``obj`` as JSON in the layout of every contract file (the same object, the same text)."""
    return json.dumps(obj, indent=1, ensure_ascii=False, allow_nan=allow_nan) + "\n"


def _write(path: str, obj: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(dumps(obj, allow_nan=False))


def _read(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def write_sidecar(path: str, sidecar: Sidecar) -> None:
    """Write a tile's sidecar (NaN or infinity in it is a bug: it raises)."""
    _write(path, sidecar)


def read_sidecar(path: str) -> Sidecar:
    """A tile's sidecar as the split wrote it."""
    return _read(path)


def write_manifest(path: str, manifest: Manifest) -> None:
    """Write the manifest (NaN or infinity in it is a bug: it raises)."""
    _write(path, manifest)


def read_manifest(path: str) -> Manifest:
    """The manifest as the split wrote it."""
    return _read(path)


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
