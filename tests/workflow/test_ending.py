"""tilegrid.workflow.ending: what the run's onsuccess and onerror handlers do."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from tilegrid.workflow.ending import stop_waiting_timers

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def test_a_waiting_timer_is_cancelled_and_never_calls_its_function():
    called = []
    timer = threading.Timer(3600, lambda: called.append(True))
    timer.start()
    assert stop_waiting_timers() >= 1
    timer.join(timeout=10)
    assert not timer.is_alive() and called == []


def test_a_timer_that_fired_is_not_counted_and_other_threads_are_left_alone():
    fired = threading.Timer(0, lambda: None)
    fired.start()
    fired.join(timeout=10)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        assert stop_waiting_timers() == 0
        assert other.is_alive()
    finally:
        stop.set()


def test_the_exit_skips_its_last_collection_of_the_objects_made_before(tmp_path):
    """In a fresh interpreter: once skip_exit_collection() is called (twice, as a
    Snakefile read twice would), the atexit functions freeze every object (the exit's
    own collection then leaves them); before them, nothing is frozen."""
    script = tmp_path / "probe.py"
    script.write_text(
        "import atexit, gc, sys\n"
        f"sys.path.insert(0, {str(SCRIPTS)!r})\n"
        "from tilegrid.workflow.ending import skip_exit_collection\n"
        "garbage = [[] for _ in range(1000)]\n"
        "for item in garbage: item.append(item)\n"
        "skip_exit_collection(); skip_exit_collection()\n"
        "assert gc.get_freeze_count() == 0\n"
        "atexit._run_exitfuncs()\n"
        "assert gc.get_freeze_count() >= 1000, gc.get_freeze_count()\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
