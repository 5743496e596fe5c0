"""Run the workflow in a folder through Snakemake's Python API (``snakemake.api``), in
this process (:func:`run_here`; :mod:`tilegrid.api.process` runs it in a child).

The settings come from Snakemake's own command-line parser, so a ``profile`` means
what ``snakemake --profile`` means: the workflow's ``profiles/default`` first (as
the command line uses it), then the profile named, then ``cores`` and the targets.
Only what a run needs is passed on (no report, lint or DAG printing).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tilegrid.api.errors import TilegridError, one_line

#: the workflow's folder when tilegrid is installed (``pip install .``): the
#: package ships it; in a checkout the package is scripts/tilegrid under it
_PACKAGE = Path(__file__).resolve().parent.parent


def workflow_dir() -> Path:
    """The folder holding the Snakefile this package belongs to."""
    for folder in (_PACKAGE / "_workflow", _PACKAGE.parent.parent):
        if (folder / "Snakefile").is_file():
            return folder
    raise TilegridError(f"tilegrid's Snakefile is not beside its package {_PACKAGE}")


@dataclass
class RunSummary:
    """What one run did: the jobs it ran, by rule, and whether it succeeded."""

    jobs: Counter = field(default_factory=Counter)
    failed: list[dict] = field(default_factory=list)
    ok: bool = False

    def __getitem__(self, rule: str) -> int:
        return self.jobs.get(rule, 0)


class _JobRecorder(logging.Handler):
    """Counts Snakemake's job records (one ``job_info`` per job it starts) and keeps
    those of failed jobs, with their logs."""

    def __init__(self, summary: RunSummary):
        super().__init__(logging.DEBUG)
        self.summary = summary

    def emit(self, record: logging.LogRecord) -> None:
        event = str(getattr(record, "event", "") or "")
        if event == "job_info" and getattr(record, "rule_name", None):
            self.summary.jobs[record.rule_name] += 1
        elif event == "job_error":
            self.summary.failed.append(
                {"rule": getattr(record, "rule_name", None), "log": getattr(record, "log", [])}
            )


def cli_args(
    workdir: Path,
    configfile: Path,
    cores: int | str | None,
    profile: str | os.PathLike | None,
    targets: list[str],
    progress: bool = True,
):
    """Snakemake's parsed command line for this run, the profiles' values applied."""
    from snakemake.cli import parse_args

    snakefile = workflow_dir() / "Snakefile"
    argv = [
        "--snakefile",
        str(snakefile),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile),
        "--workflow-profile",
        str(snakefile.parent / "profiles" / "default"),
    ]
    if profile is not None:
        argv += ["--profile", os.fspath(profile)]
    if cores is not None:
        argv += ["--cores", str(cores)]
    said = io.StringIO()  # it says which profiles it applies; shown with the progress
    try:
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
            _parser, args = parse_args([*argv, *targets])
    except SystemExit:  # argparse: a bad profile or value; the last line says why
        lines = said.getvalue().strip().splitlines()
        why = lines[-1].strip() if lines else f"cannot read the profile {profile!r}"
        raise TilegridError(f"tilegrid: error: Snakemake's options: {why}") from None
    if progress:
        print(said.getvalue(), end="", file=sys.stderr)
    if args.cores is None and args.jobs is None:
        args.cores = "all"
    return args


def run_here(
    workdir: Path,
    configfile: Path,
    targets: list[str],
    cores: int | str | None = None,
    profile: str | os.PathLike | None = None,
    progress: bool = True,
) -> RunSummary:
    """Run the workflow in ``workdir`` for ``targets`` in this process; what it did.

    Raises :class:`TilegridError` with the workflow's one line when it stops. Not in a
    running event loop (Jupyter's): Snakemake cannot run there.
    """
    args = cli_args(workdir, configfile, cores, profile, targets, progress)
    summary = RunSummary()
    saved = (dict(os.environ), list(sys.path))  # the Snakefile sets both for its jobs
    try:
        _execute(args, summary, progress)
    except SystemExit as exc:  # the workflow stopped at parse time: its one line
        raise TilegridError(_for_caller(one_line(exc.code), workdir, configfile)) from None
    except Exception as exc:  # noqa: BLE001 - Snakemake's errors, said in one line
        line = _failure_line(exc, summary, workdir)
        raise TilegridError(_for_caller(line, workdir, configfile)) from None
    finally:
        os.environ.clear()
        os.environ.update(saved[0])
        sys.path[:] = saved[1]
    summary.ok = True
    return summary


def _execute(args, summary: RunSummary, progress: bool) -> None:
    """Snakemake's API calls for a run of ``args`` (as ``snakemake.cli.args_to_api``
    makes them for a plain run)."""
    from snakemake.api import SnakemakeApi
    from snakemake.logging import logger
    from snakemake.settings import types as s
    from snakemake.settings.enums import Quietness
    from snakemake_interface_executor_plugins.registry import ExecutorPluginRegistry
    from snakemake_interface_scheduler_plugins.registry import SchedulerPluginRegistry
    from snakemake_interface_storage_plugins.registry import StoragePluginRegistry

    executor = args.executor or "local"
    executor_settings = ExecutorPluginRegistry().get_plugin(executor).get_settings(args)
    scheduler_settings = SchedulerPluginRegistry().get_plugin(args.scheduler).get_settings(args)
    storage_provider_settings = {
        name: StoragePluginRegistry().get_plugin(name).get_settings(args)
        for name in StoragePluginRegistry().get_registered_plugins()
    }
    # the jobs' own lines (rule, input, output) are left out; the progress is shown
    quiet = {Quietness.RULES, Quietness.HOST} if progress else {Quietness.ALL}
    output = s.OutputSettings(quiet=quiet, nocolor=not _is_tty(), show_failed_logs=False)
    deployment = set(args.software_deployment_method)
    with SnakemakeApi(output) as api:
        recorder = _JobRecorder(summary)
        logger.addHandler(recorder)
        try:
            workflow = api.workflow(
                resource_settings=s.ResourceSettings(
                    cores=args.cores,
                    nodes=args.jobs,
                    local_cores=args.local_cores,
                    max_threads=args.max_threads,
                    resources=args.resources,
                    overwrite_threads=args.set_threads,
                    overwrite_scatter=args.set_scatter,
                    overwrite_resource_scopes=args.set_resource_scopes,
                    overwrite_resources=args.set_resources,
                    default_resources=args.default_resources,
                ),
                config_settings=s.ConfigSettings(configfiles=args.configfile),
                storage_settings=s.StorageSettings(
                    default_storage_provider=args.default_storage_provider,
                    default_storage_prefix=args.default_storage_prefix,
                    local_storage_prefix=args.local_storage_prefix,
                    remote_job_local_storage_prefix=args.remote_job_local_storage_prefix,
                    shared_fs_usage=args.shared_fs_usage,
                ),
                storage_provider_settings=storage_provider_settings,
                deployment_settings=s.DeploymentSettings(
                    deployment_method=deployment,
                    conda_prefix=args.conda_prefix,
                    conda_frontend=args.conda_frontend,
                    apptainer_args=args.apptainer_args,
                    apptainer_prefix=args.apptainer_prefix,
                ),
                snakefile=args.snakefile,
                workdir=args.directory,
            )
            dag = workflow.dag(
                dag_settings=s.DAGSettings(
                    targets=args.targets,
                    force_incomplete=args.rerun_incomplete,
                    rerun_triggers=args.rerun_triggers,
                    max_checksum_file_size=args.max_checksum_file_size,
                )
            )
            dag.execute_workflow(
                executor=executor,
                execution_settings=s.ExecutionSettings(
                    keep_going=args.keep_going,
                    latency_wait=args.latency_wait,
                    retries=args.retries,
                    keep_incomplete=args.keep_incomplete,
                    standalone=True,
                ),
                remote_execution_settings=s.RemoteExecutionSettings(
                    jobname=args.jobname,
                    max_status_checks_per_second=args.max_status_checks_per_second,
                    seconds_between_status_checks=args.seconds_between_status_checks,
                    envvars=args.envvars,
                    precommand=args.precommand,
                ),
                scheduling_settings=s.SchedulingSettings(
                    scheduler=args.scheduler,
                    subsample=args.scheduler_subsample,
                    max_jobs_per_second=args.max_jobs_per_second,
                    max_jobs_per_timespan=args.max_jobs_per_timespan,
                ),
                group_settings=s.GroupSettings(
                    group_components=args.group_components,
                    overwrite_groups=args.groups,
                    local_groupid=args.local_groupid,
                ),
                executor_settings=executor_settings,
                scheduler_settings=scheduler_settings,
            )
        finally:
            logger.removeHandler(recorder)


def _for_caller(line: str, workdir: Path, configfile: Path) -> str:
    """The workflow's line as the caller reads it: logs by their full path, and no
    "(set in <file>)" for the config file the call wrote from its words."""
    line = line.replace(f" (set in {configfile.name})", "")
    return re.sub(r"\(log: (?!/)([^)]+)\)", lambda m: f"(log: {Path(workdir, m[1])})", line)


def _is_tty() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def _failure_line(exc: Exception, summary: RunSummary, workdir: Path) -> str:
    """One line for a failed run: the ``tilegrid: error:`` line a failed job wrote to
    its log, else the first line of Snakemake's own error."""
    for failed in summary.failed:
        for log in failed["log"] or []:
            line = _error_line(Path(workdir, str(log)))
            if line:
                return line
    if summary.failed:
        first = summary.failed[0]
        logs = ", ".join(str(log) for log in first["log"] or [])
        where = f" (log: {Path(workdir, logs)})" if logs else ""
        return f"tilegrid: error: the {first['rule']} job failed{where}"
    return one_line(exc)


def _error_line(log: Path) -> str | None:
    """The last ``tilegrid: error:`` line of a job's log, if any."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    found = [line.strip() for line in lines if line.startswith("tilegrid: error:")]
    return found[-1] if found else None
