"""The software lists agree: envs/*.yaml (conda) and envs/Dockerfile (the jobs' image
where there is no shared file system) pin what requirements*.txt pin.

No Docker engine runs here, so the image is not built by the suite; these checks keep
its definition in step with the files it installs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ENVS = ROOT / "envs"
#: conda-forge's name of a PyPI package, where they differ
CONDA_NAMES = {"matplotlib-base": "matplotlib"}


def requirement_pins(name: str) -> dict[str, str]:
    """package -> version of a requirements file, its ``-r`` includes followed."""
    pins: dict[str, str] = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins.update(requirement_pins(line[3:].strip()))
        elif "==" in line:
            package, version = line.split("==")
            pins[package.split("[")[0].strip().lower()] = version.strip()
    return pins


def env_pins(env: dict) -> dict[str, str]:
    """package -> version of a conda environment file, its pip section included."""
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for line in dep.get("pip", []):
                package, version = line.split("==")
                pins[package.strip().lower()] = version.strip()
        elif "=" in dep:
            package, version = (part.strip() for part in dep.split("=", 1))
            pins[CONDA_NAMES.get(package, package)] = version.lstrip("=")
    return pins


@pytest.mark.parametrize(
    "env, requirements, not_in_rules",
    [
        # a rule's environment: what the jobs import, not Snakemake (nor its report's pygments)
        ("tilegrid.yaml", "requirements.txt", {"snakemake", "pygments"}),
        ("remote.yaml", "requirements-remote.txt", set()),
    ],
)
def test_each_conda_environment_pins_its_requirements_versions(env, requirements, not_in_rules):
    pins = env_pins(yaml.safe_load((ENVS / env).read_text()))
    python = pins.pop("python")
    pins.pop("pip", None)
    wanted = requirement_pins(requirements)
    assert pins == {p: v for p, v in wanted.items() if p not in not_in_rules}
    assert python == "3.11"


def test_the_image_installs_the_remote_requirements_on_the_environments_python():
    dockerfile = (ENVS / "Dockerfile").read_text()
    [base] = re.findall(r"^FROM python:(\d+\.\d+)-", dockerfile, flags=re.M)
    assert base == env_pins(yaml.safe_load((ENVS / "remote.yaml").read_text()))["python"]
    copied = [
        name
        for line in re.findall(r"^COPY (.+)$", dockerfile, flags=re.M)
        for name in line.split()[:-1]
    ]
    assert copied and all((ROOT / name).is_file() for name in copied)
    # every file the pip install reads is copied in (requirements-remote.txt -r's the other)
    assert "pip install -r /opt/tilegrid/requirements-remote.txt" in dockerfile
    assert {"requirements.txt", "requirements-remote.txt"} <= set(copied)
