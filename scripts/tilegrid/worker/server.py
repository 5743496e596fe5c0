"""The warm worker's server: a fork server that keeps matplotlib and pyarrow imported.

It runs the tasks of :mod:`tilegrid.core.tasks` by name, in a forked child per
request that takes the job's folder, environment, import path and umask, and dies
with the job (:func:`_die_with_client`).  ``python -m tilegrid.worker.server PATH``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import resource
import signal
import socket
import stat
import struct
import sys
import time
import traceback

from ..core import tasks
from ..core.logs import describe, log_to_stderr, reuse_freed_memory
from ..core.outputs import JobGone, set_guard
from .client import _record_failure
from .copies import _hold_package_copy, _remove_package_copy
from .folders import IDLE_SECONDS, MAX_SOCKET_PATH, WorkerUnavailable
from .protocol import _receive, _request_problem, _send


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

    def job_alive() -> None:
        if _client_gone(conn):
            raise JobGone("the job that asked for this work has gone")

    return job_alive


def _outlive_client(conn: socket.socket) -> None:
    """Undo :func:`_die_with_client`: the answer is written and the job then closes
    its end, which must not end this process as it exits."""

    fd = conn.fileno()
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_ASYNC)
    signal.signal(signal.SIGIO, signal.SIG_IGN)
    set_guard(None)


def _handle(conn: socket.socket) -> None:
    """In a forked child: run one task (render a tile, assemble a mosaic) and answer.

    The child ends, silently and writing nothing more, when the job goes away
    before the answer (:func:`_die_with_client`).
    """

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
                tasks.job_function(request["task"])(*request["args"])
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
