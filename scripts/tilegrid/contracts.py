"""The files the stages hand each other, written down once.

::

    split ──► <tile>.json      Sidecar: what one tile must agree on with the others
          ──► manifest.json    Manifest: the tiles in grid order, the grid's shape, the legend
    render ─► <tile>.json      TileMeta: what the mosaic needs to draw the tile's axes

Each is a plain JSON object, typed here as a ``TypedDict``: build one by calling
its type with keywords (the keyword order is the key order written), read one
with :func:`read_sidecar`, :func:`read_manifest` or :func:`read_tile_meta`, and
write one with the matching ``write_*``.  The layout is fixed (one space of
indent, UTF-8 as it is, a trailing newline), so the same object always gives
the same bytes and a tile is redrawn only when what it must agree on changes.
"""

import json
import os
from typing import Any, Literal, NotRequired, TypedDict

MANIFEST = "manifest.json"
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
    shaded cell of the sharing group (see :mod:`tilegrid.colornorms`).
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
    """``results/tiles/<tile>.json``: what the mosaic needs to draw the axes around the PNG.

    A print tile's (``results/tiles/print/<tile>.json``) is the same with its own
    ``size_px`` and ``dpi`` (``mosaic.print_dpi``).
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


def _write_atomic(path: str, obj: Any) -> None:
    """Write next to ``path`` and rename into place; no temp file is left behind."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(dumps(obj))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


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


def write_tile_meta(path: str, meta: TileMeta) -> None:
    """Write a drawn tile's metadata atomically (a failed write leaves no file behind)."""
    _write_atomic(path, meta)


def read_tile_meta(path: str) -> TileMeta:
    """A drawn tile's metadata as the render wrote it."""
    return _read(path)


# ---------------------------------------------------------------- the tiles folder


def prune_stale_tiles(tiles_dir: str, keep_ids: set[str]) -> list[str]:
    """Delete the tiles in ``tiles_dir`` whose id is not in ``keep_ids``; return their ids, sorted.

    A tile is its ``<id>.png`` and ``<id>.json``; other files are left alone.
    Tiles of facet values no longer in the data are not outputs of any job, so
    Snakemake never removes them: the mosaic rule does, as its last step.
    """
    stale = set()
    for name in sorted(os.listdir(tiles_dir)):
        stem, ext = os.path.splitext(name)
        if ext in (".png", ".json") and stem not in keep_ids:
            os.remove(os.path.join(tiles_dir, name))
            stale.add(stem)
    return sorted(stale)
