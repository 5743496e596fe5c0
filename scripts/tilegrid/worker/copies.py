"""The private copy of the package a server imports, taken when it starts, so it
never depends on the folder that started it; copies of servers that died are removed."""

from __future__ import annotations

import contextlib
import fcntl
import os

from . import folders
from .folders import IN_USE


def _package_copy(path: str) -> str:
    """A private copy of the package for a new server of ``path`` to import; the folder
    to put on its ``PYTHONPATH``.

    The server serves every folder holding this code (see :func:`code_key`), so it
    must not import from the one that started it: that folder may be moved or
    removed while the server runs (a test's temporary copy, a workflow moved away).
    Each server has its own copy (``<path>.<random>.pkg``), holds the lock of its
    ``in-use`` file while it and its children run (:func:`_hold_package_copy`) and
    removes it when it exits (:func:`_remove_package_copy`); the copy of a server
    killed before it could is removed by the next start (:func:`_remove_orphan_copies`).
    """
    # lazy here and below: only a server start needs them (tempfile imports random,
    # shutil bz2 and lzma), and a job that finds its server running imports neither
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(
        prefix=f"{os.path.basename(path)}.", suffix=".pkg", dir=os.path.dirname(path)
    )
    try:
        shutil.copytree(folders.PACKAGE, os.path.join(folder, os.path.basename(folders.PACKAGE)))
        open(os.path.join(folder, IN_USE), "x").close()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _own_package_copy(path: str) -> str | None:
    """The private package copy this server of ``path`` imports, or None (it imports the
    package where it is)."""
    folder = os.path.dirname(folders.PACKAGE)
    ours = os.path.realpath(os.path.dirname(path))
    if folder.endswith(".pkg") and os.path.realpath(os.path.dirname(folder)) == ours:
        return folder
    return None


def _hold_package_copy(path: str) -> None:
    """Lock the ``in-use`` file of this server's package copy for as long as the server
    or a child it forks runs (children share the open file, and so the lock)."""

    folder = _own_package_copy(path)
    if folder is None:
        return
    with contextlib.suppress(OSError):
        fd = os.open(os.path.join(folder, IN_USE), os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # kept open: released at exit


def _remove_orphan_copies(path: str) -> None:
    """Remove the package copies of servers of ``path`` that were killed (SIGKILL) before
    removing theirs: those whose ``in-use`` lock no process holds, or that have none (a
    start that died while copying).  Runs under the start lock, so every live server of
    ``path`` holds its copy's lock already (it takes it before it listens)."""
    import glob
    import shutil

    for folder in glob.glob(f"{glob.escape(path)}.*.pkg"):
        try:
            fd = os.open(os.path.join(folder, IN_USE), os.O_RDONLY)
        except FileNotFoundError:
            shutil.rmtree(folder, ignore_errors=True)
            continue
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: a server or a child of one still runs from it
            continue
        else:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(fd)


def _remove_package_copy(path: str) -> None:
    """Remove the private package copy this server imported (if it runs from one), once
    every forked child has finished with it."""
    import shutil

    folder = _own_package_copy(path)
    if folder is None:
        return
    with contextlib.suppress(ChildProcessError):
        while True:
            os.waitpid(-1, 0)
    shutil.rmtree(folder, ignore_errors=True)
