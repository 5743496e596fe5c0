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
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

#: the record of digests, relative to the working folder (Snakemake's metadata)
RECORD = os.path.join(".snakemake", "tilegrid", "contents.json")
#: bump when a digest's meaning changes (old entries are then hashed again)
VERSION = 1
#: bytes hashed as one piece (pieces of one file are hashed in parallel)
PIECE = 64 << 20
HASH_THREADS = 2


def stat_key(path: str) -> list[int]:
    """What changes whenever a file's bytes may have: size, times (ns), inode, device."""
    info = os.stat(path)
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


def _pieces(path: str, size: int) -> list[tuple[str, int, int]]:
    """``(path, offset, length)`` pieces covering the file (one, empty, for an empty file)."""
    return [(path, at, min(PIECE, size - at)) for at in range(0, size, PIECE)] or [(path, 0, 0)]


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
    """One digest of a file from its pieces' digests and its size."""
    top = hashlib.sha256(f"tilegrid-contents-{VERSION}:{size}:".encode())
    for piece in pieces:
        top.update(piece)
    return top.hexdigest()


def hash_files(paths: list[str], threads: int = HASH_THREADS) -> dict[str, str]:
    """The content digest of each file of ``paths``, its pieces hashed in ``threads``."""
    sizes = {path: os.path.getsize(path) for path in paths}
    work = [piece for path in paths for piece in _pieces(path, sizes[path])]
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        digests = iter(list(pool.map(_hash_piece, work)))
    return {
        path: _combine(sizes[path], [next(digests) for _ in _pieces(path, sizes[path])])
        for path in paths
    }


def read_record(path: str = RECORD) -> dict[str, list]:
    """The recorded ``{file: [stat key..., digest]}``; empty when missing or damaged."""
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
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"version": VERSION, "files": files}, handle, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            os.remove(tmp)


def digests(paths: Iterable[str], record: str = RECORD) -> dict[str, str]:
    """Each existing file of ``paths`` and its content digest, hashing only the files whose
    stat is not the one recorded with a digest; the record is updated when any was."""
    known = read_record(record)
    found, stale = {}, []
    for path in dict.fromkeys(paths):
        try:
            key = stat_key(path)
        except OSError:
            continue  # missing: the rule that makes it, or Snakemake, says so
        entry = known.get(path)
        if isinstance(entry, list) and len(entry) == len(key) + 1 and entry[:-1] == key:
            found[path] = entry[-1]
        else:
            stale.append((path, key))
    if stale:
        fresh = hash_files([path for path, _ in stale])
        for path, key in stale:
            found[path] = fresh[path]
            known[path] = [*key, fresh[path]]
        write_record(known, record)
    return found
