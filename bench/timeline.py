"""Where the seconds of one tilegrid full run go, as a Markdown table.

    .venv/bin/python bench/timeline.py                               # 1e8 rows, 5x5 violins
    .venv/bin/python bench/timeline.py --out docs/timeline-1e8.md    # also into a file
    .venv/bin/python bench/timeline.py --rows 1e5 --each-job         # a smoke run

Runs ``python -m snakemake -j 2`` once on a fresh copy of the workflow (as
bench/run.py does, under GNU time) on a benchmark table (``ensure_data``, or
``--data``), then puts every part of the run on one time axis, in seconds from
the start of the command:

* a job ends when Snakemake writes its benchmark file (the file's modification
  time, within ~10 ms of the job's log) and starts the file's ``s`` column
  (wall seconds, to 10 ms) before that: Snakemake's own log has whole seconds
  only (``time.asctime``); a render job (no benchmark file) ends when its log was
  last written and starts the drawing's seconds, its log's last line, before;
* Snakemake's start-up ends when it opens its log file
  (``.snakemake/log/<date>T<time>.<microseconds>.snakemake.log``);
* the phases of the split and of the mosaic are their log lines, whose times are
  to the millisecond; a line ``... in X s`` ends a phase that began X s earlier.

The render jobs are summed up: how many, the median and total seconds, and how
many ran at once (at most, and on average over their span); ``--each-job`` adds
a table of every job.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # noqa: E402
    BENCH,
    PYTHON,
    ROOT,
    SPLIT_COST,
    ensure_data,
    finished_jobs,
    label,
    machine,
    measure,
    read_tsv,
    workflow_copy,
)

#: a job log's line: ``2026-12-04 16:41:31,248 tilegrid.split: scanned 1 part in 0.03 s``
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) [\w.]+: (.*)$")
#: the last line of a job that ran by its command: its RSS and its largest child's
OWN_COST = SPLIT_COST.replace("split done", r"\w+ done")
#: a phase's length at the end of its log line
TOOK = re.compile(r"\bin ([0-9.]+) s\b")


class Job(NamedTuple):
    """One job of the run, in seconds from the start of the command."""

    rule: str
    name: str
    start: float
    end: float
    rss_mb: float


class Row(NamedTuple):
    """One row of the timeline: what, from when to when (None: an instant or unknown)."""

    what: str
    start: float | None
    end: float | None
    notes: str = ""


# ---------------------------------------------------------------- reading the run


def read_jobs(work: Path, t0: float) -> list[Job]:
    """Every job of the run: from its benchmark file (``benchmarks/<rule>[/<name>].tsv``),
    or for a tile (a render job has none) from its log (``logs/render/[print/]<tile>.log``).

    A job's peak RSS is the larger of its benchmark file's and the one logged by
    the warm worker's child that drew it (``logs/<rule>[/<name>].log``); for a job that
    ran by its command (the split, a scan), its largest process, as its log says (the
    benchmark file of a ``run:`` job sums Snakemake's own memory with the job's).  A tile's
    job ends when its log was last written and starts the drawing's seconds (its
    last line) before: the thin client's own start-up is not counted.
    """
    jobs = []
    for path in glob.glob(str(work / "benchmarks/**/*.tsv"), recursive=True):
        rel = Path(path).relative_to(work / "benchmarks").with_suffix("")
        bench = read_tsv(path)
        end = os.path.getmtime(path) - t0
        log = work / "logs" / rel.with_suffix(".log")
        worker = warm_worker(log)
        rss = own_process(log) or max(bench.get("max_rss", 0.0), worker[1] if worker else 0.0)
        jobs.append(Job(rel.parts[0], rel.name, end - bench["s"], end, rss))
    for path in glob.glob(str(work / "logs/render/**/*.log"), recursive=True):
        m = re.search(r"rendered .* in ([0-9.]+) s, max RSS (\d+) KB", Path(path).read_text())
        if m:
            end = os.path.getmtime(path) - t0
            tile = Path(path).with_suffix("").name
            jobs.append(Job("render", tile, end - float(m.group(1)), end, int(m.group(2)) / 1024))
    return sorted(jobs, key=lambda j: j.start)


def own_process(log: Path) -> float | None:
    """The largest process of a job that ran by its command, in MB, from its log's last
    line (:data:`run.SPLIT_COST`'s words, for any task); None without that line."""
    text = log.read_text() if log.exists() else ""
    m = re.search(OWN_COST, text)
    return max(int(m.group(1)), int(m.group(2))) / 1024 if m else None


def warm_worker(log: Path) -> tuple[str, float] | None:
    """A job log's warm-worker line (``rendered by the warm worker in X s, max RSS N KB``):
    its words up to the seconds and the peak RSS in MB; None if the job drew itself."""
    text = log.read_text() if log.exists() else ""
    m = re.search(r"^(\w+ by the warm worker in [0-9.]+ s), max RSS (\d+) KB", text, re.M)
    return (m.group(1), int(m.group(2)) / 1024) if m else None


def log_lines(path: Path, t0: float) -> list[tuple[float, str]]:
    """A job log's timestamped lines: (seconds from ``t0``, message)."""
    if not path.exists():
        return []
    lines = []
    for line in path.read_text().splitlines():
        m = LOG_LINE.match(line)
        if m:
            when = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
            lines.append((when - t0, m.group(2)))
    return lines


def snakemake_log(work: Path) -> Path | None:
    """Snakemake's log file of the run (``.snakemake/log/<date>T<time>.snakemake.log``)."""
    names = sorted(glob.glob(str(work / ".snakemake/log/*.snakemake.log")))
    return Path(names[-1]) if names else None


def snakemake_log_times(work: Path, t0: float) -> tuple[float | None, float | None]:
    """When Snakemake opened its log file (the local time in its name) and last wrote
    to it (its ``Complete log`` line), from ``t0``; None if there is none."""
    log = snakemake_log(work)
    if log is None:
        return None, None
    stamp = log.name.split(".snakemake.log")[0]
    opened = datetime.strptime(stamp, "%Y-%m-%dT%H%M%S.%f").timestamp()
    return opened - t0, os.path.getmtime(log) - t0


# ---------------------------------------------------------------- the rows


def phase_rows(job: Job, lines: list[tuple[float, str]]) -> list[Row]:
    """A job's phases from its log: start-up to the first line, each phase, the rest.

    A line ``... in X s`` is a phase from X s before the line to the line; any
    other line, one from the previous line to it (the first one: an instant).
    """
    if not lines:
        return []
    rows: list[Row] = []
    last = None
    for when, message in lines:
        took = TOOK.search(message)
        start = when - float(took.group(1)) if took else when if last is None else last
        if not rows:
            rows.append(Row(f"{job.rule}: start-up until its first log line", job.start, start))
        rows.append(Row(f"{job.rule}: {message}", start, when))
        last = when
    rows.append(Row(f"{job.rule}: after its last log line until the job ends", last, job.end))
    return rows


def at_once(jobs: list[Job]) -> tuple[int, float]:
    """How many of ``jobs`` ran at once: at most, and on average over their span."""
    events = sorted([(j.start, 1) for j in jobs] + [(j.end, -1) for j in jobs])
    running = most = 0
    for _, step in events:
        running += step
        most = max(most, running)
    span = max(j.end for j in jobs) - min(j.start for j in jobs)
    mean = sum(j.end - j.start for j in jobs) / span if span > 0 else float(most)
    return most, mean


def render_row(renders: list[Job]) -> Row:
    """The render jobs in one row: count, median and total seconds, how many at once."""
    walls = [j.end - j.start for j in renders]
    most, mean = at_once(renders)
    notes = (
        f"{len(renders)} jobs, median {statistics.median(walls):.2f} s "
        f"({min(walls):.2f}-{max(walls):.2f}), total {sum(walls):.1f} s; "
        f"at most {most} at once, {mean:.1f} on average; "
        f"largest {max(j.rss_mb for j in renders):.0f} MB"
    )
    return Row("render jobs", renders[0].start, max(j.end for j in renders), notes)


def job_row(work: Path, job: Job) -> Row:
    """One job's row: its peak RSS and, if the warm worker drew it, for how long."""
    worker = warm_worker(work / "logs" / f"{job.rule}.log")
    notes = f"peak RSS {job.rss_mb:.0f} MB" + (f"; {worker[0]}" if worker else "")
    return Row(f"{job.rule} (job)", job.start, job.end, notes)


def timeline_rows(work: Path, t0: float, wall: float) -> list[Row]:
    """The whole run on one axis: Snakemake, the split, the renders, the mosaic, the end."""
    jobs = read_jobs(work, t0)
    split = next(j for j in jobs if j.rule == "split")
    mosaic = next(j for j in jobs if j.rule == "mosaic")
    renders = [j for j in jobs if j.rule == "render"]
    opened, closed = snakemake_log_times(work, t0)
    rows = [
        Row("Snakemake: interpreter, imports, command line, profile", 0.0, opened),
        Row("Snakemake: the Snakefile, the DAG, until the split starts", opened, split.start),
        job_row(work, split),
        *phase_rows(split, log_lines(work / "logs/split.log", t0)),
    ]
    if renders:
        first, last = renders[0].start, max(j.end for j in renders)
        rows += [
            Row("Snakemake: the checkpoint's DAG update until a render starts", split.end, first),
            render_row(renders),
            Row("Snakemake: from the last render to the mosaic", last, mosaic.start),
        ]
    else:
        rows.append(Row("Snakemake: from the split to the mosaic", split.end, mosaic.start))
    return [
        *rows,
        job_row(work, mosaic),
        *phase_rows(mosaic, log_lines(work / "logs/mosaic.log", t0)),
        Row("Snakemake: after the mosaic until its last log line", mosaic.end, closed),
        Row("Snakemake: from its last log line until it exits", closed, wall),
        Row("**the whole run**", 0.0, wall),
    ]


# ---------------------------------------------------------------- the report


def seconds(value: float | None) -> str:
    """Seconds to two decimals, blank if unknown."""
    return "" if value is None else f"{value:.2f}"


def rows_table(rows: list[Row]) -> list[str]:
    """The timeline as Markdown table lines."""
    lines = ["| what | from s | to s | seconds | notes |", "|---|---:|---:|---:|---|"]
    for row in rows:
        took = row.end - row.start if row.start is not None and row.end is not None else None
        lines.append(
            f"| {row.what} | {seconds(row.start)} | {seconds(row.end)} | {seconds(took)} "
            f"| {row.notes} |"
        )
    return lines


def jobs_table(jobs: list[Job]) -> list[str]:
    """Every job's start, end, seconds and peak RSS as Markdown table lines."""
    lines = ["| job | from s | to s | seconds | peak RSS MB |", "|---|---:|---:|---:|---:|"]
    for j in jobs:
        name = j.rule if j.name == j.rule else f"{j.rule} {j.name}"
        lines.append(
            f"| {name} | {j.start:.2f} | {j.end:.2f} | {j.end - j.start:.2f} | {j.rss_mb:.0f} |"
        )
    return lines


def report(what: str, run: dict, rows: list[Row], jobs: list[Job] | None) -> str:
    """The Markdown page: the run and machine, the timeline, optionally every job."""
    m = run["machine"]
    ran = finished_jobs(run["stderr"])
    lines = [
        f"# Where the seconds of a tilegrid full run go: {what}",
        "",
        f"CPU: {m['cpu']} ({m['nproc']} cores); {m['mem']}; run {m['date']}; "
        f"tilegrid {m['git']}; snakemake {m['versions']['snakemake']}.",
        f"`python -m snakemake -j {run['jobs']}` ({os.path.relpath(PYTHON, ROOT)}) on a fresh "
        "copy of the workflow: "
        f"wall {run['wall']:.2f} s, largest process {run['rss_max_proc_mb']:.0f} MB (GNU time), "
        f"1-min load before {run['load_before']:.1f}; jobs "
        + ", ".join(f"{rule} {n}" for rule, n in ran.items())
        + ".",
        "",
        "Seconds from the start of the command. Jobs: Snakemake's benchmark files "
        "(end = the file's time, start = end - its `s`); phases: the jobs' log lines "
        "(millisecond times; `... in X s` began X s before its line).",
        "",
        *rows_table(rows),
    ]
    if jobs:
        lines += ["", "Every job:", "", *jobs_table(jobs)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main


def run_once(data: Path, jobs: int, free_axes: bool) -> tuple[dict, float, Path]:
    """One full run on a fresh copy: its measures, its start (epoch seconds), the copy."""
    work = Path(tempfile.mkdtemp(prefix="tilegrid-timeline-"))
    try:
        workflow_copy(work, data, free_axes=free_axes)
        logs = BENCH / "logs"
        logs.mkdir(exist_ok=True)
        t0 = time.time()
        run = measure(
            [PYTHON, "-m", "snakemake", "-j", str(jobs)], cwd=work, log=logs / "timeline.log"
        )
        return run, t0, work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1e8", help="rows of the benchmark table (1e8)")
    parser.add_argument("--shape", type=int, nargs=2, default=[5, 5], metavar=("R", "C"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, help="a Parquet file or folder instead of --rows")
    parser.add_argument("--free-axes", action="store_true", help="sharex and sharey false")
    parser.add_argument("--jobs", type=int, default=2, help="snakemake -j (2)")
    parser.add_argument("--each-job", action="store_true", help="add a table of every job")
    parser.add_argument("--keep", action="store_true", help="keep the workflow copy")
    parser.add_argument("--out", type=Path, help="also write the page here")
    args = parser.parse_args()
    if not os.path.exists("/usr/bin/time"):
        sys.exit("timeline: /usr/bin/time missing; install GNU time (apt-get install time)")
    shape = (args.shape[0], args.shape[1])
    rows = int(float(args.rows))
    data = args.data or ensure_data(rows, args.seed, shape)
    what = f"{data.name}" if args.data else f"{label(rows)} rows, {shape[0]}x{shape[1]} violins"
    what += ", free axes" if args.free_axes else ""
    host = machine()  # before the run: its date is the run's start
    run, t0, work = run_once(data, args.jobs, args.free_axes)
    try:
        run.update(machine=host, jobs=args.jobs)
        every = read_jobs(work, t0) if args.each_job else None
        page = report(what, run, timeline_rows(work, t0, run["wall"]), every)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(page, end="")
    if args.out:
        args.out.write_text(page)
        print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
