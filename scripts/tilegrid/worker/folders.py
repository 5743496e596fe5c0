"""Where a code version's warm worker listens: its socket's folder (this user's
only), the socket's name (a key of the interpreter and the package's files), and
the settings every part of the worker reads."""

from __future__ import annotations

import os
import stat
import sys


def _seconds(name: str, default: float) -> float:
    """A number of seconds from the environment; ``default`` if unset or not a number."""
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


IDLE_SECONDS = _seconds("TILEGRID_WORKER_IDLE", 60.0)


#: how long a job waits for a server that is starting (alive, warming up)
START_SECONDS = 30.0


#: how long a failed start keeps jobs from trying again (per code version)
FAILED_SECONDS = 600.0


PACKAGE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


#: the file of a server's package copy whose lock shows the copy is in use
IN_USE = "in-use"


#: longest socket path bind() takes, in bytes (sun_path holds a final NUL)
MAX_SOCKET_PATH = 107 if sys.platform.startswith("linux") else 103


class WorkerUnavailable(Exception):
    """The warm worker cannot be used for this job; the message says why, in one line."""


def enabled() -> bool:
    """Whether jobs may use the worker (``TILEGRID_WORKER=0`` turns it off)."""
    return os.environ.get("TILEGRID_WORKER", "1") != "0" and hasattr(os, "fork")


def code_key() -> str:
    """A hash of the environment and interpreter, and of every file of the package.

    The interpreter is resolved (``bin/python`` and ``bin/python3`` of one venv
    are one interpreter: the render and mosaic jobs share a worker) and the
    environment's prefix kept (two venvs of one base Python are not).  Files are
    hashed by their names in the package and their bytes, not by where they are
    or when they were written: the same code in another folder has the same key.
    The key is kept while no file's size, modification or change time moved (one
    hash for a run whose Snakemake asks for every tile from its own process).
    """
    interpreter = f"{sys.prefix}:{os.path.realpath(sys.executable)}"
    files = _package_files()
    seen = (interpreter, tuple(_stat_of(path) for path in files))
    if seen in _KEYS:  # a process that asks for many tiles (Snakemake's) hashes once
        return _KEYS[seen]
    digest = _sha256(interpreter.encode())
    prefix = len(os.fspath(PACKAGE)) + 1
    for path in files:
        with open(path, "rb") as source:
            data = source.read()
        name = path[prefix:]
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    _KEYS.clear()
    _KEYS[seen] = key = digest.hexdigest()[:16]
    return key


#: the last key, by the interpreter and the package files' names, sizes and times
_KEYS: dict[tuple, str] = {}


def _stat_of(path: str) -> tuple[str, int, int, int]:
    """What says a file was not written since it was last hashed: its size, its
    modification and change times (a file put back with ``cp -p`` gets a new ctime)."""
    info = os.stat(path)
    return path, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _package_files() -> list[str]:
    """Every file of the package (modules and the viewer's assets), in its subfolders
    too, sorted; not Python's byte-code caches."""
    found = []
    for folder, subfolders, names in os.walk(PACKAGE):
        subfolders[:] = [d for d in subfolders if d != "__pycache__"]
        found += [os.path.join(folder, n) for n in names if not n.endswith(".pyc")]
    return sorted(found)


def _sha256(data: bytes):
    """A SHA-256 hash object, from CPython's built-in module when there is one: hashlib
    loads OpenSSL, which alone costs a render job more than its connection."""
    try:
        from _sha2 import sha256  # CPython 3.12 and later
    except ImportError:
        try:
            from _sha256 import sha256  # CPython 3.11
        except ImportError:
            from hashlib import sha256
    return sha256(data)


def _warn(message: str) -> None:
    from ..core.logs import warn  # lazy: logging and typing, only on a fallback

    warn(f"warm worker not used: {message}; rendering in this process")


def _folder_problem(folder: str) -> str | None:
    """Why ``folder`` cannot hold the sockets or their private folder (None if it can):
    it must be ours and closed to other users' writes.

    Created (mode 0700) if missing.  Another user's folder, or one others may
    write to, could hold another user's socket: the job would send its
    environment there and take its answer.
    """

    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
    except OSError as exc:
        return f"cannot create {folder}: {exc.strerror or exc}"
    if not stat.S_ISDIR(info.st_mode):
        return f"{folder} is not a folder"
    if info.st_uid != os.getuid():
        return f"{folder} belongs to another user (uid {info.st_uid})"
    if info.st_mode & 0o022:
        return f"{folder} is writable by other users (mode {stat.S_IMODE(info.st_mode):o})"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{folder} is not writable"
    return None


def _open_to_others(folder: str) -> bool:
    """Whether users other than the owner may read or enter ``folder``."""

    return bool(stat.S_IMODE(os.lstat(folder).st_mode) & 0o077)


def _too_long(path: str) -> str | None:
    """Why the socket path ``path`` cannot be bound (None if it can): too long for AF_UNIX."""
    size = len(os.fsencode(path))
    if size <= MAX_SOCKET_PATH:
        return None
    limit = f"{size} > {MAX_SOCKET_PATH} bytes"
    return f"the socket path {path} is too long for a Unix socket ({limit})"


def _private_folder(folder: str, name: str) -> tuple[str, str | None]:
    """The folder only this user may enter that holds the socket ``name`` for ``folder``,
    and why there is none (None if there is).

    ``folder`` itself when it is ours and closed to others (mode 0700, as it is made
    when missing); a private subfolder ``tilegrid-<uid>`` (mode 0700) when others may
    enter it but not write to it; none when others may write to it, or the socket's
    path would be too long.
    """
    problem = _too_long(os.path.join(folder, name)) or _folder_problem(folder)
    if problem is not None or not _open_to_others(folder):
        return folder, problem
    inner = os.path.join(folder, f"tilegrid-{os.getuid()}")
    problem = _too_long(os.path.join(inner, name)) or _folder_problem(inner)
    if problem is None and _open_to_others(inner):
        import stat

        mode = stat.S_IMODE(os.lstat(inner).st_mode)
        problem = f"{inner} is open to other users (mode {mode:o})"
    return inner, problem


def _temp_folder() -> str:
    """The first of $TMPDIR, $TEMP, $TMP that is a folder, else /tmp: where
    ``tempfile.gettempdir()`` looks first, without importing tempfile."""
    for name in ("TMPDIR", "TEMP", "TMP"):
        folder = os.environ.get(name)
        if folder and os.path.isdir(folder):
            return os.path.abspath(folder)
    return "/tmp"


def _socket_folders() -> list[str]:
    """Where the sockets may go, in order of preference."""
    chosen = os.environ.get("TILEGRID_WORKER_DIR")
    if chosen:
        return [os.path.realpath(chosen)]  # the user's choice (symlinks resolved): no other
    name = f"tilegrid-{os.getuid()}"
    folders = [os.path.join(_temp_folder(), name)]
    if os.path.isdir("/tmp") and os.path.join("/tmp", name) not in folders:
        folders.append(os.path.join("/tmp", name))  # short, when $TMPDIR is long
    return folders


def locate() -> tuple[str, str | None]:
    """This code version's socket path, and a note if it is not in the first folder.

    In the private folder (:func:`_private_folder`) of the first folder that has
    one and where the socket path fits AF_UNIX (``MAX_SOCKET_PATH``).  Raises
    :class:`WorkerUnavailable` when there is none.
    """
    name = f"tilegrid-{code_key()}.sock"
    problems = []
    for candidate in _socket_folders():
        folder, problem = _private_folder(candidate, name)
        if problem is None:
            note = f"{problems[0]}; using {folder}" if problems else None
            return os.path.join(folder, name), note
        problems.append(problem)
    hint = "" if os.environ.get("TILEGRID_WORKER_DIR") else " (set TILEGRID_WORKER_DIR)"
    raise WorkerUnavailable(problems[0] + hint)


def socket_path() -> str:
    """Where this code version's server listens (see :func:`locate`)."""
    return locate()[0]
