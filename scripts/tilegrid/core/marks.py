"""Marker sizes and styles as every stage reads them: the mappings' JSON form (each
tile's sidecar holds them), a size's areas, a marker's matplotlib spec, and whether
a column is a numeric size (seaborn 0.13.2's ``SizeMapping`` and ``StyleMapping``).

The split decides the mappings once for the whole grid
(:mod:`tilegrid.split.marks`); the kinds draw with them and the mosaic's legend
lists them.  They are plain JSON (tuples as lists).
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

import numpy as np


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
    if isinstance(options.get("sizes"), (list, dict)) and not is_range(options.get("sizes")):
        return False
    if options.get("size_order") is not None:
        return False
    return pa.types.is_integer(dtype) or pa.types.is_floating(dtype)


def is_range(sizes: Any) -> bool:
    """A ``sizes`` of two numbers written as a YAML list is seaborn's (min, max) tuple."""
    return (
        isinstance(sizes, (list, tuple))
        and len(sizes) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in sizes)
    )


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
