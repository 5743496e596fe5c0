"""The code stays formatted and linted, and the conda envs match requirements*.txt."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON_DIRS = [d for d in ("scripts", "tests", "bench", "docs") if (REPO / d).is_dir()]


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_python_passes_ruff():
    result = _run(str(BIN / "ruff"), "check", *PYTHON_DIRS)
    assert result.returncode == 0, result.stdout


def test_python_is_formatted():
    result = _run(str(BIN / "ruff"), "format", "--check", *PYTHON_DIRS)
    assert result.returncode == 0, result.stdout


def test_snakefiles_are_formatted_with_snakefmt():
    result = _run(str(BIN / "snakefmt"), "--check", "Snakefile", "rules")
    assert result.returncode == 0, result.stderr


def test_snakemake_lint_is_clean():
    result = _run(sys.executable, "-m", "snakemake", "--lint")
    assert result.returncode == 0 and "Congratulations" in result.stdout + result.stderr, (
        result.stdout + result.stderr
    )


def _requirements() -> dict[str, str]:
    pins = {}
    for name in ("requirements.txt", "requirements-remote.txt"):
        for line in (REPO / name).read_text().splitlines():
            match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", line)
            if match:
                pins[match.group(1).lower()] = match.group(2)
    return pins


def test_conda_envs_parse_and_pin_the_versions_of_requirements_txt():
    pins = _requirements()
    aliases = {"matplotlib-base": "matplotlib"}
    for env in sorted((REPO / "envs").glob("*.yaml")):
        spec = yaml.safe_load(env.read_text())
        assert spec["channels"] == ["conda-forge", "nodefaults"], env.name
        for dep in spec["dependencies"]:
            if isinstance(dep, dict):  # pip's section: each pinned as requirements*.txt pin it
                for line in dep["pip"]:
                    name, _, version = line.partition("==")
                    assert pins.get(name.lower()) == version, f"{env.name}: {line}"
                continue
            name, _, version = dep.partition("=")
            name = aliases.get(name.strip(), name.strip())
            if name in pins:
                assert version.strip() == pins[name], f"{env.name}: {dep} vs {pins[name]}"
