"""Workflow copies run through ``--profile profiles/slurm`` on the test cluster.

Not named conftest.py: tests/conftest.py is imported as `conftest` by the other tests.

The Slurm executor plugin lives in a venv of its own (``.venv-slurm``, made on
first use, seeing the test venv's packages through a ``.pth`` file): in the
test venv it would run ``scontrol show config`` at every ``snakemake`` start,
which waits ~9 s wherever ``scontrol`` exists but no controller answers.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml
from cluster import PARTITION, SlurmCluster
from conftest import REPO, Run, Workflow, venv_seeing_ours

__all__ = ["Run", "SlurmWorkflow", "Workflow", "slurm_python", "write_site_profile"]

# Generous: the machine has 2 cores and other test runs share it.
SNAKEMAKE_TIMEOUT = 1800
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")
SLURM_VENV = REPO / ".venv-slurm"


def slurm_python() -> str:
    """The interpreter of a venv holding the test venv's packages plus the Slurm plugins."""
    python = SLURM_VENV / "bin" / "python"
    marker = SLURM_VENV / "requirements-slurm.txt"
    wanted = (REPO / "requirements-slurm.txt").read_text()
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return str(python)
    venv_seeing_ours(SLURM_VENV, pip=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-r", str(REPO / "requirements-slurm.txt")],
        check=True,
        timeout=1200,
    )
    marker.write_text(wanted)
    return str(python)


def write_site_profile(shipped: Path, folder: Path) -> Path:
    """A profile (``folder``, made here) that a site would add after the shipped one
    (``shipped``, its config.yaml): it fills in the placeholders and adapts the profile
    to this cluster, which has no accounting database (so no sacct)."""
    resources = yaml.safe_load(shipped.read_text())["default-resources"]
    site = {
        # The placeholders: this cluster's partition, and no account (no accounting).
        "default-resources": [
            f'slurm_partition="{PARTITION}"'
            if r.startswith("slurm_partition=")
            else 'slurm_account=""'
            if r.startswith("slurm_account=")
            else r
            for r in resources
        ],
        # No slurmdbd: sacct cannot answer, squeue can (MinJobAge is 300 s).
        "slurm-status-command": "squeue",
        # Jobs here take seconds, not the 40 s the plugin waits by default.
        "slurm-init-seconds-before-status-checks": 2,
    }
    folder.mkdir()
    (folder / "config.yaml").write_text(yaml.safe_dump(site, sort_keys=False))
    return folder


def submissions(run: Run) -> list[tuple[str, str]]:
    """(Slurm job id, Slurm log path) of every sbatch submission of ``run``, in order."""
    return SUBMITTED.findall(run.output)


class SlurmWorkflow(Workflow):
    """A workflow copy run with ``--profile profiles/slurm`` on the test cluster.

    The shipped profile is used as is, with a site's profile after it
    (:func:`write_site_profile`).
    """

    timeout = SNAKEMAKE_TIMEOUT

    def __init__(self, root: Path, cluster: SlurmCluster):
        super().__init__(root)
        self.cluster = cluster
        self.python = slurm_python()
        self.site_profile = write_site_profile(
            self.path("profiles", "slurm", "config.yaml"), root.parent / f"{root.name}-site-profile"
        )

    def command(self, *args: str) -> list[str]:
        """As the profiles say: no ``-j`` added (the Slurm profile sets ``jobs``)."""
        return [self.python, "-m", "snakemake", *args]

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
