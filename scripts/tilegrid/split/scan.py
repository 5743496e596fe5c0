"""The scan: one part of the table read once, its rows routed to their tiles.

A scan reads its input units (:mod:`tilegrid.table.units`: a file, a range of a
large Parquet file's row groups, or a run of small files) exactly as the whole
table reads them, once, and routes every row with :mod:`tilegrid.split.route` against
the levels it learns on the way, so its output depends on no other part's rows.
:func:`tilegrid.split.gather.gather` turns the scans of every part into the split's
outputs.  A scan folder holds:

* ``scan.json``: the part's row count, its dropped rows by reason (and per local
  tile), each level column's flags, each local tile's facet codes and each local
  group's category codes, and per input batch the routed pieces (local tile,
  rows) and the scale of each numeric role's moments;
* ``rows.arrow``: per input batch with kept rows, one record batch of them, tile
  by tile, in file order (categories as codes of the part's own levels);
* ``moments.arrow``: per input batch and numeric role, the batch's moments per
  (local tile, local group), unmerged: merged in file order by the gather, they
  give the same floats whatever the table's cut into parts;
* ``levels-<i>.arrow``: the levels of level column ``i`` the codes refer to (its
  values in order of first appearance, or the config's explicit order).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from ..core import shards as shardio
from ..table import Unit, schema_from_token, unit_batches
from ..table.contents import forget_content, record_content
from ..table.units import ScanPart
from .drops import merge_inexact
from .route import ROUTING_THREADS, RoutedBatch, ScanRouter, route_batches, tile_drop_rows
from .spec import SplitError, SplitSpec, make_plan

log = logging.getLogger("tilegrid.split")

SCAN_INDEX = "scan.json"
SCAN_ROWS = "rows.arrow"
SCAN_MOMENTS = "moments.arrow"
#: the columns of ``moments.arrow``: local tile and group, then the batch's moments
MOMENT_SCHEMA = pa.schema(
    [
        ("tile", pa.int32()),
        ("group", pa.int32()),
        ("count", pa.int64()),
        ("mean", pa.float64()),
        ("m2", pa.float64()),
        ("lo", pa.float64()),
        ("hi", pa.float64()),
    ]
)


def scan_part(
    spec: SplitSpec,
    units: Sequence[Unit],
    schema: pa.Schema,
    out_dir: str,
    total: int = 0,
    threads: int = ROUTING_THREADS,
) -> dict[str, Any]:
    """Scan the input ``units`` of ``spec.data`` into the folder ``out_dir``; its index.

    ``schema`` is the whole table's: each unit is read cast to it, as the whole
    table reads it, and no other file is opened.  ``total``: the table's rows
    (``facet.chunks`` routes rows by their position).  ``threads``: how many the
    scan may keep busy (one: reading, routing and writing one after the other).
    """
    plan = make_plan(spec, schema)
    router = ScanRouter(plan, total)
    read = list(dict.fromkeys([c.name for c in router.columns] + plan.level_columns))
    os.makedirs(out_dir, exist_ok=True)
    with ScanWriter(router, out_dir) as writer:
        batches = _unit_batches(units, read or schema.names[:1], spec.source_column, schema)
        route_batches(router, batches, writer.commit, threads)
    return writer.index


def _unit_batches(
    units: Sequence[Unit], columns: list[str], source_column: str | None, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    for unit in units:
        yield from unit_batches(unit, columns, source_column, schema)


class ScanWriter:
    """Writes a scan's routed batches as they are committed (in file order), then its
    levels and index."""

    def __init__(self, router: ScanRouter, out_dir: str):
        self.router, self.out_dir = router, out_dir
        self.row_schema = pa.schema([c.field for c in router.columns])
        self.rows = shardio.open_writer(os.path.join(out_dir, SCAN_ROWS), self.row_schema)
        self.moments = pa.ipc.new_file(os.path.join(out_dir, SCAN_MOMENTS), MOMENT_SCHEMA)
        self.batches: list[dict[str, Any]] = []
        self.input_rows = 0
        self.dropped: dict[str, int] = {}
        self.tile_dropped: list[np.ndarray] = []
        self.inexact: dict[str, int] = {}
        self.kept_levels: dict[str, np.ndarray] = {}
        self.index: dict[str, Any] = {}

    def __enter__(self) -> ScanWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.rows.close()
        self.moments.close()
        if exc[0] is None:
            self.index = self._finish()

    def commit(self, routed: RoutedBatch) -> None:
        """Count one batch's rows and write its routed rows and unmerged moments."""
        coded = routed.coded
        self.input_rows += coded.input_rows
        for reason, count in coded.dropped.items():
            self.dropped[reason] = self.dropped.get(reason, 0) + count
        merge_inexact(self.inexact, coded.inexact)
        for name, counts in coded.kept_levels.items():
            self.kept_levels[name] = _add_counts(self.kept_levels.get(name), counts)
        if coded.tile_dropped is not None:
            self.tile_dropped.append(coded.tile_dropped)
        if routed.pieces:
            arrays = [
                _arrow(c.field.type, data) for c, data in zip(self.router.columns, routed.rows)
            ]
            self.rows.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self.row_schema))
        scales: dict[str, float | None] = {}
        for role in self.router.plan.numeric_roles:
            found = routed.moments.get(role)
            scales[role] = None if found is None else found[2].scale
            if found is not None:
                tile, group, m = found
                arrays = [tile.astype(np.int32), group.astype(np.int32)]
                arrays += [m.count, m.mean, m.m2, m.lo, m.hi]
                self.moments.write_batch(pa.RecordBatch.from_arrays(arrays, schema=MOMENT_SCHEMA))
        self.batches.append({"pieces": [list(p) for p in routed.pieces], "scales": scales})

    def _finish(self) -> dict[str, Any]:
        """Write each level column's learnt levels and the scan's index; return the index."""
        router = self.router
        levels = []
        for i, (name, learner) in enumerate(router.learners.items()):
            dtype = router.plan.value_types[name]
            write_arrays(os.path.join(self.out_dir, f"levels-{i}.arrow"), [learner.learnt(dtype)])
            kept = self.kept_levels.get(name)
            levels.append(
                {
                    "column": name,
                    "categorical": learner.categorical,
                    # which levels some kept row has (category columns; None: all count)
                    "kept": None if kept is None else np.flatnonzero(kept).tolist(),
                }
            )
        index = {
            "input_rows": self.input_rows,
            "dropped": self.dropped,
            "tile_dropped": tile_drop_rows(self.tile_dropped),
            "inexact": self.inexact,
            "levels": levels,
            "tiles": router.tile_keys(),
            "groups": [list(k) for k in router.groups.keys],
            "batches": self.batches,
        }
        with open(os.path.join(self.out_dir, SCAN_INDEX), "w", encoding="utf-8") as handle:
            json.dump(index, handle, indent=1)
        return index


def _add_counts(total: np.ndarray | None, counts: np.ndarray) -> np.ndarray:
    """``total + counts``, the shorter one padded with zeros (levels are learnt on the way)."""
    if total is None:
        return counts
    if total.size < counts.size:
        total, counts = counts, total
    total = total.copy()
    total[: counts.size] += counts
    return total


def _arrow(dtype: pa.DataType, data: Any) -> pa.Array:
    return data if isinstance(data, pa.Array) else pa.array(data, dtype)


def write_arrays(path: str, arrays: list[pa.Array], dtype: pa.DataType | None = None) -> None:
    """Write ``arrays`` (one type) as the record batches of an Arrow IPC file, column "v"."""
    schema = pa.schema([("v", arrays[0].type if arrays else dtype)])
    with pa.ipc.new_file(path, schema) as writer:
        for array in arrays:
            writer.write_batch(pa.RecordBatch.from_arrays([array], schema=schema))


def read_arrays(path: str) -> list[pa.Array]:
    """The arrays :func:`write_arrays` wrote."""
    with pa.OSFile(path) as source:
        reader = pa.ipc.open_file(source)
        return [reader.get_batch(i).column(0) for i in range(reader.num_record_batches)]


def scan_from_params(
    params: dict[str, Any],
    units: list[dict[str, Any]],
    schema: str,
    out_dir: str,
    threads: int = 1,
    content: Any = None,
) -> dict[str, Any]:
    """Run the scan rule's job: ``params`` the split's spec without ``data``, ``units`` the
    part's :class:`~tilegrid.table.Unit` fields, ``schema`` the table's
    (:func:`~tilegrid.table.schema_token`), ``threads`` the job's; ``content`` the digests of what
    it reads: the record of what ``out_dir`` was made from is removed first and written
    last (:func:`tilegrid.table.contents.record_content`)."""
    forget_content(out_dir)
    part = ScanPart(tuple(_unit(u) for u in units))
    if not part.units:
        raise SplitError("tilegrid bug: a scan job without input files")
    spec = SplitSpec(data=part.units[0].path, **params)
    use_threads(threads)
    index = scan_part(spec, part.units, schema_from_token(schema), out_dir, threads=threads)
    kept = sum(n for batch in index["batches"] for _, n in batch["pieces"])
    log.info("%s: %d rows, %d kept", ", ".join(part.paths), index["input_rows"], kept)
    record_content(out_dir, content)
    return index


def use_threads(threads: int) -> None:
    """Let pyarrow decode in ``threads`` threads: jobs side by side, each with its
    cores, would otherwise each start one per core of the machine."""
    pa.set_cpu_count(max(1, threads))


def _unit(fields: dict[str, Any]) -> Unit:
    row_groups = fields.get("row_groups")
    return Unit(**{**fields, "row_groups": tuple(row_groups) if row_groups else None})
