"""A table's levels as the split learns them.

The distinct values of each level column, in the order seaborn gives them (first
appearance; sorted when numeric), each row's code against them, and an explicit
order checked and cast to the column's type.  What a level *is* (missing values,
``-0.0``, dictionaries decoded) is the contract every stage shares, in
:mod:`tilegrid.core.levels`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..core.levels import ABSENT, MISSING, canonical


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


class LevelError(ValueError):
    """An explicit order that does not fit its column, worded for the user."""


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


class LevelLearner:
    """One column's levels learnt while its batches are read, and each batch's codes.

    The levels are the column's values in order of first appearance (a dictionary
    column's: its dictionaries' entries, in order, as :class:`LevelCollector` sees
    them), or the ``explicit`` order when one is given (other values are then
    ``ABSENT``).  Levels are only ever appended, so the codes of earlier batches
    stay valid: one pass codes and learns at once.
    """

    def __init__(self, name: str, explicit: pa.Array | None = None):
        self.name = name
        self.explicit = explicit
        self.levels: pa.Array | None = explicit
        self.categorical = False
        self._dictionary: pa.Array | None = None
        self._lookup: np.ndarray | None = None

    def code(self, column: pa.Array) -> np.ndarray:
        """Each value's code (int32) against the levels, learning the values not seen yet."""
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        if pa.types.is_dictionary(column.type):
            self.categorical = True
            return self._code_dictionary(column)
        if self.explicit is None:
            self._learn(canonical(column))
        if self.levels is None:
            return np.full(len(column), MISSING, dtype=np.int32)
        return codes(column, self.levels)

    def _code_dictionary(self, column: pa.DictionaryArray) -> np.ndarray:
        dictionary = column.dictionary
        if self._dictionary is None or not dictionary.equals(self._dictionary):
            if self.explicit is None:
                self._learn(canonical(dictionary))
            self._dictionary = dictionary
            self._lookup = np.append(codes(dictionary, self.levels), MISSING)
        indices = column.indices
        if indices.null_count:
            indices = indices.fill_null(-1)
        return self._lookup[indices.to_numpy(zero_copy_only=False)]

    def _learn(self, values: pa.Array) -> None:
        """Append the values of ``values`` not among the levels, in order of appearance."""
        if pa.types.is_null(values.type):
            return
        seen = pc.unique(values).drop_null()
        if self.levels is None:
            self.levels = seen
            return
        if self.levels.type != seen.type:
            seen = seen.cast(self.levels.type)
        new = seen.filter(pc.invert(pc.is_in(seen, value_set=self.levels)))
        if len(new):
            self.levels = pa.concat_arrays([self.levels, new])

    def learnt(self, dtype: pa.DataType) -> pa.Array:
        """The levels (an empty array of ``dtype`` when no value was seen)."""
        return self.levels if self.levels is not None else pa.array([], dtype)


class DenseIds:
    """Small dense ids for tuples of codes (a tile's facet codes, a group's category
    codes), given in order of first appearance, so that they can key arrays."""

    def __init__(self, width: int):
        self.width = width
        self.keys: list[tuple[int, ...]] = []
        self._table = np.full((1,) * width, -1, dtype=np.int32) if width else None

    def __len__(self) -> int:
        return len(self.keys)

    def ids(self, parts: list[np.ndarray], n: int) -> np.ndarray:
        """The id of each of ``n`` rows' tuple of codes (``parts``: one array of codes >= 0
        each, of ``n`` rows; none for the one empty tuple)."""
        if not self.width:
            if n and not self.keys:
                self.keys.append(())
            return np.zeros(n, dtype=np.int32)
        self._grow([int(p.max()) + 1 if p.size else 0 for p in parts])
        flat = self._flat(parts)
        found = self._table.ravel().take(flat)
        if found.size and found.min() < 0:
            self._assign(flat[found < 0])
            found = self._table.ravel().take(flat)
        return found

    def _flat(self, parts: list[np.ndarray]) -> np.ndarray:
        """Each row's place in the (row-major) table of ids."""
        flat = parts[0].astype(np.int64, copy=False)
        for part, size in zip(parts[1:], self._table.shape[1:]):
            flat = flat * size + part
        return flat

    def _grow(self, sizes: list[int]) -> None:
        shape = self._table.shape
        if all(s <= n for s, n in zip(sizes, shape)):
            return
        bigger = np.full([max(s, n) for s, n in zip(sizes, shape)], -1, dtype=np.int32)
        bigger[tuple(slice(0, n) for n in shape)] = self._table
        self._table = bigger

    def _assign(self, flat: np.ndarray) -> None:
        """Give the new tuples among ``flat`` (places in the table) ids, in order of first
        appearance."""
        size = self._table.size
        first = np.full(size, flat.size, dtype=np.int64)
        np.minimum.at(first, flat, np.arange(flat.size, dtype=np.int64))
        new = np.flatnonzero(first < flat.size)
        table = self._table.ravel()  # a view: the table is contiguous
        for key in new[np.argsort(first[new], kind="stable")].tolist():
            if table[key] < 0:
                table[key] = len(self.keys)
                self.keys.append(tuple(int(i) for i in np.unravel_index(key, self._table.shape)))
