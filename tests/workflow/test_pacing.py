"""tilegrid.workflow.pacing: a local run has no job-rate limiter, a user-limited run
keeps it; a local run without threads for run: blocks is told so; checked in real
Snakemake runs of a small Snakefile."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"

SNAKEFILE = """
import sys
sys.path.insert(0, {scripts!r})
from tilegrid.workflow.pacing import lift_local_rate_limit, threads_note

rule all:
    input: expand("out/{{i}}.txt", i=range(6))

rule one:
    output: "out/{{i}}.txt"
    shell: "echo {{wildcards.i}} > {{output}}"

onstart:
    lifted = lift_local_rate_limit(workflow)
    left = workflow.scheduler.job_rate_limiter
    with open("limiter.txt", "w") as handle:
        handle.write(f"{{lifted}} {{None if left is None else (left.max_jobs, left.timespan)}}")
    with open("threads.txt", "w") as handle:
        handle.write(str(threads_note(workflow)))
"""


def run_snakemake(folder: Path, *args: str) -> str:
    (folder / "Snakefile").write_text(SNAKEFILE.format(scripts=str(SCRIPTS)))
    done = subprocess.run(
        [sys.executable, "-m", "snakemake", "-j", "2", "--nolock", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in (folder / "out").iterdir()) == [f"{i}.txt" for i in range(6)]
    return (folder / "limiter.txt").read_text()


def threads_said(folder: Path, *args: str) -> str:
    run_snakemake(folder, *args)
    return (folder / "threads.txt").read_text()


def test_a_local_run_with_snakemakes_default_limit_has_none(tmp_path):
    assert run_snakemake(tmp_path) == "True None"


@pytest.mark.parametrize("limit", ["5/1s", "100/2s"])
def test_a_limit_of_the_users_own_is_kept(tmp_path, limit):
    jobs, seconds = limit.rstrip("s").split("/")
    expected = f"False ({jobs}, {float(seconds)})"
    assert run_snakemake(tmp_path, "--max-jobs-per-timespan", limit) == expected


def test_a_local_run_without_threads_is_told_it_starts_a_snakemake_per_tile(tmp_path):
    assert threads_said(tmp_path).startswith("Snakemake will start a Snakemake of its own")


def test_a_local_run_with_threads_is_told_nothing(tmp_path):
    assert threads_said(tmp_path, "--force-use-threads") == "None"
