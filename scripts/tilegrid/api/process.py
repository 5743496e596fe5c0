"""Run the workflow in a child process (``python -m tilegrid.api.child``), its output
forwarded line by line to this process's ``sys.stderr``.

Snakemake cannot run inside a running event loop, which a Jupyter kernel has, and it
asks to be run in a process of its own there; a child also leaves the caller's working
folder, environment, signal handlers and loggers as they were.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from tilegrid.api.errors import TilegridError
from tilegrid.api.snake import RunSummary

#: the folder holding this tilegrid package, first on the child's import path
_PACKAGES = str(Path(__file__).resolve().parent.parent.parent)


def run_workflow(
    workdir: Path,
    configfile: Path,
    targets: list[str],
    cores: int | str | None = None,
    profile: str | os.PathLike | None = None,
    progress: bool = True,
) -> RunSummary:
    """Run the workflow in ``workdir`` for ``targets`` in a child process; what it did.

    Raises :class:`TilegridError` with the workflow's one line when it stops; an
    interrupt (Ctrl-C, Jupyter's stop button) stops the run as Ctrl-C stops Snakemake.
    """
    __tracebackhide__ = True
    with tempfile.TemporaryDirectory(prefix="tilegrid-run-") as scratch:
        request, result = Path(scratch, "request.json"), Path(scratch, "result.json")
        request.write_text(
            json.dumps(
                {
                    "workdir": str(workdir),
                    "configfile": str(configfile),
                    "targets": list(targets),
                    "cores": cores,
                    "profile": None if profile is None else os.fspath(profile),
                    "progress": progress,
                    "result": str(result),
                }
            )
        )
        returncode = _run_child(request)
        try:
            answer = json.loads(result.read_text())
        except (OSError, ValueError):
            raise TilegridError(
                f"tilegrid: error: the Snakemake process ended with code {returncode} and no result"
            ) from None
    if answer.get("error"):
        raise TilegridError(answer["error"])
    summary = RunSummary(ok=True)
    summary.jobs.update(answer.get("jobs", {}))
    return summary


def _run_child(request: Path) -> int:
    """Start the child, forward its output, wait for it; its exit code."""
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_PACKAGES, path]))}
    env["PYTHONUNBUFFERED"] = "1"
    child = subprocess.Popen(
        [sys.executable, "-m", "tilegrid.api.child", str(request)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
        errors="replace",
        bufsize=1,
    )
    try:
        for line in child.stdout:
            sys.stderr.write(line)
            sys.stderr.flush()
        return child.wait()
    except KeyboardInterrupt:
        _stop(child)
        raise
    finally:
        child.stdout.close()


def _stop(child: subprocess.Popen) -> None:
    """Stop the run as Ctrl-C stops Snakemake (it ends its jobs), else kill it."""
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
    try:
        child.wait(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
