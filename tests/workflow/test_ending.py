"""tilegrid.workflow.ending: what the run's onsuccess and onerror handlers do."""

from __future__ import annotations

import threading

from tilegrid.workflow.ending import stop_waiting_timers


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
