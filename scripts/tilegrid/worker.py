"""A warm render worker: a fork server that keeps matplotlib and pyarrow imported.

Importing matplotlib and pyarrow and loading fonts costs a fresh process more
than drawing a typical tile.  The first render job on a machine starts this
server in the background; every render job then sends its arguments over a
Unix socket and the server forks a child (imports and fonts already loaded,
shared copy-on-write) that renders the tile and answers.  The server exits
after ``IDLE_SECONDS`` without requests.

The socket name holds a hash of the Python interpreter and of the package's
files, so a changed plotting code never meets an old server.  Anything that
goes wrong on the way (no server, a refused or broken connection) makes the
job render in its own process instead; an error *in* the tile is reported
like in-process rendering.  ``TILEGRID_WORKER=0`` turns the worker off.
"""

from __future__ import annotations

# Every render job imports this module as a client: only what a client needs
# is imported here; starting and running a server import the rest.
import hashlib
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

IDLE_SECONDS = float(os.environ.get("TILEGRID_WORKER_IDLE", "60"))
START_SECONDS = 30.0
PACKAGE = Path(__file__).resolve().parent


def enabled() -> bool:
    """Whether jobs may use the worker (``TILEGRID_WORKER=0`` turns it off)."""
    return os.environ.get("TILEGRID_WORKER", "1") != "0" and hasattr(os, "fork")


def code_key() -> str:
    """A hash of the environment and interpreter, and of every file of the package.

    The interpreter is resolved (``bin/python`` and ``bin/python3`` of one venv
    are one interpreter: the render and mosaic jobs share a worker) and the
    environment's prefix kept (two venvs of one base Python are not).
    """
    interpreter = f"{sys.prefix}:{os.path.realpath(sys.executable)}"
    digest = hashlib.sha256(interpreter.encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def socket_path() -> str:
    """Where this code version's server listens (short enough for AF_UNIX)."""
    import tempfile

    base = os.environ.get("TILEGRID_WORKER_DIR") or os.path.join(
        tempfile.gettempdir(), f"tilegrid-{os.getuid()}"
    )
    os.makedirs(base, mode=0o700, exist_ok=True)
    return os.path.join(base, f"tilegrid-{code_key()}.sock")


# ---------------------------------------------------------------- client


def _connect(path: str) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        return sock
    except OSError:
        sock.close()
        return None


def _spawn(path: str, lock_fd: int | None = None) -> None:
    """Start a server process for ``path``, detached from this job.

    With ``lock_fd`` (the start lock, held) the server inherits the lock and
    lets go of it once it listens, so jobs that come meanwhile wait for it.
    """
    import subprocess

    if os.path.exists(path):
        os.unlink(path)  # a stale socket of a server that died
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    extra = [str(lock_fd)] if lock_fd is not None else []
    subprocess.Popen(
        [sys.executable, "-m", "tilegrid.worker", path, *extra],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
        pass_fds=() if lock_fd is None else (lock_fd,),
    )


def _start_server(path: str) -> socket.socket | None:
    """Start a server (one per code version, under a lock) and connect to it."""
    import fcntl
    import time

    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        sock = _connect(path)
        if sock is not None:
            return sock
        _spawn(path)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            sock = _connect(path)
            if sock is not None:
                return sock
            time.sleep(0.02)
    return None


def prestart() -> None:
    """Start this code version's server in the background, without waiting for it.

    The split calls it as it finishes: the server warms up while Snakemake
    checksums the table and expands the DAG, instead of while the first render
    jobs wait.  Nothing happens when a server already runs or the worker is off.
    """
    import fcntl

    if not enabled():
        return
    path = socket_path()
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        sock = _connect(path)
        if sock is not None:
            sock.close()
            return
        _spawn(path, lock.fileno())


def _exchange(sock: socket.socket, request: dict[str, Any]) -> dict[str, Any] | None:
    with sock, sock.makefile("rwb") as stream:
        stream.write(json.dumps(request).encode() + b"\n")
        stream.flush()
        line = stream.readline()
    return json.loads(line) if line else None


#: what the worker can run: task name -> (module of the package, function)
TASKS = {"render": ("render", "render_tile"), "mosaic": ("mosaic", "write_mosaic")}


def render_remote(args: list[Any], log_path: str, task: str = "render") -> dict[str, Any] | None:
    """Run ``task`` (a tile's render) through the warm worker; None when no worker could be used.

    Returns the worker's answer: ``{"ok": True, "max_rss_kb": ...}`` or
    ``{"ok": False, "error": "<one line>"}``.
    """
    if not enabled():
        return None
    path = socket_path()
    try:
        sock = _connect(path) or _start_server(path)
        if sock is None:
            return None
        request = {
            "cwd": os.getcwd(),
            "task": task,
            "args": args,
            "log": os.path.abspath(log_path),
        }
        return _exchange(sock, request)
    except (OSError, ValueError):
        return None


def render_job(args: list[Any], log_path: str, task: str = "render") -> None:
    """A render (or mosaic) job: through the warm worker if possible, else in this process."""
    answer = render_remote(args, log_path, task)
    if answer is None:
        from .logs import run_job

        run_job(_task_function(task), *args, log_path=log_path)
    elif not answer["ok"]:
        from .logs import report_failure

        report_failure(answer["error"], log_path)
    else:
        print(f"rendered by the warm worker, max RSS {answer['max_rss_kb']} KB", file=sys.stderr)


def _task_function(task: str):
    import importlib

    module, name = TASKS[task]
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


# ---------------------------------------------------------------- server


def _warm_up() -> None:
    """Import what rendering needs and draw once, so fonts and caches are loaded.

    Whatever a render imports lazily must be imported here, or every forked
    child imports it again: ``pq.read_table`` imports ``pyarrow.dataset`` (and
    with it pandas, 0.3 s), kinds are imported by name, the KDE uses
    ``numpy.fft``, and saving a PNG loads Pillow's plugins.
    """
    import io

    import numpy.fft  # noqa: F401
    import pyarrow.compute  # noqa: F401
    import pyarrow.dataset  # noqa: F401
    import pyarrow.ipc  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    from . import levels, mosaic, palettes, render  # noqa: F401
    from .figures import new_figure
    from .kinds import KINDS, get_kind

    for kind in KINDS:
        get_kind(kind)
    fig = new_figure(40, 30, 100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.plot([0, 1], [0, 1])
    ax.text(0.5, 0.5, "warm")
    fig.savefig(io.BytesIO(), format="png")


def _handle(conn: socket.socket) -> None:
    """In a forked child: run one task (render a tile, assemble a mosaic) and answer."""
    import resource
    import traceback

    from .logs import log_to_stderr

    with conn, conn.makefile("rwb") as stream:
        request = json.loads(stream.readline())
        os.chdir(request["cwd"])
        with open(request["log"], "a", buffering=1, encoding="utf-8") as log:
            sys.stderr = log
            log_to_stderr()
            try:
                _task_function(request.get("task", "render"))(*request["args"])
                answer: dict[str, Any] = {"ok": True}
            except Exception as exc:  # noqa: BLE001 - reported to the job like in-process
                traceback.print_exc(file=log)
                text = str(exc).strip()
                answer = {"ok": False, "error": text.splitlines()[0] if text else repr(exc)}
        answer["max_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        stream.write(json.dumps(answer).encode() + b"\n")
        stream.flush()


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def serve(path: str, lock_fd: int | None = None) -> None:
    """Accept requests on ``path`` until idle for ``IDLE_SECONDS``.

    ``lock_fd``: the start lock, inherited held from :func:`prestart`; released
    once the server listens.
    """
    import signal
    import time

    _warm_up()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    inode = os.stat(path).st_ino
    server.listen(64)
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
            last = time.monotonic()
            if os.fork() == 0:
                server.close()
                try:
                    _handle(conn)
                finally:
                    os._exit(0)
            conn.close()
    finally:
        server.close()
        try:  # only our own socket: a newer server may already listen there
            if os.stat(path).st_ino == inode:
                os.unlink(path)
                os.unlink(f"{path}.lock")
        except FileNotFoundError:
            pass


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None)
