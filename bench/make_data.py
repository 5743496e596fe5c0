"""Deterministic benchmark table: row (5) x col (5) facets, group (4) categories, value.

Every (cell, group) has its own two-component normal mixture and the four
groups have unequal, per-cell shares, so no two tiles look alike. Rows are
generated and written in chunks (one Parquet row group each), so memory stays
at a few chunks whatever ``--rows`` is; 1e8 rows take about a minute.

The facet and group columns are dictionary-encoded strings ("r0".."r4",
"c0".."c4", "g0".."g3"), which is how pandas writes categoricals to Parquet;
pandas reads them back as ``category``. With ``--xy`` the table has a second
numeric column, ``x`` (for scatter plots of ``x`` against ``value``); with
``--files N`` the same rows are written as N Parquet files in a folder
(``part-000.parquet``, ...: read in name order they are the single file's rows).

    python bench/make_data.py --rows 1e6 --out bench/data/rows-1e6.parquet --seed 1
    python bench/make_data.py --rows 1e6 --out bench/data/rows-1e6-files100 --files 100
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

N_ROW, N_COL, N_GROUP = 5, 5, 4
GROUPS = pa.array([f"g{i}" for i in range(N_GROUP)])
CHUNK = 1 << 21  # rows per chunk and per row group (2,097,152)
SCHEMA = pa.schema(
    [
        ("row", pa.dictionary(pa.int8(), pa.string())),
        ("col", pa.dictionary(pa.int8(), pa.string())),
        ("group", pa.dictionary(pa.int8(), pa.string())),
        ("value", pa.float64()),
    ]
)
#: with ``xy``: a second numeric column, for scatter plots of x against value
SCHEMA_XY = SCHEMA.append(pa.field("x", pa.float64()))
#: the cell whose values ``perturb`` changes (an inner cell with a narrow range)
PERTURB_CELL = ("r2", "c2")


def levels(prefix: str, n: int) -> pa.Array:
    """``r0``, ``r1``, ... : the facet values of a grid dimension."""
    return pa.array([f"{prefix}{i}" for i in range(n)])


def mixture_params(seed: int, shape: tuple[int, int] = (N_ROW, N_COL)) -> dict[str, np.ndarray]:
    """Per-cell group shares and per-(cell, group) mixture parameters."""
    rng = np.random.default_rng([seed, 0])
    cells = shape[0] * shape[1]
    shares = np.array([0.4, 0.3, 0.2, 0.1])
    share = np.stack([rng.permutation(shares) for _ in range(cells)])
    # cells drift apart (by 3.75 over the grid), so the outer cells set the shared limits
    center = rng.uniform(-1.0, 1.0, (cells, N_GROUP)) + np.arange(cells)[:, None] * (3.75 / cells)
    return {
        "share": share,  # (cells, groups)
        "mu1": center,
        "sd1": rng.uniform(0.3, 0.8, (cells, N_GROUP)),
        "mu2": center + rng.uniform(1.0, 2.5, (cells, N_GROUP)),
        "sd2": rng.uniform(0.2, 0.6, (cells, N_GROUP)),
        "w": rng.uniform(0.15, 0.5, (cells, N_GROUP)),  # weight of the second component
    }


def make_chunk(
    n: int,
    params: dict[str, np.ndarray],
    rng: np.random.Generator,
    shape: tuple[int, int] = (N_ROW, N_COL),
    xy: bool = False,
) -> pa.RecordBatch:
    """``n`` rows: uniform cell, group by the cell's shares, value from its mixture.

    With ``xy``, also ``x``: the group's position plus noise that grows with the
    value's distance from its component's mean, so every tile's scatter has four
    differently shaped clouds (drawn after the other columns: ``value`` is the
    same with or without it).
    """
    cells = shape[0] * shape[1]
    cell = rng.integers(0, cells, n, dtype=np.int8 if cells < 128 else np.int16)
    cum = np.cumsum(params["share"], axis=1)[cell]  # (n, groups)
    group = (rng.random(n)[:, None] > cum[:, :-1]).sum(axis=1).astype(np.int8)
    second = rng.random(n) < params["w"][cell, group]
    mu = np.where(second, params["mu2"][cell, group], params["mu1"][cell, group])
    sd = np.where(second, params["sd2"][cell, group], params["sd1"][cell, group])
    value = mu + sd * rng.standard_normal(n)
    row, col = np.divmod(cell, np.int16(shape[1]))
    arrays = [
        pa.DictionaryArray.from_arrays(pa.array(row.astype(np.int8)), levels("r", shape[0])),
        pa.DictionaryArray.from_arrays(pa.array(col.astype(np.int8)), levels("c", shape[1])),
        pa.DictionaryArray.from_arrays(pa.array(group), GROUPS),
        pa.array(value),
    ]
    if not xy:
        return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)
    spread = 0.15 + 0.25 * np.abs(value - mu) / sd
    x = group + spread * rng.standard_normal(n)
    return pa.RecordBatch.from_arrays([*arrays, pa.array(x)], schema=SCHEMA_XY)


def chunks(rows: int, seed: int, shape: tuple[int, int], xy: bool = False):
    """The table's rows as record batches of ``CHUNK`` rows (the last one shorter)."""
    if max(shape) > 127:
        raise ValueError(f"grid {shape}: at most 127 rows and columns")
    params = mixture_params(seed, shape)
    for i, start in enumerate(range(0, rows, CHUNK)):
        rng = np.random.default_rng([seed, 1, i])
        yield make_chunk(min(CHUNK, rows - start), params, rng, shape, xy)


def write_table(
    rows: int, out: str, seed: int, shape: tuple[int, int] = (N_ROW, N_COL), xy: bool = False
) -> None:
    """Write ``rows`` rows of a ``shape`` grid to ``out`` (atomically), a row group per chunk."""
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = f"{out}.tmp{os.getpid()}"
    with pq.ParquetWriter(tmp, SCHEMA_XY if xy else SCHEMA, compression="snappy") as writer:
        for batch in chunks(rows, seed, shape, xy):
            writer.write_batch(batch, row_group_size=CHUNK)
    os.replace(tmp, out)


def part_name(index: int) -> str:
    """File name of the folder's ``index``-th part: name order is row order."""
    return f"part-{index:03d}.parquet"


def write_folder(
    rows: int,
    out: str,
    seed: int,
    files: int,
    shape: tuple[int, int] = (N_ROW, N_COL),
    xy: bool = False,
) -> None:
    """Write the same rows as ``write_table`` as ``files`` Parquet files in folder ``out``.

    File ``k`` holds rows ``[k * rows // files, (k + 1) * rows // files)`` of the
    single-file table, so the folder read in name order is that table. The folder
    is written next to ``out`` and renamed into place when complete.
    """
    if not 1 <= files <= 1000:
        raise ValueError(f"--files {files}: between 1 and 1000")
    tmp = f"{out}.tmp{os.getpid()}"
    os.makedirs(tmp)
    bounds = [k * rows // files for k in range(files + 1)]
    schema = SCHEMA_XY if xy else SCHEMA
    k, written, writer = 0, 0, None
    for batch in chunks(rows, seed, shape, xy):
        offset = 0
        while offset < len(batch):
            if writer is None:
                writer = pq.ParquetWriter(f"{tmp}/{part_name(k)}", schema, compression="snappy")
            take = min(len(batch) - offset, bounds[k + 1] - written)
            writer.write_batch(batch.slice(offset, take), row_group_size=CHUNK)
            offset, written = offset + take, written + take
            if written == bounds[k + 1]:
                writer.close()
                writer, k = None, k + 1
    while k < files:  # more files than rows: the rest are empty
        pq.write_table(schema.empty_table(), f"{tmp}/{part_name(k)}")
        k += 1
    os.replace(tmp, out)


def perturb(src: str, out: str, cell: tuple[str, str] = PERTURB_CELL) -> int:
    """Copy ``src`` to ``out`` with one cell's values pulled 10% toward its mean.

    The cell's extent shrinks, so the shared limits (set by outer cells) stay
    the same and only that cell's tile should change. Returns the rows changed.
    """
    import pyarrow.compute as pc

    pf = pq.ParquetFile(src)
    total, count = 0.0, 0
    for batch in pf.iter_batches(batch_size=CHUNK):
        mask = _cell_mask(batch, cell)
        vals = pc.filter(batch.column("value"), mask)
        total += pc.sum(vals).as_py() or 0.0
        count += len(vals)
    mean = total / max(count, 1)
    tmp = f"{out}.tmp{os.getpid()}"
    with pq.ParquetWriter(tmp, pf.schema_arrow, compression="snappy") as writer:
        for batch in pf.iter_batches(batch_size=CHUNK):
            mask = _cell_mask(batch, cell).to_numpy(zero_copy_only=False)
            value = batch.column("value").to_numpy().copy()
            value[mask] = mean + 0.9 * (value[mask] - mean)
            batch = batch.set_column(
                batch.schema.get_field_index("value"), "value", pa.array(value)
            )
            writer.write_batch(batch, row_group_size=CHUNK)
    os.replace(tmp, out)
    return count


def _cell_mask(batch: pa.RecordBatch, cell: tuple[str, str]) -> pa.Array:
    import pyarrow.compute as pc

    row = batch.column("row").dictionary_decode()
    col = batch.column("col").dictionary_decode()
    return pc.and_(pc.equal(row, cell[0]), pc.equal(col, cell[1]))


def parse_rows(text: str) -> int:
    """Accept 1e6, 1_000_000 or 1000000."""
    return int(float(text.replace("_", "")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=parse_rows, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shape", type=int, nargs=2, default=[N_ROW, N_COL], metavar=("R", "C"))
    parser.add_argument("--xy", action="store_true", help="add a numeric column x")
    parser.add_argument(
        "--files", type=int, default=0, help="write a folder of this many Parquet files"
    )
    args = parser.parse_args()
    shape = (args.shape[0], args.shape[1])
    if args.files:
        write_folder(args.rows, args.out, args.seed, args.files, shape, args.xy)
    else:
        write_table(args.rows, args.out, args.seed, shape, args.xy)


if __name__ == "__main__":
    main()
