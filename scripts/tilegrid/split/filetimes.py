"""Files the split writes again with the same bytes keep the time they had.

Snakemake reruns a job when one of its inputs is newer than its outputs; only
for files below ``--max-checksum-file-size`` (1 MB by default) does it first
compare a checksum.  The split writes every shard anew, so without this each
shard would be newer than its tile, and a large shard's tile would be drawn
again even when its rows did not change.

After the split, :func:`keep_times` gives every file of the split's folder
whose bytes equal those the previous split wrote at the same path (same size,
same SHA-256) the modification time that file had.  To Snakemake the split
then changed exactly the files whose bytes changed, whatever their size:
render jobs rerun for changed tiles only, and Snakemake hashes no shard.  Each
file is hashed once, by the split, in threads while nothing else runs.

The same digests are written into the folder as ``digests.json`` (name ->
SHA-256): where the folder travels through storage (``--default-storage-provider``)
every file is uploaded anew and no time can be kept, so the render jobs there are
judged by these digests instead (:mod:`tilegrid.workflow.stored`).

The record (name -> size, digest, time) is kept with Snakemake's own metadata,
in ``.snakemake/tilegrid/``, not in ``results/``: its times are no content,
and ``results/`` stays what a fresh run writes.  Deleting it (or
``.snakemake/``) costs one drawing of every tile, never a stale one: a time
is only given back to the same bytes at the same path, which is what
Snakemake would have seen had the split left the file alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor

from ..core.code import file_digest
from ..core.manifest import DIGESTS

log = logging.getLogger("tilegrid.split")

#: where the records live, relative to the working directory (Snakemake's metadata)
RECORD_DIR = os.path.join(".snakemake", "tilegrid")
#: bump when a record's meaning changes (an old record is then ignored)
RECORD_VERSION = 1
#: Snakemake's own time carrier inside a directory output: never ours to keep
SNAKEMAKE_STAMP = ".snakemake_timestamp"


def record_path(folder: str) -> str:
    """The record of ``folder``, named by its path as the rule names it (relative to
    the working directory, as Snakemake's records are: a copied or moved project
    keeps its records; a module's prefix has its own)."""
    key = hashlib.sha256(os.path.normpath(folder).encode()).hexdigest()[:20]
    return os.path.join(RECORD_DIR, f"times-{key}.json")


def folder_files(folder: str) -> list[str]:
    """The names of the files directly in ``folder`` (the split writes no subfolder)."""
    return sorted(
        entry.name
        for entry in os.scandir(folder)
        if entry.is_file(follow_symlinks=False) and entry.name not in (SNAKEMAKE_STAMP, DIGESTS)
    )


def read_record(path: str) -> dict[str, list]:
    """A record's entries, or none when it is missing, damaged or of another version."""
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
        return {}
    files = record.get("files")
    return files if isinstance(files, dict) else {}


def write_record(path: str, files: dict[str, list]) -> None:
    """Write a record atomically; a record that cannot be written only costs redraws."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"version": RECORD_VERSION, "files": files}, handle)
        os.replace(tmp, path)
    except OSError as exc:
        log.info("could not keep the files' times in %s (%s): every tile redraws", path, exc)
    finally:
        with contextlib.suppress(OSError):
            os.remove(tmp)


def keep_times(folder: str, record: str | None = None, threads: int = 2) -> int:
    """Give each file of ``folder`` with the bytes the record holds for its name the
    time the record holds; record every file's size, digest and time for the next
    split, and write the digests into the folder (:data:`DIGESTS`).  Returns how many
    files kept their time."""
    record = record or record_path(folder)
    before = read_record(record)
    names = folder_files(folder)
    paths = [os.path.join(folder, name) for name in names]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        digests = list(pool.map(file_digest, paths))
    files, kept = {}, 0
    for name, path, digest in zip(names, paths, digests):
        stat = os.stat(path)
        size, mtime = stat.st_size, stat.st_mtime_ns
        old = before.get(name)
        if isinstance(old, list) and len(old) == 3 and old[:2] == [size, digest]:
            mtime = old[2]
            os.utime(path, ns=(mtime, mtime))
            kept += 1
        files[name] = [size, digest, mtime]
    write_record(record, files)
    write_digests(folder, {name: entry[1] for name, entry in files.items()})
    log.info("%d of %d files in %s unchanged: they keep their time", kept, len(names), folder)
    return kept


def write_digests(folder: str, digests: dict[str, str]) -> None:
    """Write ``digests`` into ``folder`` as :data:`DIGESTS` (the split's own output: an
    error here fails the split, as a shard that cannot be written does)."""
    tmp = os.path.join(folder, f".{DIGESTS}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(digests, handle, sort_keys=True)
    os.replace(tmp, os.path.join(folder, DIGESTS))
