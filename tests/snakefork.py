"""Start ``snakemake`` runs for the tests without paying Snakemake's imports each time.

Every ``snakemake`` start imports Snakemake and loads its plugins (executors, storage,
report), and the workflow's parse imports pandas, pyarrow and jsonschema: ~2.7 CPU-s of
the ~3.4 a no-op run costs here, and the suite starts it several hundred times.  This
server imports them once; each run is a forked child that then does
exactly what ``python -m snakemake ARGS`` does: ``snakemake.cli.main()`` with that
``sys.argv``, in the run's folder, with the run's environment, stdin from /dev/null and
stdout and stderr into the caller's pipe.  Nothing of tilegrid or matplotlib is
imported before the fork (:data:`NOT_BEFORE`): the workflow copy's own package, the
folder's ``matplotlibrc`` and the run's environment are read by the run, as in a new
process; the libraries imported before (:data:`LIBRARIES`) read neither when imported.

Each run is a process group of its own (``setsid``): a small monitor, which ignores
SIGTERM and SIGINT and reports the run's wait status, and the run.  The caller gets the
group's id, so killing the group is what killing ``python -m snakemake``'s group is.

Wire format on the Unix socket: the request is one JSON line
``{"argv": [...], "cwd": "...", "env": {...}, "umask": N}`` sent with the write end of the caller's
pipe as an SCM_RIGHTS file descriptor; the answer is ``<pgid>\\n`` at once and
``<wait status>\\n`` when the run ends.

Tests that are about how a process starts (imports, start-up time, kills) start
``python -m snakemake`` themselves; ``TILEGRID_TESTS_FORK=0`` sends every run there.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

#: what a run imports after its start that reads nothing of the run's environment or
#: folder when imported: the config's schema check, Snakemake's and tilegrid's parse-time
#: table reads (pandas imports pyarrow)
LIBRARIES = ("jsonschema", "yaml", "pandas", "pyarrow", "pyarrow.parquet", "pyarrow.csv")
#: what must be left to the run: the workflow copy's own package, and matplotlib, which
#: reads the run's folder (matplotlibrc) and environment (MPLBACKEND) when imported
NOT_BEFORE = ("tilegrid", "matplotlib")


def _warm() -> None:
    """Import what every ``snakemake`` start imports, and load its plugins."""
    import importlib

    import snakemake.api  # noqa: F401
    import snakemake.cli
    import snakemake.dag  # noqa: F401
    import snakemake.persistence  # noqa: F401
    import snakemake.workflow  # noqa: F401

    snakemake.cli.get_argument_parser()  # the executor, storage and report plugins
    for name in LIBRARIES:
        importlib.import_module(name)
    early = sorted({m.partition(".")[0] for m in sys.modules} & set(NOT_BEFORE))
    if early:
        raise RuntimeError(f"imported before a run: {', '.join(early)}")


def _python_path(environ) -> list[str]:
    """The folders ``PYTHONPATH`` puts on ``sys.path`` when a process starts."""
    return [os.path.abspath(p) for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]


#: ``sys.path`` after the script's folder once Snakemake is imported (it adds a folder),
#: without what this server's PYTHONPATH added
_SITE: list[str] = []


def _run(request: dict, out_fd: int) -> None:
    """In the forked run: become ``python -m snakemake ARGV`` in ``cwd``; never returns."""
    code = 1
    try:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        os.close(null)
        os.close(out_fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.umask(request["umask"])
        tempfile.tempdir = None  # chosen from the environment on first use, as anew
        import importlib.util

        import snakemake.cli
        import snakemake.workflow

        entry = importlib.util.find_spec("snakemake.__main__").origin  # not imported: it runs
        sys.argv = [entry, *request["argv"]]
        sys.path[:] = [os.getcwd(), *_python_path(os.environ), *_SITE]  # as ``python -m``
        snakemake.workflow.Workflow._rundir = os.getcwd()  # read when it was imported
        try:
            snakemake.cli.main()
            code = 0
        except SystemExit as stop:
            code = _exit_code(stop.code)
        except BaseException:  # noqa: BLE001  (as the interpreter reports it)
            import traceback

            traceback.print_exc()
            code = 1
        threading._shutdown()  # as the interpreter ends: its threads first, then atexit
        atexit._run_exitfuncs()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _exit_code(code) -> int:
    """What the interpreter makes of ``sys.exit(code)``: a message is printed, and is 1."""
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)
    return 1


def _serve_one(conn: socket.socket) -> None:
    """In the forked monitor: start the run in a new process group, answer its group id,
    then its wait status; never returns."""
    try:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        msg, fds, _, _ = socket.recv_fds(conn, 1 << 20, 1)
        request = json.loads(msg.decode())
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        pid = os.fork()
        if pid == 0:
            conn.close()
            _run(request, fds[0])
        os.close(fds[0])
        conn.sendall(f"{os.getpgid(0)}\n".encode())
        _, status = os.waitpid(pid, 0)
        conn.sendall(f"{status}\n".encode())
    finally:
        os._exit(0)


def serve(path: str) -> None:
    """Listen on the Unix socket ``path`` until the parent (the pytest process) is gone."""
    _warm()
    _SITE[:] = [p for p in sys.path[1:] if p not in _python_path(os.environ)]
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getppid()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    server.settimeout(1.0)
    Path(f"{path}.ready").touch()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while os.getppid() == parent:
        _reap()
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        if os.fork() == 0:
            server.close()
            _serve_one(conn)
        conn.close()
    _reap()


def _reap() -> None:
    """Wait for the monitors that ended (their CPU time then counts as this server's)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


class ForkServer:
    """The server, started by a pytest process the first time it runs ``snakemake``."""

    def __init__(self, folder: Path):
        self.path = str(folder / "snakefork.sock")
        log = open(folder / "snakefork.log", "w")  # noqa: SIM115  (the server's, kept)
        self.proc = subprocess.Popen(
            [sys.executable, __file__, self.path],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # one thread, so forks copy no thread: BLAS's and jemalloc's (pyarrow's)
            env={
                **os.environ,
                "OPENBLAS_NUM_THREADS": "1",
                "JE_ARROW_MALLOC_CONF": "background_thread:false",
            },
        )
        log.close()
        deadline = time.monotonic() + 120
        while not os.path.exists(f"{self.path}.ready"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"snakefork did not start: {(folder / 'snakefork.log')}")
            time.sleep(0.05)

    def start(self, argv: list[str], cwd: Path, env: dict[str, str]) -> ForkedRun:
        """Start ``snakemake ARGV`` in ``cwd``: the run, its output to read."""
        read, write = os.pipe()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(self.path)
            umask = os.umask(0)
            os.umask(umask)
            request = {"argv": argv, "cwd": str(cwd), "env": env, "umask": umask}
            request = json.dumps(request).encode()
            socket.send_fds(conn, [request], [write])
        finally:
            os.close(write)
        pgid = int(_line(conn))
        return ForkedRun(pgid, conn, read)

    def close(self) -> None:
        self.proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


def _line(conn: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(64)
        if not chunk:
            break
        data += chunk
    return data.decode().strip()


class ForkedRun:
    """A run the server started: ``pid`` is its process group's id."""

    def __init__(self, pid: int, conn: socket.socket, output: int):
        self.pid = pid
        self.conn = conn
        self.output = output  # the read end of the run's stdout and stderr

    def communicate(self, timeout: float) -> tuple[str, int | None]:
        """Its output until every writer closed it, and its return code as
        ``subprocess`` gives it (``-N`` for a signal; ``None`` after ``timeout``)."""
        import selectors

        chunks: list[bytes] = []
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.output, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(timeout=left):
                    os.close(self.output)
                    self.conn.close()
                    return b"".join(chunks).decode(errors="replace"), None
                data = os.read(self.output, 1 << 16)
                if not data:
                    break
                chunks.append(data)
        os.close(self.output)
        text = b"".join(chunks).decode(errors="replace")
        self.conn.settimeout(max(1.0, deadline - time.monotonic()))
        try:
            status = _line(self.conn)
        except TimeoutError:
            return text, None
        finally:
            self.conn.close()
        code = os.waitstatus_to_exitcode(int(status)) if status else -signal.SIGKILL
        return text, code


if __name__ == "__main__":
    serve(sys.argv[1])
