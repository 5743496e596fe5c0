"""The render jobs' command line: ``python -m tilegrid.workflow.command --shard ... --log ...``.

The render rule runs this as a ``shell:`` command instead of a ``script:``: a
rule script starts an interpreter that imports Snakemake and unpickles the job,
which costs more than drawing a typical tile.  This entry point imports only the
standard library: it sends stderr to the job's log, hands the tile to the warm
render worker (:mod:`tilegrid.worker`) and, when there is none, renders in its
own process (only then importing numpy, pyarrow and matplotlib).

Arguments, all required::

    --shard SHARD.arrow  --sidecar SHARD.json     the tile's rows and agreed facts
    --plot JSON            the plot settings (kind, x, y, function, preprocess, options)
    --tile JSON            the tile size: {"height": ..., "aspect": ..., "dpi": ...}, and
                           "print_dpi" for a print tile (see tilegrid.render.tile.drawn_size)
    --png TILE.png                                the output (its metadata inside)
    --log JOB.log                                 where stderr and tracebacks go

A failure prints one line naming the tile and the log, as every tilegrid job does.

A render rule first asks from Snakemake's own process (its ``run:`` block, in one of
Snakemake's threads: :func:`tilegrid.workflow.jobs.render_job`), which spares each tile
a shell and an interpreter; the command is what it runs when the worker cannot be used.
"""

from __future__ import annotations

import os
import resource
import sys
import time

from ..core.tasks import WORKER_TASKS, job_environ, job_function
from ..worker.client import job_cost, prestart, run_remote, run_task

FLAGS = ("shard", "sidecar", "plot", "tile", "png", "log")
USAGE = "usage: python -m tilegrid.workflow.command " + " ".join(
    f"--{f} {f.upper()}" for f in FLAGS
)


class UsageError(ValueError):
    """The command line does not name every argument exactly once."""


def parse_args(argv: list[str]) -> dict[str, str]:
    """``{"shard": ..., "log": ...}`` from ``--name value`` pairs (every flag, once)."""
    if len(argv) % 2:
        raise UsageError(f"an option without a value: {argv[-1]!r}")
    args: dict[str, str] = {}
    for flag, value in zip(argv[::2], argv[1::2]):
        name = flag[2:] if flag.startswith("--") else ""
        if name not in FLAGS or name in args:
            raise UsageError(f"unknown or repeated option {flag!r}")
        args[name] = value
    missing = [f"--{f}" for f in FLAGS if f not in args]
    if missing:
        raise UsageError("missing " + ", ".join(missing))
    return args


def main(argv: list[str]) -> None:
    """Render the tile the command line names; exit 1 with one line on failure."""
    try:
        args = parse_args(argv)
    except UsageError as exc:
        sys.exit(f"tilegrid: error: render_job: {exc}\n{USAGE}")
    log = args["log"]
    # append: the worker's child writes to the same log (Snakemake removed the old one)
    sys.stderr = open(log, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - the job's stderr
    given = [args["shard"], args["sidecar"], args["plot"], args["tile"], args["png"]]
    run_task(given, log, task="render_json")


#: the end of a job's log line when Snakemake's own process asked for its work
ASKED_BY_SNAKEMAKE = ", asked by Snakemake's own process"


def ask_from_snakemake(task: str, args: list, log: str, entry: str) -> dict | None:
    """Have the warm worker run ``task`` (a tile, the mosaic) on ``args``, asked from the
    calling process, a rule's ``run:`` block in Snakemake's own process, with the job's
    files and settings.  The worker's answer: ``ok`` when it is done (the log's last
    line says what it took), else ``error``, the task's one-line failure (its traceback
    is in the log); None when the worker could not be used: the rule then runs its
    command, which says why (:mod:`tilegrid.workflow.jobs`).

    Nothing of the calling process changes (its stderr, environment and umask are
    Snakemake's): the worker's child takes the environment a job would have
    (:func:`tilegrid.core.tasks.job_environ`) and the import path of the command,
    ``entry``'s folder first.
    """
    folder = os.path.dirname(os.path.abspath(entry))
    env = job_environ(os.environ)
    path = [folder, *(p for p in sys.path if p and p != folder)]
    answer = run_remote(args, log, task, env=env, sys_path=path, quiet=True)
    if answer is None:
        return None
    with open(log, "a", encoding="utf-8") as handle:
        if answer.get("note"):  # said whether the task succeeded or not, as a command does
            handle.write(f"tilegrid: warning: warm worker: {answer['note']}\n")
        if answer["ok"]:
            cost = job_cost(task, "by the warm worker", answer["seconds"], answer["max_rss_kb"])
            handle.write(cost + ASKED_BY_SNAKEMAKE + "\n")
    return answer


def task_main(argv: list[str]) -> None:
    """``python3 scripts/task.py TASK ARGS.json LOG``: run job ``TASK``
    (:data:`tilegrid.core.tasks.JOBS`) on the JSON list of arguments in ``ARGS.json``,
    its stderr and tracebacks in ``LOG``; exit 1 with one line on failure.  A job the
    warm worker does (:data:`tilegrid.core.tasks.WORKER_TASKS`) goes to it, else runs
    here: what a rule's ``run:`` block runs when :func:`ask_from_snakemake` could not
    do the job; the split and the scans always run here (:func:`run_here`)."""
    if len(argv) != 3:
        sys.exit("usage: python3 scripts/task.py TASK ARGS.json LOG")
    import json  # lazily: the render command, which imports this module, never needs it

    task, arguments, log = argv
    with open(arguments, encoding="utf-8") as handle:
        args = json.load(handle)
    # append: the worker's child writes to the same log (Snakemake removed the old one);
    # scripts/task.py opened it before its first import
    if getattr(sys.stderr, "name", None) != log:
        sys.stderr = open(log, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - the job's stderr
    if task in WORKER_TASKS:
        run_task(args, log, task=task)
    else:
        run_here(task, args, log)


def run_here(task: str, args: list, log: str) -> None:
    """Run job ``task`` (the split, a scan) in this process, which it holds: pandas kept
    out (they never use it; pyarrow would import it), freed memory reused; the split
    starts the render jobs' warm worker first, to warm up while the table is split."""
    from ..core.logs import reuse_freed_memory, run_job, without_pandas

    without_pandas()
    reuse_freed_memory()
    function = job_function(task)
    if task == "split":
        prestart()
    started = time.perf_counter()
    run_job(function, *args, log_path=log)
    print(own_cost(task, time.perf_counter() - started), file=sys.stderr)


def own_cost(task: str, seconds: float) -> str:
    """The log line with what a job that ran in its own process cost: Snakemake's
    benchmark file of a ``run:`` job counts Snakemake's own memory in, and sums
    processes that share pages (the split's forked scans)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (
        f"{task} done in the job's own process in {seconds:.3f} s, max RSS {own} KB "
        f"(its largest child process: {child} KB)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
