"""A test hook that holds one stage of a tilegrid run, for tests/workflow/test_kill.py.

The kill tests run Snakemake from a venv of their own whose ``.pth`` file imports
this module in every Python it starts: Snakemake, its jobs, and the warm worker's
server (started with the job's interpreter), whose forked children inherit it.  It
wraps, as each is imported, the function where a stage writes (or is about to
write) its outputs.  While ``TILEGRID_TEST_HOLD`` names that stage in the
environment of the moment (a warm worker's child takes its job's), the call writes
``$TILEGRID_TEST_HOLD_DIR/started-<pid>`` (the process id and session id of the
caller) and waits until ``$TILEGRID_TEST_HOLD_DIR/release`` exists, then goes on.
So "killed during the stage" is a state the test waits for, not a moment it guesses.

Standard library only, nothing imported from tilegrid: it runs before anything else.
"""

from __future__ import annotations

import functools
import importlib.abc
import os
import sys
import time

STAGE = "TILEGRID_TEST_HOLD"
FOLDER = "TILEGRID_TEST_HOLD_DIR"
#: longest hold: a test that never releases leaves no process behind for long
HOLD_SECONDS = 120

#: (module, function) -> (the argument that is the output's path, {stage: the path's prefix
#: that holds, or None: every call}).  render and mosaic run in the warm worker's children:
#: they hold before they write anything, so a child that outlived its job would write all
#: its work afterwards; viewer holds with a temporary file written, about to rename it.
POINTS: dict[tuple[str, str], tuple[int, dict[str, str | tuple[str, ...] | None]]] = {
    ("tilegrid.split.scan", "write_arrays"): (0, {"scan": None}),  # rows routed, no index yet
    ("tilegrid.split.filetimes", "keep_times"): (0, {"split": None}),  # shards written
    ("tilegrid.core.outputs", "writing"): (
        0,
        {"render": "results/tiles/", "mosaic": "results/mosaic.png"},
    ),
    ("tilegrid.core.outputs", "replace"): (
        1,
        {"viewer": ("results/viewer/", "results/mosaic.html")},
    ),
}


def _holds_here(arg: int, stages: dict, args: tuple) -> bool:
    """Whether this call is the held stage's: the stage named in the environment, and
    (for a writer of several stages) its output path."""
    stage = os.environ.get(STAGE)
    if stage not in stages:
        return False
    prefix = stages[stage]
    return prefix is None or os.path.relpath(os.path.abspath(args[arg])).startswith(prefix)


def hold() -> None:
    """Say that this process reached the held point, and wait for the release."""
    folder = os.environ[FOLDER]
    tmp = os.path.join(folder, f".started-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()} {os.getsid(0)}\n")
    os.rename(tmp, os.path.join(folder, f"started-{os.getpid()}"))
    deadline = time.monotonic() + HOLD_SECONDS
    while not os.path.exists(os.path.join(folder, "release")) and time.monotonic() < deadline:
        time.sleep(0.02)


def _wrap(function, arg: int, stages: dict):
    @functools.wraps(function)
    def held(*args, **kwargs):
        if _holds_here(arg, stages, args):
            hold()
        return function(*args, **kwargs)

    return held


class _Patcher(importlib.abc.MetaPathFinder):
    """Wraps the held functions of each module of :data:`POINTS` once it is executed."""

    modules = {module for module, _ in POINTS}

    def find_spec(self, name, path, target=None):
        if name not in self.modules:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            for (where, function), (arg, stages) in POINTS.items():
                if where == name:
                    setattr(module, function, _wrap(getattr(module, function), arg, stages))

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _Patcher())
