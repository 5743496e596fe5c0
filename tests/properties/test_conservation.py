"""Invariant 1: every input row is accounted for (ARCHITECTURE.md, issue 10).

Every input row lands in exactly one tile's shard, or is counted as dropped
under one reason in the manifest, whatever the input's shape.  The split runs
in-process (``run_split`` on real files in a temporary folder, no Snakemake)
and is compared with :func:`reference`, a plain pandas reading of the same
file with the rules written out:

* a row is kept iff each facet value (row, col) is present and in its order,
  each categorical role (violin ``x``, ``hue``) likewise, and the numeric role
  (violin ``y``, hist ``x``) is finite.  Missing means null, NaN or ``""`` in
  every format; in CSV/TSV pyarrow's default ``null_values`` ("", "NA",
  "NaN", "null", ...) are null in every column, text included;
* ``-0.0`` and ``0.0`` are one value (``0.0``);
* default level order as seaborn/pandas: a dictionary (categorical) column has
  its categories, the union of the dictionaries of every row group and file in
  order of first appearance (what ``pd.read_parquet`` gives); bool, int, float
  and date columns are sorted; text is in order of first appearance.  An
  explicit order is used as given;
* a dropped row is counted once, under the first reason that applies: the row
  facet (missing, then not in its order), the col facet, then ``x``, then
  ``hue`` (``missing_category``, ``category_not_in_order``), then
  ``non_finite``;
* a row dropped for a category or a number (its facet values are valid) is
  also counted in its tile: the manifest's tile entry holds the tile's dropped
  rows by reason, the reasons with none left out.

Property tests (hypothesis): derandomized (hypothesis's fixed seed derived from
each test's name), no example database, ``deadline=None``.  In the suite each
property runs ``CI_EXAMPLES`` (60) examples: the file takes about 10 s on 2 cores
when the split is right (shrinking a failure takes longer).  A soak run explores
more, with fresh random seeds (a failure is printed with a ``@reproduce_failure``
blob; ``--hypothesis-seed=N`` repeats a soak run)::

    TILEGRID_SOAK=1 .venv/bin/python -m pytest tests/properties/test_conservation.py   # 2000 each
    TILEGRID_SOAK=20000 .venv/bin/python -m pytest tests/properties/test_conservation.py

(a value above 1 is the number of examples per property; 2000 take a few
minutes).  The generated shapes are the ones real data has: CSV, TSV,
``.csv.gz``, Parquet with 1-5 row groups, a folder of 1-4 Parquet files,
Feather (Arrow IPC file, dictionary deltas between batches), 1-4 files of
mixed formats named by ``data:`` as a list, a glob, or a list holding a glob
(the reference reads each file plainly: a column is categorical only if every
file that types it holds a dictionary); with or without ``source_column``
(a categorical column of every file's path, in order, sometimes a facet);
dictionary columns
whose dictionaries differ per row group and per file (other orders, unused
entries, ``""`` as a category); nulls, ``""``, NaN, +-inf, -0.0 and 0.0; bool,
int, float, text, date and (ordered) categorical facet columns; explicit orders
that leave values out or name values the data lacks; kinds violin and hist,
with and without hue, facetted by row, col or both; and input batches and shard
row groups of a few rows, as in a large table.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import gzip
import io
import json
import math
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tilegrid.core.ids import canonical_value
from tilegrid.core.shards import read_shard
from tilegrid.split import gather
from tilegrid.split import job as split
from tilegrid.split.job import SplitError, SplitSpec, run_split
from tilegrid.table import formats

REASONS = (
    "missing_facet",
    "facet_not_in_order",
    "missing_category",
    "category_not_in_order",
    "non_finite",
)
#: the reasons of rows that belong to a tile (their facet values are valid)
TILE_REASONS = REASONS[2:]

# ---------------------------------------------------------------- settings

CI_EXAMPLES = 60
SOAK = int(os.environ.get("TILEGRID_SOAK", "0") or 0)
SOAK_EXAMPLES = 2000 if SOAK == 1 else SOAK
PROPERTY = settings(
    max_examples=SOAK_EXAMPLES if SOAK else CI_EXAMPLES,
    derandomize=not SOAK,
    database=None,
    deadline=None,
    print_blob=True,
    report_multiple_bugs=bool(SOAK),  # in the suite: one bug, shrunk quickly
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---------------------------------------------------------------- the shapes of real data

NAN, INF = math.nan, math.inf
#: each column type's values, ``None`` (null) last; missing forms included
DOMAINS: dict[str, list[Any]] = {
    "bool": [True, False, None],
    "int": [1, 0, -2, 3, None],
    "float": [0.5, -0.0, 0.0, -1.5, 2.0, INF, -INF, NAN, None],
    "string": ["a", "b", "B", "c d", "é", "NA", "", None],
    "date": [
        datetime.date(2020, 1, 1),
        datetime.date(2019, 12, 31),
        datetime.date(2020, 2, 29),
        None,
    ],
    "dict": ["a", "b", "c", "d", "", None],
}
#: values of numeric roles
NUMBERS: dict[str, list[Any]] = {
    "float64": [1.0, -0.0, 0.0, 0.25, -3.5, 1e6, NAN, INF, -INF, None],
    "float32": [1.0, -0.0, 0.0, 0.25, -3.5, 1e6, NAN, INF, -INF, None],
    "int64": [1, 0, -3, 7, None],
}
#: a value an explicit order may name that the data never holds
ABSENT_VALUE = {
    "bool": None,
    "int": 99,
    "float": 9.5,
    "string": "zz",
    "date": datetime.date(1999, 1, 1),
    "dict": "zz",
}
FACET_TYPES = ("string", "dict", "int", "float", "bool", "date")
HUE_TYPES = ("string", "dict", "bool", "date", "int", "float")
#: a number hue without hue_order is continuous (issue 10, case 8): a colormap, not
#: categories; with hue_order it is categorical, and only that case is generated
NUMERIC_HUE = ("int", "float")
FORMATS = ("csv", "tsv", "csv.gz", "parquet", "folder", "feather", "many")
DICT_FORMATS = ("parquet", "folder", "feather", "many")
MAX_CHUNKS = {
    "csv": 1,
    "tsv": 1,
    "csv.gz": 1,
    "parquet": 5,
    "folder": 4,
    "feather": 3,
    "many": 4,
}
#: the formats of the files of a "many" input (``data:`` a list or a glob), mixed
FILE_FORMATS = ("csv", "tsv", "csv.gz", "parquet", "feather")
#: how ``data:`` names the files of a "many" input: each file listed, one glob, or
#: the first file listed and a glob for the others
MANY_LAYOUTS = ("list", "glob", "list+glob")
SOURCE = "src"  # the source_column's name when a case asks for one
#: how a null is written in CSV/TSV (pyarrow's null_values)
CSV_NULLS = ("", "NA", "null", "NaN")


def is_missing(value: Any) -> bool:
    """Null, NaN or the empty string."""
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


@dataclass
class Column:
    """One generated column: its type, its values, and its dictionaries per chunk."""

    name: str
    type: str
    values: list[Any]
    ordered: bool = False
    large: bool = False  # text as large_string (polars, some Spark writers)
    dictionaries: list[list[str]] = field(default_factory=list)


@dataclass
class Case:
    """A generated input table, how it is stored, and the split's settings."""

    format: str
    columns: list[Column]
    bounds: list[int]  # chunk (row group / file / batch) boundaries, 0 .. n
    spec: dict[str, Any]
    null_token: str = ""
    batch_rows: int | None = None
    shard_row_group: int | None = None
    file_formats: list[str] = field(default_factory=list)  # "many": each file's format
    layout: str = "list"  # "many": one of MANY_LAYOUTS

    @property
    def n(self) -> int:
        return len(self.columns[0].values)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@st.composite
def explicit_orders(draw, ctype: str, required: bool = False) -> list[Any] | None:
    """None (the default order) or an explicit order: some of the values, maybe one
    the data lacks, in any order."""
    if not required and not draw(st.booleans()):
        return None
    choices = [v for v in DOMAINS[ctype] if not is_missing(v)]
    if ABSENT_VALUE[ctype] is not None:
        choices.append(ABSENT_VALUE[ctype])
    return draw(st.lists(st.sampled_from(choices), min_size=1, max_size=len(choices), unique=True))


@st.composite
def chunk_dictionaries(
    draw, values: list[Any], bounds: list[int], growing: bool
) -> list[list[str]]:
    """One dictionary per chunk: the chunk's values plus some unused ones, in any order.

    ``growing`` (Arrow IPC files): each dictionary extends the one before (a delta).
    """
    domain = [v for v in DOMAINS["dict"] if v is not None]
    out: list[list[str]] = []
    for lo, hi in zip(bounds, bounds[1:]):
        used = {v for v in values[lo:hi] if v is not None}
        extra = draw(st.sets(st.sampled_from(domain)))
        order = draw(st.permutations(domain))
        wanted = [v for v in order if v in used or v in extra]
        if growing and out:
            wanted = out[-1] + [v for v in wanted if v not in out[-1]]
        out.append(wanted)
    return out


@st.composite
def cases(
    draw, formats=FORMATS, facet_types=FACET_TYPES, x_types=FACET_TYPES, kinds=("violin", "hist")
) -> Case:
    """A table and a split config, shaped as real data is."""
    fmt = draw(st.sampled_from(formats))
    kind = draw(st.sampled_from(kinds))
    n = draw(st.integers(1, 40))  # no rows is a SplitError (tests/table/test_formats.py)
    facets = draw(st.sampled_from(["row", "col", "both"]))
    spec: dict[str, Any] = {"kind": kind}
    plan: list[tuple[str, str]] = []  # (column name, type)
    if facets in ("row", "both"):
        plan.append(("r", draw(st.sampled_from(facet_types))))
        spec["row"] = "r"
        spec["row_order"] = draw(explicit_orders(plan[-1][1]))
    if facets in ("col", "both"):
        plan.append(("c", draw(st.sampled_from(facet_types))))
        spec["col"] = "c"
        spec["col_order"] = draw(explicit_orders(plan[-1][1]))
    if kind == "violin" and draw(st.integers(0, 4)):  # x is optional for violins
        plan.append(("x", draw(st.sampled_from(x_types))))
        spec["x"] = "x"
        order = draw(explicit_orders(plan[-1][1]))
        spec["options"] = {"order": order} if order is not None else {}
    if draw(st.booleans()):
        plan.append(("h", draw(st.sampled_from(HUE_TYPES))))
        spec["hue"] = "h"
        spec["hue_order"] = draw(explicit_orders(plan[-1][1], plan[-1][1] in NUMERIC_HUE))
    number = "y" if kind == "violin" else "x"
    plan.append((number, draw(st.sampled_from(sorted(NUMBERS)))))
    spec[number] = number

    if draw(st.booleans()):  # a column naming each row's file, maybe a facet
        spec["source_column"] = SOURCE
        role = draw(st.sampled_from([None] + [r for r in ("row", "col") if r in spec]))
        if role is not None:
            plan = [(name, ctype) for name, ctype in plan if name != spec[role]]
            spec[role], spec[f"{role}_order"] = SOURCE, None

    chunks = draw(st.integers(1, MAX_CHUNKS[fmt]))
    cuts = draw(st.lists(st.integers(0, n), min_size=chunks - 1, max_size=chunks - 1))
    bounds = [0, *sorted(cuts), n]
    file_formats = []
    if fmt == "many":
        file_formats = draw(
            st.lists(st.sampled_from(FILE_FORMATS), min_size=chunks, max_size=chunks)
        )
    columns = []
    for name, ctype in plan:
        domain = NUMBERS[ctype] if ctype in NUMBERS else DOMAINS[ctype]
        # real columns are often complete, and sometimes entirely empty
        mode = draw(st.sampled_from(["mixed", "present", "missing"]))
        if mode != "mixed":
            domain = [v for v in domain if is_missing(v) == (mode == "missing")]
        values = draw(st.lists(st.sampled_from(domain), min_size=n, max_size=n))
        col = Column(name, ctype, values)
        if ctype == "dict":
            col.ordered = draw(st.booleans())
            growing = fmt == "feather" or "feather" in file_formats
            col.dictionaries = draw(chunk_dictionaries(values, bounds, growing))
        if ctype == "string":
            col.large = draw(st.booleans())
        columns.append(col)
    return Case(
        format=fmt,
        columns=columns,
        bounds=bounds,
        spec=spec,
        null_token=draw(st.sampled_from(CSV_NULLS)),
        batch_rows=draw(st.sampled_from([None, 1, 3, 7])),
        shard_row_group=draw(st.sampled_from([None, 2, 5])),
        file_formats=file_formats,
        layout=draw(st.sampled_from(MANY_LAYOUTS)),
    )


# ---------------------------------------------------------------- writing the files


def arrow_type(col: Column) -> pa.DataType:
    """The column's Arrow type as the file stores it."""
    if col.type == "dict":
        return pa.dictionary(pa.int32(), pa.string(), ordered=col.ordered)
    if col.type == "string":
        return pa.large_string() if col.large else pa.string()
    return {
        "bool": pa.bool_(),
        "int": pa.int64(),
        "float": pa.float64(),
        "date": pa.date32(),
        "float64": pa.float64(),
        "float32": pa.float32(),
        "int64": pa.int64(),
    }[col.type]


def arrow_chunk(case: Case, index: int) -> pa.Table:
    """Chunk ``index`` (a row group, file or batch) as an Arrow table; a dictionary
    column is built from that chunk's own dictionary."""
    lo, hi = case.bounds[index], case.bounds[index + 1]
    arrays = {}
    for col in case.columns:
        values = col.values[lo:hi]
        if col.type == "dict":
            dictionary = col.dictionaries[index]
            indices = pa.array(
                [None if v is None else dictionary.index(v) for v in values], pa.int32()
            )
            arrays[col.name] = pa.DictionaryArray.from_arrays(
                indices, pa.array(dictionary, pa.string()), ordered=col.ordered
            )
        else:
            arrays[col.name] = pa.array(values, arrow_type(col))
    schema = pa.schema([(c.name, arrow_type(c)) for c in case.columns])
    return pa.table(arrays, schema=schema)


def csv_cell(value: Any, null_token: str) -> str:
    """A value as a CSV writer (pandas, R, a logger) spells it."""
    if value is None:
        return null_token
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else repr(value)  # inf, -inf, -0.0
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def write_file(case: Case, fmt: str, chunks: range, path: Path) -> Path:
    """Write the rows of ``chunks`` at ``path`` in format ``fmt``; return ``path``.

    Parquet: one row group per chunk; Feather: one batch per chunk (dictionary
    deltas between them); CSV/TSV: the rows as a CSV writer spells them.
    """
    schema = pa.schema([(c.name, arrow_type(c)) for c in case.columns])
    if fmt in ("csv", "tsv", "csv.gz"):
        text = io.StringIO()
        writer = csv.writer(text, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
        writer.writerow([c.name for c in case.columns])
        for i in range(case.bounds[chunks[0]], case.bounds[chunks[-1] + 1]):
            writer.writerow([csv_cell(c.values[i], case.null_token) for c in case.columns])
        data = text.getvalue().encode()
        path.write_bytes(gzip.compress(data, mtime=0) if fmt == "csv.gz" else data)
    elif fmt == "parquet":
        with pq.ParquetWriter(path, schema) as writer:
            for i in chunks:
                writer.write_table(arrow_chunk(case, i))
    else:
        options = pa.ipc.IpcWriteOptions(emit_dictionary_deltas=True)
        with pa.ipc.new_file(path, schema, options=options) as writer:
            for i in chunks:
                writer.write_table(arrow_chunk(case, i))
    return path


def write_input(case: Case, folder: Path) -> tuple[str | list[str], list[Path]]:
    """Write the case's table in its format under ``folder``.

    Return the config's ``data`` (a path, a list, a glob) and the files it names
    in the order the split reads them.
    """
    chunks = range(len(case.bounds) - 1)
    if case.format == "folder":
        path = folder / "table"
        path.mkdir()
        files = [
            write_file(case, "parquet", range(i, i + 1), path / f"part-{i}.parquet") for i in chunks
        ]
        return str(path), files
    if case.format != "many":
        path = write_file(case, case.format, chunks, folder / f"data.{case.format}")
        return str(path), [path]
    (folder / "many").mkdir()
    layout = case.layout if len(chunks) > 1 else "list"
    files = []
    for i, fmt in zip(chunks, case.file_formats):
        name = f"part-{i}.{fmt}" if layout == "glob" or (layout == "list+glob" and i) else None
        path = folder / "many" / name if name else folder / f"file-{i}.{fmt}"
        files.append(write_file(case, fmt, range(i, i + 1), path))
    glob = str(folder / "many" / "part-*")
    if layout == "glob":
        return glob, files
    if layout == "list+glob":
        return [str(files[0]), glob], files
    return [str(f) for f in files], files


# ---------------------------------------------------------------- the plain pandas reference


def read_plainly(path: Path) -> pd.DataFrame:
    """The table as pandas reads it: Parquet (file or folder) and Feather with pandas;
    CSV/TSV with pyarrow's defaults, its null_values applying to text too."""
    name = path.name
    if name.endswith((".csv", ".csv.gz", ".tsv")):
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(delimiter="\t" if name.endswith(".tsv") else ","),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=True),
        )
        return table.to_pandas()
    if name.endswith(".feather"):
        return pd.read_feather(path)
    return pd.read_parquet(path)


def plain_schema(path: Path) -> pa.Schema:
    """The Arrow types a file holds (CSV/TSV: as pyarrow infers them)."""
    name = path.name
    if name.endswith((".csv", ".csv.gz", ".tsv")):
        delimiter = "\t" if name.endswith(".tsv") else ","
        return pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=True),
        ).schema
    if name.endswith(".feather"):
        return pa.ipc.open_file(path).schema
    return pq.read_schema(path)


def read_files(files: list[Path], source_column: str | None) -> pd.DataFrame:
    """Several files as one table, each read plainly, and a column naming each row's file.

    A column is categorical when every file that types it (not a CSV column left
    empty, of type null) holds it as a dictionary; its categories are the union
    of the files' categories in order of first appearance.  Otherwise its values
    are plain.  The source column is categorical: every file, in order.
    """
    frames = [read_plainly(f) for f in files]
    schemas = [plain_schema(f) for f in files]
    table: dict[str, pd.Series] = {}
    for name in frames[0].columns:
        values = [v for frame in frames for v in frame[name].tolist()]
        typed = [
            (frame, schema.field(name).type)
            for frame, schema in zip(frames, schemas)
            if not pa.types.is_null(schema.field(name).type)
        ]
        if typed and all(pa.types.is_dictionary(t) for _, t in typed):
            categories = unique(c for frame, _ in typed for c in frame[name].cat.categories)
            present = [v if v in categories else None for v in values]
            table[name] = pd.Series(pd.Categorical(present, categories=categories))
        else:
            table[name] = pd.Series(values, dtype=object)
    if source_column is not None:
        labels = [str(f) for f in files]
        rows = [label for frame, label in zip(frames, labels) for _ in range(len(frame))]
        table[source_column] = pd.Series(pd.Categorical(rows, categories=labels))
    return pd.DataFrame(table)


def read_input(data: str | list[str], files: list[Path], spec: dict[str, Any]) -> pd.DataFrame:
    """The input as the reference sees it: one file (or a folder without a source
    column) read plainly, else its files one by one (:func:`read_files`)."""
    source = spec.get("source_column")
    if isinstance(data, str) and source is None and Path(data).exists():
        return read_plainly(Path(data))
    return read_files(files, source)


def plain_value(value: Any) -> Any:
    """A cell as a plain Python value; None for a missing one; -0.0 as 0.0."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.date()
    if isinstance(value, float):
        return None if math.isnan(value) else value + 0.0
    if value == "":
        return None
    return value


def unique(values) -> list[Any]:
    """Distinct values in order of first appearance."""
    return list(dict.fromkeys(values))


def reference_levels(series: pd.Series, order: list[Any] | None) -> list[Any]:
    """A column's levels: the explicit order, the categories, sorted values, or the
    values in order of first appearance (seaborn's ``categorical_order``)."""
    if order is not None:
        return unique(v for v in map(plain_value, order) if v is not None)
    if isinstance(series.dtype, pd.CategoricalDtype):
        return unique(v for v in map(plain_value, series.cat.categories) if v is not None)
    present = unique(v for v in map(plain_value, series.tolist()) if v is not None)
    if all(isinstance(v, (bool, int, float, datetime.date)) for v in present):
        return sorted(present)
    return present


@dataclass
class Expected:
    """What the split must give: levels, each tile's rows (as a multiset), drop counts
    of the grid and of each tile (only the reasons that dropped a row)."""

    input_rows: int
    levels: dict[str, list[Any]]
    tiles: dict[tuple[int | None, int | None], Counter]
    dropped: dict[str, int]
    tile_dropped: dict[tuple[int | None, int | None], dict[str, int]]


def reference(df: pd.DataFrame, spec: dict[str, Any]) -> Expected:
    """Apply the rules of the module docstring to a plainly read table, row by row."""
    facets = [(spec[k], spec.get(f"{k}_order")) for k in ("row", "col") if spec.get(k)]
    categories = []
    if spec["kind"] == "violin" and spec.get("x"):
        categories.append((spec["x"], spec.get("options", {}).get("order")))
    if spec.get("hue"):
        categories.append((spec["hue"], spec.get("hue_order")))
    number = spec["y"] if spec["kind"] == "violin" else spec["x"]
    levels = {c: reference_levels(df[c], o) for c, o in facets + categories}
    index = {c: {v: i for i, v in enumerate(lv)} for c, lv in levels.items()}
    values = {c: [plain_value(v) for v in df[c].tolist()] for c in df.columns}

    grid_rows = range(len(levels[spec["row"]])) if spec.get("row") else [None]
    grid_cols = range(len(levels[spec["col"]])) if spec.get("col") else [None]
    tiles = {(r, c): Counter() for r in grid_rows for c in grid_cols}
    tile_dropped: dict[tuple[int | None, int | None], Counter] = {k: Counter() for k in tiles}
    dropped = dict.fromkeys(REASONS, 0)
    for i in range(len(df)):
        reason = None
        for checks, missing, absent in (
            (facets, "missing_facet", "facet_not_in_order"),
            (categories, "missing_category", "category_not_in_order"),
        ):
            for column, _ in checks:
                value = values[column][i]
                if value is None:
                    reason = missing
                elif value not in index[column]:
                    reason = absent
                if reason:
                    break
            if reason:
                break
        y = values[number][i]
        if reason is None and (y is None or not math.isfinite(float(y))):
            reason = "non_finite"
        if reason:
            dropped[reason] += 1
        if reason in ("missing_facet", "facet_not_in_order"):
            continue  # in no tile
        key = (
            index[spec["row"]][values[spec["row"]][i]] if spec.get("row") else None,
            index[spec["col"]][values[spec["col"]][i]] if spec.get("col") else None,
        )
        if reason:
            tile_dropped[key][reason] += 1
        else:
            tiles[key][(*(values[c][i] for c, _ in categories), float(y))] += 1
    by_tile = {k: {r: n[r] for r in TILE_REASONS if n[r]} for k, n in tile_dropped.items()}
    return Expected(len(df), levels, tiles, dropped, by_tile)


# ---------------------------------------------------------------- the split, and the comparison


@contextlib.contextmanager
def small_batches(batch_rows: int | None, shard_row_group: int | None):
    """Read the input ``batch_rows`` rows at a time and write shard row groups of
    ``shard_row_group`` rows, as the split does for a large table."""
    with contextlib.ExitStack() as stack:
        if batch_rows:
            stack.enter_context(mock.patch.object(formats, "BATCH_ROWS", batch_rows))
        if shard_row_group:
            stack.enter_context(mock.patch.object(gather, "ROW_GROUP", shard_row_group))
        yield


def run(spec: dict[str, Any], data: Path | str | list[str], out: Path) -> dict[str, Any]:
    """Run the split in-process and return its manifest."""
    run_split(SplitSpec(data=data if isinstance(data, list) else str(data), **spec), str(out))
    return json.loads((out / "manifest.json").read_text())


def shard_rows(out: Path, tile: dict[str, Any], spec: dict[str, Any]) -> Counter:
    """A tile's rows as a multiset of (categories..., number), dictionaries decoded."""
    columns = []
    if spec["kind"] == "violin" and spec.get("x"):
        columns.append(spec["x"])
    if spec.get("hue"):
        columns.append(spec["hue"])
    columns.append(spec["y"] if spec["kind"] == "violin" else spec["x"])
    table = read_shard(out / f"{tile['id']}.arrow")
    decoded = [[plain_value(v) for v in table.column(c).to_pylist()] for c in columns]
    return Counter(zip(*decoded))


def as_json(values: list[Any]) -> list[Any]:
    """Values as the manifest writes them (2.5 as "2.5", dates as ISO text)."""
    return [canonical_value(v) for v in values]


def check_conservation(spec: dict[str, Any], table: pd.DataFrame, out: Path, manifest: dict):
    """The split's manifest and shards against the plain pandas reference of ``table``."""
    expected = reference(table, spec)
    # every row is counted: in a tile, or dropped under one reason
    assert manifest.get("input_rows") == expected.input_rows, "manifest input_rows"
    kept = sum(t["rows"] for t in manifest["tiles"])
    assert kept + sum(manifest["dropped"].values()) == expected.input_rows, (
        f"{kept} rows in tiles + dropped {manifest['dropped']} != {expected.input_rows} input rows"
    )
    assert set(manifest["dropped"]) <= set(REASONS), manifest["dropped"]
    got_dropped = {r: manifest["dropped"].get(r, 0) for r in REASONS}
    assert got_dropped == expected.dropped, "dropped rows by reason (got, expected)"
    # the grid's levels, in order
    for role in ("row", "col"):
        if spec.get(role):
            assert manifest[role]["levels"] == as_json(expected.levels[spec[role]]), (
                f"{role} levels"
            )
    # each tile holds exactly its rows
    assert len(manifest["tiles"]) == len(expected.tiles), "number of tiles"
    for tile in manifest["tiles"]:
        key = (tile["row_index"], tile["col_index"])
        for role, index in zip(("row", "col"), key):
            if index is not None:
                value = tile["facets"][role]["value"]
                assert value == canonical_value(expected.levels[spec[role]][index]), "facet value"
        rows = shard_rows(out, tile, spec)
        assert rows == expected.tiles[key], f"rows of tile {key} {tile['facets']} (got, expected)"
        assert tile["rows"] == sum(rows.values()), f"manifest rows of tile {key}"
        # the rows dropped from the tile, by reason, only the reasons that dropped any
        assert "dropped" not in tile or tile["dropped"], f"an empty 'dropped' in tile {key}"
        assert list(tile.get("dropped", {})) == [
            r for r in TILE_REASONS if r in tile.get("dropped", {})
        ]
        assert tile.get("dropped", {}) == expected.tile_dropped[key], (
            f"rows dropped from tile {key} {tile['facets']} (got, expected)"
        )


def check_case(case: Case, base: Path) -> None:
    """Write the case's input in a fresh folder under ``base``, split it, compare."""
    with tempfile.TemporaryDirectory(dir=base) as folder:
        data, files = write_input(case, Path(folder))
        table = read_input(data, files, case.spec)
        expected = reference(table, case.spec)
        if any(case.spec.get(r) and not expected.levels[case.spec[r]] for r in ("row", "col")):
            # a facet with no value at all makes no grid: one clear error, not zero tiles
            with pytest.raises(SplitError, match="no value to make tiles of"):
                run(case.spec, data, Path(folder) / "out")
            return
        with small_batches(case.batch_rows, case.shard_row_group):
            manifest = run(case.spec, data, Path(folder) / "out")
        check_conservation(case.spec, table, Path(folder) / "out", manifest)


# ---------------------------------------------------------------- properties


@PROPERTY
@given(case=cases())
def test_every_input_row_is_in_its_tile_or_dropped_for_its_reason(case, tmp_path_factory):
    check_case(case, tmp_path_factory.getbasetemp())


@PROPERTY
@given(
    case=cases(formats=DICT_FORMATS, facet_types=("dict",), x_types=("dict",), kinds=("violin",))
)
def test_dictionaries_that_differ_per_row_group_and_file_lose_no_rows(case, tmp_path_factory):
    check_case(case, tmp_path_factory.getbasetemp())


# ---------------------------------------------------------------- regressions, one behaviour each


def dictionary(values: list[str | None], levels: list[str]) -> pa.DictionaryArray:
    """``values`` as a dictionary array whose dictionary is ``levels``."""
    indices = pa.array([None if v is None else levels.index(v) for v in values], pa.int32())
    return pa.DictionaryArray.from_arrays(indices, pa.array(levels, pa.string()))


def dictionary_chunks() -> list[pa.Table]:
    """Three chunks whose facet (``site``) and ``x`` (``group``) dictionaries differ:
    later chunks hold values the first chunk's dictionary lacks."""
    return [
        pa.table(
            {
                "site": dictionary(["north", "north", "south"], ["north", "south"]),
                "group": dictionary(["a", "b", "a"], ["a", "b"]),
                "value": [1.0, 2.0, 3.0],
            }
        ),
        pa.table(
            {
                "site": dictionary(["east", "south", "east"], ["east", "south"]),
                "group": dictionary(["c", "c", "a"], ["c", "a"]),
                "value": [4.0, 5.0, 6.0],
            }
        ),
        pa.table(
            {
                "site": dictionary(["west", "north"], ["west", "east", "north"]),
                "group": dictionary(["d", "b"], ["b", "d"]),
                "value": [7.0, 8.0],
            }
        ),
    ]


DICTIONARY_SPEC = {"kind": "violin", "row": "site", "x": "group", "y": "value"}
DICTIONARY_TILES = {  # site -> the (group, value) rows of its tile
    "north": {("a", 1.0), ("b", 2.0), ("b", 8.0)},
    "south": {("a", 3.0), ("c", 5.0)},
    "east": {("c", 4.0), ("a", 6.0)},
    "west": {("d", 7.0)},
}


def check_dictionary_split(data: Path, out: Path) -> None:
    manifest = run(DICTIONARY_SPEC, data, out)
    assert manifest["row"]["levels"] == ["north", "south", "east", "west"]
    assert manifest["input_rows"] == 8 and sum(manifest["dropped"].values()) == 0
    for tile in manifest["tiles"]:
        site = tile["facets"]["row"]["value"]
        assert set(shard_rows(out, tile, DICTIONARY_SPEC)) == DICTIONARY_TILES[site], site
    sidecar = json.loads((out / f"{manifest['tiles'][0]['id']}.json").read_text())
    assert sidecar["x"]["categories"] == ["a", "b", "c", "d"]


def test_parquet_row_groups_with_different_dictionaries_lose_no_rows(tmp_path):
    chunks = dictionary_chunks()
    path = tmp_path / "data.parquet"
    with pq.ParquetWriter(path, chunks[0].schema) as writer:
        for chunk in chunks:
            writer.write_table(chunk)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    check_dictionary_split(path, tmp_path / "out")


def test_parquet_folder_files_with_different_dictionaries_lose_no_rows(tmp_path):
    folder = tmp_path / "table"
    folder.mkdir()
    for i, chunk in enumerate(dictionary_chunks()):
        pq.write_table(chunk, folder / f"part-{i}.parquet")
    check_dictionary_split(folder, tmp_path / "out")


def test_negative_and_positive_zero_facets_are_one_tile(tmp_path):
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"f": [-0.0, 0.0, 1.0, -0.0], "v": [1.0, 2.0, 3.0, 4.0]}), path)
    manifest = run({"kind": "violin", "col": "f", "y": "v"}, path, tmp_path / "out")
    assert manifest["col"]["levels"] == [0.0, 1.0]
    assert [t["rows"] for t in manifest["tiles"]] == [3, 1]


def test_nan_in_a_float_facet_is_dropped_as_missing_facet(tmp_path):
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"f": [0.5, NAN, 1.5, NAN], "v": [1.0, 2.0, 3.0, 4.0]}), path)
    manifest = run({"kind": "violin", "row": "f", "y": "v"}, path, tmp_path / "out")
    assert manifest["row"]["levels"] == ["0.5", "1.5"]
    assert [t["rows"] for t in manifest["tiles"]] == [1, 1]
    assert manifest["dropped"]["missing_facet"] == 2
    assert sum(manifest["dropped"].values()) == 2 and manifest["input_rows"] == 4


@pytest.mark.parametrize(
    "role, spec",
    [
        ("row", {"kind": "violin", "row": "sex", "y": "mass"}),
        ("x", {"kind": "violin", "col": "island", "x": "sex", "y": "mass"}),
        ("hue", {"kind": "hist", "col": "island", "hue": "sex", "x": "mass"}),
    ],
)
def test_empty_string_in_a_csv_category_is_dropped_as_a_parquet_null_is(tmp_path, role, spec):
    sex = ["male", "", "female", "male", ""]
    island = ["Biscoe", "Dream", "Biscoe", "Dream", "Biscoe"]
    mass = [3750.0, 3800.0, 3250.0, 3450.0, 3650.0]
    csv_path = tmp_path / "penguins.csv"
    rows = ["sex,island,mass"] + [f"{s},{i},{m}" for s, i, m in zip(sex, island, mass)]
    csv_path.write_text("\n".join(rows) + "\n")
    parquet_path = tmp_path / "penguins.parquet"
    nulls = [s or None for s in sex]
    pq.write_table(pa.table({"sex": nulls, "island": island, "mass": mass}), parquet_path)
    from_csv = run(spec, csv_path, tmp_path / "csv")
    from_parquet = run(spec, parquet_path, tmp_path / "parquet")
    if role == "row":
        assert from_csv["row"]["levels"] == from_parquet["row"]["levels"] == ["male", "female"]
    assert [t["rows"] for t in from_csv["tiles"]] == [t["rows"] for t in from_parquet["tiles"]]
    for a, b in zip(from_csv["tiles"], from_parquet["tiles"]):
        assert shard_rows(tmp_path / "csv", a, spec) == shard_rows(tmp_path / "parquet", b, spec)
    reason = "missing_facet" if role == "row" else "missing_category"
    assert from_csv["dropped"] == from_parquet["dropped"]
    assert from_csv["dropped"][reason] == sum(from_csv["dropped"].values()) == 2


def test_rows_dropped_across_row_groups_and_batches_are_counted_in_their_tiles(tmp_path):
    # row groups of 4 rows, read 3 at a time: a tile's drops come from several batches
    site = ["n", "s", "n", "s", None, "n", "s", "n", "s", "e", "n", "s"]
    group = ["a", "a", None, "b", "a", "z", "a", "a", "z", "a", None, "b"]
    value = [1.0, NAN, 2.0, 3.0, 4.0, 5.0, INF, None, 6.0, 8.0, NAN, 7.0]
    path = tmp_path / "data.parquet"
    pq.write_table(
        pa.table({"site": site, "group": group, "value": pa.array(value, pa.float64())}),
        path,
        row_group_size=4,
    )
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    spec = {
        "kind": "violin",
        "col": "site",
        "col_order": ["n", "s"],
        "x": "group",
        "y": "value",
        "options": {"order": ["a", "b"]},
    }
    with small_batches(3, 2):
        manifest = run(spec, path, tmp_path / "out")
    assert manifest["dropped"] == {
        "missing_facet": 1,
        "facet_not_in_order": 1,
        "missing_category": 2,
        "category_not_in_order": 2,
        "non_finite": 3,
    }
    by_site = {t["facets"]["col"]["value"]: t for t in manifest["tiles"]}
    assert by_site["n"]["dropped"] == {
        "missing_category": 2,
        "category_not_in_order": 1,
        "non_finite": 1,
    }
    assert by_site["s"]["dropped"] == {"category_not_in_order": 1, "non_finite": 2}
    assert (by_site["n"]["rows"], by_site["s"]["rows"]) == (1, 2)
    # a tile without drops has no "dropped" at all: clean data's manifest stays as it was
    clean = run({**spec, "col_order": None, "options": {}}, path, tmp_path / "clean")
    assert "dropped" not in {t["facets"]["col"]["value"]: t for t in clean["tiles"]}["e"]


def test_tile_drop_counts_that_do_not_add_up_to_the_grids_are_a_loud_bug():
    tiles = [
        {"id": "a", "rows": 3, "dropped": {"non_finite": 2}},
        {"id": "b", "rows": 1, "dropped": {"missing_category": 1}},
    ]
    grid = dict.fromkeys(REASONS, 0)
    split.check_conservation(7, tiles, {**grid, "non_finite": 2, "missing_category": 1})
    # the same total, but a row counted under another reason in its tile
    with pytest.raises(
        AssertionError, match="2 rows dropped as missing_category, but 1 counted in the tiles"
    ):
        split.check_conservation(7, tiles, {**grid, "non_finite": 1, "missing_category": 2})
