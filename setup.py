"""Build hook of ``pip install .``: the workflow ships inside the package.

pyproject.toml holds the project's metadata; this adds only what it cannot say: the
workflow's files (Snakefile, rules, schemas, envs, profiles, report, config.yaml and
the rule scripts), which live at the top of the repository, are copied into the built
package as ``tilegrid/_workflow/``, where :func:`tilegrid.plot` runs them from.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: the workflow's own files, as tilegrid.workflow.copy.WORKFLOW_PARTS lists them,
#: but for the package itself (installed as the package)
WORKFLOW_FILES = (
    "Snakefile",
    "config.yaml",
    "rules/*.smk",
    "schemas/*.yaml",
    "envs/*.yaml",
    "profiles/*/*.yaml",
    "report/*.rst",
    "scripts/*.py",
)


class BuildWithWorkflow(build_py):
    """build_py, then the workflow's files into ``<build>/tilegrid/_workflow``."""

    def run(self):
        super().run()
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib, "tilegrid", "_workflow")
        shutil.rmtree(target, ignore_errors=True)  # nothing left from an earlier build
        for pattern in WORKFLOW_FILES:
            for source in sorted(root.glob(pattern)):
                dest = target / source.relative_to(root)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, dest)


setup(cmdclass={"build_py": BuildWithWorkflow})
