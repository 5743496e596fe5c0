"""Distinct values of categorical columns and their order, as seaborn orders them.

Missing values are the same in every format and role (facets, x, hue): null,
NaN and the empty string are *missing*, never a level, and ``-0.0`` is the
value ``0.0``.  :func:`codes` tells a missing value (``MISSING``) from a value
that is not among the levels (``ABSENT``), so the split can count each.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MISSING = np.int32(-2)  # code of a null, NaN or "" value
ABSENT = np.int32(-1)  # code of a value that is not among the levels (an explicit order)


class LevelError(ValueError):
    """An explicit order that does not fit its column, worded for the user."""


def is_ordered_type(dtype: pa.DataType) -> bool:
    """Whether values of ``dtype`` sort naturally (numbers, booleans, dates)."""
    dtype = dtype.value_type if pa.types.is_dictionary(dtype) else dtype
    return (
        pa.types.is_integer(dtype)
        or pa.types.is_floating(dtype)
        or pa.types.is_boolean(dtype)
        or pa.types.is_temporal(dtype)
        or pa.types.is_decimal(dtype)
    )


def is_numeric_type(dtype: pa.DataType) -> bool:
    """Whether ``dtype`` holds integers or floats (dictionary-encoded or not)."""
    dtype = dtype.value_type if pa.types.is_dictionary(dtype) else dtype
    return pa.types.is_integer(dtype) or pa.types.is_floating(dtype)


def value_type(dtype: pa.DataType) -> pa.DataType:
    """The plain type values of ``dtype`` are stored as in shards."""
    dtype = dtype.value_type if pa.types.is_dictionary(dtype) else dtype
    if pa.types.is_large_string(dtype) or pa.types.is_string_view(dtype):
        return pa.string()
    return dtype


def plain(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Decode dictionaries and normalise string types, so values compare by value."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    target = value_type(array.type)
    return array if array.type == target else array.cast(target)


def canonical(array: pa.Array) -> pa.Array:
    """Plain values with every missing value as null: NaN and "" become null, -0.0 is 0.0."""
    array = plain(array)
    if pa.types.is_floating(array.type):
        array = pc.add(array, pa.scalar(0.0, array.type))  # -0.0 + 0.0 == +0.0
        nan = pc.is_nan(array)
        if pc.any(nan).as_py():
            array = pc.if_else(nan, pa.scalar(None, array.type), array)
    elif pa.types.is_string(array.type):
        empty = pc.equal(array, "")
        if pc.any(empty).as_py():
            array = pc.if_else(empty, pa.scalar(None, array.type), array)
    return array


class LevelCollector:
    """Distinct values of one column across batches, in first-appearance order.

    A dictionary (categorical) column's levels are its categories: the union
    of the dictionaries of every batch, in order of first appearance, as
    pandas and pyarrow unify the dictionaries of row groups and files.  Each
    batch may carry a different dictionary, so every batch is looked at.
    """

    def __init__(self, name: str):
        self.name = name
        self.chunks: list[pa.Array] = []
        self.categorical = False
        self._last_dictionary: pa.Array | None = None

    def add(self, column: pa.Array) -> None:
        """Record the distinct values (or the categories) of one batch's column."""
        if pa.types.is_dictionary(column.type):
            self.categorical = True
            dictionary = column.dictionary
            if not self.chunks or not dictionary.equals(self._last_dictionary):
                self._last_dictionary = dictionary
                self.chunks.append(canonical(dictionary))
            return
        self.chunks.append(pc.unique(canonical(column)))

    def seen(self) -> pa.Array:
        """Every non-missing value seen, in order of first appearance."""
        if not self.chunks:
            return pa.array([], pa.string())
        return pc.unique(pa.concat_arrays(self.chunks)).drop_null()

    def order(self, explicit: list[Any] | None) -> pa.Array:
        """The levels in seaborn's order: explicit, categorical, sorted, else first seen."""
        seen = self.seen()
        if explicit is not None:
            return cast_order(explicit, seen.type, self.name)
        if self.categorical:
            return seen
        if is_ordered_type(seen.type):
            return seen.take(pc.array_sort_indices(seen))
        return seen


def cast_order(values: list[Any], dtype: pa.DataType, column: str) -> pa.Array:
    """An explicit order as an array of the column's type (missing values left out).

    A column with no values at all (type null) takes the order's own type.
    """
    if pa.types.is_null(dtype):
        return pc.unique(canonical(pa.array(values))).drop_null()
    try:
        array = pa.array(values).cast(dtype)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise LevelError(
            f"order for column {column!r}: {values!r} cannot be read as its type {dtype}"
        ) from exc
    return pc.unique(canonical(array)).drop_null()


def codes(column: pa.Array, levels: pa.Array) -> np.ndarray:
    """Index (int32) of each value in ``levels``: ``MISSING`` (-2) for a null, NaN or ""
    value, ``ABSENT`` (-1) for a value not among the levels.

    Dictionary-encoded columns are looked up once per dictionary entry.
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        lookup = codes(column.dictionary, levels)
        indices = column.indices
        if not indices.null_count and np.array_equal(lookup, np.arange(len(lookup))):
            # the dictionary is the levels (a categorical column): codes are the indices
            return indices.to_numpy().astype(np.int32, copy=False)
        lookup = np.append(lookup, MISSING)  # a null index is a missing value
        if indices.null_count:
            indices = indices.fill_null(-1)
        return lookup[indices.to_numpy(zero_copy_only=False)]
    values = canonical(column)
    if pa.types.is_null(values.type):  # a column with no values at all
        return np.full(len(values), MISSING, dtype=np.int32)
    idx = pc.index_in(values, value_set=levels)
    out = idx.fill_null(ABSENT).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    if values.null_count:
        out = out.copy() if not out.flags.writeable else out
        out[values.is_null().to_numpy(zero_copy_only=False)] = MISSING
    return out
