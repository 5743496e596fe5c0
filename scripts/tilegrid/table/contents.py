"""What the input files hold, by content: digests that decide when the split reads again.

Snakemake reruns a job when an input is newer than its outputs.  A data file
restored with its old time (``cp -p``, ``rsync -a``, ``tar x``, ``mv`` from
elsewhere, some ``git checkout``\\ s) is older and would be ignored, and one
that was only touched is newer and would be read again for nothing.  So the
data files are inputs whose time Snakemake ignores (``ancient``), and their
digests are a parameter of the jobs that read them: a file is read again
exactly when its bytes changed.

Hashing costs (SHA-256, in threads: hashlib releases the GIL) about 0.3 s per
GB on two cores, so a digest is only computed when the file's *stat* changed:
its size, modification time, change time (which no user command can set back:
``cp -p`` and ``touch`` both move it), inode and device.  The digests are kept
with Snakemake's metadata, in ``.snakemake/tilegrid/contents.json``; deleting
it costs one hash of every data file, never a missed change.

Snakemake compares a job's parameters only with the ones it recorded for the
job's outputs: with ``.snakemake/`` deleted (to clear a lock, say) it has no
record and would keep outputs made from other data.  So each job that reads
data by content also records, as it ends, the digests it read
(:func:`record_content`), and the next run compares them with the data's
(:func:`recorded_content`; :mod:`tilegrid.workflow.reruns` asks Snakemake to run a
job again whose record differs or is missing): the job writes it, not the run
while it builds its DAG.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from ..core.logs import warn

#: the record of digests, relative to the working folder (Snakemake's metadata)
RECORD = os.path.join(".snakemake", "tilegrid", "contents.json")
#: what each job that reads data by content read, one file per job (:func:`record_content`)
READS = os.path.join(".snakemake", "tilegrid", "reads")
#: bump when a digest's meaning changes (old entries are then hashed again)
VERSION = 2
#: bytes hashed as one piece (pieces of one file are hashed in parallel)
PIECE = 64 << 20
HASH_THREADS = 2


def stat_key(path: str) -> list[int]:
    """What changes whenever a file's bytes may have: size, times (ns), inode, device."""
    info = os.stat(path)
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


#: what is hashed: a file's bytes (``None``) or a span ``(start, stop)`` of them
Span = tuple[int, int] | None


def _pieces(path: str, start: int, stop: int) -> list[tuple[str, int, int]]:
    """``(path, offset, length)`` pieces covering bytes ``start`` to ``stop`` (one, empty,
    for no bytes)."""
    return [(path, at, min(PIECE, stop - at)) for at in range(start, stop, PIECE)] or [
        (path, start, 0)
    ]


def _hash_piece(piece: tuple[str, int, int]) -> bytes:
    path, offset, length = piece
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        handle.seek(offset)
        left = length
        while left > 0:
            data = handle.read(min(left, 8 << 20))
            if not data:
                raise OSError(f"{path} shrank while it was read")
            digest.update(data)
            left -= len(data)
    return digest.digest()


def _combine(size: int, pieces: list[bytes]) -> str:
    """One digest of some bytes from their pieces' digests and their size."""
    top = hashlib.sha256(f"tilegrid-contents-{VERSION}:{size}:".encode())
    for piece in pieces:
        top.update(piece)
    return top.hexdigest()


def hash_spans(keys: list[tuple[str, Span]], threads: int = HASH_THREADS) -> dict:
    """The content digest of each ``(path, span)`` (span None: the whole file), its
    pieces hashed in ``threads``."""
    bounds = {
        key: (0, os.path.getsize(key[0])) if key[1] is None else tuple(key[1]) for key in keys
    }
    plans = {key: _pieces(key[0], *bounds[key]) for key in keys}
    work = [piece for key in keys for piece in plans[key]]
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        digests = iter(list(pool.map(_hash_piece, work)))
    return {
        key: _combine(bounds[key][1] - bounds[key][0], [next(digests) for _ in plans[key]])
        for key in keys
    }


def hash_files(paths: list[str], threads: int = HASH_THREADS) -> dict[str, str]:
    """The content digest of each whole file of ``paths``."""
    found = hash_spans([(path, None) for path in paths], threads)
    return {path: found[(path, None)] for path in paths}


def read_record(path: str = RECORD) -> dict[str, list]:
    """The recorded ``{file: [stat key, {span: digest}]}``; empty when missing or damaged."""
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict) or record.get("version") != VERSION:
        return {}
    files = record.get("files")
    return files if isinstance(files, dict) else {}


def write_record(files: dict[str, list], path: str = RECORD) -> None:
    """Write the record atomically; one that cannot be written only costs hashing again."""
    _write_atomically(path, json.dumps({"version": VERSION, "files": files}, sort_keys=True))


def _write_atomically(path: str, text: str) -> bool:
    """Write ``text`` to ``path`` through a temporary file beside it; whether it was."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
        return True
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            os.remove(tmp)


def _span_key(span: Span) -> str:
    return "" if span is None else f"{span[0]}-{span[1]}"


def span_digests(keys: Iterable[tuple[str, Span]], record: str = RECORD) -> dict:
    """The content digest of each ``(path, span)`` whose file exists, hashing only what
    the record does not hold for the file's current stat; the record is updated when
    anything was hashed.  A span is a byte range (a range of a Parquet file's row
    groups), None the whole file."""
    known = read_record(record)
    found, stale = {}, []
    for path, span in dict.fromkeys(keys):
        try:
            key = stat_key(path)
        except OSError:
            continue  # missing: the rule that makes it, or Snakemake, says so
        entry = known.get(path)
        if not (isinstance(entry, list) and len(entry) == 2 and entry[0] == key):
            entry = known[path] = [key, {}]
        digest = entry[1].get(_span_key(span)) if isinstance(entry[1], dict) else None
        if digest is None:
            stale.append((path, span))
        else:
            found[(path, span)] = digest
    if stale:
        fresh = hash_spans(stale)
        for path, span in stale:
            found[(path, span)] = fresh[(path, span)]
            known[path][1][_span_key(span)] = fresh[(path, span)]
        write_record(known, record)
    return found


def digests(paths: Iterable[str], record: str = RECORD) -> dict[str, str]:
    """Each existing file of ``paths`` and its content digest (see :func:`span_digests`)."""
    found = span_digests([(path, None) for path in paths], record)
    return {path: digest for (path, _), digest in found.items()}


def record_content(output: str, content: object, folder: str = READS) -> bool:
    """Record that the job writing ``output`` read data whose digests are ``content``
    (JSON): the job's last step, once its output is made (None: it reads nothing by
    content, no record).  Whether it was recorded; when it could not be, a warning says
    that the next run makes the output again."""
    if content is None:
        return False
    if _write_atomically(_read_path(output, folder), _read_text(output, content)):
        return True
    warn(f"could not record what {output} was made from in {folder}: the next run makes it again")
    return False


def recorded_content(output: str, content: object, folder: str = READS) -> bool:
    """Whether the job writing ``output`` recorded reading data whose digests are
    ``content`` the last time it ran (False without a record: it ran before one was
    kept, or ``.snakemake/`` was deleted)."""
    try:
        with open(_read_path(output, folder), encoding="utf-8") as handle:
            return handle.read() == _read_text(output, content)
    except OSError:
        return False


def forget_content(output: str, folder: str = READS) -> None:
    """Remove the record of what the job writing ``output`` read: its first step, so a
    job killed (or failing) before it records again leaves none, and the next run
    makes its output again (:mod:`tilegrid.workflow.reruns`)."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(_read_path(output, folder))


def _read_path(output: str, folder: str) -> str:
    key = hashlib.sha256(os.path.normpath(output).encode()).hexdigest()[:20]
    return os.path.join(folder, f"{key}.json")


def _read_text(output: str, content: object) -> str:
    return json.dumps({"output": os.path.normpath(output), "content": content}, sort_keys=True)
