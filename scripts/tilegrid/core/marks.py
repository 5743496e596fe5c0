"""Marker sizes and styles, decided once for the whole grid by the split (seaborn's
``size`` and ``style`` mappings, seaborn 0.13.2's ``SizeMapping`` and ``StyleMapping``).

*Size* (scatter: a marker's area in points squared): a numeric column is mapped
linearly from its grid-wide range (or ``size_norm``, values beyond it clipped) onto
``sizes`` (min, max), by default seaborn's ``(0.5, 2) * lines.markersize ** 2`` =
(18, 72); a categorical one (or any column with ``sizes`` a list or a dict, or with
``size_order``) gets one size per level: the list's or dict's, else evenly spaced
from the largest for the first level down to the smallest.

*Style* (always categorical): one marker (``markers``) and one dash pattern
(``dashes``, line) per level: seaborn's :func:`unique_markers` and
:func:`unique_dashes` when True, or the list's (cycled) or dict's.

The mappings are plain JSON (tuples as lists) so that they go into every sidecar.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any, Literal, NotRequired, TypedDict

import numpy as np

#: seaborn's scatter default size range, (0.5, 2) * rcParams["lines.markersize"] ** 2
DEFAULT_SIZES = (0.5 * 6.0**2, 2 * 6.0**2)
#: a numeric size with more distinct values gets a brief legend under "auto" (seaborn's)
BRIEF_TICKS = 6
#: a "full" legend of a numeric size lists at most this many values; beyond, brief
FULL_LIMIT = 32


class MarksError(ValueError):
    """A size or style setting that does not fit the data, worded for the user."""


class NumericSize(TypedDict):
    """A numeric size: ``[lo, hi]`` of the values (the norm) onto ``range`` in points²."""

    column: str
    type: Literal["numeric"]
    norm: list[float] | None
    range: list[float]


class CategoricalSize(TypedDict):
    """A categorical size: one area (points²) per level."""

    column: str
    type: Literal["categorical"]
    levels: list[Any]
    sizes: list[float]


Size = NumericSize | CategoricalSize


class Style(TypedDict):
    """A style: per level a marker (matplotlib's spec) and/or a dash pattern ("" solid)."""

    column: str
    levels: list[Any]
    markers: NotRequired[list[Any]]
    dashes: NotRequired[list[Any]]


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


def spec_of(value: Any) -> Any:
    """A marker or dash spec from JSON as matplotlib takes it (lists as tuples)."""
    return tuple(value) if isinstance(value, list) else value


def size_is_numeric(dtype: Any, options: dict[str, Any]) -> bool:
    """Whether a size column of Arrow type ``dtype`` is mapped numerically (seaborn's
    ``infer_map_type``): with ``size_norm`` always; with ``sizes`` a list or a dict (or,
    here, a ``size_order``) never; else when it holds integers or floats (a
    dictionary-encoded column is categorical: pandas' ``category``)."""
    import pyarrow as pa

    if options.get("size_norm") is not None:
        return True
    if isinstance(options.get("sizes"), (list, dict)) and not _is_range(options.get("sizes")):
        return False
    if options.get("size_order") is not None:
        return False
    return pa.types.is_integer(dtype) or pa.types.is_floating(dtype)


def _is_range(sizes: Any) -> bool:
    """A ``sizes`` of two numbers written as a YAML list is seaborn's (min, max) tuple."""
    return (
        isinstance(sizes, (list, tuple))
        and len(sizes) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in sizes)
    )


def size_range(options: dict[str, Any]) -> tuple[float, float]:
    """The (min, max) area of a ``sizes`` range, or seaborn's default."""
    sizes = options.get("sizes")
    return (float(sizes[0]), float(sizes[1])) if _is_range(sizes) else DEFAULT_SIZES


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
    elif isinstance(sizes, list) and not _is_range(sizes):
        values = [float(v) for v in cycled(sizes, len(levels), "sizes")]
    else:
        values = np.linspace(*size_range(options), len(levels))[::-1].tolist()
    return CategoricalSize(column=column, type="categorical", levels=levels, sizes=values)


def areas(size: Size, values: np.ndarray) -> np.ndarray:
    """Each point's area in points² (``values``: a numeric size's values, or the codes
    of a categorical size's levels); NaN where there is none."""
    if size["type"] == "categorical":
        table = np.asarray(size["sizes"] + [np.nan], float)
        codes = np.asarray(values, np.int64)
        return table[np.where(codes >= 0, codes, len(size["sizes"]))]
    lo, hi = size["range"]
    return lo + scaled(size, values) * (hi - lo)


def scaled(size: NumericSize, values: np.ndarray) -> np.ndarray:
    """Values through seaborn's ``Normalize(vmin, vmax, clip=True)``: 0 where
    ``vmin == vmax`` (matplotlib's Normalize gives 0 then), NaN stays NaN."""
    values = np.asarray(values, float)
    if size["norm"] is None:
        return np.full(values.shape, np.nan)
    vmin, vmax = size["norm"]
    if vmax == vmin:
        return np.where(np.isnan(values), np.nan, 0.0)
    return np.clip((values - vmin) / (vmax - vmin), 0.0, 1.0)


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
        logging.getLogger("tilegrid.split").warning(
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
