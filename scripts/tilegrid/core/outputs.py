"""Writing a job's files: to a temporary name beside them, renamed into place only
while the job that wants them is alive.

Every file a job writes (tiles, mosaics, the viewer's blocks and page, the mosaic's
cache, the split's records) goes through :func:`writing` or :func:`replace`:

- the bytes go to a hidden temporary file in the destination's folder
  (``.<name>.tilegrid-tmp-<pid>``), so no reader ever sees a half-written file
  and the rename is atomic (same file system);
- the rename asks the *job guard* first.  In a job's own process there is none:
  the process is the job, and a killed job renames nothing.  In the warm
  worker's forked child (which lives outside the job's process group) the guard
  checks that the job's process still waits on the connection, and raises
  :class:`JobGone` when it is gone, so a killed run's work never lands after a
  later run's (see :mod:`tilegrid.worker`);
- a temporary file left by a killed writer is removed by the next writer of the
  same destination (:func:`sweep`), or with its folder's (:func:`sweep_folder`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

#: what marks a temporary file of ours: ``.<name>`` + this + ``<pid>``
TMP_MARK = ".tilegrid-tmp-"

_guard: Callable[[], None] | None = None


class JobGone(Exception):
    """The job that asked for this work is gone (killed): its outputs must not land."""


def set_guard(check: Callable[[], None] | None) -> None:
    """Install ``check`` (raises :class:`JobGone`), called before every rename into place;
    None removes it.  The warm worker's child installs one per job it serves."""
    global _guard
    _guard = check


def check_alive() -> None:
    """Raise :class:`JobGone` if the job this process works for is gone."""
    if _guard is not None:
        _guard()


def temp_path(path: str) -> str:
    """A temporary name for ``path``: hidden, in its folder, of this process."""
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}{TMP_MARK}{os.getpid()}")


def is_temp(name: str) -> bool:
    """Whether the file name ``name`` is one of :func:`temp_path`'s."""
    return name.startswith(".") and TMP_MARK in name


def replace(tmp: str, path: str) -> None:
    """Rename ``tmp`` to ``path`` if the job is alive (else remove ``tmp``, raise JobGone)."""
    try:
        check_alive()
    except JobGone:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    os.replace(tmp, path)


@contextlib.contextmanager
def writing(path: str) -> Iterator[str]:
    """``with writing(path) as tmp:`` write ``tmp``; it becomes ``path`` when the block
    ends without an error and the job is alive, and is removed otherwise.  Leftover
    temporary files of ``path`` (a killed writer's) are removed first."""
    sweep(path)
    tmp = temp_path(path)
    try:
        yield tmp
        replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)


def write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through :func:`writing`."""
    with writing(path) as tmp, open(tmp, "wb") as handle:
        handle.write(data)


def write_text(path: str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through :func:`writing`."""
    write_bytes(path, text.encode("utf-8"))


def sweep(path: str) -> list[str]:
    """Remove the temporary files of ``path`` that writers left (killed mid-write)."""
    folder, name = os.path.split(path)
    prefix = f".{name}{TMP_MARK}"
    try:
        names = [n for n in os.listdir(folder or ".") if n.startswith(prefix)]
    except OSError:
        return []
    return _remove(folder, names)


def sweep_folder(folder: str) -> list[str]:
    """Remove every temporary file of ours directly in ``folder``."""
    try:
        names = [n for n in os.listdir(folder) if is_temp(n)]
    except OSError:
        return []
    return _remove(folder, names)


def _remove(folder: str, names: list[str]) -> list[str]:
    removed = []
    for name in sorted(names):
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            os.remove(os.path.join(folder, name))
            removed.append(name)
    return removed
