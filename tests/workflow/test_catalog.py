"""What the Snakemake workflow catalog checks: its description file, and the small
run in .test/ under --lint and a dry run."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from conftest import REPO

pytestmark = pytest.mark.workflow


def _snakemake(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--directory", ".test", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_catalog_file_says_how_tilegrid_runs():
    described = yaml.safe_load((REPO / ".snakemake-workflow-catalog.yml").read_text())
    usage = described["usage"]
    assert usage["software-stack-deployment"]["conda"] is True
    assert usage["report"] is True
    assert (REPO / "LICENSE").read_text().startswith("MIT License")


def test_the_test_run_is_lint_free():
    done = _snakemake("--lint")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Congratulations" in done.stdout + done.stderr


def test_the_test_run_plans_its_jobs_in_a_dry_run():
    done = _snakemake("-n")
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert "checkpoint split:" in out and "measurements.csv" in out
