"""The warm render worker renders exactly what an in-process render does."""

from __future__ import annotations

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
    shard = str(tmp_path / "shards" / f"{tile}.parquet")
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
