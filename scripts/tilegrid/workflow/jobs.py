"""The rules' jobs, as their ``run:`` blocks do them in Snakemake's process.

The warm worker draws the tile or assembles the mosaic, asked from Snakemake's thread
(:func:`tilegrid.workflow.command.ask_from_snakemake`); where it cannot be used, the
block runs the job's command (``python3 scripts/render.py ...``, ``python3
scripts/task.py mosaic ARGS.json LOG``); where the worker ran the job and it failed,
the block runs a command that says so in one line and fails, so the job is not done a
second time (its traceback is in the log once).  The block calls Snakemake's ``shell()``
itself: only from the rule's own frame does ``shell()`` know the job (its conda
environment, container, threads and resources), so these functions hand it the
command rather than running it::

    if command := render_job(ask, RENDER_COMMAND, entry, shard, ..., log[0]):
        shell(command)

    with mosaic_job(input, output, params, log[0], TASK_ENTRY, ask) as command:
        if command:
            shell(command)

After a successful mosaic its tidying runs (:func:`tilegrid.workflow.tidy.tidy_after_mosaic`).

The split and the scans run in a process of their own, always (they hold the machine's
cores and most of its memory for a while): their blocks run :func:`command_job`'s
command.  Not a ``script:``: for one, Snakemake's own process imports pandas (0.4 s,
before the split can start) to store the job's parameters, and the job's process
imports Snakemake and unpickles the job::

    with command_job(TASK_ENTRY, "split", [params.spec, ...], log[0]) as command:
        shell(command)
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

from ..core.logs import failure_line
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
    with contextlib.suppress(FileNotFoundError):  # a killed command's, which no one removed
        os.remove(arguments_path(log))  # before asking: the worker's answer needs no file
    answer = ask_from_snakemake("mosaic", args, log, entry) if ask else None
    if answer is None:
        with command_job(entry, "mosaic", args, log) as command:
            yield command
    else:
        yield after_asking(answer, log)
    tidy_after_mosaic(pngs, prints, figures, log)


@contextlib.contextmanager
def command_job(entry: str, task: str, args: list, log: str) -> Iterator[str]:
    """The command that runs job ``task`` on ``args`` in a process of its own (``entry``
    is scripts/task.py), yielded for the block's ``shell()``: its arguments are in a
    file beside ``log`` for as long as it runs (a killed command's left-over is
    removed first)."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(arguments_path(log))
    import_meanwhile("pandas")
    with arguments_file(args, log) as arguments:
        yield specs.task_command(entry, task, arguments, log)


def import_meanwhile(module: str) -> None:
    """Import ``module`` in a thread of this process (Snakemake's) while a job's command
    runs: Snakemake records a finished job's parameters through pandas, which it
    imports the first time (0.4 s, between the split's end and the first tile)."""
    if module not in sys.modules:
        threading.Thread(target=importlib.import_module, args=(module,), daemon=True).start()


def render_job(
    ask: bool,
    command: str,
    entry: str,
    shard: str,
    sidecar: str,
    plot: str,
    tile: str,
    png: str,
    log: str,
) -> str | None:
    """The command a render rule's ``run:`` block runs: none when the warm worker drew the
    tile, asked from Snakemake's own process (when ``ask``: not with ``--sdm conda``),
    a one-line report when it failed, else the job's ``command``."""
    if not ask:
        return command
    answer = ask_from_snakemake("render_json", [shard, sidecar, plot, tile, png], log, entry)
    return command if answer is None else after_asking(answer, log)


def after_asking(answer: dict, log: str) -> str | None:
    """Nothing to run when the worker did the job; else a command that reports its
    failure as the job's command would have, on one line of the console and the log."""
    if answer["ok"]:
        return None
    return failure_command(answer["error"], log)


def failure_command(message: str, log: str) -> str:
    """A shell command that says ``tilegrid: error: MESSAGE (log: LOG)`` on stderr and at
    the end of ``log``, and fails, as :func:`tilegrid.core.logs.report_failure` does."""
    line = failure_line(message, log)
    return (
        f"printf '%s\\n' {specs.shell_literal(line)} | tee -a {specs.shell_literal(log)} >&2; "
        "exit 1"
    )


@contextlib.contextmanager
def arguments_file(args: list, log: str) -> Iterator[str]:
    """A job's arguments as a JSON file beside its ``log``, for as long as its command runs."""
    path = arguments_path(log)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(args, handle)
    try:
        yield path
    finally:
        os.remove(path)


def arguments_path(log: str) -> str:
    """Where a job's command finds its arguments: beside the job's ``log``."""
    return f"{log}.args.json"
