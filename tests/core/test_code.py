"""The package files each rule depends on are the import closure of its entry modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from tilegrid.core.code import PACKAGE, closure, imported_modules, job_files
from tilegrid.core.tasks import job_module

#: each job's entry module, as the rules key them (tilegrid.workflow.inputs, tilegrid.core.tasks)
SPLIT = [job_module("split")]
RENDER = [job_module("render_json")]
MOSAIC = [job_module("mosaic")]


def _names(files: list[Path]) -> set[str]:
    return {str(f.relative_to(PACKAGE)) for f in files}


def test_the_shard_format_module_is_in_the_split_and_render_code():
    assert "core/shards.py" in _names(closure(SPLIT))
    assert "core/shards.py" in _names(closure(RENDER))


def test_every_kind_is_in_the_code_of_rules_that_load_kinds_by_name():
    kinds = {f"kinds/{p.name}" for p in (PACKAGE / "kinds").glob("*.py")}
    assert kinds <= _names(closure(SPLIT)) and kinds <= _names(closure(RENDER))


def test_a_job_of_one_kind_holds_that_kinds_module_and_its_helpers_alone():
    """A job draws only the configured kind: editing another kind's module reruns nothing."""
    for job in ("split", "render_json"):
        box = {n for n in _names(job_files(job, kind="box")) if n.startswith("kinds/")}
        assert {"kinds/__init__.py", "kinds/box.py", "kinds/_protocol.py"} <= box, job
        assert not {"kinds/violin.py", "kinds/_kde.py", "kinds/hexbin.py"} & box, job
        violin = {n for n in _names(job_files(job, kind="violin")) if n.startswith("kinds/")}
        assert {"kinds/violin.py", "kinds/_kde.py"} <= violin and "kinds/box.py" not in violin
        # a subset of every kind's code: what only other kinds import (core/bins.py for a
        # histogram's bins) is out too
        assert _names(job_files(job, kind="box")) < _names(job_files(job)), job


def test_a_package_loading_modules_by_name_brings_those_named_or_all(tmp_path):
    pkg = tmp_path / "tilegrid"
    (pkg / "kinds").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .kinds import get\n")
    (pkg / "kinds" / "__init__.py").write_text(
        "import importlib\nfrom . import _base\n"
        'def get(n):\n    return importlib.import_module(f"{__name__}.{n}")\n'
    )
    for name in ("_base", "one", "two"):
        (pkg / "kinds" / f"{name}.py").write_text("")
    (pkg / "kinds" / "one.py").write_text("from . import _helper\n")
    (pkg / "kinds" / "_helper.py").write_text("")

    def got(loaded=None):
        return {str(f.relative_to(pkg)) for f in closure(["a"], pkg, loaded)}

    every = got()
    assert {"kinds/one.py", "kinds/two.py", "kinds/_helper.py"} <= every
    one = got({"kinds": ["one"]})
    assert one == every - {"kinds/two.py"}  # one's helper, the package's own imports
    assert got({"kinds": ["two"]}) == every - {"kinds/one.py", "kinds/_helper.py"}


def test_the_mosaic_is_not_in_the_render_code_so_restyling_it_redraws_no_tile():
    assert "mosaic/figure.py" not in _names(closure(RENDER))
    assert "split/job.py" not in _names(closure(RENDER))


def test_no_jobs_key_holds_the_worker_or_the_command_that_reaches_it():
    """How a job reaches its entry (rule script, render command, warm worker) draws
    nothing: editing the worker re-splits and redraws nothing."""
    from tilegrid.core.tasks import JOBS

    for job in JOBS:
        names = _names(job_files(job))
        assert not {n for n in names if n.startswith("worker/")}, job
        assert not {"workflow/command.py", "render/warm.py"} & names, job


def test_relative_and_absolute_imports_are_followed(tmp_path):
    pkg = tmp_path / "tilegrid"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\nfrom .sub.c import f\n")
    (pkg / "b.py").write_text("def g():\n    import tilegrid.d\n")
    (pkg / "sub" / "c.py").write_text("from ..e import h\n")
    (pkg / "d.py").write_text("")
    (pkg / "e.py").write_text("import os\n")
    assert imported_modules(pkg / "a.py", pkg) == {"", "b", "sub.c"}
    got = {str(f.relative_to(pkg)) for f in closure(["a"], pkg)}
    assert got == {
        "__init__.py",
        "a.py",
        "b.py",
        "d.py",
        "e.py",
        "sub/__init__.py",
        "sub/c.py",
    }


_SPLIT_PROBE = """
import pyarrow as pa, pyarrow.parquet as pq
from tilegrid.split import split_job
from tilegrid.worker import prestart
pq.write_table(pa.table({"g": ["a", "b"] * 50, "v": [float(i) for i in range(100)]}), "t.parquet")
split_job({"data": "t.parquet", "col": "g", "x": "g", "y": "v"}, "shards", [], None)
"""

_RENDER_PROBE = """
import json
from tilegrid.workflow.command import main
tid = json.load(open("shards/manifest.json"))["tiles"][0]["id"]
plot = {"kind": "violin", "x": "g", "y": "v", "function": None, "preprocess": None, "options": {}}
args = {"shard": f"shards/{tid}.arrow", "sidecar": f"shards/{tid}.json", "plot": json.dumps(plot),
        "tile": json.dumps({"height": 1, "aspect": 1, "dpi": 30}), "png": "t.png",
        "log": "render.log"}
main([x for k, v in args.items() for x in (f"--{k}", v)])
"""

_REPORT = """
import json, sys
print(json.dumps(sorted(m for m in sys.modules if m.startswith("tilegrid"))))
"""


def _imported(cwd: Path, probe: str) -> set[str]:
    """The tilegrid modules a fresh interpreter imported running ``probe`` in-process."""
    env = {"PYTHONPATH": str(REPO / "scripts"), "TILEGRID_WORKER": "0", "MPLBACKEND": "Agg"}
    out = subprocess.run(
        [sys.executable, "-c", probe + _REPORT],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, **env},
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def _listed(entries: list[str], loaded: dict | None = None) -> set[str]:
    names = set()
    for f in closure(entries, loaded=loaded):
        parts = f.relative_to(PACKAGE).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        names.add(".".join(("tilegrid", *parts)))
    return names


def test_every_module_the_split_and_a_render_import_is_in_their_code_lists(tmp_path):
    split = _imported(tmp_path, _SPLIT_PROBE)
    render = _imported(tmp_path, _RENDER_PROBE)
    assert (tmp_path / "t.png").exists()
    assert _drawing(split) - _listed(SPLIT) == set()
    assert _drawing(render) - _listed(RENDER) == set()
    # and within the configured kind's code alone (the probes draw violins)
    assert _drawing(split) - _listed(SPLIT, {"kinds": ["violin"]}) == set()
    assert _drawing(render) - _listed(RENDER, {"kinds": ["violin"]}) == set()


def _drawing(modules: set[str]) -> set[str]:
    """``modules`` but those that only bring a job to its entry: the worker, the task
    registry, the render command, the log harness (no output depends on them)."""
    transport = {"tilegrid.core.tasks", "tilegrid.core.logs"}
    transport |= {"tilegrid.workflow", "tilegrid.workflow.command"}
    return {m for m in modules - transport if not m.startswith("tilegrid.worker")}


@pytest.mark.workflow
def test_editing_the_shard_format_module_reruns_the_split_and_every_tile(built):
    workflow = built  # the small workflow after a complete run
    shardio = workflow.path("scripts", "tilegrid", "core", "shards.py")
    shardio.write_text(shardio.read_text() + "\n# a change to the shard format\n")
    run = workflow.run_ok("-n")
    assert run.jobs("split") == 1
    assert "core/shards.py" in run.output


@pytest.mark.workflow
def test_editing_another_kinds_module_reruns_nothing_and_the_kinds_own_reruns_all(built):
    """The small workflow draws violins: a histogram's module is in no job's code, the
    violin's module in the split's and every tile's."""
    workflow = built
    assert yaml.safe_load(workflow.path("config.yaml").read_text())["plot"]["kind"] == "violin"
    kinds = workflow.path("scripts", "tilegrid", "kinds")
    hist = kinds / "hist.py"
    hist.write_text(hist.read_text() + "\n# another kind's change\n")
    run = workflow.run_ok("-n")
    assert "Nothing to be done" in run.output, run.output[-3000:]
    violin = kinds / "violin.py"
    violin.write_text(violin.read_text() + "\n# the drawn kind's change\n")
    run = workflow.run_ok("-n")
    assert run.jobs("split") == 1 and "kinds/violin.py" in run.output
