"""The split: stream a table into one shard per tile plus what tiles must agree on.

One path, whatever the table: the table is cut into parts
(:mod:`tilegrid.table.units`), each part is *scanned* once (:mod:`tilegrid.scan`:
its rows read and routed against levels learnt on the way), and the scans are
*gathered* (:mod:`tilegrid.gather`) into the shards, sidecars and manifest.  In
the workflow each part of a table of several parts is a ``scan`` job of its own
(side by side, and on a cluster each its own job), and the ``split`` checkpoint
gathers them; a table of one part is scanned and gathered by the checkpoint.

Memory does not grow with rows: batches are streamed, and each tile's rows are
written to its shard in row groups of a fixed size.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from typing import Any

from .contracts import DROP_REASONS
from .filetimes import keep_times
from .finish import SplitResult, check_conservation
from .gather import gather
from .grid import Grid, explicit_orders, make_grid
from .plan import CATEGORICAL_ROLES, SplitError, SplitPlan, SplitSpec
from .scan import scan_part
from .table import Table, open_table, schema_from_token
from .table.units import ScanPart, scan_parts

__all__ = [
    "CATEGORICAL_ROLES",
    "DROP_REASONS",
    "Grid",
    "SplitError",
    "SplitPlan",
    "SplitResult",
    "SplitSpec",
    "check_conservation",
    "explicit_orders",
    "make_grid",
    "run_split",
    "split_job",
]

log = logging.getLogger("tilegrid.split")

#: the folder of the scans, beside the shards' folder (results/scans)
SCANS = "scans"
#: the checkpoint's own scan of a table of one part, beside the shards (removed after)
OWN_SCAN = ".split-scan"


def run_split(
    spec: SplitSpec, out_dir: str, parts: list[ScanPart] | None = None, scans_dir: str | None = None
) -> SplitResult:
    """Split ``spec.data`` into ``out_dir``, in this process: scan each part, then gather.

    ``parts``: how the table is cut (default: :func:`~tilegrid.table.units.scan_parts`);
    the scans go to ``scans_dir`` (default: a folder beside ``out_dir``, removed after).
    """
    table = open_table(spec.data, spec.source_column)
    parts = parts if parts is not None else whole_parts(table, spec)
    own = scans_dir is None
    scans_dir = scans_dir or os.path.join(os.path.dirname(os.path.normpath(out_dir)), OWN_SCAN)
    if own:
        shutil.rmtree(scans_dir, ignore_errors=True)
    try:
        folders = []
        for i, part in enumerate(parts):
            folders.append(os.path.join(scans_dir, str(i)))
            scan_part(spec, part.units, table.schema, folders[-1], table_rows(table, spec))
        return gather(spec, folders, out_dir, table.schema)
    finally:
        if own:
            shutil.rmtree(scans_dir, ignore_errors=True)


def whole_parts(table: Table, spec: SplitSpec) -> list[ScanPart]:
    """The table's parts as the workflow cuts them (all of it in one with ``facet.chunks``)."""
    if spec.chunks:
        return [ScanPart(tuple(table.units))]
    return scan_parts(table)


def table_rows(table: Table, spec: SplitSpec) -> int:
    """The table's row count where the split needs it (``facet.chunks`` routes rows by
    position), else 0; from the files' footers, or counted (CSV)."""
    if not spec.chunks:
        return 0
    known = [info.rows for info in table.infos.values()]
    if all(rows is not None for rows in known):
        return sum(known)
    from .table import iter_batches

    return sum(b.num_rows for b in iter_batches(table, table.schema.names[:1]))


def split_job(
    params: dict[str, Any],
    out_dir: str,
    scans: list[str],
    schema: str | None,
) -> SplitResult:
    """The checkpoint's job: gather the ``scans`` of the table's parts (scan jobs of
    their own), or with none scan and gather a table of one part here.  ``schema``
    is the table's (:func:`~tilegrid.table.schema_token`).  Scans of parts no longer
    read are removed from ``scans/`` beside ``out_dir``, so the results hold a fresh
    run's; files written with the bytes they had keep their time (:mod:`tilegrid.filetimes`)."""
    results = os.path.dirname(os.path.normpath(out_dir))
    remove_stale_scans(os.path.join(results, SCANS), scans)
    spec = SplitSpec(**params)
    try:
        if not scans:
            result = run_split(spec, out_dir)
        else:
            result = gather(spec, scans, out_dir, schema_from_token(schema))
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)  # nothing half-written is left
        raise
    keep_times(out_dir)
    return log_result(result)


def remove_stale_scans(scans_dir: str, scans: list[str]) -> None:
    """Remove the scan folders in ``scans_dir`` that are not among ``scans`` (and the
    folder itself when none is), so the results hold what a fresh run's hold."""
    if not os.path.isdir(scans_dir):
        return
    keep = {os.path.normpath(scan) for scan in scans}
    for name in os.listdir(scans_dir):
        path = os.path.normpath(os.path.join(scans_dir, name))
        if path not in keep:
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    if not keep:
        with contextlib.suppress(OSError):
            os.rmdir(scans_dir)


def log_result(result: SplitResult) -> SplitResult:
    """Log what the split wrote: tiles, rows kept, rows dropped by reason."""
    rows = sum(t["rows"] for t in result.tiles)
    empty = sum(1 for t in result.tiles if t["rows"] == 0)
    log.info("%d tiles (%d empty), %d rows kept", len(result.tiles), empty, rows)
    log.info("%d input rows", result.input_rows)
    for reason, count in result.dropped.items():
        if count:
            log.info("dropped %d rows: %s", count, DROP_REASONS[reason])
    return result
