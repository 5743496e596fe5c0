"""The grid's size and style mappings (seaborn's ``size``, ``style``), fixed by the split
so every tile draws a value with the same area and marker; and their legend entries.

A numeric size's norm is the grid-wide range of the column (its moments), or
``size_norm``; a categorical size's and a style's levels are the grid's levels in
seaborn's order.  The legend lists, as seaborn's does, a categorical size's and a
style's levels present in the grid, and a numeric size's distinct values
(``legend: full``, or ``auto`` with at most 6 of them) or ``MaxNLocator`` ticks
over its range (``brief``, or ``auto`` with more).  Distinct values are counted in
one pass over the shards' size column that stops at the first value too many.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np
import pyarrow as pa

from ..core.ids import canonical_value
from ..core.marks import (
    BRIEF_TICKS,
    FULL_LIMIT,
    MarksError,
    Size,
    Style,
    areas,
    brief_levels,
    categorical_size,
    numeric_size,
    style_mapping,
)
from ..core.shards import SUFFIX, iter_floats
from ..core.stats import TileStats
from .sharing import union
from .spec import SplitError, SplitPlan

log = logging.getLogger("tilegrid.split")


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
