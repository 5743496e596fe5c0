"""How a local run starts its jobs: as each one ends, not on a clock.

Snakemake's job-rate limiter (``--max-jobs-per-timespan``, ``100/1s`` by default)
guards a cluster's queue against a flood of submissions.  After every pass that
picks jobs it also arms a :class:`threading.Timer` that asks for one more pass a
timespan later, and each of those passes arms the next (snakemake PR #3744, open):
on a local run with hundreds of ready tiles, the main process keeps picking jobs
back to back, ~15 passes per job.  Measured on a 32x32 grid (1e7 rows, 2 cores),
that was 38 s of Snakemake's CPU in an 84 s render phase.

A local run's jobs start when a core is free, which Snakemake already learns from
each job's end; the limiter adds nothing there.  :func:`lift_local_rate_limit`,
called by the Snakefile's ``onstart`` (after Snakemake made its scheduler, before it
picks the first job), takes it away on a local run that keeps Snakemake's default
limit.  A cluster run (the Slurm profile), a run with a limit of the user's own,
and every job's own Snakemake keep theirs.

A render rule asks for its tile from a ``run:`` block, in Snakemake's own process
(:func:`tilegrid.workflow.jobs.render_job`); Snakemake runs such a block
in one of its threads only under ``--force-use-threads`` (``profiles/default`` sets
it), else it starts a Snakemake of its own for each tile.  :func:`threads_note` is the
line that says so when a local run goes without it (another workflow profile, or
``--workflow-profile none``).
"""

from __future__ import annotations

from typing import Any

#: Snakemake's default ``--max-jobs-per-timespan``: jobs, seconds
DEFAULT_LIMIT = (100, 1)


def lift_local_rate_limit(workflow: Any) -> bool:
    """Take Snakemake's job-rate limiter away on a local run with the default limit;
    whether it was taken.  ``workflow`` is the Snakefile's ``workflow``."""
    scheduler = getattr(workflow, "scheduler", None)
    limiter = getattr(scheduler, "job_rate_limiter", None)
    if limiter is None or not (workflow.local_exec and workflow.is_main_process):
        return False
    if (limiter.max_jobs, limiter.timespan) != DEFAULT_LIMIT:
        return False  # a limit of the user's own
    scheduler.job_rate_limiter = None
    return True


def threads_note(workflow: Any) -> str | None:
    """One line when a local run will start a Snakemake of its own for each tile (its
    ``run:`` blocks are not run in threads), None otherwise."""
    settings = workflow.execution_settings
    if settings is None or settings.use_threads:
        return None
    if not (workflow.local_exec and workflow.is_main_process):
        return None
    return (
        "Snakemake will start a Snakemake of its own for each tile (1-3 s each): "
        "add force-use-threads: true to your profile, as profiles/default has it"
    )
