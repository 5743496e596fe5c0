"""Reading input tables as a stream of Arrow record batches, chosen by file extension."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pyarrow.ipc  # noqa: F401  (pa.ipc)
import pyarrow.parquet as pq

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
    types: dict[str, list[tuple[str, pa.DataType]]] = {}
    for file, schema in schemas:
        for field in schema:
            types.setdefault(field.name, []).append((file, field.type))
    fields = []
    for name, seen in types.items():
        distinct = {t for _, t in seen}
        if len(distinct) > 1 and any(pa.types.is_dictionary(t) for t in distinct):
            # categorical in some files, plain in others: compare by values
            seen = [(f, t.value_type if pa.types.is_dictionary(t) else t) for f, t in seen]
        fields.append(_unified_field(path, name, seen))
    return pa.schema(fields)


def _unified_field(path: str, name: str, seen: list[tuple[str, pa.DataType]]) -> pa.Field:
    merged = pa.field(name, seen[0][1])
    for file, dtype in seen[1:]:
        try:
            merged = pa.unify_schemas(
                [pa.schema([merged]), pa.schema([pa.field(name, dtype)])],
                promote_options="permissive",
            ).field(name)
        except (pa.ArrowTypeError, pa.ArrowInvalid) as exc:
            first = next(f for f, t in seen if t == seen[0][1])
            raise TableError(
                f"data folder {path!r}: column {name!r} is {seen[0][1]} in "
                f"{os.path.relpath(first, path)!r} but {dtype} in {os.path.relpath(file, path)!r}; "
                "write every file with the same type for it"
            ) from exc
    return merged


def read_schema(path: str) -> pa.Schema:
    """Schema of the table at ``path`` without reading its rows (CSV: first block)."""
    _check_exists(path)
    fmt = table_format(path)
    try:
        if fmt in ("csv", "tsv"):
            schema = _csv_reader(path, "," if fmt == "csv" else "\t", None).schema
            return _check_names(path, _check_text(path, schema))
        if fmt == "arrow":
            return _check_names(path, _ipc_schema(path))
        return _check_names(path, _dataset(path, fmt).schema)
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableError(
            f"data file {path!r}: cannot be read as {fmt}: {_first_line(exc)}"
        ) from exc


def has_rows(path: str) -> bool:
    """Whether the table at ``path`` holds at least one row (Parquet/Arrow: from metadata)."""
    _check_exists(path)
    fmt = table_format(path)
    try:
        if fmt in ("csv", "tsv"):
            reader = _csv_reader(path, "," if fmt == "csv" else "\t", None)
            return any(batch.num_rows for batch in reader)
        if fmt == "arrow":
            return _ipc_rows(path) > 0
        return _dataset(path, fmt).count_rows() > 0
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableError(
            f"data file {path!r}: cannot be read as {fmt}: {_first_line(exc)}"
        ) from exc


def iter_batches(path: str, columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
    """Yield the table's rows, restricted to ``columns``, as record batches in file order."""
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
                yield from handle.iter_batches(batch_size=BATCH_ROWS, columns=list(columns))
            return
        if fmt == "arrow":
            yield from _ipc_batches(path, columns)
            return
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
