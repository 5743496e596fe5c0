"""One schema for a table of several files, and schemas as rule parameters.

The files' columns are put together by name: a column a file lacks is missing
in its rows; int in one file and float in another is float; categorical in one
and text in another is text; a column of no values (a CSV column left empty)
takes the others' type.  Types that cannot be merged are an error naming the
column and both files.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import pyarrow as pa
import pyarrow.ipc  # noqa: F401  (pa.ipc)

from .errors import TableError

#: the source column's type: one dictionary entry per file, cheap at any row count
SOURCE_TYPE = pa.dictionary(pa.int32(), pa.string())


def check_names(path: str, schema: pa.Schema) -> pa.Schema:
    """Two columns of one name cannot be told apart: say which."""
    seen: set[str] = set()
    for name in schema.names:
        if name in seen:
            raise TableError(
                f"data file {path!r}: column name {name!r} appears more than once; "
                "rename one of them"
            )
        seen.add(name)
    return schema


def check_text(path: str, schema: pa.Schema) -> pa.Schema:
    """CSV text that is not UTF-8 is read as bytes: say so instead of plotting bytes."""
    for field in schema:
        if pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type):
            raise TableError(
                f"data file {path!r}: column {field.name!r} is not valid UTF-8 text; "
                "save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)"
            )
    return schema


def unify(
    schemas: list[tuple[str, pa.Schema]], where: str, name_of: Callable[[str], str]
) -> pa.Schema:
    """One schema for several (name, schema) pairs: safe differences widened.

    int in one, float in another becomes float; categorical in one and text in
    another is compared by values (text), ordered categorical in one and
    unordered in another is unordered; a column of no values at all (a CSV
    column left empty, type null) takes the others' type.  A column whose types
    cannot be merged is a TableError saying ``where``, the column and the two
    sources (as ``name_of`` words them).
    """
    types: dict[str, list[tuple[str, pa.DataType]]] = {}
    for file, schema in schemas:
        for field in schema:
            types.setdefault(field.name, []).append((file, field.type))
    fields = []
    for name, seen in types.items():
        distinct = {t for _, t in seen if not pa.types.is_null(t)}
        if len(distinct) > 1 and all(pa.types.is_dictionary(t) for t in distinct):
            if len({t.ordered for t in distinct}) > 1:  # the order is its categories anyway
                seen = [(f, _unordered(t)) for f, t in seen]
        elif len(distinct) > 1 and any(pa.types.is_dictionary(t) for t in distinct):
            # categorical in some files, plain in others: compare by values
            seen = [(f, t.value_type if pa.types.is_dictionary(t) else t) for f, t in seen]
        fields.append(_unified_field(where, name, seen, name_of))
    return pa.schema(fields)


def _unordered(dtype: pa.DataType) -> pa.DataType:
    if not pa.types.is_dictionary(dtype):
        return dtype
    return pa.dictionary(dtype.index_type, dtype.value_type, ordered=False)


def _unified_field(where: str, name: str, seen: list[tuple[str, pa.DataType]], name_of) -> pa.Field:
    merged = pa.field(name, seen[0][1])
    for file, dtype in seen[1:]:
        try:
            merged = pa.unify_schemas(
                [pa.schema([merged]), pa.schema([pa.field(name, dtype)])],
                promote_options="permissive",
            ).field(name)
        except (pa.ArrowTypeError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            first = next(f for f, t in seen if t == seen[0][1])
            raise TableError(
                f"{where}: column {name!r} is {seen[0][1]} in {name_of(first)} but {dtype} "
                f"in {name_of(file)}; write every file with the same type for it"
            ) from exc
    return merged


def schema_token(schema: pa.Schema) -> str:
    """The column names and types of ``schema`` as text (a rule parameter)."""
    plain = pa.schema([pa.field(f.name, f.type, f.nullable) for f in schema])
    return base64.b64encode(plain.serialize().to_pybytes()).decode("ascii")


def schema_from_token(token: str) -> pa.Schema:
    """The schema :func:`schema_token` wrote."""
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(token)))
