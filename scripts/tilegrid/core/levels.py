"""What a level is, for every stage: a categorical column's values compared by value.

Missing values are the same in every format and role (facets, x, hue): null,
NaN and the empty string are *missing*, never a level, and ``-0.0`` is the
value ``0.0``.  A row's code tells a missing value (``MISSING``) from a value
that is not among the levels (``ABSENT``), so the split can count each; the split
learns the levels and codes rows against them (:mod:`tilegrid.split.levels`).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MISSING = np.int32(-2)  # code of a null, NaN or "" value
ABSENT = np.int32(-1)  # code of a value that is not among the levels (an explicit order)


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
        empty = pc.equal(array, pa.scalar("", array.type))  # a bare "" makes pyarrow import pandas
        if pc.any(empty).as_py():
            array = pc.if_else(empty, pa.scalar(None, array.type), array)
    return array
