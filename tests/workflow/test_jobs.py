"""tilegrid.workflow.jobs: the mosaic rule's run: block, without Snakemake."""

from __future__ import annotations

import json
import shlex
from types import SimpleNamespace

import pytest
from tilegrid.workflow.jobs import mosaic_job


def _job(tmp_path):
    tiles = tmp_path / "results" / "tiles"
    tiles.mkdir(parents=True)
    (tiles / "a.png").write_bytes(b"a")
    (tiles / "gone.png").write_bytes(b"")  # a tile of a facet value no longer in the data
    input = SimpleNamespace(
        manifest=str(tmp_path / "manifest.json"), pngs=[str(tiles / "a.png")], print_pngs=[]
    )
    output = SimpleNamespace(figures=[str(tmp_path / "results" / "mosaic.png")])
    params = SimpleNamespace(settings={"title": "t"}, sharex=True, sharey="row")
    log = tmp_path / "mosaic.log"
    log.write_text("")
    return input, output, params, str(log), tiles


def test_without_asking_it_yields_the_command_and_its_arguments_file_then_tidies(tmp_path):
    input, output, params, log, tiles = _job(tmp_path)
    with mosaic_job(input, output, params, log, "scripts/task.py", ask=False) as command:
        words = shlex.split(command)
        assert words[:3] == ["python3", "scripts/task.py", "mosaic"]
        assert words[3:] == [f"{log}.args.json", log]
        args = json.loads((tmp_path / "mosaic.log.args.json").read_text())
        assert args == [
            input.manifest,
            input.pngs,
            output.figures,
            {"title": "t"},
            True,
            "row",
            [],
        ]
        assert (tiles / "gone.png").exists()  # the tidying follows the job
    assert not (tmp_path / "mosaic.log.args.json").exists()
    assert not (tiles / "gone.png").exists() and (tiles / "a.png").exists()
    assert "removed 1 stale tiles: gone" in (tmp_path / "mosaic.log").read_text()


def test_a_failed_command_leaves_no_arguments_file_and_tidies_nothing(tmp_path):
    input, output, params, log, tiles = _job(tmp_path)
    with (
        pytest.raises(RuntimeError),
        mosaic_job(input, output, params, log, "scripts/task.py", ask=False),
    ):
        raise RuntimeError("the command failed")
    assert not (tmp_path / "mosaic.log.args.json").exists()
    assert (tiles / "gone.png").exists()
