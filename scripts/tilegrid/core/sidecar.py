"""``results/shards/<tile>.json``, the Sidecar: what one tile must agree on with the others.

Written by the split beside each tile's shard, read by the render and the kinds.
A plain JSON object, typed here as a ``TypedDict``: build one by calling its type
with keywords (the keyword order is the key order written), write it with
:func:`write_sidecar` and read it with :func:`read_sidecar`, in the one layout of
:mod:`tilegrid.core.jsonfiles` (same object, same bytes), so a tile is redrawn
only when what it must agree on changes.
"""

import os
from typing import Any, Literal, NotRequired, TypedDict

from .jsonfiles import read_json, write_json
from .marks import Size, Style


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
    (kind custom, preprocess) and the axis is not shared.  A time column's axis says
    ``time`` ("datetime": days since 1970-01-01 UTC; "duration": seconds) and, for a
    timestamp with a time zone, ``tz``, the zone its ticks are labelled in
    (:mod:`tilegrid.core.times`).
    """

    column: str | None
    type: Literal["continuous"]
    scale: str
    extent: list[float] | None
    lim: list[float] | None
    time: NotRequired[str]
    tz: NotRequired[str]


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
    #: the grid's size mapping (scatter's ``options.size``: :mod:`tilegrid.core.marks`)
    size: NotRequired[Size]
    #: the grid's style mapping (``options.style``: markers, dash patterns)
    style: NotRequired[Style]
    #: the rows of the whole grid, for kinds whose heights are shares of the whole
    #: figure (kde and hist with common_norm, as seaborn's displot)
    norm_rows: NotRequired[int]
    #: the tile's [width, height] in pixels, for kinds that aggregate per pixel (line,
    #: scatter's raster), so that the split's shared limits count the tile's pixels
    tile_px: NotRequired[list[int]]
    #: the histogram bins of the whole grid (kinds with ``shared_bins``: hist)
    bins: NotRequired[Bins]


def sidecar_path(shards_dir: str, tile: str) -> str:
    """Where the split writes the sidecar of ``tile``."""
    return os.path.join(shards_dir, f"{tile}.json")


def write_sidecar(path: str, sidecar: Sidecar) -> None:
    """Write a tile's sidecar (NaN or infinity in it is a bug: it raises)."""
    write_json(path, sidecar)


def read_sidecar(path: str) -> Sidecar:
    """A tile's sidecar as the split wrote it."""
    return read_json(path)
