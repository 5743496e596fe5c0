"""What a job runs, by name: the warm worker and a job's own process look it up here.

The entries are strings, resolved when a task runs, so the worker (which only moves a
job to a warm process) imports none of what it runs: the rules' code keys
(:mod:`tilegrid.workflow.code`) follow imports, and a rule that starts the worker
does not depend on the plotting code through it.  A rule whose job runs a task
names its module (:func:`task_module`) in its code key.
"""

from __future__ import annotations

import importlib

#: task name -> "module:function" (modules absolute)
TASKS = {
    "render": "tilegrid.render.tile:render_tile",
    "render_json": "tilegrid.render.job:render_from_json",
    "mosaic": "tilegrid.mosaic.figure:write_mosaic",
}

#: run once by a warm worker before it forks: imports what the tasks import lazily
#: and draws once, so fonts and caches are loaded
WARM_UP = "tilegrid.render.warm:warm_up"


def task_module(task: str) -> str:
    """The module of ``task``, relative to the package (as code keys name modules)."""
    return TASKS[task].partition(":")[0].partition(".")[2]


def resolve(spec: str):
    """The function ``"module:function"`` names, its module imported."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def task_function(task: str):
    """The function that runs ``task``."""
    return resolve(TASKS[task])
