"""Reading input tables as a stream of Arrow record batches, chosen by file extension."""

from __future__ import annotations

import base64
import glob
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.ipc  # noqa: F401  (pa.ipc)
import pyarrow.parquet as pq

if TYPE_CHECKING:
    import pyarrow.dataset as ds

CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.zst")
TSV_SUFFIXES = (".tsv", ".tsv.gz", ".tsv.bz2", ".tsv.zst", ".tab")
PARQUET_SUFFIXES = (".parquet", ".pq")
ARROW_SUFFIXES = (".feather", ".arrow", ".ipc")
SUPPORTED = CSV_SUFFIXES + TSV_SUFFIXES + PARQUET_SUFFIXES + ARROW_SUFFIXES
BATCH_ROWS = 1 << 20
CSV_BLOCK_BYTES = 16 << 20


class TableError(ValueError):
    """A problem with the input table, worded for the user."""


def table_format(path: str) -> str:
    """Return ``csv``, ``tsv``, ``parquet`` or ``arrow`` for ``path``, by extension."""
    name = os.path.basename(str(path)).lower()
    for fmt, suffixes in (
        ("csv", CSV_SUFFIXES),
        ("tsv", TSV_SUFFIXES),
        ("parquet", PARQUET_SUFFIXES),
        ("arrow", ARROW_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return fmt
    if os.path.isdir(path):
        return "parquet"
    raise TableError(
        f"data file {path!r}: unsupported extension; use one of {', '.join(SUPPORTED)}"
    )


def _csv_reader(path: str, delimiter: str, columns: Sequence[str] | None):
    stream = pa.input_stream(path, compression="detect")
    # pyarrow's null_values ("", "NA", "NaN", "null", ...) are missing in text
    # columns too, as pandas reads them: a blank cell is never a category
    convert = pacsv.ConvertOptions(
        include_columns=list(columns) if columns else None, strings_can_be_null=True
    )
    return pacsv.open_csv(
        stream,
        read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=convert,
    )


def _check_text(path: str, schema: pa.Schema) -> pa.Schema:
    """CSV text that is not UTF-8 is read as bytes: say so instead of plotting bytes."""
    for field in schema:
        if pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type):
            raise TableError(
                f"data file {path!r}: column {field.name!r} is not valid UTF-8 text; "
                "save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)"
            )
    return schema


def _ipc_batches(path: str, columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
    """The record batches of an Arrow IPC (Feather v2) file, at most ``BATCH_ROWS`` rows each.

    Read with the IPC reader, not a dataset scan: pyarrow's dataset scan of a file
    whose dictionaries grow batch by batch (dictionary deltas) corrupts memory.
    """
    with pa.memory_map(path) as source:
        reader = pa.ipc.open_file(source)
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i).select(list(columns))
            for start in range(0, batch.num_rows, BATCH_ROWS):
                yield batch.slice(start, BATCH_ROWS)


def _ipc_schema(path: str) -> pa.Schema:
    with pa.memory_map(path) as source:
        return pa.ipc.open_file(source).schema


def _ipc_rows(path: str) -> int:
    with pa.memory_map(path) as source:
        reader = pa.ipc.open_file(source)
        return sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))


def _dataset(path: str, fmt: str) -> ds.Dataset:
    import pyarrow.dataset as ds  # at use: its import costs every parse of the workflow

    if os.path.isdir(path):
        return _folder_dataset(path)
    return ds.dataset(path, format="ipc" if fmt == "arrow" else fmt)


def _folder_dataset(path: str) -> ds.Dataset:
    """A folder of Parquet files as one table, Hive partition folders (``site=north/``) as columns.

    Each file's schema is read from its footer and the schemas are unified:
    safe differences (int in one file, float in another; categorical in one,
    text in another) are widened, and a column whose types cannot be merged
    names the two files.
    """
    import pyarrow.dataset as ds  # at use: its import costs every parse of the workflow

    found = ds.dataset(path, format="parquet", partitioning="hive")
    schemas = [(f, pq.read_schema(f)) for f in found.files]
    columns = unify_schemas(path, schemas)
    partitions = [f for f in found.schema if f.name not in columns.names]
    return ds.dataset(
        path,
        format="parquet",
        partitioning="hive",
        schema=pa.schema(list(columns) + partitions),
    )


def unify_schemas(path: str, schemas: list[tuple[str, pa.Schema]]) -> pa.Schema:
    """One schema for the files of a folder, or a TableError naming a column and two files."""
    if not schemas:
        raise TableError(f"data folder {path!r} holds no Parquet files")
    return _unify(schemas, f"data folder {path!r}", lambda file: repr(os.path.relpath(file, path)))


def _unify(schemas: list[tuple[str, pa.Schema]], where: str, name_of) -> pa.Schema:
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


def _read_schema(path: str) -> pa.Schema:
    """Schema of the table at ``path`` without reading its rows (CSV: first block)."""
    _check_exists(path)
    fmt = table_format(path)
    try:
        if fmt in ("csv", "tsv"):
            schema = _csv_reader(path, "," if fmt == "csv" else "\t", None).schema
            return _check_names(path, _check_text(path, schema))
        if fmt == "arrow":
            return _check_names(path, _ipc_schema(path))
        if os.path.isfile(path):  # the footer's schema, as a dataset of the file reads it,
            # without importing pyarrow.dataset (it imports pandas: 0.2 s of every parse)
            return _check_names(path, pq.read_schema(path))
        return _check_names(path, _dataset(path, fmt).schema)
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableError(
            f"data file {path!r}: cannot be read as {fmt}: {_first_line(exc)}"
        ) from exc


def _has_rows(path: str) -> bool:
    """Whether the table at ``path`` holds at least one row (Parquet/Arrow: from metadata)."""
    _check_exists(path)
    fmt = table_format(path)
    try:
        if fmt in ("csv", "tsv"):
            reader = _csv_reader(path, "," if fmt == "csv" else "\t", None)
            return any(batch.num_rows for batch in reader)
        if fmt == "arrow":
            return _ipc_rows(path) > 0
        if os.path.isfile(path):  # from the footer, without importing pyarrow.dataset
            return pq.read_metadata(path).num_rows > 0
        return _dataset(path, fmt).count_rows() > 0
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableError(
            f"data file {path!r}: cannot be read as {fmt}: {_first_line(exc)}"
        ) from exc


def _iter_batches(
    path: str, columns: Sequence[str], row_groups: tuple[int, int] | None = None
) -> Iterator[pa.RecordBatch]:
    """Yield the table's rows, restricted to ``columns``, as record batches in file order
    (of a Parquet file: only its row groups ``row_groups[0]`` to ``row_groups[1]``, if given)."""
    _check_exists(path)
    fmt = table_format(path)
    try:
        if fmt in ("csv", "tsv"):
            reader = _csv_reader(path, "," if fmt == "csv" else "\t", columns)
            _check_text(path, reader.schema)
            for batch in reader:
                yield batch.select(list(columns))
            return
        if fmt == "parquet" and os.path.isfile(path):
            # pre_buffer would cache every column chunk read until the file is
            # closed: memory would grow with the rows (1 GB per 1e8 float64s).
            with pq.ParquetFile(path, pre_buffer=False) as handle:
                groups = list(range(*row_groups)) if row_groups else None
                yield from handle.iter_batches(
                    batch_size=BATCH_ROWS, columns=list(columns), row_groups=groups
                )
            return
        if fmt == "arrow":
            yield from _ipc_batches(path, columns)
            return
        import pyarrow.dataset as ds

        options = ds.ParquetFragmentScanOptions(pre_buffer=False) if fmt == "parquet" else None
        yield from _dataset(path, fmt).to_batches(
            columns=list(columns),
            batch_size=BATCH_ROWS,
            use_threads=True,
            fragment_scan_options=options,
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableError(
            f"data file {path!r}: cannot be read as {fmt}: {_first_line(exc)}"
        ) from exc


def _check_names(path: str, schema: pa.Schema) -> pa.Schema:
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


def _check_exists(path: str) -> None:
    if not os.path.exists(path):
        raise TableError(f"data file {path!r} does not exist")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# ---------------------------------------------------------------- many files

#: characters that make a ``data`` value a glob pattern (when no file has that name)
GLOB_CHARS = frozenset("*?[")
#: the source column's type: one dictionary entry per file, cheap at any row count
SOURCE_TYPE = pa.dictionary(pa.int32(), pa.string())

Data = str | Sequence[str]


@dataclass(frozen=True)
class Part:
    """One file or folder the config's ``data`` names, and the entry that named it."""

    path: str
    entry: str
    index: int | None  # 1-based position in a ``data`` list; None for a single value

    @property
    def label(self) -> str:
        """The path as given, normalised: the source column's value for its rows."""
        return source_label(self.path)

    def named(self) -> str:
        """The part for a message: its path, and its list entry when there is one."""
        return f"{self.path!r}" + ("" if self.index is None else f" (entry {self.index})")


def source_label(path: str) -> str:
    """A file's path as given, normalised, with ``/`` separators (``./a//b.csv`` -> ``a/b.csv``)."""
    return os.path.normpath(path).replace(os.sep, "/")


def is_glob(entry: str) -> bool:
    """Whether ``entry`` is a glob: it holds ``*``, ``?`` or ``[`` and no file has its name."""
    return bool(GLOB_CHARS & set(entry)) and not os.path.exists(entry)


def is_many(data: Data, source_column: str | None = None) -> bool:
    """Whether ``data`` is read as many parts (a list or a glob) or needs a source column.

    A single file or folder without a source column is read as it always was.
    """
    return source_column is not None or not isinstance(data, str) or is_glob(data)


def describe(data: Data) -> str:
    """``data`` for a message: ``data file 'x.csv'``, ``data 'runs/*.csv'``, ``data [...]``."""
    if isinstance(data, str) and not is_glob(data):
        return f"data file {data!r}"
    return f"data {data if isinstance(data, str) else list(data)!r}"


def resolve(data: Data) -> list[Part]:
    """The files and folders ``data`` names, in order: list entries as given, globs sorted.

    A glob matching nothing, a list entry that does not exist, and a file named
    twice (by two entries, or also inside a folder named) are TableErrors naming
    the entry.
    """
    entries = [(data, None)] if isinstance(data, str) else [(e, i + 1) for i, e in enumerate(data)]
    parts: list[Part] = []
    seen: dict[str, Part] = {}
    for entry, index in entries:
        where = "config key 'data'" + ("" if index is None else f" (entry {index}, {entry!r})")
        if os.path.exists(entry):
            paths = [entry]
        elif is_glob(entry):
            paths = sorted(glob.glob(entry, recursive=True))
            if not paths:
                what = "the glob" if index is not None else f"the glob {entry!r}"
                raise TableError(f"{where}: {what} matches no file")
        else:
            raise TableError(f"{where}: {entry!r} does not exist")
        for path in paths:
            part = Part(path, entry, index)
            key = os.path.realpath(path)
            other = _overlap(key, seen)
            if other is not None:
                raise TableError(
                    f"{where}: {path!r} is also read as {other.path!r}"
                    f"{'' if other.entry == entry else ' of ' + other.named()}; "
                    "name each file once"
                )
            seen[key] = part
            parts.append(part)
    return parts


def _overlap(key: str, seen: dict[str, Part]) -> Part | None:
    """The part already seen that ``key`` (a real path) is, is inside, or holds; or None."""
    if key in seen:
        return seen[key]
    ancestor = os.path.dirname(key)
    while ancestor and ancestor not in seen and os.path.dirname(ancestor) != ancestor:
        ancestor = os.path.dirname(ancestor)
    if ancestor in seen:
        return seen[ancestor]
    return next((p for k, p in seen.items() if k.startswith(key + os.sep)), None)


def input_files(data: Data) -> list[str]:
    """Every file ``data`` reads: the files it names, and every data file of its folders.

    Names starting with "." or "_" inside a folder are skipped, as pyarrow's
    datasets skip them.  These are the split's inputs, by name and content.  A
    single file is its own input even before it exists (the generated example).
    """
    if isinstance(data, str) and not is_glob(data) and not os.path.isdir(data):
        return [data]
    files: list[str] = []
    for part in resolve(data):
        if not os.path.isdir(part.path):
            files.append(part.path)
            continue
        files += sorted(
            os.path.join(root, name)
            for root, dirs, names in os.walk(part.path)
            if not _hidden(os.path.relpath(root, part.path))
            for name in names
            if not name.startswith((".", "_"))
        )
    return files


def _hidden(relative_dir: str) -> bool:
    return any(p.startswith((".", "_")) for p in relative_dir.split(os.sep) if p != ".")


def read_schema(path: Data, source_column: str | None = None) -> pa.Schema:
    """Schema of the table ``path`` names, without reading its rows (CSV: first block).

    Many parts (a list, a glob): their schemas unified as a folder's files are,
    plus the source column when asked for.
    """
    if not is_many(path, source_column):
        return _read_schema(path)
    return _many_schema(resolve(path), source_column)[0]


def has_rows(path: Data) -> bool:
    """Whether the table ``path`` names holds at least one row (Parquet/Arrow: from metadata)."""
    if not is_many(path):
        return _has_rows(path)
    return any(_has_rows(part.path) for part in resolve(path))


def iter_batches(
    path: Data, columns: Sequence[str], source_column: str | None = None
) -> Iterator[pa.RecordBatch]:
    """Yield the table's rows, restricted to ``columns``, as record batches in file order.

    Many parts are read one after the other, in :func:`resolve`'s order, each
    batch cast to the unified schema (a column a file lacks is null there).
    The source column, when among ``columns``, names each row's file; every file
    yields at least one (maybe empty) batch, so every file is one of its values.
    """
    if not is_many(path, source_column):
        yield from _iter_batches(path, columns)
        return
    parts = resolve(path)
    schema, schemas = _many_schema(parts, source_column)
    target = pa.schema([schema.field(c) for c in columns])
    for part, own in zip(parts, schemas):
        read = [c for c in columns if c in own.names and c != source_column] or own.names[:1]
        for label, batches in _file_batches(part, read, source_column in columns):
            yield from _conformed(batches, target, source_column, label)


@dataclass(frozen=True)
class InputFile:
    """One input file and how the whole table reads it.

    ``folder``: the Parquet folder it is read from (its Hive columns and types),
    or None; ``many``: whether it is read as one of many parts, cast to the
    table's schema (:func:`iter_batches`).
    """

    path: str
    folder: str | None = None
    many: bool = False
    #: a Parquet file read in parts: its row groups ``start`` to ``stop`` (None: all)
    row_groups: tuple[int, int] | None = None


def input_parts(
    data: Data, source_column: str | None = None, range_rows: int | None = None
) -> list[InputFile]:
    """Every input file (:func:`input_files`, in its order) and how it is read.

    With ``range_rows``, a Parquet file (not in a folder) of more rows is read in
    parts, ranges of its row groups of about that many rows (:func:`row_group_ranges`).
    """
    many = is_many(data, source_column)
    if not many:
        folder = data if os.path.isdir(data) else None
        files = [InputFile(f, folder, False) for f in input_files(data)]
    else:
        files = []
        for part in resolve(data):
            if os.path.isdir(part.path):
                files += [InputFile(f, part.path, True) for f in input_files(part.path)]
            else:
                files.append(InputFile(part.path, None, True))
    if not range_rows:
        return files
    out = []
    for file in files:
        ranges = None
        if file.folder is None and os.path.isfile(file.path) and _is_parquet(file.path):
            ranges = row_group_ranges(file.path, range_rows)
        if ranges is None:
            out.append(file)
        else:
            out += [InputFile(file.path, None, file.many, r) for r in ranges]
    return out


def _is_parquet(path: str) -> bool:
    try:
        return table_format(path) == "parquet"
    except TableError:
        return False


def row_group_ranges(path: str, range_rows: int) -> list[tuple[int, int]] | None:
    """A Parquet file's row groups in ranges of at least ``range_rows`` rows, or None for one.

    A range starts only where a batch of the whole file's read starts (a row number
    that is a multiple of ``BATCH_ROWS``), so each range is read in the very
    batches the whole file is read in.
    """
    _check_exists(path)
    meta = pq.read_metadata(path)
    ranges, start, rows, first = [], 0, 0, 0
    for group in range(meta.num_row_groups):
        if rows - first >= range_rows and rows % BATCH_ROWS == 0:
            ranges.append((start, group))
            start, first = group, rows
        rows += meta.row_group(group).num_rows
    if not ranges or rows == first:
        return None if not ranges else [*ranges[:-1], (ranges[-1][0], meta.num_row_groups)]
    return [*ranges, (start, meta.num_row_groups)]


def iter_file_batches(
    file: InputFile,
    columns: Sequence[str],
    source_column: str | None,
    schema: pa.Schema,
) -> Iterator[pa.RecordBatch]:
    """The batches :func:`iter_batches` yields for one input ``file``: the same rows, in
    the same batches, with the same types.

    ``schema`` is the whole table's (:func:`read_schema`), so no other file is read.
    """
    if not file.many:
        if file.folder is not None:
            folder_schema = pa.schema([f for f in schema if f.name != source_column])
            yield from _folder_file_batches(file.folder, file.path, columns, folder_schema)
        else:
            yield from _iter_batches(file.path, columns, file.row_groups)
        return
    target = pa.schema([schema.field(c) for c in columns])
    own = _read_schema(file.folder or file.path)
    read = [c for c in columns if c in own.names and c != source_column] or own.names[:1]
    if file.folder is not None:
        batches = _folder_file_batches(file.folder, file.path, read, own)
    else:
        batches = _iter_batches(file.path, read, file.row_groups)
    yield from _conformed(batches, target, source_column, source_label(file.path))


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


def schema_token(schema: pa.Schema) -> str:
    """The column names and types of ``schema`` as text (a rule parameter)."""
    plain = pa.schema([pa.field(f.name, f.type, f.nullable) for f in schema])
    return base64.b64encode(plain.serialize().to_pybytes()).decode("ascii")


def schema_from_token(token: str) -> pa.Schema:
    """The schema :func:`schema_token` wrote."""
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(token)))


def _folder_file_batches(
    folder: str, file: str, columns: Sequence[str], schema: pa.Schema | None = None
) -> Iterator[pa.RecordBatch]:
    """The batches of one file of a Parquet folder, with the folder's columns and types.

    ``schema``: the folder's (:func:`_folder_dataset`'s), when known: then no other
    file's footer is read (a scan per file of a folder of N files would read N**2).
    """
    import pyarrow.dataset as ds

    dataset = _folder_dataset(folder) if schema is None else _one_file_dataset(folder, file, schema)
    options = ds.ParquetFragmentScanOptions(pre_buffer=False)
    key = os.path.realpath(file)
    for fragment in dataset.get_fragments():
        if os.path.realpath(fragment.path) == key:
            yield from _fragment_batches(folder, fragment, dataset.schema, columns, options)
            return
    raise TableError(f"data folder {folder!r}: {file!r} is not one of its Parquet files")


def _one_file_dataset(folder: str, file: str, schema: pa.Schema) -> ds.Dataset:
    """One file of a Parquet folder as :func:`_folder_dataset` reads it: the folder's
    ``schema``, the Hive partition values of the file's path (typed as the folder's),
    and no other file's footer read."""
    import pyarrow.dataset as ds

    where = os.path.relpath(os.path.dirname(file), folder)
    keys = [part.split("=", 1)[0] for part in where.split(os.sep) if "=" in part]
    if not set(keys) <= set(schema.names):
        return _folder_dataset(folder)  # not the folder's schema: read the folder
    fields = pa.schema([schema.field(k) for k in keys])
    partitioning = ds.partitioning(fields, flavor="hive") if keys else None
    return ds.dataset(
        [file],
        format="parquet",
        schema=schema,
        partitioning=partitioning,
        partition_base_dir=folder,
    )


def _many_schema(parts: list[Part], source_column: str | None) -> tuple[pa.Schema, list[pa.Schema]]:
    """The unified schema of ``parts`` (plus the source column), and each part's own."""
    own = [_read_schema(part.path) for part in parts]
    by_name = {part.named(): part for part in parts}
    schema = _unify(
        [(part.named(), s) for part, s in zip(parts, own)], "config key 'data'", lambda n: n
    )
    if source_column is not None:
        if source_column in schema.names:
            holder = next(by_name[n] for n, s in zip(by_name, own) if source_column in s.names)
            raise TableError(
                f"config key 'source_column': {source_column!r} is also a column of data file "
                f"{holder.named()}; choose another name for the source column"
            )
        schema = schema.append(pa.field(source_column, SOURCE_TYPE))
    return schema, own


def _file_batches(part: Part, columns: list[str], per_file: bool):
    """(label, batches) for each file of ``part``: one for a file; for a folder, one per
    file when ``per_file`` (the source column), else the whole folder at once."""
    if not (per_file and os.path.isdir(part.path)):
        yield part.label, _iter_batches(part.path, columns)
        return
    import pyarrow.dataset as ds

    dataset = _folder_dataset(part.path)
    options = ds.ParquetFragmentScanOptions(pre_buffer=False)
    for fragment in dataset.get_fragments():
        yield (
            source_label(fragment.path),
            _fragment_batches(part.path, fragment, dataset.schema, columns, options),
        )


def _fragment_batches(path, fragment, schema, columns, options) -> Iterator[pa.RecordBatch]:
    try:
        yield from fragment.to_batches(
            schema=schema,
            columns=list(columns),
            batch_size=BATCH_ROWS,
            fragment_scan_options=options,
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableError(
            f"data file {fragment.path!r} (in {path!r}): cannot be read as parquet: "
            f"{_first_line(exc)}"
        ) from exc


def _conform(
    batch: pa.RecordBatch | None, target: pa.Schema, source_column: str | None, label: str
) -> pa.RecordBatch:
    """``batch`` with ``target``'s columns and types: cast where a file's type differs,
    null where it lacks the column, the source column filled with ``label``."""
    rows = 0 if batch is None else batch.num_rows
    arrays = []
    for field in target:
        if field.name == source_column:
            indices = pa.array(np.zeros(rows, np.int32))
            arrays.append(pa.DictionaryArray.from_arrays(indices, pa.array([label], pa.string())))
        elif batch is not None and field.name in batch.schema.names:
            column = batch.column(field.name)
            arrays.append(column if column.type == field.type else column.cast(field.type))
        else:
            arrays.append(pa.nulls(rows, field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=target)
