"""The input table: what ``data`` names, opened once, and read as Arrow record batches.

``data`` is a file (CSV, TSV, Parquet, Arrow/Feather), a folder of Parquet files
(Hive partitions as columns), a glob, or a list of them.  :func:`open_table`
opens each file once when the workflow is parsed (a footer, or a CSV file's
first block) and keeps what that tells: the unified schema, row counts and row
groups, from which the scan jobs are cut (:mod:`tilegrid.table.units`).  Rows
are read by :func:`unit_batches` (one input file, or a range of its row groups,
as the whole table reads it) and :func:`iter_batches` (the whole table).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from .errors import TableError
from .files import (
    Data,
    Part,
    describe,
    input_files,
    is_folder,
    is_glob,
    is_many,
    list_remote,
    resolve,
    source_label,
)
from .formats import (
    BATCH_ROWS,
    FileInfo,
    file_info,
    folder_dataset,
    folder_file_batches,
    read_file,
    table_format,
)
from .schema import SOURCE_TYPE, schema_from_token, schema_token, unify

__all__ = [
    "BATCH_ROWS",
    "Data",
    "FileInfo",
    "Table",
    "TableError",
    "Unit",
    "describe",
    "has_rows",
    "input_files",
    "is_glob",
    "is_many",
    "iter_batches",
    "open_table",
    "read_schema",
    "schema_from_token",
    "schema_token",
    "table_format",
    "unit_batches",
]


@dataclass(frozen=True)
class Unit:
    """One input file and how the whole table reads it: the least one scan job reads.

    ``folder``: the Parquet folder it is read from (its Hive columns and types),
    or None; ``many``: whether it is one of many parts, cast to the table's schema;
    ``row_groups``: a Parquet file read in parts, its row groups ``start`` to
    ``stop`` (None: all); ``folder_schema``: with ``many``, its folder's own schema
    (:func:`~tilegrid.table.schema.schema_token`), so no other file is opened;
    ``label``: its rows' source column value when not its path (a local copy of a
    remote file: its URL).
    """

    path: str
    folder: str | None = None
    many: bool = False
    row_groups: tuple[int, int] | None = None
    folder_schema: str | None = None
    label: str | None = None


@dataclass
class Table:
    """What ``data`` names, each file opened once: schema, parts, files, what each holds."""

    data: Data
    source_column: str | None
    schema: pa.Schema
    parts: list[Part]
    #: each part's own file info (a folder's: its files unified), by path
    infos: dict[str, FileInfo]
    #: each input file, in the table's order
    units: list[Unit] = field(default_factory=list)
    #: local copies of remote files or folders, and their URLs (the source labels)
    sources: dict[str, str] | None = None

    @property
    def many(self) -> bool:
        """Whether the table is read as many parts, each cast to the unified schema."""
        return is_many(self.data, self.source_column)

    def has_rows(self) -> bool:
        """Whether any part holds a row (from footers; a CSV file from its first block)."""
        return any(_info_has_rows(info) for info in self.infos.values())

    def unit_info(self, unit: Unit) -> FileInfo | None:
        """What the parse knows of the unit's own file (Parquet and Arrow files)."""
        return self.infos.get(unit.path)


def _info_has_rows(info: FileInfo) -> bool:
    return bool(info.has_rows) if info.rows is None else info.rows > 0


def open_table(
    data: Data, source_column: str | None = None, sources: dict[str, str] | None = None
) -> Table:
    """Open every file ``data`` names once: the table's schema, parts and input files.

    ``sources``: ``data`` holds local copies of remote files, and these are their URLs."""
    list_remote(data)
    table = _open(data, source_column)
    table.sources = sources or None
    return table


def _open(data: Data, source_column: str | None) -> Table:
    if not is_many(data, source_column):
        info = file_info(data)
        folder = data if _is_folder(data) else None
        units = [Unit(f, folder) for f in input_files(data)]
        parts = [Part(data, data, None)]
        return Table(data, source_column, info.schema, parts, {data: info}, units)
    parts = resolve(data)
    infos = {part.path: file_info(part.path) for part in parts}
    schema = unify(
        [(part.named(), infos[part.path].schema) for part in parts],
        "config key 'data'",
        lambda name: name,
    )
    if source_column is not None:
        _check_source_column(source_column, parts, infos)
        schema = schema.append(pa.field(source_column, SOURCE_TYPE))
    units = []
    for part in parts:
        if _is_folder(part.path):
            token = schema_token(infos[part.path].schema)
            units += [Unit(f, part.path, True, None, token) for f in input_files(part.path)]
        else:
            units.append(Unit(part.path, None, True))
    return Table(data, source_column, schema, parts, infos, units)


def _is_folder(path: str) -> bool:
    return is_folder(path)


def _check_source_column(name: str, parts: list[Part], infos: dict[str, FileInfo]) -> None:
    holder = next((p for p in parts if name in infos[p.path].schema.names), None)
    if holder is not None:
        raise TableError(
            f"config key 'source_column': {name!r} is also a column of data file "
            f"{holder.named()}; choose another name for the source column"
        )


def read_schema(data: Data, source_column: str | None = None) -> pa.Schema:
    """Schema of the table ``data`` names, without reading its rows (CSV: first block)."""
    return open_table(data, source_column).schema


def has_rows(data: Data) -> bool:
    """Whether the table ``data`` names holds at least one row (Parquet/Arrow: from metadata)."""
    return open_table(data).has_rows()


def iter_batches(
    data: Data | Table, columns: Sequence[str], source_column: str | None = None
) -> Iterator[pa.RecordBatch]:
    """Yield the table's rows, restricted to ``columns``, as record batches in file order.

    Many parts are read one after the other, each batch cast to the unified schema
    (a column a file lacks is null there).  The source column, when among
    ``columns``, names each row's file; every file yields at least one (maybe
    empty) batch, so every file is one of its values.
    """
    table = data if isinstance(data, Table) else open_table(data, source_column)
    if not table.many:
        own = table.infos[table.data].schema
        yield from read_file(table.data, columns, folder_schema=own)[1]
        return
    target = pa.schema([table.schema.field(c) for c in columns])
    label_rows = table.source_column in columns
    for part in table.parts:
        own = table.infos[part.path].schema
        read = [c for c in columns if c in own.names and c != table.source_column]
        read = read or own.names[:1]
        for label, batches in _part_batches(part, read, label_rows, own, table.sources):
            yield from _conformed(batches, target, table.source_column, label)


def _part_batches(part: Part, columns: list[str], per_file: bool, own: pa.Schema, sources):
    """(label, batches) for each file of ``part``: one for a file; for a folder, one per
    file when ``per_file`` (the source column), else the whole folder at once."""
    if not (per_file and _is_folder(part.path)):
        yield source_label(part.path, sources), read_file(part.path, columns, folder_schema=own)[1]
        return
    for file in folder_dataset(part.path, own).files:
        yield source_label(file, sources), folder_file_batches(part.path, file, columns, own)


def unit_batches(
    unit: Unit, columns: Sequence[str], source_column: str | None, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    """The batches :func:`iter_batches` yields for one input ``unit``: the same rows, in
    the same batches, with the same types.  ``schema`` is the whole table's, so no
    other file is opened (and the unit's own file once)."""
    if not unit.many:
        if unit.folder is not None:
            folder_schema = pa.schema([f for f in schema if f.name != source_column])
            yield from folder_file_batches(unit.folder, unit.path, columns, folder_schema)
        else:
            yield from read_file(unit.path, columns, unit.row_groups)[1]
        return
    target = pa.schema([schema.field(c) for c in columns])
    wanted = [c for c in columns if c != source_column]
    if unit.folder is not None:
        own = schema_from_token(unit.folder_schema)
        read = [c for c in wanted if c in own.names] or own.names[:1]
        batches = folder_file_batches(unit.folder, unit.path, read, own)
    else:
        own, batches = read_file(unit.path, wanted, unit.row_groups)
        if not any(c in own.names for c in wanted):  # no column of ours: count its rows
            own, batches = read_file(unit.path, own.names[:1], unit.row_groups)
    yield from _conformed(batches, target, source_column, unit.label or source_label(unit.path))


def _conformed(batches, target: pa.Schema, source_column: str | None, label: str):
    """One file's ``batches`` cast to ``target``, with its ``label`` in the source
    column; a file without rows still yields one empty batch when that column is read
    (the file is a source: its label is a level)."""
    empty = True
    for batch in batches:
        empty = False
        yield _conform(batch, target, source_column, label)
    if empty and source_column in target.names:
        yield _conform(None, target, source_column, label)


def _conform(
    batch: pa.RecordBatch | None, target: pa.Schema, source_column: str | None, label: str
) -> pa.RecordBatch:
    """``batch`` with ``target``'s columns and types: cast where a file's type differs,
    null where it lacks the column, the source column filled with ``label``."""
    rows = 0 if batch is None else batch.num_rows
    arrays = []
    for column in target:
        if column.name == source_column:
            indices = pa.array(np.zeros(rows, np.int32))
            arrays.append(pa.DictionaryArray.from_arrays(indices, pa.array([label], pa.string())))
        elif batch is not None and column.name in batch.schema.names:
            values = batch.column(column.name)
            arrays.append(values if values.type == column.type else values.cast(column.type))
        else:
            arrays.append(pa.nulls(rows, column.type))
    return pa.RecordBatch.from_arrays(arrays, schema=target)
