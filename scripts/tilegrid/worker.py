"""A warm render worker: a fork server that keeps matplotlib and pyarrow imported.

Importing matplotlib and pyarrow and loading fonts costs a fresh process more
than drawing a typical tile.  The first render job on a machine starts this
server in the background; every render job then sends its arguments over a
Unix socket and the server forks a child (imports and fonts already loaded,
shared copy-on-write) that renders the tile and answers.  The server exits
after ``IDLE_SECONDS`` without requests.

The worker is an optimisation only; it never makes a run fail, slow or different:

- A child draws exactly what the job would draw in its own process: it takes
  the job's working folder, environment, ``sys.path`` and umask, and tilegrid
  draws under matplotlib's built-in defaults (:func:`tilegrid.render.figures.tilegrid_style`),
  not under the matplotlibrc of the folder that started the server.
- The socket name holds a hash of the Python interpreter and of the package's
  files (their names and bytes), so a changed plotting code never meets an old
  server, and copies of the same code in other folders (a copied or moved
  workflow, tilegrid used as a module by several hosts) share one.  The server
  imports a private copy of the package, taken when it starts, so it never
  depends on the folder that started it.
- Only its owner reaches it.  The socket (mode 0600, whatever the umask) lives in
  a folder of this user's that only they may enter (mode 0700):
  ``$TILEGRID_WORKER_DIR``, else ``$TMPDIR/tilegrid-<uid>``, else
  ``/tmp/tilegrid-<uid>`` when the first path is too long for a Unix socket; a
  folder of ours that others may enter but not write to (e.g. a 0755
  ``$TILEGRID_WORKER_DIR``) holds it in a private subfolder ``tilegrid-<uid>``,
  and one that others may write to is not used.  The server also asks the kernel
  who connected (``SO_PEERCRED``) and serves no other user.  A request runs with
  the rights of the server, which are its sender's: it can name no path or code
  its own job could not read or run.  Its shape is checked all the same (a known
  task, values of the expected types); a request of another shape is not served.
- Work for a job dies with the job.  A job killed while the worker draws for it
  (Ctrl-C, SIGTERM or SIGKILL of its process group, whose process the forked child
  is not in) closes its connection, and the kernel then ends the child at once
  (:func:`_die_with_client`); nothing it drew is renamed into place, even in the
  moment before that (the job guard of :mod:`tilegrid.core.outputs`), so a killed
  run's work never lands after a later run's.
- Anything that goes wrong on the way (no usable folder, a server that dies or
  hangs on start, a broken connection) makes the job render in its own process
  at once, with one warning line in its log; a server that failed to start is
  not tried again for ``FAILED_SECONDS``.  An error *in* the tile is reported
  like in-process rendering.  ``TILEGRID_WORKER=0`` turns the worker off.
"""

from __future__ import annotations

# Every render job imports this module as a client: only what a client needs
# is imported here, and nothing slow to import (json with re, hashlib with
# OpenSSL, pathlib, typing, tempfile: together more than a small tile's drawing
# costs); starting and running a server import the rest.
import contextlib
import marshal
import os
import socket
import sys
import time

from .core import tasks


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
PACKAGE = os.path.dirname(os.path.realpath(__file__))
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
    """
    interpreter = f"{sys.prefix}:{os.path.realpath(sys.executable)}"
    digest = _sha256(interpreter.encode())
    prefix = len(os.fspath(PACKAGE)) + 1
    for path in _package_files():
        with open(path, "rb") as source:
            data = source.read()
        name = path[prefix:]
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:16]


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
    from .core.logs import warn

    warn(f"warm worker not used: {message}; rendering in this process")


def _folder_problem(folder: str) -> str | None:
    """Why ``folder`` cannot hold the sockets or their private folder (None if it can):
    it must be ours and closed to other users' writes.

    Created (mode 0700) if missing.  Another user's folder, or one others may
    write to, could hold another user's socket: the job would send its
    environment there and take its answer.
    """
    import stat

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
    import stat

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


# ---------------------------------------------------------------- client


def _connect(path: str) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        return sock
    except OSError:
        sock.close()
        return None


class _StartLock:
    """The start lock of ``path`` (one server start at a time), waited for until ``deadline``.

    A server started by :func:`prestart` holds it until it listens; a server
    that dies lets go of it with its last breath.
    """

    def __init__(self, path: str, deadline: float):
        self.path, self.deadline = f"{path}.lock", deadline

    def __enter__(self):
        import fcntl

        self.file = open(self.path, "a")  # noqa: SIM115 - closed in __exit__
        while True:
            try:
                fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self.file
            except BlockingIOError:
                if time.monotonic() > self.deadline:
                    self.file.close()
                    raise WorkerUnavailable(
                        f"a warm worker was still starting after {START_SECONDS:g} s"
                    ) from None
                time.sleep(0.02)

    def __exit__(self, *exc):
        self.file.close()


def _failed_recently(path: str) -> None:
    """Raise :class:`WorkerUnavailable` if a server for ``path`` failed to start lately."""
    try:
        with open(f"{path}.failed", encoding="utf-8") as handle:
            age = time.time() - os.fstat(handle.fileno()).st_mtime
            reason = handle.read().strip()
    except FileNotFoundError:
        return
    if age < FAILED_SECONDS:
        raise WorkerUnavailable(f"a warm worker failed to start {age:.0f} s ago: {reason}")


def _record_failure(path: str, reason: str) -> None:
    """Remember that a server for ``path`` could not start, so jobs don't try again at once."""
    try:
        with open(f"{path}.failed", "w", encoding="utf-8") as handle:
            handle.write(reason.strip().replace("\n", " ") + "\n")
    except OSError:
        pass


def _last_line(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = [line.strip() for line in handle if line.strip()]
    except OSError:
        return ""
    return lines[-1] if lines else ""


def _spawn(path: str, lock_fd: int | None = None):
    """Start a server process for ``path``, detached from this job; return its Popen.

    With ``lock_fd`` (the start lock, held) the server inherits the lock and
    lets go of it once it listens, so jobs that come meanwhile wait for it.  The
    server runs in the socket's folder (no job's folder) and writes its own
    errors to ``<path>.log``.
    """
    import subprocess

    for stale in (path, f"{path}.failed"):  # a socket of a server that died, an old failure
        with contextlib.suppress(FileNotFoundError):
            os.unlink(stale)
    _remove_orphan_copies(path)
    env = {**os.environ, "PYTHONPATH": _package_copy(path)}
    extra = [str(lock_fd)] if lock_fd is not None else []
    with open(f"{path}.log", "w", encoding="utf-8") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "tilegrid.worker", path, *extra],
            cwd=os.path.dirname(path),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
            close_fds=True,
            pass_fds=() if lock_fd is None else (lock_fd,),
        )


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
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(
        prefix=f"{os.path.basename(path)}.", suffix=".pkg", dir=os.path.dirname(path)
    )
    try:
        shutil.copytree(PACKAGE, os.path.join(folder, os.path.basename(PACKAGE)))
        open(os.path.join(folder, IN_USE), "x").close()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _own_package_copy(path: str) -> str | None:
    """The private package copy this server of ``path`` imports, or None (it imports the
    package where it is)."""
    folder = os.path.dirname(PACKAGE)
    ours = os.path.realpath(os.path.dirname(path))
    if folder.endswith(".pkg") and os.path.realpath(os.path.dirname(folder)) == ours:
        return folder
    return None


def _hold_package_copy(path: str) -> None:
    """Lock the ``in-use`` file of this server's package copy for as long as the server
    or a child it forks runs (children share the open file, and so the lock)."""
    import fcntl

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
    import fcntl
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


def _start_server(path: str) -> socket.socket:
    """Start a server (one per code version, under a lock) and connect to it.

    Returns as soon as the server listens; raises :class:`WorkerUnavailable` as
    soon as it exits (or after ``START_SECONDS`` if it neither listens nor exits).
    """
    deadline = time.monotonic() + START_SECONDS
    with _StartLock(path, deadline):
        sock = _connect(path)
        if sock is not None:
            return sock
        _failed_recently(path)
        server = _spawn(path)
        while True:
            sock = _connect(path)
            if sock is not None:
                return sock
            code = server.poll()
            if code is not None:
                reason = f"exit {code}: {_last_line(f'{path}.log') or 'no message'}"
                _record_failure(path, reason)
                raise WorkerUnavailable(f"the warm worker exited on start ({reason})")
            if time.monotonic() > deadline:
                reason = f"not listening after {START_SECONDS:g} s (see {path}.log)"
                _record_failure(path, reason)
                raise WorkerUnavailable(f"the warm worker was {reason}")
            time.sleep(0.02)


def prestart() -> None:
    """Start this code version's server in the background, without waiting for it.

    The split calls it as it finishes: the server warms up while Snakemake
    checksums the table and expands the DAG, instead of while the first render
    jobs wait.  Nothing happens when a server already runs or the worker is off.
    Never raises: a fault is one warning line, and the render jobs then render
    in their own processes.
    """
    if not enabled():
        return
    note = None
    try:
        path, note = locate()
        with _StartLock(path, time.monotonic() + START_SECONDS) as lock:
            sock = _connect(path)
            if sock is None:
                _failed_recently(path)
                _spawn(path, lock.fileno())
            else:
                sock.close()
    except Exception as exc:  # noqa: BLE001 - an optimisation must not fail the split
        reason = str(exc) if isinstance(exc, WorkerUnavailable) else f"{type(exc).__name__}: {exc}"
        from .core.logs import warn

        warn(f"warm worker not started: {note + '; ' if note else ''}{reason}")
        return
    if note:
        from .core.logs import warn

        warn(f"warm worker: {note}")


def _exchange(sock: socket.socket, request: dict[str, object]) -> dict[str, object] | None:
    with sock, sock.makefile("rwb") as stream:
        _send(stream, request)
        return _receive(stream)


# The messages between a job and the worker: a length (8 bytes) and a marshal of
# plain values (dicts, lists, str, numbers, bools, None).  marshal is built in,
# so a job imports nothing for it; the server and its jobs are one interpreter
# (the socket's name holds it: code_key), so they agree on its format.


def _send(stream, message: dict[str, object]) -> None:
    data = marshal.dumps(message)
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def _receive(stream) -> dict[str, object] | None:
    """The next message, or None when the other side closed before a whole one."""
    head = stream.read(8)
    if len(head) < 8:
        return None
    size = int.from_bytes(head, "big")
    data = stream.read(size)
    return marshal.loads(data) if len(data) == size else None


def plain(value):
    """``value`` as JSON would carry it and marshal takes it: tuples as lists, dict keys
    as str, and subclasses of str, int and float (Snakemake's file names) as those."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value  # anything else: marshal refuses it and the job renders in its process


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def run_remote(args: list, log_path: str, task: str = "render") -> dict[str, object] | None:
    """Run ``task`` (a tile's render) through the warm worker; None when no worker could be used.

    Returns the worker's answer: ``{"ok": True, "max_rss_kb": ...}`` or
    ``{"ok": False, "error": "<one line>"}``.  When the worker is on but cannot
    be used, writes one warning line to stderr (the job's log) and returns None.
    """
    if not enabled():
        return None
    note = None
    try:
        request = {
            "task": task,
            "args": plain(args),
            "log": os.path.abspath(log_path),
            # what an in-process render would run with
            "cwd": os.getcwd(),
            "env": dict(os.environ),
            "sys_path": list(sys.path),
            "umask": _umask(),
        }
        path, note = locate()
        answer = _exchange(_connect(path) or _start_server(path), request)
        if answer is None:
            raise WorkerUnavailable("the warm worker closed the connection without an answer")
    except Exception as exc:  # noqa: BLE001 - any fault: render in this process
        reason = str(exc) if isinstance(exc, WorkerUnavailable) else f"{type(exc).__name__}: {exc}"
        _warn(f"{note}; {reason}" if note else reason)
        return None
    if note:
        from .core.logs import warn

        warn(f"warm worker: {note}")
    return answer


def run_task(args: list, log_path: str, task: str = "render") -> None:
    """A render (or mosaic) job: through the warm worker if possible, else in this process."""
    answer = run_remote(args, log_path, task)
    if answer is None:
        import resource

        from .core.logs import reuse_freed_memory, run_job

        reuse_freed_memory()
        started = time.perf_counter()
        run_job(tasks.task_function(task), *args, log_path=log_path)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        where = "in the job's own process"
        print(job_cost(task, where, time.perf_counter() - started, rss), file=sys.stderr)
    elif not answer["ok"]:
        from .core.logs import report_failure

        report_failure(answer["error"], log_path)
    else:
        where = "by the warm worker"
        print(job_cost(task, where, answer["seconds"], answer["max_rss_kb"]), file=sys.stderr)


def job_cost(task: str, where: str, seconds: float, max_rss_kb: int) -> str:
    """The log line with a job's real cost: Snakemake's benchmark file of a job the warm
    worker drew times only the thin client that asked for it."""
    done = "assembled" if task == "mosaic" else "rendered"
    return f"{done} {where} in {seconds:.3f} s, max RSS {max_rss_kb} KB"


# ---------------------------------------------------------------- server


def _warm_up() -> None:
    """Run the tasks' warm-up (:data:`tilegrid.core.tasks.WARM_UP`) before forking."""
    tasks.resolve(tasks.WARM_UP)()


def _adopt(request: dict[str, object]) -> None:
    """In a forked child: take the job's folder, environment, import path and umask.

    The child then runs as the job's own process would, not as the job that
    started the server did: relative paths, a user's function reading
    ``os.environ`` or importing a module next to it, and the files' modes all
    follow the job.
    """
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.path[:] = request["sys_path"]
    os.umask(request["umask"])


#: a request's fields and their types (the job's client, :func:`run_remote`, sends them)
REQUEST_FIELDS = {
    "task": str,
    "args": list,
    "log": str,
    "cwd": str,
    "env": dict,
    "sys_path": list,
    "umask": int,
}


def _request_problem(request: object) -> str | None:
    """Why ``request`` is not one a job's client sends (None if it is): its fields, their
    types, a known task, absolute paths, a umask.

    It names no path or code its sender could not read or run itself: the server
    serves only its own user (:func:`_peer_uid`), with that user's rights.
    """
    if not isinstance(request, dict) or set(request) != set(REQUEST_FIELDS):
        return "not a request of a job's client"
    for field, kind in REQUEST_FIELDS.items():
        value = request[field]
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"{field} is not of type {kind.__name__}"
    if request["task"] not in tasks.TASKS:
        return f"unknown task {request['task']!r}"
    if not (os.path.isabs(request["log"]) and os.path.isabs(request["cwd"])):
        return "log and cwd must be absolute paths"
    env, path = request["env"], request["sys_path"]
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        return "env must map text to text"
    if not all(isinstance(entry, str) for entry in path):
        return "sys_path must be a list of text"
    if not 0 <= request["umask"] <= 0o777:
        return "umask out of range"
    return None


def _client_gone(conn: socket.socket) -> bool:
    """Whether the job's end of ``conn`` is closed (its process ended or was killed).

    A peek that does not wait: the job sends nothing after its request, so the
    connection reads as at its end exactly when the job has gone.
    """
    try:
        return conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:  # open, nothing to read: the job waits for its answer
        return False
    except OSError:  # reset
        return True


def _die_with_client(conn: socket.socket) -> None:
    """In a forked child: have the kernel end this process the moment the job's end of
    ``conn`` closes, whatever it is doing then.

    The job's process group (which Ctrl-C, SIGTERM and SIGKILL of a run reach) does
    not hold this child: it lives in the server's session.  With ``conn`` in async
    mode and owned by this process, the job's end closing sends SIGIO, whose
    default action ends the process; no Python code has to run for it, so a
    long C call (drawing, encoding a PNG) cannot delay it as it would a watcher
    thread waiting for the GIL.  A job gone before this was armed sent no signal:
    that is checked once here.  Undone by :func:`_outlive_client` before the answer.
    """
    import fcntl
    import signal

    from .core.outputs import set_guard

    signal.signal(signal.SIGIO, signal.SIG_DFL)
    fd = conn.fileno()
    fcntl.fcntl(fd, fcntl.F_SETOWN, os.getpid())
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_ASYNC)
    if _client_gone(conn):
        os._exit(0)
    set_guard(_job_guard(conn))


def _job_guard(conn: socket.socket):
    """The job guard of :mod:`tilegrid.core.outputs` for the job at the other end of ``conn``:
    it raises ``JobGone`` once the job has gone, so no output is renamed into place for
    it (in the moment before SIGIO ends the child)."""
    from .core.outputs import JobGone

    def job_alive() -> None:
        if _client_gone(conn):
            raise JobGone("the job that asked for this work has gone")

    return job_alive


def _outlive_client(conn: socket.socket) -> None:
    """Undo :func:`_die_with_client`: the answer is written and the job then closes
    its end, which must not end this process as it exits."""
    import fcntl
    import signal

    from .core.outputs import set_guard

    fd = conn.fileno()
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_ASYNC)
    signal.signal(signal.SIGIO, signal.SIG_IGN)
    set_guard(None)


def _handle(conn: socket.socket) -> None:
    """In a forked child: run one task (render a tile, assemble a mosaic) and answer.

    The child ends, silently and writing nothing more, when the job goes away
    before the answer (:func:`_die_with_client`).
    """
    import resource
    import traceback

    from .core.logs import describe, log_to_stderr
    from .core.outputs import JobGone

    with conn, conn.makefile("rwb") as stream:
        request = _receive(stream)
        if request is None:  # a probe (prestart): connected, nothing asked
            return
        problem = _request_problem(request)
        if problem is not None:  # to the server's log: nothing of the sender's is used
            print(f"tilegrid worker: refused a request: {problem}", file=sys.stderr, flush=True)
            return
        _die_with_client(conn)
        _adopt(request)
        with open(request["log"], "a", buffering=1, encoding="utf-8") as log:
            os.dup2(log.fileno(), 2)  # what C code writes goes to the job's log too
            sys.stderr = log
            log_to_stderr(console=False)
            started = time.perf_counter()
            try:
                tasks.task_function(request["task"])(*request["args"])
                answer: dict[str, object] = {"ok": True, "seconds": time.perf_counter() - started}
            except JobGone:  # the job was killed: no one to answer, nothing to report
                os._exit(0)
            except Exception as exc:  # noqa: BLE001 - reported to the job like in-process
                with contextlib.suppress(OSError):  # a full disk: the answer still goes back
                    traceback.print_exc(file=log)
                answer = {"ok": False, "error": describe(exc)}
        answer["max_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        _outlive_client(conn)
        _send(stream, answer)


def _peer_uid(conn: socket.socket) -> tuple[int, int] | None:
    """The user and process ids of the process that connected ``conn``, as the kernel
    says (``SO_PEERCRED``); None where the platform does not say (there the socket's
    mode and its folder's keep other users out)."""
    import struct

    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    pid, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, option, 12))
    return uid, pid


def _from_owner(conn: socket.socket) -> bool:
    """Whether ``conn`` comes from this server's own user; a connection of another user
    (or one whose user cannot be known) is logged in one line, in the server's log."""
    try:
        peer = _peer_uid(conn)
    except OSError as exc:
        print(f"tilegrid worker: refused a connection: {exc}", file=sys.stderr, flush=True)
        return False
    if peer is None or peer[0] == os.getuid():
        return True
    uid, pid = peer
    print(
        f"tilegrid worker: refused a connection of uid {uid} (pid {pid}): "
        f"this server serves uid {os.getuid()} only",
        file=sys.stderr,
        flush=True,
    )
    return False


def _fork_handle(server: socket.socket, conn: socket.socket) -> bool:
    """Serve ``conn`` in a forked child (the server goes on at once); refuse it, closed
    unserved, if it does not come from this server's user.  Whether it was served."""
    if not _from_owner(conn):
        conn.close()
        return False
    if os.fork() == 0:
        server.close()
        try:
            conn.setblocking(True)
            _handle(conn)
        finally:
            os._exit(0)
    conn.close()
    return True


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def _bind_owner_only(path: str) -> socket.socket:
    """A Unix socket bound at ``path`` with mode 0600, whatever the umask the server
    inherited from the job that started it."""
    import stat

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = os.umask(0o177)  # the server is one thread here: no one else creates a file
    try:
        server.bind(path)
    finally:
        os.umask(mask)
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        server.close()
        raise WorkerUnavailable(f"the socket {path} was made with mode {mode:o}, not 600")
    return server


def _listen(path: str) -> socket.socket:
    """Warm up and listen on ``path``; a failure is recorded for the jobs (``<path>.failed``)."""
    try:
        if len(os.fsencode(path)) > MAX_SOCKET_PATH:
            raise WorkerUnavailable(f"socket path too long for AF_UNIX: {path}")
        _warm_up()
        # what the warm-up made lives as long as the server: no collection in a
        # forked child looks at it, so it copies none of its pages (Python's gc docs)
        import gc

        gc.freeze()
        server = _bind_owner_only(path)
        server.listen(64)
    except BaseException as exc:
        _record_failure(path, f"{type(exc).__name__}: {exc}")
        raise
    return server


def serve(path: str, lock_fd: int | None = None) -> None:
    """Accept requests on ``path`` until idle for ``IDLE_SECONDS``.

    ``lock_fd``: the start lock, inherited held from :func:`prestart`; released
    once the server listens.  On the way out the socket is removed first, then
    the connections already waiting are served, so no job that connected is
    turned away.
    """
    import signal

    from .core.logs import reuse_freed_memory

    reuse_freed_memory()  # the children inherit it: a large tile's arrays are reused
    _hold_package_copy(path)  # before it listens, so under the start lock
    server = _listen(path)
    inode = os.stat(path).st_ino
    if lock_fd is not None:
        os.close(lock_fd)
    server.settimeout(1.0)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    last = time.monotonic()
    try:
        while time.monotonic() - last < IDLE_SECONDS:
            _reap()
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            if _fork_handle(server, conn):  # another user's connection keeps no server alive
                last = time.monotonic()
    finally:
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_ino == inode:  # only our own: a newer server may listen there
                for name in (path, f"{path}.lock", f"{path}.log"):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(name)
        server.settimeout(0.0)
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # BlockingIOError: none left
                break
            _fork_handle(server, conn)
        server.close()
        _remove_package_copy(path)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None)
