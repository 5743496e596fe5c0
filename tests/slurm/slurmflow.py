"""Workflow copies for the Slurm tests, run with the real CLI (locally or on the test cluster).

Not named conftest.py: tests/conftest.py is imported as `conftest` by the other tests.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from cluster import PARTITION, SlurmCluster

REPO = Path(__file__).resolve().parents[2]
WORKFLOW_PARTS = (
    "Snakefile",
    "config.yaml",
    "rules",
    "scripts",
    "schemas",
    "profiles",
    "report",
    "envs",
)
# Generous: the machine has 2 cores and other test runs share it.
SNAKEMAKE_TIMEOUT = 1800
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")


@dataclass
class Run:
    """The result of one `snakemake` call."""

    returncode: int
    output: str
    seconds: float

    def jobs(self, rule: str) -> int:
        """How many jobs of ``rule`` this run executed (alone or inside a group job)."""
        names = {f"{kind} {rule}:" for kind in ("rule", "localrule", "checkpoint")}
        return sum(1 for line in self.output.splitlines() if line.strip() in names)

    def submissions(self) -> list[tuple[str, str]]:
        """(Slurm job id, Slurm log path) of every sbatch submission, in order."""
        return SUBMITTED.findall(self.output)


class Workflow:
    """A copy of the workflow in a temporary directory, run with the real CLI."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True)
        for part in WORKFLOW_PARTS:
            src = REPO / part
            if src.is_dir():
                shutil.copytree(src, root / part, ignore=shutil.ignore_patterns("__pycache__"))
            elif src.exists():
                shutil.copy2(src, root / part)

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def update_config(self, **sections) -> dict:
        """Merge ``sections`` (one level deep) into config.yaml and return the result."""
        config = yaml.safe_load(self.path("config.yaml").read_text())
        for key, value in sections.items():
            if isinstance(value, dict) and isinstance(config.get(key), dict):
                config[key].update(value)
            else:
                config[key] = value
        self.path("config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        return config

    def snakemake(self, *args: str, timeout: float = SNAKEMAKE_TIMEOUT) -> Run:
        """Run ``python -m snakemake``; on timeout kill its process group and fail the test."""
        env = {k: v for k, v in os.environ.items() if k != "SNAKEMAKE_PROFILE"}
        env["MPLBACKEND"] = "Agg"
        start = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "snakemake", *args],
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            start_new_session=True,
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            pytest.fail(f"snakemake {' '.join(args)} timed out after {timeout} s:\n{out[-4000:]}")
        return Run(proc.returncode, out, time.monotonic() - start)

    def run_ok(self, *args: str) -> Run:
        """Run snakemake and fail the test, showing its output, if it fails."""
        run = self.snakemake(*args)
        assert run.returncode == 0, run.output[-6000:]
        return run


class SlurmWorkflow(Workflow):
    """A workflow copy run with ``--profile profiles/slurm`` on the test cluster.

    The shipped profile is used as is; a second profile (as a site would add)
    fills in its placeholders and adapts it to this cluster, which has no
    accounting database (so no sacct) and few cores.
    """

    def __init__(self, root: Path, cluster: SlurmCluster):
        super().__init__(root)
        self.cluster = cluster
        shipped = yaml.safe_load(self.path("profiles", "slurm", "config.yaml").read_text())
        site = {
            # The placeholders: this cluster's partition, and no account (no accounting).
            "default-resources": [
                f'slurm_partition="{PARTITION}"'
                if r.startswith("slurm_partition=")
                else 'slurm_account=""'
                if r.startswith("slurm_account=")
                else r
                for r in shipped["default-resources"]
            ],
            # A group may not ask for more cores than the node has.
            "cores": min(shipped["cores"], cluster.cpus),
            # No slurmdbd: sacct cannot answer, squeue can (MinJobAge is 300 s).
            "slurm-status-command": "squeue",
            # Jobs here take seconds, not the 40 s the plugin waits by default.
            "slurm-init-seconds-before-status-checks": 2,
        }
        self.site_profile = root.parent / f"{root.name}-site-profile"
        self.site_profile.mkdir()
        (self.site_profile / "config.yaml").write_text(yaml.safe_dump(site, sort_keys=False))

    def slurm(self, *args: str) -> Run:
        return self.snakemake(
            "--profile", "profiles/slurm", "--profile", str(self.site_profile), *args
        )

    def slurm_ok(self, *args: str) -> Run:
        run = self.slurm(*args)
        assert run.returncode == 0, run.output[-6000:] + self.cluster.log("slurmctld")
        return run

    def scontrol_job(self, jobid: str) -> dict[str, str]:
        """``scontrol show job`` as a dict (finished jobs stay visible for MinJobAge)."""
        out = subprocess.run(
            ["scontrol", "-o", "show", "job", jobid],
            env=self.cluster.env,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
        return dict(f.split("=", 1) for f in out.split() if "=" in f)
