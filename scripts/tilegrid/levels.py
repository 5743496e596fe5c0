"""Distinct values of categorical columns and their order, as seaborn orders them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


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


class LevelCollector:
    """Distinct values of one column across batches, in first-appearance order."""

    def __init__(self, name: str):
        self.name = name
        self.chunks: list[pa.Array] = []
        self.dictionary: pa.Array | None = None

    def add(self, column: pa.Array) -> None:
        """Record the distinct values of one batch's column."""
        if pa.types.is_dictionary(column.type):
            if self.dictionary is None:
                self.dictionary = plain(column.dictionary)
            used = pc.unique(column.indices).drop_null()  # small ints: cheap
            self.chunks.append(plain(column.dictionary).take(used))
            return
        self.chunks.append(pc.unique(plain(column)))

    def seen(self) -> pa.Array:
        """Every non-null value seen, in order of first appearance."""
        if not self.chunks:
            return pa.array([], pa.string())
        return pc.unique(pa.concat_arrays(self.chunks)).drop_null()

    def order(self, explicit: list[Any] | None) -> pa.Array:
        """The levels in seaborn's order: explicit, categorical, sorted, else first seen."""
        seen = self.seen()
        if explicit is not None:
            return cast_order(explicit, seen.type, self.name)
        if self.dictionary is not None:
            return self.dictionary
        if is_ordered_type(seen.type):
            return seen.take(pc.array_sort_indices(seen))
        return seen


def cast_order(values: list[Any], dtype: pa.DataType, column: str) -> pa.Array:
    """An explicit order as an array of the column's type."""
    try:
        return pa.array(values).cast(dtype)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise LevelError(
            f"order for column {column!r}: {values!r} cannot be read as its type {dtype}"
        ) from exc


def codes(column: pa.Array, levels: pa.Array) -> np.ndarray:
    """Index (int32) of each value in ``levels``; -1 for nulls and values not among them.

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
        lookup = np.append(lookup, np.int32(-1))
        if indices.null_count:
            indices = indices.fill_null(-1)
        return lookup[indices.to_numpy(zero_copy_only=False)]
    idx = pc.index_in(plain(column), value_set=levels)
    if idx.null_count:
        idx = idx.fill_null(-1)
    return idx.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
