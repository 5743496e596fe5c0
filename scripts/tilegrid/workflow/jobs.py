"""The mosaic rule's job, as its ``run:`` block does it in Snakemake's own process.

The warm worker assembles the mosaic, asked from Snakemake's thread
(:func:`tilegrid.workflow.command.ask_from_snakemake`); when it cannot, the block runs
the job's command, ``python3 scripts/task.py mosaic ARGS.json LOG``
(:func:`~tilegrid.workflow.command.task_main`).  The block calls Snakemake's ``shell()``
itself: only from the rule's own frame does ``shell()`` know the job (its conda
environment, container, threads and resources), so :func:`mosaic_job` hands it the
command rather than running it::

    with mosaic_job(input, output, params, log[0], TASK_ENTRY, ask) as command:
        if command:
            shell(command)

After a successful job the mosaic's tidying runs (:func:`tilegrid.workflow.tidy.tidy_after_mosaic`).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from typing import Any

from . import specs
from .command import ask_from_snakemake
from .tidy import tidy_after_mosaic


@contextlib.contextmanager
def mosaic_job(
    input: Any, output: Any, params: Any, log: str, entry: str, ask: bool
) -> Iterator[str | None]:
    """The mosaic of the rule's ``input`` into ``output``: asked of the warm worker when
    ``ask`` (not with ``--sdm conda``: the job's environment draws it), else the command
    to run (``entry`` is ``scripts/task.py``), yielded for the block's ``shell()``; None
    when the worker did it.  The tidying follows a successful job."""
    pngs, prints, figures = list(input.pngs), list(input.print_pngs), list(output.figures)
    settings = [dict(params.settings), params.sharex, params.sharey]
    args = [input.manifest, pngs, figures, *settings, prints]
    if ask and ask_from_snakemake("mosaic", args, log, entry):
        yield None
    else:
        with arguments_file(args, log) as arguments:
            yield specs.task_command(entry, "mosaic", arguments, log)
    tidy_after_mosaic(pngs, prints, figures, log)


@contextlib.contextmanager
def arguments_file(args: list, log: str) -> Iterator[str]:
    """A job's arguments as a JSON file beside its ``log``, for as long as its command runs."""
    path = f"{log}.args.json"
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(args, handle)
    try:
        yield path
    finally:
        os.remove(path)
