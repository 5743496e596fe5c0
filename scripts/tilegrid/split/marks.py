"""The grid's size and style mappings (seaborn's ``size``, ``style``), fixed by the split
so every tile draws a value with the same area and marker; and their legend entries.

A numeric size's norm is the grid-wide range of the column (its moments), or
``size_norm``; a categorical size's and a style's levels are the grid's levels in
seaborn's order.  The legend lists, as seaborn's does, a categorical size's and a
style's levels present in the grid, and a numeric size's distinct values
(``legend: full``, or ``auto`` with at most 6 of them) or ``MaxNLocator`` ticks
over its range (``brief``, or ``auto`` with more).  Distinct values are counted in
one pass over the shards' size column that stops at the first value too many.

How the mappings are decided (seaborn 0.13.2's ``SizeMapping`` and ``StyleMapping``):

*Size* (scatter: a marker's area in points squared): a numeric column is mapped
linearly from its grid-wide range (or ``size_norm``, values beyond it clipped) onto
``sizes`` (min, max), by default seaborn's ``(0.5, 2) * lines.markersize ** 2`` =
(18, 72); a categorical one (or any column with ``sizes`` a list or a dict, or with
``size_order``) gets one size per level: the list's or dict's, else evenly spaced
from the largest for the first level down to the smallest.

*Style* (always categorical): one marker (``markers``) and one dash pattern
(``dashes``, line) per level: seaborn's :func:`unique_markers` and
:func:`unique_dashes` when True, or the list's (cycled) or dict's.
"""

from __future__ import annotations

import itertools
import logging
import os
from typing import Any

import numpy as np
import pyarrow as pa

from ..core.ids import canonical_value
from ..core.marks import (
    CategoricalSize,
    NumericSize,
    Size,
    Style,
    areas,
    is_range,
    spec_of,
)
from ..core.shards import SUFFIX, iter_floats
from ..core.stats import TileStats
from .sharing import union
from .spec import SplitError, SplitPlan

log = logging.getLogger("tilegrid.split")

#: seaborn's scatter default size range, (0.5, 2) * rcParams["lines.markersize"] ** 2
DEFAULT_SIZES = (0.5 * 6.0**2, 2 * 6.0**2)
#: a numeric size with more distinct values gets a brief legend under "auto" (seaborn's)
BRIEF_TICKS = 6
#: a "full" legend of a numeric size lists at most this many values; beyond, brief
FULL_LIMIT = 32


class MarksError(ValueError):
    """A size or style setting that does not fit the data, worded for the user."""


def size_of(plan: SplitPlan, levels: dict[str, pa.Array], stats: list[TileStats]) -> Size:
    """The grid's size mapping: a numeric column's range (or ``size_norm``) onto the
    area range, or one area per level of a categorical one."""
    column, options = plan.columns["size"], plan.spec.options
    try:
        if plan.roles["size"] == "numeric":
            lim = union((m.min, m.max) for s in stats for m in s.all("size"))
            return numeric_size(column, lim, options)
        return categorical_size(column, _json_levels(levels[column]), options)
    except MarksError as exc:
        raise SplitError(str(exc)) from exc


def style_of(plan: SplitPlan, levels: dict[str, pa.Array]) -> Style:
    """The grid's style mapping: a marker (scatter, or line with ``markers``) and a dash
    pattern (line) per level."""
    column, options = plan.columns["style"], plan.spec.options
    dashes = options.get("dashes", False) if plan.spec.kind == "line" else False
    try:
        return style_mapping(column, _json_levels(levels[column]), options["markers"], dashes)
    except MarksError as exc:
        raise SplitError(str(exc)) from exc


def _json_levels(levels: pa.Array) -> list[Any]:
    """Levels as JSON holds them (as the sidecar's categories and hue levels)."""
    return [canonical_value(v.as_py()) for v in levels]


def present(stats: list[TileStats], role: str) -> list[int]:
    """The codes of ``role``'s levels with a kept row somewhere in the grid."""
    codes: set[int] = set()
    for s in stats:
        for numeric in s.moments:
            codes.update(s.by(numeric, role))
    return sorted(codes)


def size_legend(
    plan: SplitPlan, size: Size, stats: list[TileStats], shards: list[str]
) -> dict[str, Any] | None:
    """The size's legend entries: ``{"title", "labels", "sizes"}`` (None: none)."""
    if size["type"] == "categorical":
        codes = present(stats, "size")
        return {
            "title": size["column"],
            "labels": [size["levels"][i] for i in codes],
            "sizes": [size["sizes"][i] for i in codes],
        }
    lim = union((m.min, m.max) for s in stats for m in s.all("size"))
    if lim is None:
        return None
    verbosity = plan.spec.options.get("legend", "auto")
    limit = FULL_LIMIT if verbosity == "full" else BRIEF_TICKS if verbosity != "brief" else 0
    values = distinct_values(shards, size["column"], limit) if limit else None
    if values is None:
        if verbosity == "full":
            log.info(
                "size legend of %r: more than %d distinct values, so brief (ticks over "
                "its range) instead of full",
                size["column"],
                FULL_LIMIT,
            )
        values, labels = brief_levels(*lim, integer=plan.size_is_integer)
    else:
        labels = [_label(v, plan.size_is_integer) for v in values]
    return {
        "title": size["column"],
        "labels": labels,
        "sizes": [float(a) for a in areas(size, np.asarray(values, float))],
    }


def _label(value: float, integer: bool) -> Any:
    """A distinct value as seaborn's full legend shows it (its ``str``)."""
    return int(value) if integer else float(value)


def distinct_values(shards: list[str], column: str, limit: int) -> list[float] | None:
    """The sorted distinct values of ``column`` over the ``shards``, or None as soon as
    there are more than ``limit`` (one pass, stopped early).

    Each batch is compared with the few values seen so far (O(rows x limit)); only the
    rows among none of them are sorted, so a column of few values costs no sort of its
    rows and one of many stops at its first batch."""
    seen = np.zeros(0)
    for path in shards:
        for values in iter_floats(path, column):
            new = values[np.isfinite(values)]
            for value in seen:
                new = new[new != value]
            if new.size:
                seen = np.union1d(seen, np.unique(new))
            if seen.size > limit:
                return None
    return seen.tolist()


def style_legend(style: Style, stats: list[TileStats]) -> dict[str, Any]:
    """The style's legend entries: its levels present, with their markers and dashes."""
    codes = present(stats, "style")
    out: dict[str, Any] = {
        "title": style["column"],
        "labels": [style["levels"][i] for i in codes],
    }
    for attribute in ("markers", "dashes"):
        if attribute in style:
            out[attribute] = [style[attribute][i] for i in codes]
    return out


def marks_legend(
    plan: SplitPlan, sidecar: dict[str, Any], stats: list[TileStats], out_dir: str, ids
) -> dict[str, Any]:
    """The manifest's ``marks``: the size's and the style's legend entries, if any."""
    out: dict[str, Any] = {}
    if sidecar.get("size"):
        shards = [os.path.join(out_dir, f"{tid}{SUFFIX}") for tid, s in zip(ids, stats) if s.rows]
        entries = size_legend(plan, sidecar["size"], stats, shards)
        if entries:
            out["size"] = entries
    if sidecar.get("style"):
        out["style"] = style_legend(sidecar["style"], stats)
    return out


def note_rasters(plan: SplitPlan, ids: list[str], stats: list[TileStats]) -> None:
    """Say which scatter tiles are density rasters, where size and style do not show."""
    roles = [f"{r} {plan.columns[r]!r}" for r in ("size", "style") if r in plan.columns]
    if plan.spec.kind != "scatter" or not roles:
        return
    limit = plan.spec.options["max_points"]
    raster = [tid for tid, s in zip(ids, stats) if s.rows > limit]
    if raster:
        shown = ", ".join(raster[:5]) + (", ..." if len(raster) > 5 else "")
        log.warning(
            "%d scatter tile(s) have more than max_points (%d) rows and are drawn as "
            "density rasters, which show no %s (%s); raise max_points to draw markers",
            len(raster),
            limit,
            " and no ".join(roles),
            shown,
        )


def unique_markers(n: int) -> list[Any]:
    """seaborn's ``unique_markers``: ``n`` distinguishable filled markers."""
    markers: list[Any] = ["o", "X", (4, 0, 45), "P", (4, 0, 0), (4, 1, 0), "^", (4, 1, 45), "v"]
    s = 5
    while len(markers) < n:
        a = 360 / (s + 1) / 2
        markers.extend([(s + 1, 1, a), (s + 1, 0, a), (s, 1, 0), (s, 0, 0)])
        s += 1
    return markers[:n]


def unique_dashes(n: int) -> list[Any]:
    """seaborn's ``unique_dashes``: ``n`` dash patterns, the first solid (``""``)."""
    dashes: list[Any] = ["", (4, 1.5), (1, 1), (3, 1.25, 1.5, 1.25), (5, 1, 1, 1)]
    p = 3
    while len(dashes) < n:
        a = itertools.combinations_with_replacement([3, 1.25], p)
        b = itertools.combinations_with_replacement([4, 1], p)
        for segments in itertools.chain(*zip(list(a)[1:-1][::-1], list(b)[1:-1])):
            gap = min(segments)
            dashes.append(tuple(itertools.chain(*((seg, gap) for seg in segments))))
        p += 1
    return dashes[:n]


def jsonable(value: Any) -> Any:
    """A marker or dash spec as JSON holds it (tuples as lists, numpy numbers as floats)."""
    if isinstance(value, (tuple, list)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def size_range(options: dict[str, Any]) -> tuple[float, float]:
    """The (min, max) area of a ``sizes`` range, or seaborn's default."""
    sizes = options.get("sizes")
    return (float(sizes[0]), float(sizes[1])) if is_range(sizes) else DEFAULT_SIZES


def numeric_size(column: str, lim: tuple[float, float] | None, options: dict[str, Any]) -> Size:
    """The sidecar's ``size`` of a numeric column whose grid-wide range is ``lim``."""
    norm = options.get("size_norm")
    norm = [float(norm[0]), float(norm[1])] if norm is not None else lim
    return NumericSize(
        column=column,
        type="numeric",
        norm=None if norm is None else [float(norm[0]), float(norm[1])],
        range=list(size_range(options)),
    )


def categorical_size(column: str, levels: list[Any], options: dict[str, Any]) -> Size:
    """The sidecar's ``size`` of a categorical column: one area per level (seaborn's
    ``categorical_mapping``: the dict's, the list's, else evenly spaced from the largest)."""
    sizes = options.get("sizes")
    if isinstance(sizes, dict):
        values = [float(by_level(sizes, level, "sizes")) for level in levels]
    elif isinstance(sizes, list) and not is_range(sizes):
        values = [float(v) for v in cycled(sizes, len(levels), "sizes")]
    else:
        values = np.linspace(*size_range(options), len(levels))[::-1].tolist()
    return CategoricalSize(column=column, type="categorical", levels=levels, sizes=values)


def style_mapping(column: str, levels: list[Any], markers: Any, dashes: Any = False) -> Style:
    """The sidecar's ``style``: per level its marker (``markers``: True, a list or a
    dict; False: none) and its dash pattern (``dashes`` likewise)."""
    style = Style(column=column, levels=levels)
    chosen = _attributes(markers, levels, unique_markers(len(levels)), "markers")
    if chosen is not None:
        check_filled(chosen)
        style["markers"] = [jsonable(m) for m in chosen]
    chosen = _attributes(dashes, levels, unique_dashes(len(levels)), "dashes")
    if chosen is not None:
        style["dashes"] = [jsonable(d) for d in chosen]
    return style


def _attributes(arg: Any, levels: list[Any], defaults: list[Any], name: str) -> list | None:
    """seaborn's ``_map_attributes``: one value per level, or None for False/None."""
    if arg is True:
        return defaults
    if isinstance(arg, dict):
        return [by_level(arg, level, name) for level in levels]
    if isinstance(arg, (list, tuple)):
        return cycled(list(arg), len(levels), name)
    return None


def check_filled(markers: list[Any]) -> None:
    """seaborn refuses to mix filled and line-art markers; so does tilegrid."""
    from matplotlib.markers import MarkerStyle

    filled = {MarkerStyle(spec_of(m)).is_filled() for m in markers}
    if len(filled) > 1:
        raise MarksError("plot.options.markers: filled and line art markers cannot be mixed")


def by_level(mapping: dict[Any, Any], level: Any, name: str) -> Any:
    """The value a ``{level: value}`` option gives ``level`` (keys match by text)."""
    for key, value in mapping.items():
        if str(key) == str(level):
            return value
    raise MarksError(f"plot.options.{name}: no value for level {str(level)!r}")


def cycled(values: list[Any], n: int, name: str) -> list[Any]:
    """``n`` values of the list option ``name``, cycled when it is shorter (as seaborn,
    which warns; so does the split's log)."""
    if not values:
        raise MarksError(f"plot.options.{name}: an empty list")
    if len(values) < n:
        log.warning(
            "plot.options.%s: %d values for %d levels, so they repeat (cycled)",
            name,
            len(values),
            n,
        )
    return [values[i % len(values)] for i in range(n)]


def brief_levels(lo: float, hi: float, integer: bool) -> tuple[list[float], list[str]]:
    """seaborn's brief legend of a numeric size: ``MaxNLocator(nbins=6)`` ticks within
    ``[lo, hi]`` (as integers for an integer column), labelled by a ScalarFormatter
    without offset or scientific notation (``locator_to_legend_entries``), one per label."""
    from matplotlib.ticker import MaxNLocator, ScalarFormatter

    raw = MaxNLocator(nbins=BRIEF_TICKS).tick_values(lo, hi)
    raw = raw.astype(np.int64) if integer else raw
    raw = [v for v in raw if lo <= v <= hi]

    class _Axis:
        def get_view_interval(self):
            return lo, hi

    formatter = ScalarFormatter()
    formatter.set_useOffset(False)
    formatter.set_scientific(False)
    formatter.axis = _Axis()
    labels = formatter.format_ticks(raw)
    # one entry per label, as seaborn's legend keys entries by it (integer ticks repeat)
    unique = {label: float(value) for value, label in zip(raw, labels)}
    return list(unique.values()), list(unique)
