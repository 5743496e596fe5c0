"""Plot kinds: what each needs from the table, what it shares, and how it draws.

A kind is a module of this package (one whose name does not start with "_").
:class:`~tilegrid.kinds._protocol.Kind` lists the hooks every kind defines
(``OPTIONS``, ``ROLES``, ``check_options``, ``extents``, ``draw``);
:class:`~tilegrid.kinds._protocol.PlotKind`, which :func:`get_kind` returns,
adds the defaults of the optional ones (``REQUIRED``, ``COLOR``,
``HUE_BY_VALUE``, ``scales``, ``binned_extents``, ``figure_norm``, ``BINNED_Y``,
``PIXEL_GRID``, ``shared_bins``, ``DROP_EMPTY_CATEGORIES``, ``binned_pass``,
``COUNTS_ROWS``, ``COLUMN_OPTIONS``).
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from typing import Any

from ..core.levels import is_numeric_type
from ..core.marks import size_is_numeric
from ..core.palettes import hue_is_numeric
from ._protocol import Kind, PlotKind

__all__ = ["KINDS", "Kind", "OptionError", "PlotKind", "get_kind", "resolve_options"]

#: every module in this package is a plot kind
KINDS = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))


class OptionError(ValueError):
    """A plot option that the kind does not accept, worded for the user."""


def get_kind(name: str) -> PlotKind:
    """Plot kind ``name``: its module's hooks, with defaults for the optional ones."""
    if name not in KINDS:
        raise OptionError(f"plot.kind: unknown kind {name!r}; valid kinds: {', '.join(KINDS)}")
    return PlotKind.of(name, importlib.import_module(f"{__name__}.{name}"))


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """A " (did you mean 'x'?)" hint for a misspelt key, or an empty string."""
    match = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def resolve_options(kind: str, options: dict[str, Any] | None) -> dict[str, Any]:
    """The kind's defaults updated with ``options``; unknown options are an error."""
    plot_kind = get_kind(kind)
    defaults = plot_kind.options
    options = dict(options or {})
    if defaults is None:  # free-form: passed to the user's function
        return options
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        valid = ", ".join(sorted(defaults))
        raise OptionError(
            f"plot.options.{unknown[0]}: not an option of kind {kind!r}"
            f"{closest(unknown[0], sorted(defaults))}; valid options: {valid}"
        )
    resolved = {**defaults, **options}
    plot_kind.check_options(resolved)
    return resolved


#: roles whose column is an option of the kind that names it (``COLUMN_OPTIONS``)
OPTION_ROLES = ("value", "size", "style")


def role_columns(spec: Any) -> dict[str, str]:
    """The configured column of each role (x, y, hue, and the options the kind names
    columns with: ``value``, ``size``, ``style``)."""
    cols = {"x": spec.x, "y": spec.y, "hue": getattr(spec, "hue", None)}
    if spec.kind != "custom":
        named = get_kind(spec.kind).column_options
        cols.update({role: (spec.options or {}).get(role) for role in named})
    return {role: col for role, col in cols.items() if col}


def role_types(spec: Any, schema: Any) -> dict[str, str]:
    """Whether each configured role is "categorical" or "numeric" for this kind.

    A kind declares ``ROLES``; "auto" (kind custom) follows the column's type.
    Hue is numeric for a number column as seaborn decides (see
    :func:`tilegrid.core.palettes.hue_is_numeric`): the split then keeps its values
    and range instead of collecting its distinct values as levels; so is size
    (:func:`tilegrid.core.marks.size_is_numeric`). Style is categorical (the kinds
    declare it).
    """

    declared = get_kind(spec.kind).roles
    types = {}
    for role, column in role_columns(spec).items():
        kind_type = declared.get(role, "auto")
        if role == "size":  # seaborn's infer_map_type
            numeric = size_is_numeric(schema.field(column).type, spec.options or {})
            kind_type = "numeric" if numeric else "categorical"
        if role == "hue":
            numeric = hue_is_numeric(
                schema.field(column).type,
                getattr(spec, "palette", None),
                getattr(spec, "hue_order", None),
            )
            kind_type = "numeric" if numeric else "categorical"
        if kind_type == "auto":
            numeric = is_numeric_type(schema.field(column).type)
            kind_type = "numeric" if numeric else "categorical"
        types[role] = kind_type
    return types
