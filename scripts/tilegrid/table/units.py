"""How the table is cut into scan jobs: each a run of input units, read in one pass.

A table is scanned in parts that run side by side (and on a cluster, each as its
own job), then gathered into the shards (:mod:`tilegrid.split.gather`); a part whose
inputs did not change keeps its scan.  What a part reads never changes the
split's outputs, only how its work is shared:

- a Parquet file of more than ``range_rows`` rows (not in a folder) is read in
  ranges of its row groups of about that many rows, each range starting on a
  multiple of ``formats.BATCH_ROWS`` rows (so a range reads the whole file's batches);
- small files are scanned together, up to about ``group_bytes`` a part: a file
  ends its part where a hash of its name says so, or when the part is full, so
  adding or removing one file changes only its own part (no shifted boundaries).

The cut depends on the files alone (their names, sizes and row groups), never on
the machine, so a rerun cuts the same parts.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from ..core.ids import scan_id
from . import Table, Unit, formats, objects

#: rows of a Parquet file one scan job reads at most (a larger file is read in ranges);
#: ``TILEGRID_SCAN_ROWS`` in the environment sets another
RANGE_ROWS = 1 << 24
#: bytes of small files one scan job reads, about; ``TILEGRID_SCAN_BYTES`` sets another
#: (1: a scan job per file)
GROUP_BYTES = 64 << 20


def sizes_from(environ: dict[str, str]) -> tuple[int, int]:
    """The rows of a range and the bytes of a group, from ``environ`` or the defaults."""
    rows = environ.get("TILEGRID_SCAN_ROWS")
    size = environ.get("TILEGRID_SCAN_BYTES")
    return (int(rows) if rows else RANGE_ROWS, int(size) if size else GROUP_BYTES)


@dataclass(frozen=True)
class ScanPart:
    """What one scan job reads: input units, in the table's order."""

    units: tuple[Unit, ...]

    @property
    def paths(self) -> list[str]:
        """The files the part reads (each once)."""
        return list(dict.fromkeys(unit.path for unit in self.units))


def scan_parts(
    table: Table, range_rows: int = RANGE_ROWS, group_bytes: int = GROUP_BYTES
) -> list[ScanPart]:
    """The table's scan jobs, in order: ranges of large Parquet files, groups of small files."""
    parts: list[ScanPart] = []
    group: list[Unit] = []
    size = 0
    cut = _cut_every(table.units, group_bytes)
    for unit in table.units:
        ranges = _ranges(table, unit, range_rows)
        if ranges is not None:
            parts += _flush(group)
            group, size = [], 0
            parts += [ScanPart((Unit(unit.path, None, unit.many, r),)) for r in ranges]
            continue
        group.append(unit)
        size += _size(unit.path)
        if size >= group_bytes or _hash(unit.path) % cut == 0:
            parts += _flush(group)
            group, size = [], 0
    return parts + _flush(group)


def _flush(group: list[Unit]) -> list[ScanPart]:
    return [ScanPart(tuple(group))] if group else []


def _size(path: str) -> int:
    if (obj := objects.known(path)) is not None:
        return obj.size
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _hash(path: str) -> int:
    name = os.path.normpath(path).replace(os.sep, "/")
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


def _cut_every(units: list[Unit], group_bytes: int) -> int:
    """About how many files make a group: ``group_bytes`` over the median file size.

    A median (not a mean) so that one file added or removed rarely changes it."""
    sizes = sorted(_size(unit.path) for unit in units) or [group_bytes]
    median = max(sizes[len(sizes) // 2], 1)
    return max(1, group_bytes // median)


def _ranges(table: Table, unit: Unit, range_rows: int) -> list[tuple[int, int]] | None:
    """Ranges of the unit's row groups when it is a Parquet file above ``range_rows``."""
    info = table.unit_info(unit)
    if unit.folder is not None or info is None or info.format != "parquet":
        return None
    if info.row_groups is None or (info.rows or 0) <= range_rows:
        return None
    return row_group_ranges(list(info.row_groups), range_rows)


def row_group_ranges(sizes: list[int], range_rows: int) -> list[tuple[int, int]] | None:
    """Row groups (of ``sizes`` rows each) in ranges of at least ``range_rows`` rows, or
    None for one.  A range starts only where a batch of the whole file's read starts
    (a row number that is a multiple of ``BATCH_ROWS``), so each range is read in the
    very batches the whole file is read in."""
    ranges, start, rows, first = [], 0, 0, 0
    for group, n in enumerate(sizes):
        if rows - first >= range_rows and rows % formats.BATCH_ROWS == 0:
            ranges.append((start, group))
            start, first = group, rows
        rows += n
    if not ranges:
        return None
    if rows == first:
        return [*ranges[:-1], (ranges[-1][0], len(sizes))]
    return [*ranges, (start, len(sizes))]


def by_id(parts: list[ScanPart]) -> dict[str, ScanPart]:
    """The parts by scan id (:func:`tilegrid.core.ids.scan_id`), in the table's order."""

    return {scan_id([(u.path, u.row_groups) for u in part.units]): part for part in parts}


def unit_fields(part: ScanPart) -> list[dict]:
    """A part's units as plain values (a rule parameter): see :class:`~tilegrid.table.Unit`."""
    return [
        {
            "path": u.path,
            "folder": u.folder,
            "many": u.many,
            "row_groups": list(u.row_groups) if u.row_groups else None,
            "folder_schema": u.folder_schema,
            # only where set (remote data): a local table's parameters stay as they were
            **({"label": u.label} if u.label is not None else {}),
        }
        for u in part.units
    ]


def unit_span(table: Table, unit: Unit) -> tuple[int, int] | None:
    """The bytes a unit reads, for its content digest: a range of a Parquet file's row
    groups is the span of their column chunks; anything else the whole file (None)."""
    info = table.unit_info(unit)
    if unit.row_groups is None or info is None or info.spans is None:
        return None
    first, stop = unit.row_groups
    return (info.spans[first][0], info.spans[stop - 1][1])


def content_keys(table: Table, parts: list[ScanPart]) -> list[tuple[str, tuple[int, int] | None]]:
    """What each part's content digest covers, unit by unit: ``(path, span)``."""
    return [(unit.path, unit_span(table, unit)) for part in parts for unit in part.units]
