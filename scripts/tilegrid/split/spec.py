"""What the split is asked (:class:`SplitSpec`), and what it means for this table (a plan).

The plan resolves the spec once against the table's schema: the kind and its
options, each role's column and type, the columns whose levels are collected
and the columns each shard holds.  Every pass of the split reads it from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow as pa

from ..core.levels import value_type
from ..core.stats import ROWS
from ..core.times import axis_time
from ..kinds import PlotKind, get_kind, resolve_options, role_columns, role_types

#: a tile's [width, height] in pixels under the schema's defaults (3.0 x 1.333 x 100)
DEFAULT_TILE_PX = (400, 300)
#: roles whose values can be categories (coded against their levels)
CATEGORICAL_ROLES = ("x", "y", "hue", "size", "style")


class SplitError(ValueError):
    """A problem with the data or config found by the split, worded for the user."""


@dataclass
class SplitSpec:
    """What the split needs to know: the facets, the columns, the kind and the sharing.

    ``palette`` is the hue's palette (config ``plot.palette``), fixed by the split
    for the whole grid; a kind's own ``options["palette"]`` (violin's category
    colors) is another setting, used when a tile is drawn.
    """

    data: str | list[str]
    row: str | None = None
    col: str | None = None
    row_order: list[Any] | None = None
    col_order: list[Any] | None = None
    chunks: int | None = None
    kind: str = "violin"
    x: str | None = None
    y: str | None = None
    hue: str | None = None
    hue_order: list[Any] | None = None
    #: a numeric hue's colormap range ``[vmin, vmax]`` (seaborn's ``hue_norm``), else
    #: the grid's range of its values
    hue_norm: list[float] | None = None
    palette: Any = None
    options: dict[str, Any] = field(default_factory=dict)
    sharex: bool | str = True
    sharey: bool | str = True
    sharec: bool = True
    preprocess: str | None = None
    max_tiles: int = 1000
    source_column: str | None = None
    #: the tile's [width, height] in pixels, for kinds whose shared limits depend on
    #: it (``PIXEL_GRID``: line, scatter); the workflow passes None for the others, so
    #: a new tile size reruns no split.  The default is the schema's tile size
    tile_px: tuple[int, int] | list[int] | None = DEFAULT_TILE_PX
    #: ``data`` names local copies of remote files: their URLs, by local path (the
    #: source column's values); set only for remote data
    sources: dict[str, str] | None = None

    @property
    def facets(self) -> list[str]:
        """The facet columns, row first."""
        return [c for c in (self.row, self.col) if c]

    @property
    def hue_palette(self) -> Any:
        """The hue's palette (``plot.palette``)."""
        return self.palette


@dataclass(frozen=True)
class SplitPlan:
    """The spec resolved against the table: what each pass of the split reads."""

    #: the spec, with the kind's options resolved (defaults filled in, checked)
    spec: SplitSpec
    kind: PlotKind
    #: each configured role's column (x, y, hue, value)
    columns: dict[str, str]
    #: each configured role's type: "categorical" or "numeric"
    roles: dict[str, str]
    #: roles coded as categories, in :data:`CATEGORICAL_ROLES` order
    categorical_roles: list[str]
    #: the column of each categorical role, in the same order (a column may repeat)
    category_columns: list[str]
    #: roles kept as numbers (their moments are merged per tile and category); with
    #: the kind's ``COUNTS_ROWS`` also :data:`ROWS`, of no column (its moments count rows)
    numeric_roles: list[str]
    #: columns whose levels the first pass collects: facets, then categorical roles
    level_columns: list[str]
    #: the columns each shard holds
    shard_columns: list[str]
    #: whether the hue column holds integers (one hue group per value when few)
    hue_is_integer: bool
    #: the orders the config gives, by column (row_order, col_order, hue_order, the
    #: kind's order, size_order, style_order; None: learnt from the data)
    orders: dict[str, list[Any] | None]
    #: each column's values as the split stores them (dictionaries decoded, strings
    #: normalised: :func:`tilegrid.core.levels.value_type`)
    value_types: dict[str, pa.DataType]
    #: whether the x column holds integers (hist: bins that never split an integer)
    x_is_integer: bool = False
    #: whether a numeric size column holds integers (its brief legend's values are)
    size_is_integer: bool = False
    #: per numeric role of a time column, what its axis says (core/times.py: axis_time)
    times: dict[str, dict] = field(default_factory=dict)

    @property
    def user_code(self) -> bool:
        """Whether the user's code draws or moves rows (kind custom, preprocess).

        Its shards hold every column as it is, and its unshared axes are not fixed.
        """
        return self.spec.kind == "custom" or bool(self.spec.preprocess)

    @property
    def drops_invalid(self) -> bool:
        """Whether rows with a missing category or non-finite number are dropped (not custom)."""
        return self.spec.kind != "custom"


def explicit_orders(spec: SplitSpec, kind: PlotKind | None) -> dict[str, list[Any] | None]:
    """The orders the config gives for facet and categorical columns (``kind``: the
    spec's, None for custom: its options name no columns)."""
    explicit = {spec.row: spec.row_order, spec.col: spec.col_order}
    if spec.hue:
        explicit[spec.hue] = spec.hue_order
    if spec.x and spec.options.get("order") is not None:
        explicit.setdefault(spec.x, spec.options["order"])
    named = kind.column_options if kind is not None else ()
    for role in [r for r in ("size", "style") if r in named]:  # size_order, style_order
        column, order = spec.options.get(role), spec.options.get(f"{role}_order")
        if column and order is not None:
            explicit.setdefault(column, order)
    return explicit


def make_plan(spec: SplitSpec, schema: pa.Schema) -> SplitPlan:
    """Resolve ``spec`` once against the table's ``schema``."""
    spec = replace(spec, options=resolve_options(spec.kind, spec.options))
    value_types = {f.name: value_type(f.type) for f in schema}
    columns = role_columns(spec)
    roles = role_types(spec, schema)
    categorical = [r for r in CATEGORICAL_ROLES if roles.get(r) == "categorical"]
    category_columns = [columns[r] for r in categorical]
    if spec.kind == "custom" or spec.preprocess:
        shard = list(schema.names)
    else:
        shard = list(dict.fromkeys(columns.values()))
    hue_is_integer = bool(spec.hue) and pa.types.is_integer(value_types[spec.hue])
    x_type = value_types[spec.x] if spec.x else None
    # a date is a whole number of days: a histogram's bins never split one
    x_is_integer = bool(spec.x) and (pa.types.is_integer(x_type) or pa.types.is_date32(x_type))
    size = columns.get("size")
    size_is_integer = bool(size) and pa.types.is_integer(value_types[size])
    kind = get_kind(spec.kind)
    numeric = [r for r, t in roles.items() if t == "numeric"] + ([ROWS] if kind.counts_rows else [])
    return SplitPlan(
        spec=spec,
        kind=kind,
        columns=columns,
        roles=roles,
        categorical_roles=categorical,
        category_columns=category_columns,
        numeric_roles=numeric,
        level_columns=list(dict.fromkeys(spec.facets + category_columns)),
        shard_columns=shard,
        hue_is_integer=hue_is_integer,
        x_is_integer=x_is_integer,
        size_is_integer=size_is_integer,
        times={
            role: axis_time(schema.field(columns[role]).type)
            for role in ("x", "y")
            if roles.get(role) == "numeric"
            and columns.get(role)
            and not spec.preprocess
            and axis_time(schema.field(columns[role]).type)
        },
        orders=explicit_orders(spec, kind if spec.kind != "custom" else None),
        value_types=value_types,
    )
