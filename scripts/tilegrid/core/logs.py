"""Log records and errors of the rule scripts.

Rule scripts send stderr to their job's log.  A failure is written there in
full and, as one line naming the log, to the console Snakemake prints.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any


class _Format(logging.Formatter):
    """Timestamped info lines; a warning is one ``tilegrid: warning:`` line, as ``warn``."""

    def format(self, record: logging.LogRecord) -> str:
        if record.levelno >= logging.WARNING:
            return "tilegrid: warning: " + " ".join(record.getMessage().split())
        return super().format(record)


def log_to_stderr(console: bool = True) -> None:
    """Write INFO log records to the current ``sys.stderr`` (the job's log); warnings
    also to the console, where a rule script's stderr was redirected away from it
    (``console=False`` in the warm worker, whose fd 2 is the job's log)."""
    handlers = [logging.StreamHandler(sys.stderr)]
    if console and sys.stderr is not sys.__stderr__ and sys.__stderr__ is not None:
        console = logging.StreamHandler(sys.__stderr__)
        console.setLevel(logging.WARNING)
        handlers.append(console)
    for handler in handlers:
        handler.setFormatter(_Format("%(asctime)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)


class _NoPandas:
    """An import finder that says there is no pandas (see :func:`without_pandas`)."""

    @staticmethod
    def find_spec(name: str, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"no {name} in this job", name=name)
        return None


def without_pandas() -> None:
    """Keep pandas out of a job that never uses it (the split and its scans): pyarrow
    imports it, about 0.4 s, the first time it converts a Python value, unless it
    cannot be imported.  Call it before anything imports pandas."""
    if "pandas" not in sys.modules and not any(isinstance(f, _NoPandas) for f in sys.meta_path):
        sys.meta_path.insert(0, _NoPandas())


#: glibc's mallopt parameters (malloc.h): M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def reuse_freed_memory(limit: int = 1 << 30) -> None:
    """Keep freed memory for the next batch instead of giving it back to the system.

    A batch's arrays (megabytes each) come and go thousands of times in a split or a
    render; glibc maps each anew and unmaps it when freed, so every page is faulted
    in again (a quarter of a 1e8-row split's time went to the kernel).  Below
    ``limit`` bytes they now come from the heap, which is not trimmed.  Only on
    glibc; elsewhere nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None)  # this process's symbols: glibc's among them
        libc.mallopt(_M_TRIM_THRESHOLD, limit)
        libc.mallopt(_M_MMAP_THRESHOLD, limit)


def warn(message: str) -> None:
    """Write one warning line to the job's log (the current ``sys.stderr``)."""
    line = " ".join(message.split())  # one line, whatever the message holds
    print(f"tilegrid: warning: {line}", file=sys.stderr, flush=True)


def run_job(func: Callable[..., Any], *args: Any, log_path: str, **kwargs: Any) -> Any:
    """Call ``func``; on failure log the traceback, print one line to the console, exit 1."""
    log_to_stderr()
    try:
        return func(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - every failure is reported the same way
        with contextlib.suppress(OSError):  # a full disk: the console still gets the line
            traceback.print_exc(file=sys.stderr)
        report_failure(describe(exc), log_path)


def describe(exc: BaseException) -> str:
    """One line for a failure: a full disk said plainly, else the exception's first line."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        where = f" writing {exc.filename}" if exc.filename else ""
        return (
            f"no space left on the device of {os.getcwd()}{where}; free some space and "
            "rerun (the outputs of the failed job were removed)"
        )
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def failure_line(message: str, log_path: str) -> str:
    """The one line a failed job says, on the console and at the end of its log."""
    return f"tilegrid: error: {message} (log: {log_path})"


def report_failure(message: str, log_path: str) -> None:
    """Write one line naming the log to the log and to the console, and exit 1.

    The log may be unwritable (a full disk): the console line is written anyway,
    and stderr is the console's again, so exiting does not fail on a flush.
    """
    line = failure_line(message, log_path)
    with contextlib.suppress(OSError):
        print(line, file=sys.stderr, flush=True)
    sys.stderr = sys.__stderr__
    print(line, file=sys.__stderr__, flush=True)
    raise SystemExit(1)
