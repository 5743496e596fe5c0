"""tilegrid used as a Snakemake module by a host workflow, as the workflow catalog deploys it."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
import yaml
from conftest import SMALL_CONFIG, Workflow, small_table

pytestmark = [pytest.mark.workflow, pytest.mark.alongside("waits")]

HOST = """\
configfile: "config/config.yaml"


module tilegrid:
    snakefile:
        {snakefile!r}
    config:
        config
{prefix}

use rule * from tilegrid
"""


def _host(root, snakefile, prefix: str | None) -> Workflow:
    """A host folder with its own config and data, using tilegrid's Snakefile as a module."""
    root.mkdir(parents=True)
    (root / "config").mkdir()
    config = {**SMALL_CONFIG, "data": "data/table.parquet"}
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (root / "data").mkdir()
    pq.write_table(small_table(), root / "data" / "table.parquet")
    line = f"    prefix:\n        {prefix!r}\n" if prefix else ""
    (root / "Snakefile").write_text(HOST.format(snakefile=str(snakefile), prefix=line))
    return Workflow.at(root)


def _check_outputs(host: Workflow, base: str) -> None:
    manifest = json.loads(host.path(base, "results", "shards", "manifest.json").read_text())
    assert len(manifest["tiles"]) == 6 and manifest["input_rows"] == small_table().num_rows
    assert len(list(host.path(base, "results", "tiles").glob("*.png"))) == 6
    assert host.path(base, "results", "mosaic.png").stat().st_size > 0


def test_a_host_workflow_in_another_folder_uses_tilegrid_as_a_module(tmp_path):
    tilegrid = Workflow(tmp_path / "tilegrid")
    host = _host(tmp_path / "host", tilegrid.path("Snakefile"), prefix=None)
    host.run_ok()
    _check_outputs(host, ".")
    assert "Nothing to be done" in host.run_ok().output


def test_a_module_inside_the_host_folder_with_a_prefix_keeps_user_paths_unprefixed(tmp_path):
    host = _host(tmp_path / "host", tmp_path / "host" / "workflow" / "Snakefile", prefix="tg")
    Workflow(tmp_path / "host" / "workflow")  # tilegrid's files inside the host's folder
    host.run_ok()
    _check_outputs(host, "tg")
    tile = next(host.path("tg", "results", "tiles").glob("*.png"))
    tile.unlink()
    run = host.run_ok()
    assert run.jobs("render") == 1 and tile.exists()


def test_a_prefixed_module_splits_a_table_of_many_files_per_file_under_its_prefix(tmp_path):
    host = _host(tmp_path / "host", tmp_path / "host" / "workflow" / "Snakefile", prefix="tg")
    Workflow(tmp_path / "host" / "workflow")
    table = small_table()
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), host.path("data", "a.parquet"))
    pq.write_table(table.slice(half), host.path("data", "b.parquet"))
    config = yaml.safe_load(host.path("config", "config.yaml").read_text())
    config["data"] = ["data/a.parquet", "data/b.parquet"]
    host.path("config", "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    run = host.run_ok()
    assert run.jobs("scan") == 2 and run.jobs("split") == 1
    _check_outputs(host, "tg")
    assert len(list(host.path("tg", "results", "scans").iterdir())) == 2
    assert not host.path("results").exists()
    assert "Nothing to be done" in host.run_ok().output
