"""The split: stream a table into one shard per tile plus what tiles must agree on.

One path, whatever the table: the table is cut into parts
(:mod:`tilegrid.table.units`), each part is *scanned* once (:mod:`tilegrid.split.scan`:
its rows read and routed against levels learnt on the way), and the scans are
*gathered* (:mod:`tilegrid.split.gather`) into the shards, sidecars and manifest.  In
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
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from ..core.manifest import DROP_REASONS
from ..table import Table, iter_batches, open_table, schema_from_token
from ..table.contents import forget_content, record_content
from ..table.units import ScanPart, scan_parts, sizes_from
from .filetimes import keep_times
from .finish import SplitResult, check_conservation
from .gather import gather
from .grid import Grid, make_grid
from .scan import scan_part, use_threads
from .spec import CATEGORICAL_ROLES, SplitError, SplitPlan, SplitSpec

__all__ = [
    "CATEGORICAL_ROLES",
    "DROP_REASONS",
    "Grid",
    "SplitError",
    "SplitPlan",
    "SplitResult",
    "SplitSpec",
    "check_conservation",
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
    spec: SplitSpec,
    out_dir: str,
    parts: list[ScanPart] | None = None,
    scans_dir: str | None = None,
    threads: int = 1,
) -> SplitResult:
    """Split ``spec.data`` into ``out_dir``, in this process: scan each part, then gather.

    ``parts``: how the table is cut (default: :func:`~tilegrid.table.units.scan_parts`);
    the scans go to ``scans_dir`` (default: a folder beside ``out_dir``, removed after).
    With ``threads`` above one, parts are scanned side by side in that many processes.
    """
    table = open_table(spec.data, spec.source_column, spec.sources)
    parts = parts if parts is not None else whole_parts(table, spec)
    own = scans_dir is None
    scans_dir = scans_dir or own_scans_folder(out_dir, table)
    if own:
        shutil.rmtree(scans_dir, ignore_errors=True)
    try:
        folders = [os.path.join(scans_dir, str(i)) for i in range(len(parts))]
        jobs = [
            (spec, p.units, table.schema, f, table_rows(table, spec))
            for p, f in zip(parts, folders)
        ]
        started = time.perf_counter()
        scan_all(jobs, threads)
        parts_read = f"{len(jobs)} part{'' if len(jobs) == 1 else 's'}"
        log.info("scanned %s in %.2f s", parts_read, time.perf_counter() - started)
        return gather(spec, folders, out_dir, table.schema)
    finally:
        if own:
            shutil.rmtree(scans_dir, ignore_errors=True)


#: memory-backed folders a split's own scans may go to, when they have room
MEMORY_FOLDERS = ("/dev/shm",)
#: bytes a routed row takes in a scan, at most about (int32 codes and float64 numbers)
SCAN_ROW_BYTES = 24


def own_scans_folder(out_dir: str, table: Table) -> str:
    """Where the split puts the scans of a table it scans itself (removed after the
    gather): in memory when a memory-backed folder has room for twice their size (they
    are written once and read once: on a disk they would cost as much as the shards),
    else beside ``out_dir``."""
    rows = sum(info.rows or 0 for info in table.infos.values())
    if rows == 0:  # a CSV file: no row count before it is read
        rows = sum(os.path.getsize(u.path) for u in table.units if os.path.isfile(u.path))
    for folder in MEMORY_FOLDERS:
        remove_orphan_scans(folder)
        with contextlib.suppress(OSError):
            free = os.statvfs(folder)
            if free.f_bavail * free.f_frsize > 2 * rows * SCAN_ROW_BYTES:
                return os.path.join(folder, f"tilegrid-{os.getpid()}{OWN_SCAN}")
    return os.path.join(os.path.dirname(os.path.normpath(out_dir)), OWN_SCAN)


def remove_orphan_scans(folder: str) -> None:
    """Remove the scans that splits killed before they could remove them (their process
    is gone) from the memory-backed ``folder``: what they hold would stay until a reboot."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not (name.startswith("tilegrid-") and name.endswith(OWN_SCAN)):
            continue
        pid = name[len("tilegrid-") : -len(OWN_SCAN)]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(os.path.join(folder, name), ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def scan_all(jobs: list[tuple], threads: int) -> None:
    """Run :func:`~tilegrid.split.scan.scan_part` for each of ``jobs`` (its arguments): here, or
    with ``threads`` above one in that many forked processes of one thread each (each
    scan's work is serial: processes, not threads, keep every core busy)."""
    if threads <= 1 or len(jobs) <= 1:
        for job in jobs:
            scan_part(*job, threads=max(threads, 1))
        return

    with ProcessPoolExecutor(min(threads, len(jobs)), mp_context=get_context("fork")) as pool:
        for _ in pool.map(_scan_alone, jobs):
            pass


def _scan_alone(job: tuple) -> None:
    """One scan in a process of the pool (see :func:`scan_all`): one thread of its own."""
    use_threads(1)
    scan_part(*job, threads=1)


def whole_parts(table: Table, spec: SplitSpec) -> list[ScanPart]:
    """The table's parts as the workflow cuts them (all of it in one with ``facet.chunks``)."""
    if spec.chunks:
        return [ScanPart(tuple(table.units))]
    return scan_parts(table, *sizes_from(os.environ))


def table_rows(table: Table, spec: SplitSpec) -> int:
    """The table's row count where the split needs it (``facet.chunks`` routes rows by
    position), else 0; from the files' footers, or counted (CSV)."""
    if not spec.chunks:
        return 0
    known = [info.rows for info in table.infos.values()]
    if all(rows is not None for rows in known):
        return sum(known)

    return sum(b.num_rows for b in iter_batches(table, table.schema.names[:1]))


def split_job(
    params: dict[str, Any],
    out_dir: str,
    scans: list[str],
    schema: str | None,
    threads: int = 1,
    content: Any = None,
) -> SplitResult:
    """The checkpoint's job: gather the ``scans`` of the table's parts (scan jobs of
    their own), or with none scan and gather a table of one part here.  ``schema``
    is the table's (:func:`~tilegrid.table.schema_token`); ``threads`` the job's, the
    processes its own scans run in side by side.  Scans of parts no longer
    read are removed from ``scans/`` beside ``out_dir``, so the results hold a fresh
    run's; files written with the bytes they had keep their time
    (:mod:`tilegrid.split.filetimes`).  ``content`` is the digests of the data it reads:
    the record of what ``out_dir`` was made from is removed first and written last
    (:func:`tilegrid.table.contents.record_content`)."""
    forget_content(out_dir)
    results = os.path.dirname(os.path.normpath(out_dir))
    remove_stale_scans(os.path.join(results, SCANS), scans)
    spec = SplitSpec(**params)
    try:
        if not scans:
            result = run_split(spec, out_dir, threads=threads)
        else:
            result = gather(spec, scans, out_dir, schema_from_token(schema))
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)  # nothing half-written is left
        raise
    started = time.perf_counter()
    keep_times(out_dir)
    log.info("the files' times kept in %.2f s", time.perf_counter() - started)
    record_content(out_dir, content)
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
    for tile in result.tiles:
        for reason, count in tile.get("dropped", {}).items():
            log.info("tile %s: dropped %d rows: %s", tile["id"], count, DROP_REASONS[reason])
    return result
