"""A job's side of the worker: start a server (one per code version, under a lock),
send it the job, and run the job in its own process when no server can be used.

Every render and mosaic job imports this: only what a client needs is imported,
and nothing slow to import (json with re, hashlib with OpenSSL, pathlib, typing,
tempfile: together more than a small tile's drawing costs).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import sys
import time

from ..core import tasks
from .copies import _package_copy, _remove_orphan_copies
from .folders import FAILED_SECONDS, START_SECONDS, WorkerUnavailable, _warn, enabled, locate
from .protocol import _receive, _send, _umask, plain


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
    import subprocess  # lazy: re and more, 9 ms a job that finds the server running

    for stale in (path, f"{path}.failed"):  # a socket of a server that died, an old failure
        with contextlib.suppress(FileNotFoundError):
            os.unlink(stale)
    _remove_orphan_copies(path)
    env = {**os.environ, "PYTHONPATH": _package_copy(path)}
    extra = [str(lock_fd)] if lock_fd is not None else []
    with open(f"{path}.log", "w", encoding="utf-8") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "tilegrid.worker.server", path, *extra],
            cwd=os.path.dirname(path),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
            close_fds=True,
            pass_fds=() if lock_fd is None else (lock_fd,),
        )


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
        from ..core.logs import warn

        warn(f"warm worker not started: {note + '; ' if note else ''}{reason}")
        return
    if note:
        from ..core.logs import warn

        warn(f"warm worker: {note}")


def _exchange(sock: socket.socket, request: dict[str, object]) -> dict[str, object] | None:
    with sock, sock.makefile("rwb") as stream:
        _send(stream, request)
        return _receive(stream)


def run_remote(
    args: list,
    log_path: str,
    task: str = "render",
    env: dict[str, str] | None = None,
    sys_path: list[str] | None = None,
    quiet: bool = False,
) -> dict[str, object] | None:
    """Run ``task`` (a tile's render) through the warm worker; None when no worker could be used.

    Returns the worker's answer: ``{"ok": True, "max_rss_kb": ...}`` or
    ``{"ok": False, "error": "<one line>"}``.  When the worker is on but cannot
    be used, writes one warning line to stderr (the job's log) and returns None.
    The job's environment and import path are this process's unless ``env`` and
    ``sys_path`` are given.  ``quiet``: no warning line on stderr (a caller that is
    not the job's process, whose stderr is not the job's log): a note on the worker
    comes back as the answer's ``"note"``.
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
            "env": dict(os.environ) if env is None else env,
            "sys_path": list(sys.path) if sys_path is None else sys_path,
            "umask": _umask(),
        }
        path, note = locate()
        answer = _exchange(_connect(path) or _start_server(path), request)
        if answer is None:
            raise WorkerUnavailable("the warm worker closed the connection without an answer")
    except Exception as exc:  # noqa: BLE001 - any fault: render in this process
        reason = str(exc) if isinstance(exc, WorkerUnavailable) else f"{type(exc).__name__}: {exc}"
        if not quiet:
            _warn(f"{note}; {reason}" if note else reason)
        return None
    if note and quiet:
        return {**answer, "note": note}
    if note:
        from ..core.logs import warn

        warn(f"warm worker: {note}")
    return answer


def run_task(args: list, log_path: str, task: str = "render") -> None:
    """A render (or mosaic) job: through the warm worker if possible, else in this process."""
    tasks.job_environment()  # the worker's child takes this process's environment
    answer = run_remote(args, log_path, task)
    if answer is None:
        import resource

        from ..core.logs import reuse_freed_memory, run_job

        reuse_freed_memory()
        started = time.perf_counter()
        run_job(tasks.job_function(task), *args, log_path=log_path)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        where = "in the job's own process"
        print(job_cost(task, where, time.perf_counter() - started, rss), file=sys.stderr)
    elif not answer["ok"]:
        from ..core.logs import report_failure

        report_failure(answer["error"], log_path)
    else:
        where = "by the warm worker"
        print(job_cost(task, where, answer["seconds"], answer["max_rss_kb"]), file=sys.stderr)


def job_cost(task: str, where: str, seconds: float, max_rss_kb: int) -> str:
    """The log line with a job's real cost: Snakemake's benchmark file of a job the warm
    worker drew times only the thin client that asked for it."""
    done = "assembled" if task.startswith("mosaic") else "rendered"
    return f"{done} {where} in {seconds:.3f} s, max RSS {max_rss_kb} KB"
