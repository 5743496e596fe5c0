"""The render job: its entry point, and the warm render worker it asks.

The worker renders exactly what an in-process render does; the job's entry
point imports no heavy library when the worker renders.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import small_table
from tilegrid import worker
from tilegrid.render import render_tile
from tilegrid.split import SplitSpec, run_split


@pytest.fixture
def job(tmp_path, monkeypatch):
    """One tile's render arguments, and a private socket folder for the worker."""
    monkeypatch.setenv("TILEGRID_WORKER_DIR", str(tmp_path))
    pq.write_table(small_table(), tmp_path / "d.parquet")
    result = run_split(
        SplitSpec(data=str(tmp_path / "d.parquet"), x="group", y="value"), str(tmp_path / "shards")
    )
    tile = result.tiles[0]["id"]
    shard = str(tmp_path / "shards" / f"{tile}.arrow")
    sidecar = str(tmp_path / "shards" / f"{tile}.json")
    plot = {"kind": "violin", "options": {}}
    size = {"height": 1.0, "aspect": 1.5, "dpi": 80}

    def args(name):
        return [
            shard,
            sidecar,
            plot,
            size,
            str(tmp_path / f"{name}.png"),
            str(tmp_path / f"{name}.json"),
        ]

    yield tmp_path, args
    _stop_servers(tmp_path)


def _stop_servers(folder):
    """Stop the servers this test started (their command line names the socket)."""
    import subprocess

    for sock in folder.glob("tilegrid-*.sock"):
        subprocess.run(["pkill", "-f", str(sock)], check=False)


def test_worker_output_is_byte_identical_to_in_process(job):
    folder, args = job
    answer = worker.render_remote(args("remote"), str(folder / "remote.log"))
    assert answer == {"ok": True, "max_rss_kb": answer["max_rss_kb"]}
    render_tile(*args("local"))
    assert (folder / "remote.png").read_bytes() == (folder / "local.png").read_bytes()
    assert (folder / "remote.json").read_bytes() == (folder / "local.json").read_bytes()


def test_a_second_job_reuses_the_running_server(job):
    folder, args = job
    worker.render_remote(args("a"), str(folder / "a.log"))
    worker.render_remote(args("b"), str(folder / "b.log"))
    assert len(list(folder.glob("tilegrid-*.sock"))) == 1


def _servers(folder) -> int:
    """How many worker servers listen (or warm up) for sockets in ``folder``.

    A server leads its own session; its forked children (one per job) do not.
    """
    import psutil

    count = 0
    for p in psutil.process_iter(["cmdline", "pid"]):
        line = " ".join(p.info["cmdline"] or [])
        if "tilegrid.worker" in line and str(folder) in line:
            with contextlib.suppress(ProcessLookupError):
                count += os.getsid(p.info["pid"]) == p.info["pid"]
    return count


def test_a_prestarted_server_answers_the_first_job_and_no_second_one_starts(job):
    folder, args = job
    worker.prestart()  # returns at once; the server is still warming up
    answer = worker.render_remote(args("first"), str(folder / "first.log"))
    assert answer is not None and answer["ok"]
    assert _servers(folder) == 1
    worker.prestart()  # a server runs: nothing to do
    assert _servers(folder) == 1


def test_the_mosaic_task_runs_in_the_worker_too(job):
    folder, args = job
    manifest = folder / "shards" / "manifest.json"
    (tile,) = [t["id"] for t in json.loads(manifest.read_text())["tiles"]]
    worker.render_remote(args(tile), str(folder / "t.log"))  # tiles are named by their id
    mosaic = [
        str(manifest),
        [str(folder / f"{tile}.png")],
        [str(folder / f"{tile}.json")],
        [str(folder / "out" / "m.png")],  # not beside the tiles: stale tiles are pruned
        {"title": "one tile"},
    ]
    (folder / "out").mkdir()
    answer = worker.render_remote(mosaic, str(folder / "m.log"), task="mosaic")
    assert answer is not None and answer["ok"], answer
    assert (folder / "out" / "m.png").stat().st_size > 0
    assert "mosaic of 1 tiles" in (folder / "m.log").read_text()


def test_an_error_in_the_tile_comes_back_as_one_line(job):
    folder, args = job
    bad = args("bad")
    bad[2] = {"kind": "violin", "options": {"cut": -1}}
    answer = worker.render_remote(bad, str(folder / "bad.log"))
    assert answer["ok"] is False and "plot.options.cut" in answer["error"]
    assert "Traceback" in (folder / "bad.log").read_text()


def test_the_worker_can_be_turned_off(job, monkeypatch):
    folder, args = job
    monkeypatch.setenv("TILEGRID_WORKER", "0")
    assert worker.render_remote(args("off"), str(folder / "off.log")) is None


def test_the_socket_name_changes_with_the_code(monkeypatch, tmp_path):
    before = worker.code_key()
    monkeypatch.setattr(worker, "PACKAGE", tmp_path)
    (tmp_path / "x.py").write_text("pass\n")
    assert worker.code_key() != before
    os.utime(tmp_path / "x.py", ns=(1, 1))
    assert worker.code_key() != before


SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
HEAVY = ("numpy", "pyarrow", "matplotlib", "pandas", "snakemake")


def _entry_point(args, log, code="main(argv)"):
    """Run ``python -m tilegrid.render_job`` with the job's arguments, as the render rule does."""
    shard, sidecar, plot, size, png, meta = args
    argv = ["--shard", shard, "--sidecar", sidecar, "--plot", json.dumps(plot)]
    argv += ["--tile", json.dumps(size), "--png", png, "--meta", meta, "--log", log]
    program = f"import sys; from tilegrid.render_job import main; argv = {argv!r}; {code}"
    env = {**os.environ, "PYTHONPATH": str(SCRIPTS), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_entry_point_imports_no_heavy_library_when_the_worker_renders(job):
    folder, args = job
    log = str(folder / "job.log")
    code = f"main(argv); print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))"
    run = _entry_point(args("job"), log, code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]" and run.stderr == ""
    assert "rendered by the warm worker" in Path(log).read_text()


def test_the_entry_point_renders_in_process_without_a_worker(job, monkeypatch):
    folder, args = job
    monkeypatch.setenv("TILEGRID_WORKER", "0")
    run = _entry_point(args("job"), str(folder / "job.log"))
    assert run.returncode == 0, run.stderr
    render_tile(*args("local"))
    assert (folder / "job.png").read_bytes() == (folder / "local.png").read_bytes()
    assert "warm worker" not in (folder / "job.log").read_text()


@pytest.mark.parametrize("worker_on", ["1", "0"])
def test_a_failing_tile_is_one_console_line_naming_the_tile_and_its_log(
    job, monkeypatch, worker_on
):
    folder, args = job
    monkeypatch.setenv("TILEGRID_WORKER", worker_on)
    (folder / "draw.py").write_text("def draw(ax, data):\n    raise ValueError('cannot draw')\n")
    bad = args("bad")
    bad[2] = {"kind": "custom", "function": f"{folder}/draw.py:draw", "options": {}}
    tile = json.loads(Path(bad[1]).read_text())["tile"]
    log = str(folder / "bad.log")
    run = _entry_point(bad, log)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        f"tilegrid: error: tile {tile} (the only tile): cannot draw (log: {log})"
    ]
    assert "Traceback" in Path(log).read_text()


def test_the_entry_point_refuses_an_incomplete_command_line(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "tilegrid.render_job", "--shard", "x.arrow"],
        env={**os.environ, "PYTHONPATH": str(SCRIPTS)},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode != 0
    assert run.stderr.startswith("tilegrid: error: render_job: missing --sidecar, --plot")


def test_a_render_after_the_warm_up_imports_nothing_more(job):
    """What a render imports, the server imports once; forked children would repeat it."""
    _, args = job
    program = (
        "import sys; from tilegrid import worker; from tilegrid.render import render_tile; "
        f"worker._warm_up(); before = set(sys.modules); render_tile(*{args('after')!r}); "
        "print(sorted(set(sys.modules) - before))"
    )
    run = subprocess.run(
        [sys.executable, "-c", program],
        env={**os.environ, "PYTHONPATH": str(SCRIPTS), "MPLBACKEND": "Agg"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


@pytest.mark.workflow
def test_the_render_rule_runs_the_entry_point_with_snakemakes_python(workflow, monkeypatch):
    venv_bin = os.path.dirname(sys.executable)
    path = [p for p in os.environ["PATH"].split(os.pathsep) if p and p != venv_bin]
    monkeypatch.setenv("PATH", os.pathsep.join(path))  # as without an activated venv
    run = workflow.run_ok("--printshellcmds")
    commands = [line for line in run.output.splitlines() if " -m tilegrid.render_job " in line]
    assert len(commands) == run.jobs("render") == 6
    assert all(line.split(" -m ")[0].endswith(venv_bin + "/python") for line in commands)
    for log in workflow.path("logs", "render").glob("*.log"):
        assert log.read_text().startswith("rendered by the warm worker"), log
