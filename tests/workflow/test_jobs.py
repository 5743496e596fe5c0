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


def test_a_failure_the_worker_reported_is_one_line_on_stderr_and_in_the_log(tmp_path):
    import subprocess

    from tilegrid.workflow.jobs import after_asking, failure_command

    log = tmp_path / "logs" / "x {y}.log"
    log.parent.mkdir()
    log.write_text("Traceback (most recent call last):\n  ...\nValueError: no\n")
    message = "tile a-1 (row = a): it's {not} drawable; $HOME `x` \\n"
    command = after_asking({"ok": False, "error": message}, str(log))
    assert command == failure_command(message, str(log))
    done = subprocess.run(
        ["bash", "-c", command.format()],  # as Snakemake's shell() formats and runs it
        capture_output=True,
        text=True,
    )
    line = f"tilegrid: error: {message} (log: {log})"
    assert done.returncode == 1 and done.stderr.splitlines() == [line]
    assert log.read_text().splitlines()[-1] == line
    assert log.read_text().count("Traceback") == 1
    assert after_asking({"ok": True}, str(log)) is None


def test_a_render_job_not_asked_of_the_worker_runs_its_command(tmp_path):
    from tilegrid.workflow.jobs import render_job

    args = ["scripts/render.py", "s.arrow", "s.json", "{}", "{}", "t.png", str(tmp_path / "l")]
    assert render_job(False, "python3 scripts/render.py ...", *args) == (
        "python3 scripts/render.py ..."
    )


def test_a_killed_commands_arguments_file_is_removed_by_the_next_job(tmp_path, monkeypatch):
    import tilegrid.workflow.jobs as jobs

    input, output, params, log, _ = _job(tmp_path)
    (tmp_path / "mosaic.log.args.json").write_text("[]")  # kill -9 left it behind
    monkeypatch.setattr(jobs, "ask_from_snakemake", lambda *a: {"ok": True})
    with mosaic_job(input, output, params, log, "scripts/task.py", ask=True) as command:
        assert command is None  # the worker drew it
    assert not (tmp_path / "mosaic.log.args.json").exists()


def test_the_split_runs_by_its_command_with_its_arguments_in_a_file_while_it_runs(tmp_path):
    from tilegrid.workflow.jobs import command_job

    log = tmp_path / "split.log"
    (tmp_path / "split.log.args.json").write_text("left by a killed command")
    args = [{"data": "t.parquet"}, "results/shards", [], None, 2]
    with command_job("scripts/task.py", "split", args, str(log)) as command:
        assert shlex.split(command) == [
            "python3",
            "scripts/task.py",
            "split",
            f"{log}.args.json",
            str(log),
        ]
        assert json.loads((tmp_path / "split.log.args.json").read_text()) == args
    assert not (tmp_path / "split.log.args.json").exists()


def test_a_module_is_imported_meanwhile_in_a_thread_of_this_process():
    import sys
    import threading

    from tilegrid.workflow.jobs import import_meanwhile

    before = set(threading.enumerate())
    import_meanwhile("json")  # imported already: no thread
    assert set(threading.enumerate()) == before
    sys.modules.pop("wave", None)  # the standard library's, imported by nothing here
    import_meanwhile("wave")
    for thread in set(threading.enumerate()) - before:
        assert thread.daemon  # never holds Snakemake's exit
        thread.join(timeout=30)
    assert "wave" in sys.modules
