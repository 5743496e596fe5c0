"""What each job runs, by name: the rule scripts, the render command and the warm worker
look it up here, so the worker imports no stage of the pipeline.

A job's code key (:func:`tilegrid.core.code.job_files`) is the import closure of
its entry's module: what its output depends on.  How the job reaches that entry (its
rule script, the render command, the worker that forks it) draws nothing and is in
no key, so editing the worker redraws no tile.
"""

from __future__ import annotations

import importlib
import os

#: job name -> "module:function" (modules absolute)
JOBS = {
    "example": "tilegrid.workflow.example:write_example",
    "scan": "tilegrid.split.scan:scan_from_params",
    "split": "tilegrid.split.job:split_job",
    "render": "tilegrid.render.tile:render_tile",
    "render_json": "tilegrid.render.job:render_from_json",
    "mosaic": "tilegrid.mosaic.figure:write_mosaic",
    "mosaic_page": "tilegrid.mosaic.figure:write_mosaic_page",
    "mosaic_document": "tilegrid.mosaic.figure:write_mosaic_document",
    "pages": "tilegrid.workflow.pages:pages_job",
    "viewer_block": "tilegrid.viewer.blocks:write_block",
    "viewer": "tilegrid.viewer.page:write_page",
}
#: the jobs a warm worker runs for a client (the others run in their job's process)
WORKER_TASKS = ("render", "render_json", "mosaic", "mosaic_page", "mosaic_document")

#: run once by a warm worker before it forks: imports what the tasks import lazily
#: and draws once, so fonts and caches are loaded
WARM_UP = "tilegrid.render.warm:warm_up"


def job_module(job: str) -> str:
    """The module of ``job``'s entry, relative to the package (as code keys name modules)."""
    return JOBS[job].partition(":")[0].partition(".")[2]


def resolve(spec: str):
    """The function ``"module:function"`` names, its module imported."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def job_function(job: str):
    """The function that runs ``job``, in the job's environment (:func:`job_environment`)."""
    job_environment()
    return resolve(JOBS[job])


def job_environment() -> None:
    """What a job's matplotlib needs, set in the job itself before matplotlib is imported
    (never when the workflow is parsed): :func:`job_environ`'s additions."""
    os.environ.update(job_environ(os.environ))


def job_environ(environ) -> dict[str, str]:
    """``environ`` with what a job's matplotlib needs: no GUI backend, and a writable,
    persistent cache in the working folder's ``.snakemake`` (a read-only home would
    make every job build the font cache again).  A value the user set is kept."""
    wanted = {
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": os.path.abspath(os.path.join(".snakemake", "matplotlib")),
    }
    return {**wanted, **environ}
