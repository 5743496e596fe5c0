"""Shard files: one tile's rows as an Arrow IPC file (Feather v2), uncompressed.

A shard is written once by the split and read once by its render job, on the
same machine or a shared file system.  Arrow's IPC format costs a memory copy
to write and nothing to read (the render maps the file), where Parquet spends
more time encoding and decoding than the split routing the rows: at 1e8 rows
the split's Parquet writer alone took ~1.8 s of CPU, the IPC writer ~0.5 s.
The bytes depend only on the batches written (no timestamps, no paths), so the
same rows give the same file, and a tile whose shard did not change is not drawn
again (:mod:`tilegrid.split.filetimes`).
"""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa

SUFFIX = ".arrow"


def index_type(n_levels: int) -> tuple[pa.DataType, type]:
    """The narrowest dictionary index type (Arrow, numpy) for ``n_levels`` categories."""
    for arrow, numpy in ((pa.int8(), np.int8), (pa.int16(), np.int16)):
        if n_levels <= np.iinfo(numpy).max:
            return arrow, numpy
    return pa.int32(), np.int32


def open_writer(path: str | os.PathLike, schema: pa.Schema) -> pa.ipc.RecordBatchFileWriter:
    """A writer of record batches to the shard at ``path``."""
    return pa.ipc.new_file(os.fspath(path), schema)


def read_shard(path: str | os.PathLike) -> pa.Table:
    """The shard's rows, memory-mapped (no copy)."""
    with pa.memory_map(os.fspath(path)) as source:
        return pa.ipc.open_file(source).read_all()


def iter_floats(path: str | os.PathLike, column: str):
    """The shard's ``column`` as float64 arrays, one per record batch (NaN for nulls).

    Read one batch at a time into memory of its own (not memory-mapped: mapped
    pages of a large shard would count in the process's memory as it reads),
    so a pass over a shard of any size stays flat in memory.
    """
    with pa.OSFile(os.fspath(path)) as source:
        reader = pa.ipc.open_file(source)
        for i in range(reader.num_record_batches):
            values = reader.get_batch(i).column(column)
            if values.type != pa.float64() or values.null_count:
                values = values.cast(pa.float64()).fill_null(np.nan)
            yield values.to_numpy(zero_copy_only=False)


def batch_sizes(path: str | os.PathLike) -> list[int]:
    """Rows of each record batch of a shard (its "row groups")."""
    with pa.memory_map(os.fspath(path)) as source:
        reader = pa.ipc.open_file(source)
        return [reader.get_batch(i).num_rows for i in range(reader.num_record_batches)]


def write_shard(path: str | os.PathLike, table: pa.Table) -> None:
    """Write ``table`` as a shard (each of its chunks one batch)."""
    with open_writer(path, table.schema) as writer:
        writer.write_table(table)
