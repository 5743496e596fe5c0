"""Checks of a (schema-validated) config against the data, with one-line messages.

Everything here runs when the workflow is parsed, before any job starts.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from typing import Any

import pyarrow as pa

from ..core.pages import page_too_big
from ..core.palettes import PaletteError, colormap, dict_color
from ..core.times import TIME_KINDS, time_type
from ..kinds import OPTION_ROLES, OptionError, PlotKind, closest, get_kind, resolve_options
from ..kinds.custom import FunctionSpecError, check_spec
from ..table import Table, TableError, describe, open_table


class ConfigError(ValueError):
    """A config problem, worded for the user on one line."""


def schema_error_line(config: dict[str, Any], schema_path: str) -> str | None:
    """One line for the most relevant schema violation of ``config``, or None."""
    import jsonschema
    import yaml

    with open(schema_path, encoding="utf-8") as handle:
        schema = yaml.safe_load(handle)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(config))
    if not errors:
        return None
    return describe_schema_error(jsonschema.exceptions.best_match(errors))


def describe_schema_error(error: Any) -> str:
    """One line naming the config key and what is wrong, from a jsonschema error."""
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        key = f"{path}.{extra[0]}" if path else extra[0]
        return (
            f"config key {key!r} is not known{closest(extra[0], allowed)}; "
            f"valid keys here: {', '.join(allowed)}"
        )
    if error.validator in ("type", "enum"):
        expected = error.validator_value
        if error.validator == "enum":
            expected = "one of " + ", ".join(_yaml(v) for v in expected)
        elif isinstance(expected, list):
            expected = " or ".join(expected)
        return f"config key {path!r}: {_yaml(error.instance)} is not {expected}"
    return f"config key {path!r}: {error.message}"


def _yaml(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)


def _is_numeric(dtype: pa.DataType) -> bool:
    """Integers or floats; or no values at all (a CSV column left empty: all missing)."""
    dtype = dtype.value_type if pa.types.is_dictionary(dtype) else dtype
    return pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_null(dtype)


def check_config(
    config: dict[str, Any], check_data: bool = True, table: Table | None = None
) -> None:
    """Raise :class:`ConfigError` for the first problem of ``config`` (after schema defaults).

    With ``check_data`` the data file must exist and hold the configured columns
    (``table``: the data, when it was opened already).
    """
    facet, plot = config["facet"], config["plot"]
    if facet["col_wrap"] is not None and facet["row"] is not None:
        raise ConfigError("config key 'facet.col_wrap' cannot be combined with 'facet.row'")
    if facet["chunks"] is not None and (facet["row"] or facet["col"]):
        raise ConfigError("config key 'facet.chunks' cannot be combined with 'facet.row'/'col'")
    try:
        kind = get_kind(plot["kind"])
        resolve_options(plot["kind"], plot["options"])
        if plot["kind"] == "custom":
            check_spec(plot["function"], "plot.function", 2)
        if plot["preprocess"] is not None:
            check_spec(plot["preprocess"], "plot.preprocess", 1)
    except (OptionError, FunctionSpecError) as exc:
        raise ConfigError(str(exc)) from exc
    for role in kind.required:
        if not _role_column(plot, role):
            raise ConfigError(f"config key {_role_key(role)!r}: kind {plot['kind']!r} needs it")
    check_palette(plot.get("palette"), plot.get("hue_order"))
    check_hue_norm(plot.get("hue_norm"))
    check_tile_size(config["tile"])
    check_print_size(config["tile"], config["mosaic"])
    check_templates(config["mosaic"])
    if problem := page_too_big(config["mosaic"].get("page"), facet["max_tiles"]):
        raise ConfigError(problem)
    if check_data:
        check_columns(config, kind, table)


def check_hue_norm(norm: list[float] | None) -> None:
    """``plot.hue_norm`` is a range of two increasing finite numbers, or null."""
    if norm is None:
        return
    lo, hi = (float(v) for v in norm)  # two numbers: the schema checked
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ConfigError(f"config key 'plot.hue_norm': {norm!r} is not [vmin, vmax], vmin < vmax")


def check_palette(palette: Any, hue_order: list[Any] | None = None) -> None:
    """``plot.palette`` names a palette or colormap, or holds colors (one per ``hue_order`` level).

    The levels found in the data are checked by the split, which knows them.
    """
    if palette is None:
        return
    from matplotlib.colors import is_color_like

    try:
        if isinstance(palette, str):
            colormap(palette)
        elif isinstance(palette, dict):
            for level, color in palette.items():
                if not is_color_like(color):
                    raise PaletteError(
                        f"plot.palette: {color!r} (hue level {str(level)!r}) is not a colour"
                    )
            for level in hue_order or []:
                dict_color(palette, level)
        else:
            if not palette:
                raise PaletteError("plot.palette: an empty list has no colours")
            for color in palette:
                if not is_color_like(color):
                    raise PaletteError(f"plot.palette: {color!r} is not a colour")
    except PaletteError as exc:
        raise ConfigError(str(exc)) from exc


#: the smallest and largest tile side in pixels: below, nothing legible fits; above,
#: one tile is a poster (a 32 x 32 grid of them would need tens of GB to assemble)
TILE_PX = (16, 4096)
#: the largest side of a print tile in pixels (``mosaic.print_dpi``): a PDF or SVG
#: mosaic embeds every tile at this size, and the mosaic job holds them all
PRINT_PX = 8192
#: the mosaic formats that embed print tiles instead of the screen tiles
VECTOR_FORMATS = ("pdf", "svg")
#: the fields a title template may use
TEMPLATE_FIELDS = ("row_var", "row_name", "col_var", "col_name")


def check_tile_size(tile: dict[str, Any]) -> None:
    """A tile's data area, height*dpi by height*aspect*dpi pixels, within ``TILE_PX``."""
    width = round(tile["height"] * tile["aspect"] * tile["dpi"])
    height = round(tile["height"] * tile["dpi"])
    lo, hi = TILE_PX
    if not (lo <= width <= hi and lo <= height <= hi):
        raise ConfigError(
            f"config key 'tile': height {tile['height']:g} x aspect {tile['aspect']:g} at dpi "
            f"{tile['dpi']:g} makes tiles of {width} x {height} px; each side must be "
            f"{lo}-{hi} px (height*dpi and height*aspect*dpi)"
        )


def check_print_size(tile: dict[str, Any], mosaic: dict[str, Any]) -> None:
    """With a PDF or SVG mosaic, print tiles of whole pixels, each side 16 to ``PRINT_PX``.

    A print tile has exactly ``print_dpi / dpi`` times a tile's pixels in each
    direction, so ``print_dpi`` must make both sides whole (any whole multiple
    of ``tile.dpi`` does).  Unchecked (and unused) without pdf or svg.
    """
    if not set(VECTOR_FORMATS) & set(mosaic["formats"]):
        return
    from ..render.tile import print_pixels, tile_pixels

    print_dpi = mosaic["print_dpi"]
    screen = tile_pixels(tile["height"], tile["aspect"], tile["dpi"])
    width, height = print_pixels(tile, print_dpi)
    shown = f"{width:g} x {height:g} px"
    if any(abs(side - round(side)) > 1e-6 for side in (width, height)):
        raise ConfigError(
            f"config key 'mosaic.print_dpi': {print_dpi:g} at tile.dpi {tile['dpi']:g} makes "
            f"print tiles of {shown} ({screen[0]} x {screen[1]} px times "
            f"{print_dpi:g}/{tile['dpi']:g}); choose a print_dpi that makes both whole, "
            f"e.g. {3 * tile['dpi']:g} (any whole multiple of tile.dpi)"
        )
    lo = TILE_PX[0]
    if not (lo <= round(width) <= PRINT_PX and lo <= round(height) <= PRINT_PX):
        raise ConfigError(
            f"config key 'mosaic.print_dpi': {print_dpi:g} makes print tiles of {shown}; "
            f"each side must be {lo}-{PRINT_PX} px (print_dpi * tile.height and "
            "print_dpi * tile.height * tile.aspect)"
        )


def check_templates(mosaic: dict[str, Any]) -> None:
    """Title templates use only the fields the mosaic fills in."""
    blank = dict.fromkeys(TEMPLATE_FIELDS, "")
    for key in ("template", "row_template", "col_template"):
        template = mosaic.get(key)
        if template is None:
            continue
        try:
            template.format(**blank)
        except KeyError as exc:
            raise ConfigError(
                f"config key 'mosaic.{key}': unknown field {{{exc.args[0]}}} in {template!r}; "
                f"the fields are {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)}"
            ) from exc
        except (IndexError, ValueError) as exc:
            raise ConfigError(
                f"config key 'mosaic.{key}': {template!r} is not a valid template ({exc}); "
                "write fields as {row_name}, and braces as {{ and }}"
            ) from exc


def _role_key(role: str) -> str:
    return f"plot.options.{role}" if role in OPTION_ROLES else f"plot.{role}"


def _role_column(plot: dict[str, Any], role: str) -> str | None:
    if role in OPTION_ROLES:  # only where the kind names a column with it (not strip's size)
        named = () if plot["kind"] == "custom" else get_kind(plot["kind"]).column_options
        return (plot["options"] or {}).get(role) if role in named else None
    return plot.get(role)


def check_columns(config: dict[str, Any], kind: PlotKind, table: Table | None = None) -> None:
    """The configured columns exist in the data file, and numeric roles are numeric.

    ``table``: the data, opened once at parse time (:func:`tilegrid.table.open_table`)."""
    path = config["data"]
    where = describe(path)
    try:
        table = table or open_table(path, config.get("source_column"))
        if not table.has_rows():
            raise ConfigError(f"{where}: the table has no rows")
    except TableError as exc:
        raise ConfigError(str(exc)) from exc
    schema = table.schema
    names = list(schema.names)
    plot = config["plot"]
    roles = [("facet.row", config["facet"]["row"]), ("facet.col", config["facet"]["col"])]
    roles += [(_role_key(r), _role_column(plot, r)) for r in ("x", "y", "hue", *OPTION_ROLES)]
    for key, column in roles:
        if column is not None and column not in names:
            hint = difflib.get_close_matches(column, names, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(
                f"config key {key!r}: column {column!r} is not in {where}"
                f"{suggestion}; its columns: {', '.join(names)}"
            )
    check_size_column(plot, schema, where)
    for role, kind_type in kind.roles.items():
        column = _role_column(plot, role)
        dtype = schema.field(column).type if column else None
        if kind_type == "numeric" and column and time_type(dtype):
            if plot["kind"] not in TIME_KINDS:
                raise ConfigError(
                    f"config key {_role_key(role)!r}: column {column!r} in {where} holds "
                    f"{dtype} values, which kind {plot['kind']!r} does not draw; dates, "
                    f"timestamps and durations are drawn by {', '.join(TIME_KINDS)}"
                )
            continue
        if kind_type == "numeric" and column and not _is_numeric(dtype):
            raise ConfigError(
                f"config key {_role_key(role)!r}: column {column!r} in {where} has "
                f"type {schema.field(column).type}, not a number (kind {plot['kind']!r})"
            )


def check_size_column(plot: dict[str, Any], schema: pa.Schema, where: str) -> None:
    """A size mapped numerically (``options.size_norm``) needs a column of numbers."""
    column = _role_column(plot, "size")
    if column is None or (plot["options"] or {}).get("size_norm") is None:
        return
    if not _is_numeric(schema.field(column).type):
        raise ConfigError(
            f"config key 'plot.options.size_norm': column {column!r} in {where} has type "
            f"{schema.field(column).type}, not a number; leave size_norm out to give each "
            "of its levels a size"
        )


def data_is_generated(config: dict[str, Any], example_path: str) -> bool:
    """Whether the config's data file is the example table the workflow makes (and remakes)."""
    data = config["data"]
    return isinstance(data, str) and os.path.normpath(data) == os.path.normpath(example_path)


def _has_key(config: dict[str, Any], key: str) -> bool:
    node: Any = config
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def key_of(message: str) -> str | None:
    """The config key a check's message is about ("data" for the data file), or None."""
    match = re.search(r"config key '([\w.]+)'", message)
    if match:
        return match.group(1)
    return "data" if message.startswith("data ") else None


def with_source(message: str, user_files: list[tuple[str, dict[str, Any]]], bundled: str) -> str:
    """``message`` saying where its key's value came from, when the user gave config files.

    Snakemake merges ``--configfile`` files over the bundled config.yaml: a key a
    user's file leaves out keeps the example's value, which is worth saying.
    """
    key = key_of(message)
    if key is None or not user_files:
        return message
    exact = [path for path, loaded in user_files if _has_key(loaded, key)]
    if exact:
        return f"{message} (set in {exact[-1]})"
    names = ", ".join(path for path, _ in user_files)
    return f"{message} (from the bundled {bundled}: {names} does not set {key})"
