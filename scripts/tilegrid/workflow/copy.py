"""The files that make up the workflow, for the tools that run a scratch copy of it
(the tests, the benchmarks, docs/compare and docs/gallery).

Only the workflow's own files are copied: no data, ``results/``, logs or ``.snakemake``.
``python -m tilegrid.workflow.copy SOURCE DEST`` does the same from a shell script.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

#: the top-level files and folders of a runnable copy of the workflow
WORKFLOW_PARTS = (
    "Snakefile",
    "config.yaml",
    "rules",
    "scripts",
    "schemas",
    "profiles",
    "envs",
    "report",
)


def copy_workflow(source: Path | str, dest: Path | str) -> None:
    """Copy the workflow's own files from the checkout ``source`` into ``dest``."""
    source, dest = Path(source), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        src = source / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / part)


if __name__ == "__main__":
    copy_workflow(*sys.argv[1:3])
