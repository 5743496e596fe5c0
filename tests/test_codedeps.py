"""The package files each rule depends on are the import closure of its entry modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from tilegrid.core.tasks import task_module
from tilegrid.workflow.code import PACKAGE, closure, imported_modules, script_modules

#: each rule's entries, as rules/common.smk names them: its script's imports and the
#: tasks it hands to the warm worker
SPLIT = script_modules(REPO / "scripts" / "split.py")
RENDER = script_modules(REPO / "scripts" / "render.py") + [task_module("render_json")]
MOSAIC = script_modules(REPO / "scripts" / "mosaic.py") + [task_module("mosaic")]


def _names(files: list[Path]) -> set[str]:
    return {str(f.relative_to(PACKAGE)) for f in files}


def test_the_shard_format_module_is_in_the_split_and_render_code():
    assert "core/shards.py" in _names(closure(SPLIT))
    assert "core/shards.py" in _names(closure(RENDER))


def test_every_kind_is_in_the_code_of_rules_that_load_kinds_by_name():
    kinds = {f"kinds/{p.name}" for p in (PACKAGE / "kinds").glob("*.py")}
    assert kinds <= _names(closure(SPLIT)) and kinds <= _names(closure(RENDER))


def test_the_mosaic_is_not_in_the_render_code_so_restyling_it_redraws_no_tile():
    assert "mosaic/figure.py" not in _names(closure(RENDER))
    assert "split/job.py" not in _names(closure(RENDER))


def test_the_worker_brings_no_plotting_code_into_the_split_code():
    """The worker runs tasks named by strings: starting it makes the split depend on no
    kind's drawing, nor the warm-up's preloads on anything."""
    split = _names(closure(SPLIT))
    assert "worker.py" in split
    assert not {"render/tile.py", "render/warm.py", "mosaic/figure.py"} & split
    assert "render/warm.py" not in _names(closure(RENDER)) | _names(closure(MOSAIC))


def test_a_rule_scripts_imports_are_its_entries(tmp_path):
    script = tmp_path / "job.py"
    script.write_text(
        "import sys\nfrom tilegrid.core.logs import run_job\n"
        "def main():\n    import tilegrid.split.scan\n    from tilegrid.render import job\n"
    )
    assert script_modules(script) == [
        "core.logs",
        "render",
        "render.job",
        "split.scan",
    ]


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
from tilegrid.render.job import main
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


def _listed(entries: list[str]) -> set[str]:
    names = set()
    for f in closure(entries):
        parts = f.relative_to(PACKAGE).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        names.add(".".join(("tilegrid", *parts)))
    return names


def test_every_module_the_split_and_a_render_import_is_in_their_code_lists(tmp_path):
    split = _imported(tmp_path, _SPLIT_PROBE)
    render = _imported(tmp_path, _RENDER_PROBE)
    assert (tmp_path / "t.png").exists()
    assert split - _listed(SPLIT) == set()
    assert render - _listed(RENDER) == set()


@pytest.mark.workflow
def test_editing_the_shard_format_module_reruns_the_split_and_every_tile(built):
    workflow = built  # the small workflow after a complete run
    shardio = workflow.path("scripts", "tilegrid", "core", "shards.py")
    shardio.write_text(shardio.read_text() + "\n# a change to the shard format\n")
    run = workflow.run_ok("-n")
    assert run.jobs("split") == 1
    assert "core/shards.py" in run.output
