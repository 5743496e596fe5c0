"""Reading one file (or one folder of Parquet files) as Arrow record batches, by format.

Each reader opens its file once: its schema and its rows come from the same
open (a Parquet or Arrow file's footer, a CSV file's first block).  Batches hold
at most ``BATCH_ROWS`` rows; a Parquet file may be read in a range of its row
groups.  A file that cannot be read is a :class:`TableError` naming it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.ipc  # noqa: F401  (pa.ipc)
import pyarrow.parquet as pq

from . import remote
from .errors import TableError, first_line
from .files import is_folder
from .schema import check_names, check_text, unify

if TYPE_CHECKING:
    import pyarrow.dataset as ds

CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.zst")
TSV_SUFFIXES = (".tsv", ".tsv.gz", ".tsv.bz2", ".tsv.zst", ".tab")
PARQUET_SUFFIXES = (".parquet", ".pq")
ARROW_SUFFIXES = (".feather", ".arrow", ".ipc")
SUPPORTED = CSV_SUFFIXES + TSV_SUFFIXES + PARQUET_SUFFIXES + ARROW_SUFFIXES
BATCH_ROWS = 1 << 20
CSV_BLOCK_BYTES = 16 << 20


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
    if is_folder(path):
        return "parquet"
    raise TableError(
        f"data file {path!r}: unsupported extension; use one of {', '.join(SUPPORTED)}"
    )


def check_exists(path: str) -> None:
    """A TableError naming ``path`` when nothing is there (a URL: listed at parse time)."""
    if not remote.is_remote(path) and not os.path.exists(path):
        raise TableError(f"data file {path!r} does not exist")


@dataclass(frozen=True)
class FileInfo:
    """What one open of a file (or folder) tells: its schema, and for Parquet and Arrow
    its row count and each row group's rows (None where the format does not say)."""

    path: str
    format: str
    schema: pa.Schema
    rows: int | None = None
    row_groups: tuple[int, ...] | None = None
    #: a CSV file read until its first row: whether it holds any (None: not known)
    has_rows: bool | None = None
    #: a Parquet file's row groups' byte spans ``(start, stop)`` in the file
    spans: tuple[tuple[int, int], ...] | None = None


def file_info(path: str) -> FileInfo:
    """Open ``path`` once and say what it holds (schema, rows), without reading its rows."""
    check_exists(path)
    fmt = table_format(path)
    try:
        if fmt in ("csv", "tsv"):
            return _csv_info(path, fmt)
        if fmt == "arrow":
            with _random_access(path) as source:
                reader = pa.ipc.open_file(source)
                batches = range(reader.num_record_batches)
                sizes = tuple(reader.get_batch(i).num_rows for i in batches)
                schema = reader.schema
            return FileInfo(path, fmt, check_names(path, schema), sum(sizes), sizes)
        if not is_folder(path):
            meta = _footer(path)
            sizes = tuple(meta.row_group(i).num_rows for i in range(meta.num_row_groups))
            schema = meta.schema.to_arrow_schema()
            spans = tuple(_span(meta.row_group(i)) for i in range(meta.num_row_groups))
            return FileInfo(path, fmt, check_names(path, schema), meta.num_rows, sizes, spans=spans)
        return folder_info(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableError(f"data file {path!r}: cannot be read as {fmt}: {first_line(exc)}") from exc


def _random_access(path: str) -> pa.NativeFile:
    """A local file memory-mapped, a remote one read in ranges (at parse time)."""
    return remote.open_file(path) if remote.is_remote(path) else pa.memory_map(path)


def _footer(path: str) -> pq.FileMetaData:
    if remote.is_remote(path):
        with remote.open_file(path) as source:
            return pq.read_metadata(source)
    return pq.read_metadata(path)


def _span(group: pq.RowGroupMetaData) -> tuple[int, int]:
    """The bytes of the file a row group's column chunks take: ``(start, stop)``."""
    starts, stops = [], []
    for i in range(group.num_columns):
        chunk = group.column(i)
        start = chunk.data_page_offset
        if chunk.has_dictionary_page and chunk.dictionary_page_offset:
            start = min(start, chunk.dictionary_page_offset)
        starts.append(start)
        stops.append(start + chunk.total_compressed_size)
    return (min(starts), max(stops)) if starts else (0, 0)


def _csv_info(path: str, fmt: str) -> FileInfo:
    reader = csv_reader(path, fmt, None)
    schema = check_names(path, check_text(path, reader.schema))
    has_rows = any(batch.num_rows for batch in reader)
    return FileInfo(path, fmt, schema, has_rows=has_rows)


def folder_info(path: str) -> FileInfo:
    """A folder of Parquet files as one table: the files' schemas unified (each footer
    read once), Hive partition folders (``site=north/``) as columns."""

    found = folder_dataset(path)
    schemas, rows = [], 0
    for file in _dataset_files(path, found):
        meta = _read_footer(path, file)
        schemas.append((file, meta.schema.to_arrow_schema()))
        rows += meta.num_rows
    if not schemas:
        raise TableError(f"data folder {path!r} holds no Parquet files")
    columns = unify(schemas, f"data folder {path!r}", lambda f: repr(os.path.relpath(f, path)))
    partitions = [f for f in found.schema if f.name not in columns.names]
    schema = pa.schema(list(columns) + partitions)
    return FileInfo(path, "parquet", check_names(path, schema), rows)


def _read_footer(folder: str, file: str) -> pq.FileMetaData:
    try:
        return _footer(file)
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableError(
            f"data file {file!r} (in {folder!r}): cannot be read as parquet: {first_line(exc)}"
        ) from exc


def folder_dataset(path: str, schema: pa.Schema | None = None) -> ds.Dataset:
    """The folder's Parquet dataset, Hive partitions as columns (with ``schema``, as read)."""
    import pyarrow.dataset as ds  # at use: its import costs every parse of the workflow

    if remote.is_remote(path):
        return remote.folder_dataset(path, schema)
    return ds.dataset(path, format="parquet", partitioning="hive", schema=schema)


def _dataset_files(path: str, found: ds.Dataset) -> list[str]:
    """A folder dataset's files, as URLs under a remote prefix."""
    if remote.is_remote(path):
        return [o.url for o in remote.folder_objects(path)]
    return found.files


def csv_reader(path: str, fmt: str, columns: Sequence[str] | None):
    """pyarrow's streaming CSV reader of ``path`` (compression detected from the name)."""
    if remote.is_remote(path):
        stream = remote.open_stream(path)
    else:
        stream = pa.input_stream(path, compression="detect")
    # pyarrow's null_values ("", "NA", "NaN", "null", ...) are missing in text
    # columns too, as pandas reads them: a blank cell is never a category
    convert = pacsv.ConvertOptions(
        include_columns=list(columns) if columns else None, strings_can_be_null=True
    )
    return pacsv.open_csv(
        stream,
        read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(delimiter="," if fmt == "csv" else "\t"),
        convert_options=convert,
    )


def read_file(
    path: str,
    columns: Sequence[str],
    row_groups: tuple[int, int] | None = None,
    folder_schema: pa.Schema | None = None,
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """Open ``path`` once: its schema, and its rows restricted to ``columns`` as record
    batches in file order (a Parquet file's row groups ``row_groups[0]`` up to
    ``row_groups[1]`` only, if given).  ``columns`` absent from the file are skipped.
    A folder is read with ``folder_schema`` (:func:`folder_info`'s), when known."""
    check_exists(path)
    fmt = table_format(path)
    try:
        if fmt in ("csv", "tsv"):
            schema = check_names(path, check_text(path, csv_reader(path, fmt, None).schema))
            wanted = [c for c in columns if c in schema.names]
            return schema, _guarded(path, fmt, _csv_batches(path, fmt, wanted))
        if fmt == "arrow":
            source = pa.memory_map(path)
            reader = pa.ipc.open_file(source)
            wanted = [c for c in columns if c in reader.schema.names]
            return reader.schema, _guarded(path, fmt, _ipc_batches(source, reader, wanted))
        if os.path.isfile(path):
            # pre_buffer would cache every column chunk read until the file is
            # closed: memory would grow with the rows (1 GB per 1e8 float64s).
            handle = pq.ParquetFile(path, pre_buffer=False)
            schema = handle.schema_arrow
            wanted = [c for c in columns if c in schema.names]
            batches = _parquet_batches(handle, wanted, row_groups)
            return check_names(path, schema), _guarded(path, fmt, batches)
        found = folder_dataset(path, folder_schema or folder_info(path).schema)
        wanted = [c for c in columns if c in found.schema.names]
        return found.schema, _guarded(path, fmt, _dataset_batches(found, wanted))
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableError(f"data file {path!r}: cannot be read as {fmt}: {first_line(exc)}") from exc


def _guarded(path: str, fmt: str, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``batches``, a read error raised as a TableError naming ``path``."""
    try:
        yield from batches
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableError(f"data file {path!r}: cannot be read as {fmt}: {first_line(exc)}") from exc


def _csv_batches(path: str, fmt: str, columns: list[str]) -> Iterator[pa.RecordBatch]:
    reader = csv_reader(path, fmt, columns)
    for batch in reader:
        yield batch.select(columns)


def _ipc_batches(source, reader, columns: list[str]) -> Iterator[pa.RecordBatch]:
    """The record batches of an Arrow IPC (Feather v2) file, at most ``BATCH_ROWS`` rows each.

    Read with the IPC reader, not a dataset scan: pyarrow's dataset scan of a file
    whose dictionaries grow batch by batch (dictionary deltas) corrupts memory.
    """
    with source:
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i).select(columns)
            for start in range(0, batch.num_rows, BATCH_ROWS):
                yield batch.slice(start, BATCH_ROWS)


def _parquet_batches(
    handle: pq.ParquetFile, columns: list[str], row_groups: tuple[int, int] | None
) -> Iterator[pa.RecordBatch]:
    with handle:
        groups = list(range(*row_groups)) if row_groups else None
        yield from handle.iter_batches(batch_size=BATCH_ROWS, columns=columns, row_groups=groups)


def _dataset_batches(found: ds.Dataset, columns: list[str]) -> Iterator[pa.RecordBatch]:
    import pyarrow.dataset as ds

    yield from found.to_batches(
        columns=columns,
        batch_size=BATCH_ROWS,
        use_threads=True,
        fragment_scan_options=ds.ParquetFragmentScanOptions(pre_buffer=False),
    )


def folder_file_batches(
    folder: str, file: str, columns: Sequence[str], schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    """The batches of one file of a Parquet folder, with the folder's ``schema`` (its
    columns and Hive partition values typed as the folder's); only that file is opened."""
    import pyarrow.dataset as ds

    where = os.path.relpath(os.path.dirname(file), folder)
    keys = [part.split("=", 1)[0] for part in where.split(os.sep) if "=" in part]
    fields = pa.schema([schema.field(k) for k in keys if k in schema.names])
    dataset = ds.dataset(
        [file],
        format="parquet",
        schema=schema,
        partitioning=ds.partitioning(fields, flavor="hive") if len(fields) else None,
        partition_base_dir=folder,
    )
    options = ds.ParquetFragmentScanOptions(pre_buffer=False)
    try:
        for fragment in dataset.get_fragments():
            yield from fragment.to_batches(
                schema=dataset.schema,
                columns=list(columns),
                batch_size=BATCH_ROWS,
                fragment_scan_options=options,
            )
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableError(
            f"data file {file!r} (in {folder!r}): cannot be read as parquet: {first_line(exc)}"
        ) from exc
