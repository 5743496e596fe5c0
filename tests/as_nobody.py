"""What the tests that run tilegrid as the unprivileged user ``nobody`` share
(workflow/test_faults.py, worker/test_server.py): the user, and bind mounts of the
test's interpreter and venv that the user can reach."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NOBODY = 65534  # the unprivileged user every Debian/Ubuntu system has


def _mounted(source: str, target: Path, stack: contextlib.ExitStack) -> Path:
    """``source`` bind-mounted at ``target`` until ``stack`` closes; skip if root cannot."""
    target.mkdir()
    done = subprocess.run(["mount", "--bind", source, str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot bind-mount {source} for the user nobody: {done.stderr.strip()}")
    stack.callback(subprocess.run, ["umount", "-l", str(target)], check=False)
    return target


def _remove_unless_mounted(folder: Path) -> None:
    """Remove ``folder``, never through a bind mount left in it (that would delete the
    interpreter or the test venv)."""
    left = [child for child in folder.iterdir() if os.path.ismount(child)]
    if left:
        raise RuntimeError(f"still mounted, not removed: {left}")
    shutil.rmtree(folder.parent)
