"""What the workflow does as a run ends (the Snakefile's ``onsuccess`` and ``onerror``).

Snakemake's job-rate limiter (``--max-jobs-per-timespan``, ``100/1s`` by default)
arms a :class:`threading.Timer` of its timespan after each pass that picks jobs, so
that it picks again once the timespan has passed.  The last of them is still
waiting when the run is over, and a timer is not a daemon thread: the interpreter
waits for it before it exits, up to the timespan (1 s) after the run's last line, a
quarter of a small run's wall time.  Nothing is left to pick once the run has ended,
so the handlers cancel what still waits.
"""

from __future__ import annotations

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
