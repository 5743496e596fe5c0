"""``results/shards/manifest.json``, the Manifest: the tiles in grid order, the grid's
shape, the rows dropped and why, what the mosaic draws once (the legend); and
``digests.json`` beside it, each file of the split's folder by its SHA-256.

Written by the split, read by the rules (the tile ids), the mosaic and the viewer.
A plain JSON object, typed here as a ``TypedDict``: build one by calling its type
with keywords (the keyword order is the key order written), write it with
:func:`write_manifest` and read it with :func:`read_manifest`, in the one layout
of :mod:`tilegrid.core.jsonfiles`.
"""

import json
import os
from typing import Any, Literal, NotRequired, TypedDict

from .jsonfiles import read_json, write_json
from .sidecar import Facets

MANIFEST = "manifest.json"
#: the split folder's files by content (name -> SHA-256), written last by the split
#: (:func:`tilegrid.split.filetimes.keep_times`); read where the folder is in storage
DIGESTS = "digests.json"
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


class SizeEntries(TypedDict):
    """A size's legend entries: the values shown and their marker areas (points²)."""

    title: str
    labels: list[Any]
    sizes: list[float]


class StyleEntries(TypedDict):
    """A style's legend entries: its levels present, their markers and dash patterns."""

    title: str
    labels: list[Any]
    markers: NotRequired[list[Any]]
    dashes: NotRequired[list[Any]]


class MarksLegend(TypedDict, total=False):
    """What the legend shows after the hue: the size's entries, then the style's."""

    size: SizeEntries
    style: StyleEntries


class Manifest(TypedDict):
    """``manifest.json``: the tiles in grid order, the grid's shape, what the mosaic draws once."""

    row: FacetLevels | None
    col: FacetLevels | None
    shape: list[int]
    kind: str
    dropped: dict[str, int]
    tiles: list[ManifestTile]
    legend: NotRequired[Legend]
    marks: NotRequired[MarksLegend]
    input_rows: int


def manifest_path(shards_dir: str) -> str:
    """Where the split writes the manifest."""
    return os.path.join(shards_dir, MANIFEST)


def read_digests(path: str) -> dict[str, str]:
    """The digests the split wrote (``path``: its ``digests.json``), name -> SHA-256; a
    missing or damaged file raises OSError or ValueError."""
    with open(path, encoding="utf-8") as handle:
        digests = json.load(handle)
    if not isinstance(digests, dict):
        raise ValueError(f"{path} holds no digests")
    return digests


def write_manifest(path: str, manifest: Manifest) -> None:
    """Write the manifest (NaN or infinity in it is a bug: it raises)."""
    write_json(path, manifest)


def read_manifest(path: str) -> Manifest:
    """The manifest as the split wrote it."""
    return read_json(path)
