"""The processes that draw a full mosaic's cells (tilegrid.mosaic.pieces.in_processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from conftest import REPO

#: in_processes run where SIGTERM is ignored, as a process can inherit it: SIGTERM
#: then cannot end the pool's processes, so only processes that end by themselves let
#: the call return (leaving ``with Pool()`` waited for them for ever)
PROGRAM = textwrap.dedent(
    """
    import os, signal, sys
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    from tilegrid.mosaic.pieces import in_processes

    def square(x):
        return x * x, signal.getsignal(signal.SIGTERM) == signal.SIG_DFL

    for _ in range(5):  # in a forked child each time, as the warm worker draws a mosaic
        read, write = os.pipe()
        if os.fork() == 0:
            out = in_processes(square, list(range(40)), 2)
            ok = sorted(v for v, _ in out) == [x * x for x in range(40)]
            os.write(write, f"{ok} {all(d for _, d in out)}\\n".encode())
            os._exit(0)
        os.close(write)
        print(os.read(read, 100).decode().strip(), flush=True)
        os.wait()
    """
)


def test_the_cell_processes_end_by_themselves_and_take_sigterm_by_default():
    proc = subprocess.Popen(
        [sys.executable, "-c", PROGRAM],
        cwd=REPO / "scripts",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the pool's processes too
        out, err = proc.communicate()
        pytest.fail(f"in_processes waited for ever on its processes; printed {out!r}")
    assert proc.returncode == 0, err
    assert out.splitlines() == ["True True"] * 5
