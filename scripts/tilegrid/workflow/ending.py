"""What the workflow does as a run ends (the Snakefile's ``onsuccess`` and ``onerror``).

Snakemake's job-rate limiter (``--max-jobs-per-timespan``, ``100/1s`` by default)
arms a :class:`threading.Timer` of its timespan after each pass that picks jobs, so
that it picks again once the timespan has passed.  The last of them is still
waiting when the run is over, and a timer is not a daemon thread: the interpreter
waits for it before it exits, up to the timespan (1 s) after the run's last line, a
quarter of a small run's wall time.  Nothing is left to pick once the run has ended,
so the handlers cancel what still waits.

The interpreter also ends with a full garbage collection over everything the run
built (the DAG's jobs, files and rules: 0.5-0.7 s for 1024 tiles, on a no-op run
a quarter of its time), only to free memory the exit frees anyway.
:func:`skip_exit_collection` spares it, on every way out (a no-op run calls no
handler).
"""

from __future__ import annotations

import atexit
import gc
import threading


def stop_waiting_timers() -> int:
    """Cancel every :class:`threading.Timer` of this process that has not fired; how many.

    A cancelled timer's thread ends at once without calling its function.  Call it
    only when nothing needs those timers any more: as the run ends.
    """
    waiting = [
        thread
        for thread in threading.enumerate()
        if isinstance(thread, threading.Timer) and not thread.finished.is_set()
    ]
    for timer in waiting:
        timer.cancel()
    return len(waiting)


def skip_exit_collection() -> None:
    """Have the interpreter skip its last garbage collection when this process exits.

    At exit, after the ``atexit`` functions, Python collects every cycle of objects
    once more before it frees the modules; objects that :func:`gc.freeze` moved to
    the permanent generation are left out of it.  Freezing them in an ``atexit``
    function (when the run is over and has closed its files: Snakemake's logging
    is shut down by ``atexit`` too, later, and does not depend on it) leaves the
    memory to the operating system.  Registered once a process, by the Snakefile.
    """
    atexit.unregister(_freeze)  # once, however often the Snakefile is read
    atexit.register(_freeze)


def _freeze() -> None:
    gc.freeze()
