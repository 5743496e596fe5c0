"""What a plot kind is: the hooks a kind module must define, and those it may.

A kind is a module.  :class:`Kind` lists what every kind module defines; a type
checker or ``isinstance(module, Kind)`` verifies it.  :class:`PlotKind` is a
kind as the stages use it: the module's hooks, with every optional hook the
module leaves out filled in by its default, here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict, runtime_checkable

from ..core.sidecar import Bins, Sidecar
from ..core.stats import TileStats
from ..core.tilemeta import TileColorbar

Options = dict[str, Any]


class DrawInfo(TypedDict, total=False):
    """What ``draw`` may tell the render: flip the y axis, and the colorbar's look."""

    invert_y: bool
    colorbar: TileColorbar


@runtime_checkable
class Kind(Protocol):
    """The hooks every kind module defines.

    - ``OPTIONS``: the options it accepts and their defaults (seaborn's names), or
      None when every option goes to the user's function (kind custom);
    - ``ROLES``: "categorical" or "numeric" for each role it reads (x, y, value, style);
      a role it leaves out follows its column's type;
    - ``check_options(options)``: raise :class:`~tilegrid.kinds.OptionError` for a
      value out of range (``options`` has every default filled in);
    - ``extents(stats, options)``: from a tile's merged moments, the interval each
      axis needs (``"x"``, ``"y"``, ``"c"``, and ``"<axis>_sticky"`` for an edge
      no margin may pass), so the split agrees shared limits before any tile draws;
    - ``draw(ax, table, sidecar, options)``: draw one tile on a matplotlib Axes
      (kind custom also takes the user's function); may return :class:`DrawInfo`.
    """

    OPTIONS: Options | None
    ROLES: dict[str, str]

    def check_options(self, options: Options) -> None: ...

    def extents(self, stats: TileStats, options: Options) -> dict[str, Any]: ...

    def draw(self, ax: Any, table: Any, sidecar: Sidecar, options: Options) -> DrawInfo | None: ...


def linear_scales(options: Options) -> dict[str, str]:
    """The default ``scales``: every axis linear."""
    return {}


def tile_norm(options: Options) -> bool:
    """The default ``figure_norm``: nothing is a share of the whole figure."""
    return False


def always(options: Options) -> bool:
    """The default ``binned_pass``: a kind with ``binned_extents`` needs its pass always."""
    return True


#: the optional hooks: the module's name for each, and (below) its default
OPTIONAL_HOOKS = {
    "required": "REQUIRED",
    "color": "COLOR",
    "hue_by_value": "HUE_BY_VALUE",
    "scales": "scales",
    "binned_extents": "binned_extents",
    "figure_norm": "figure_norm",
    "binned_y": "BINNED_Y",
    "pixel_grid": "PIXEL_GRID",
    "shared_bins": "shared_bins",
    "drop_empty_categories": "DROP_EMPTY_CATEGORIES",
    "binned_pass": "binned_pass",
    "counts_rows": "COUNTS_ROWS",
    "column_options": "COLUMN_OPTIONS",
}


@dataclass(frozen=True)
class PlotKind:
    """A kind module's hooks, with the defaults of those it does not define.

    Optional hooks (module name in brackets):

    - ``required`` (``REQUIRED``): roles the config must set; none by default;
    - ``color`` (``COLOR``): the kind shades by value, so tiles agree a color
      scale (the sidecar's ``c``); False by default;
    - ``hue_by_value`` (``HUE_BY_VALUE``): a numeric hue colors each mark by its
      own value (a continuous colorbar), not by group; False by default;
    - ``scales(options)`` (``scales``): each axis' scale ("log"); linear by default;
    - ``binned_extents(table, sidecar, options)`` (``binned_extents``): extents
      only binned counts give (histogram heights, KDE peaks, 2-D counts), read
      from each tile's shard in a third pass; None (no such pass) by default;
    - ``figure_norm(options)`` (``figure_norm``): heights are shares of the whole
      figure's rows (seaborn's ``common_norm`` in displot), so the split writes the
      grid's row count in every sidecar (``norm_rows``); False by default;
    - ``binned_y`` (``BINNED_Y``): what a binned y extent is: "count" (heights
      from 0: the limit runs from 0 to the peak and a margin), or "data" (an
      interval of values, such as line's bands: margins on both sides);
    - ``pixel_grid`` (``PIXEL_GRID``): the binned extents depend on the tile's
      pixels (line aggregates per pixel column, scatter's raster counts points
      per pixel), so the split is told the tile's size in pixels and writes it
      in every sidecar (``tile_px``); False by default.
    - ``shared_bins(source, options)`` (``shared_bins``): the x bins of the whole
      grid (:class:`~tilegrid.core.sidecar.Bins`, the sidecar's ``bins``) from every
      kept x value, streamed by ``source`` (a :class:`~tilegrid.core.bins.ValueSource`);
      None (no shared bins) by default.
    - ``drop_empty_categories`` (``DROP_EMPTY_CATEGORIES``): a category of a plain
      (not categorical) column none of whose rows has a value drawn is no category
      of the axes (a pivot's semantics: seaborn's heatmap of ``pivot_table``);
      False by default (seaborn's catplot keeps such a category, empty).
    - ``binned_pass(options)`` (``binned_pass``): whether these options need the
      pass of ``binned_extents`` (e.g. only on a log axis); True by default.
    - ``counts_rows`` (``COUNTS_ROWS``): the split counts the rows of each tile and
      category as the moments of a role of no column, ``"rows"`` (kind count, which
      has no numeric role); False by default.
    - ``column_options`` (``COLUMN_OPTIONS``): the options that name a column of a
      role of their name (heatmap's ``value``; scatter's ``size`` and ``style``, where
      strip's ``size`` is a number); ``("value",)`` by default.
    """

    name: str
    options: Options | None
    roles: dict[str, str]
    check_options: Callable[[Options], None]
    extents: Callable[[TileStats, Options], dict[str, Any]]
    draw: Callable[..., DrawInfo | None]
    required: tuple[str, ...] = ()
    color: bool = False
    hue_by_value: bool = False
    scales: Callable[[Options], dict[str, str]] = linear_scales
    binned_extents: Callable[[Any, Sidecar, Options], dict[str, Any]] | None = None
    figure_norm: Callable[[Options], bool] = tile_norm
    binned_y: str = "count"
    pixel_grid: bool = False
    shared_bins: Callable[[Any, Options], Bins] | None = None
    drop_empty_categories: bool = False
    binned_pass: Callable[[Options], bool] = always
    counts_rows: bool = False
    column_options: tuple[str, ...] = ("value",)

    @classmethod
    def of(cls, name: str, module: Kind) -> PlotKind:
        """The kind defined by ``module``, with defaults for the optional hooks it leaves out."""
        hooks = {
            field: getattr(module, attr)
            for field, attr in OPTIONAL_HOOKS.items()
            if hasattr(module, attr)
        }
        return cls(
            name,
            module.OPTIONS,
            module.ROLES,
            module.check_options,
            module.extents,
            module.draw,
            **hooks,
        )
