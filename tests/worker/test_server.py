"""The render job: its entry point, and the warm render worker it asks.

The worker renders exactly what an in-process render does; the job's entry
point imports no heavy library when the worker renders.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import SMALL_CONFIG, Workflow, small_table
from tilegrid.render.tile import render_tile
from tilegrid.split.job import SplitSpec, run_split
from tilegrid.worker import client, folders, protocol, server
from tilegrid.workflow.command import ASKED_BY_SNAKEMAKE


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
        ]

    yield tmp_path, args
    _stop_servers(tmp_path)


def _server_pids(folder) -> list[int]:
    """The worker servers whose socket is in ``folder`` (their command line names it).

    A server leads its own session; its forked children (one per job) do not.
    """
    import psutil

    pids = []
    for p in psutil.process_iter(["cmdline", "pid"]):
        line = " ".join(p.info["cmdline"] or [])
        if "tilegrid.worker" in line and f"{folder}{os.sep}" in line:
            with contextlib.suppress(ProcessLookupError):
                if os.getsid(p.info["pid"]) == p.info["pid"]:
                    pids.append(p.info["pid"])
    return pids


def _stop_servers(folder):
    """Stop the servers this test started, by their process ids, and wait until they are
    gone (a server removes its package copy as it exits: a test that then removes the
    folder must not race it)."""
    import signal

    pids = _server_pids(folder)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, exited but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def test_worker_output_is_byte_identical_to_in_process(job):
    folder, args = job
    answer = client.run_remote(args("remote"), str(folder / "remote.log"))
    assert answer["ok"] and set(answer) == {"ok", "seconds", "max_rss_kb"}
    assert 0 < answer["seconds"] < 60 and answer["max_rss_kb"] > 0
    render_tile(*args("local"))
    # the tile's metadata is inside its PNG: the same bytes, the same metadata
    assert (folder / "remote.png").read_bytes() == (folder / "local.png").read_bytes()


def test_a_second_job_reuses_the_running_server(job):
    folder, args = job
    client.run_remote(args("a"), str(folder / "a.log"))
    client.run_remote(args("b"), str(folder / "b.log"))
    assert len(list(folder.glob("tilegrid-*.sock"))) == 1


def _servers(folder) -> int:
    """How many worker servers listen (or warm up) for sockets in ``folder``."""
    return len(_server_pids(folder))


def test_a_prestarted_server_answers_the_first_job_and_no_second_one_starts(job):
    folder, args = job
    client.prestart()  # returns at once; the server is still warming up
    answer = client.run_remote(args("first"), str(folder / "first.log"))
    assert answer is not None and answer["ok"]
    assert _servers(folder) == 1
    client.prestart()  # a server runs: nothing to do
    assert _servers(folder) == 1


def test_the_mosaic_task_runs_in_the_worker_too(job):
    folder, args = job
    manifest = folder / "shards" / "manifest.json"
    (tile,) = [t["id"] for t in json.loads(manifest.read_text())["tiles"]]
    client.run_remote(args(tile), str(folder / "t.log"))  # tiles are named by their id
    mosaic = [
        str(manifest),
        [str(folder / f"{tile}.png")],
        [str(folder / "out" / "m.png")],  # not beside the tiles: stale tiles are pruned
        {"title": "one tile"},
    ]
    (folder / "out").mkdir()
    answer = client.run_remote(mosaic, str(folder / "m.log"), task="mosaic")
    assert answer is not None and answer["ok"], answer
    assert (folder / "out" / "m.png").stat().st_size > 0
    assert "mosaic of 1 tiles" in (folder / "m.log").read_text()


def test_an_error_in_the_tile_comes_back_as_one_line(job):
    folder, args = job
    bad = args("bad")
    bad[2] = {"kind": "violin", "options": {"cut": -1}}
    answer = client.run_remote(bad, str(folder / "bad.log"))
    assert answer["ok"] is False and "plot.options.cut" in answer["error"]
    assert "Traceback" in (folder / "bad.log").read_text()


def test_the_worker_can_be_turned_off(job, monkeypatch):
    folder, args = job
    monkeypatch.setenv("TILEGRID_WORKER", "0")
    assert client.run_remote(args("off"), str(folder / "off.log")) is None


def _package_copy(dest: Path) -> Path:
    """A copy of the package at ``dest`` (a folder named tilegrid), byte-code caches left out."""
    shutil.copytree(SCRIPTS / "tilegrid", dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def test_the_socket_name_changes_with_the_code_not_with_where_or_when_it_was_written(
    monkeypatch, tmp_path
):
    before = folders.code_key()
    copy = _package_copy(tmp_path / "elsewhere" / "tilegrid")
    monkeypatch.setattr(folders, "PACKAGE", str(copy))
    assert folders.code_key() == before
    os.utime(copy / "render" / "tile.py", ns=(1, 1))
    assert folders.code_key() == before
    for edit in ("render/tile.py", "kinds/violin.py", "viewer/assets/viewer.js"):
        original = (copy / edit).read_bytes()
        (copy / edit).write_bytes(original + b"\n")
        assert folders.code_key() != before, edit
        (copy / edit).write_bytes(original)
    (copy / "x.py").write_text("pass\n")
    assert folders.code_key() != before


def test_a_file_put_back_with_its_old_size_and_time_changes_the_socket_name(monkeypatch, tmp_path):
    """The key is kept between calls while no package file was written (Snakemake's own
    process asks once a tile); a same-sized edit whose modification time is put back,
    as cp -p does, still changes it (its ctime is new)."""
    copy = _package_copy(tmp_path / "elsewhere" / "tilegrid")
    monkeypatch.setattr(folders, "PACKAGE", str(copy))
    before = folders.code_key()
    assert folders.code_key() == before
    path = copy / "render" / "tile.py"
    info = path.stat()
    original = path.read_bytes()
    path.write_bytes(original.replace(b"def ", b"def  ", 1)[:-1])  # same size
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size
    assert folders.code_key() != before
    path.write_bytes(original)
    assert folders.code_key() == before


def test_one_server_serves_the_same_code_from_another_folder_after_the_first_is_gone(
    job, monkeypatch, tmp_path
):
    """Copies of the workflow share one server; it runs a copy of the package of its own,
    which it removes when it exits."""
    folder, args = job
    monkeypatch.setenv("TILEGRID_WORKER_IDLE", "5")  # outlives the copying between jobs
    first = _package_copy(tmp_path / "first" / "tilegrid")
    monkeypatch.setattr(folders, "PACKAGE", str(first))
    assert client.run_remote(args("first"), str(folder / "first.log"))["ok"]
    shutil.rmtree(first.parent)
    monkeypatch.setattr(folders, "PACKAGE", str(_package_copy(tmp_path / "second" / "tilegrid")))
    assert client.run_remote(args("second"), str(folder / "second.log"))["ok"]
    assert _servers(folder) == 1
    assert "warning" not in (folder / "second.log").read_text()
    render_tile(*args("local"))
    assert (folder / "first.png").read_bytes() == (folder / "local.png").read_bytes()
    assert (folder / "second.png").read_bytes() == (folder / "local.png").read_bytes()
    assert len(list(folder.glob("*.pkg"))) == 1
    deadline = time.monotonic() + 30
    while _servers(folder) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _servers(folder) == 0
    assert list(folder.glob("*.pkg")) == []


def _gone(path: str, copy: Path) -> bool:
    """Whether the server of ``path`` that ran from ``copy`` has gone: its socket refuses
    connections and no process holds its copy's in-use lock (the process list drops a
    killed process before its files are closed)."""
    import fcntl

    sock = client._connect(path)
    if sock is not None:
        sock.close()
        return False
    with open(copy / folders.IN_USE) as probe:
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
    return True


def test_the_package_copy_of_a_killed_server_is_removed_by_the_next_start_not_one_in_use(
    job, tmp_path
):
    """A server killed with SIGKILL cannot remove its copy: the next start does, unless a
    process still holds the copy's in-use lock (a child of the killed server, here this
    test); a copy left without one (a start that died while copying) goes too."""
    import fcntl
    import signal

    folder, args = job
    assert client.run_remote(args("first"), str(folder / "first.log"))["ok"]
    (killed,) = folder.glob("*.pkg")
    with open(killed / folders.IN_USE) as probe, pytest.raises(BlockingIOError):
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the live server holds it
    (pid,) = _server_pids(folder)
    os.kill(pid, signal.SIGKILL)
    path = folders.socket_path()
    deadline = time.monotonic() + 30
    while not _gone(path, killed) and time.monotonic() < deadline:
        time.sleep(0.05)
    held, unfinished = Path(f"{path}.held.pkg"), Path(f"{path}.unfinished.pkg")
    held.mkdir()
    unfinished.mkdir()
    (held / folders.IN_USE).touch()
    with open(held / folders.IN_USE) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert client.run_remote(args("second"), str(folder / "second.log"))["ok"]
        copies = set(folder.glob("*.pkg"))
    assert killed.exists() is False and unfinished.exists() is False
    assert held in copies and len(copies) == 2  # and the new server's own
    assert "warning" not in (folder / "second.log").read_text()


SCRIPTS = Path(__file__).resolve().parent.parent.parent / "scripts"
HEAVY = ("numpy", "pyarrow", "matplotlib", "pandas", "snakemake")


def _entry_point(args, log, code="main(argv)", cwd=None, env=None):
    """Run ``python -m tilegrid.workflow.command`` with the job's arguments, as the render
    rule does."""
    shard, sidecar, plot, size, png = args
    argv = ["--shard", shard, "--sidecar", sidecar, "--plot", json.dumps(plot)]
    argv += ["--tile", json.dumps(size), "--png", png, "--log", log]
    program = f"import sys; from tilegrid.workflow.command import main; argv = {argv!r}; {code}"
    env = {**os.environ, "PYTHONPATH": str(SCRIPTS), "MPLBACKEND": "Agg", **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", program],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_the_entry_point_imports_no_heavy_library_when_the_worker_renders(job):
    folder, args = job
    log = str(folder / "job.log")
    code = f"main(argv); print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))"
    run = _entry_point(args("job"), log, code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]" and run.stderr == ""
    assert "rendered by the warm worker" in Path(log).read_text()


#: modules a job's client does without: each costs more to import than the connection
SLOW_TO_IMPORT = ("json", "re", "hashlib", "_hashlib", "pathlib", "typing", "tempfile")


def test_the_entry_point_imports_nothing_slow_when_the_worker_renders(job):
    """A job that finds the server running (every job but the first: starting one
    imports subprocess)."""
    folder, args = job
    assert _entry_point(args("first"), str(folder / "first.log")).returncode == 0
    log = str(folder / "job.log")
    slow = set(SLOW_TO_IMPORT)
    code = f"main(argv); print(sorted({{m.split('.')[0] for m in sys.modules}} & {slow!r}))"
    run = _entry_point(args("job"), log, code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]" and run.stderr == ""
    assert "rendered by the warm worker" in Path(log).read_text()


@pytest.mark.parametrize("worker_on", ["1", "0"])
def test_plot_settings_that_are_not_json_are_one_line(job, monkeypatch, worker_on):
    folder, args = job
    monkeypatch.setenv("TILEGRID_WORKER", worker_on)
    shard, sidecar, _, size, png = args("bad")
    log = str(folder / "bad.log")
    argv = ["--shard", shard, "--sidecar", sidecar, "--plot", "{kind: violin"]
    argv += ["--tile", json.dumps(size), "--png", png, "--log", log]
    program = f"from tilegrid.workflow.command import main; main({argv!r})"
    env = {**os.environ, "PYTHONPATH": str(SCRIPTS), "MPLBACKEND": "Agg"}
    run = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 1
    (line,) = run.stderr.splitlines()
    assert line.startswith("tilegrid: error: render_job: --plot/--tile is not JSON: ")
    assert line.endswith(f"(log: {log})") and not os.path.exists(png)


def test_a_message_to_the_worker_carries_what_json_would():
    """Snakemake's file names are str subclasses, settings may hold tuples and int keys:
    the worker gets them as a JSON round trip would give them."""

    class IOFile(str):
        pass

    args = [IOFile("a.png"), (1, 2.5), {3: [True, None]}, {"k": (IOFile("b"),)}]
    expected = json.loads(json.dumps(args))
    assert protocol.plain(args) == expected
    stream = io.BytesIO()
    protocol._send(stream, {"args": protocol.plain(args)})
    stream.seek(0)
    received = protocol._receive(stream)
    assert received == {"args": expected} and type(received["args"][0]) is str
    assert protocol._receive(io.BytesIO(stream.getvalue()[:-1])) is None  # cut short


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
        [sys.executable, "-m", "tilegrid.workflow.command", "--shard", "x.arrow"],
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
        "import sys; from tilegrid.worker import server; "
        "from tilegrid.render.tile import render_tile; "
        f"server._warm_up(); before = set(sys.modules); render_tile(*{args('after')!r}); "
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
def test_the_render_rule_asks_the_worker_from_snakemakes_own_process(workflow):
    """No shell and no interpreter per tile: each render job's run: block asks the warm
    worker from Snakemake's thread (profiles/default: force-use-threads)."""
    run = workflow.run_ok("--printshellcmds")
    assert run.jobs("render") == 6
    assert " scripts/render.py --shard " not in run.output
    assert "tilegrid: warning" not in run.output
    logs = sorted(workflow.path("logs", "render").glob("*.log"))
    assert len(logs) == 6
    for log in logs:
        last = log.read_text().splitlines()[-1]
        assert last.startswith("rendered by the warm worker in "), log
        assert last.endswith(ASKED_BY_SNAKEMAKE), log
    mosaic = workflow.path("logs", "mosaic.log").read_text().splitlines()
    assert mosaic[-1].startswith("assembled by the warm worker in ")
    assert mosaic[-1].endswith(ASKED_BY_SNAKEMAKE)
    # the mosaic's tidying, in Snakemake's thread, says what it removed in the job's log
    stale = workflow.path("results", "tiles", "gone-a-0123456789.png")
    stale.write_bytes(b"")
    rerun = workflow.run_ok("--forcerun", "mosaic")
    assert not stale.exists()
    assert "removed 1 stale tiles: gone-a-0123456789" not in rerun.output
    assert (
        "removed 1 stale tiles: gone-a-0123456789"
        in workflow.path("logs", "mosaic.log").read_text()
    )


def test_without_the_worker_the_render_rule_runs_the_entry_point_with_snakemakes_python(
    workflow, monkeypatch
):
    monkeypatch.setenv("TILEGRID_WORKER", "0")
    venv_bin = os.path.dirname(sys.executable)
    path = [p for p in os.environ["PATH"].split(os.pathsep) if p and p != venv_bin]
    monkeypatch.setenv("PATH", os.pathsep.join(path))  # as without an activated venv
    run = workflow.run_ok("--printshellcmds")
    entry = " scripts/render.py --shard "
    commands = [line for line in run.output.splitlines() if entry in line]
    assert len(commands) == run.jobs("render") == 6
    # `python3` from the PATH, where rules/common.smk put Snakemake's interpreter
    # first: a python3 elsewhere on the PATH (without pyarrow) would fail the jobs;
    # and no PYTHONPATH: the entry script's folder holds the package
    assert all(line.split(entry)[0].split()[-1] == "python3" for line in commands), commands
    for log in workflow.path("logs", "render").glob("*.log"):
        assert "rendered in the job's own process in " in log.read_text(), log
    # the mosaic too, by its command (scripts/task.py), its arguments' file gone after
    assert (
        "assembled in the job's own process in " in workflow.path("logs", "mosaic.log").read_text()
    )
    assert not workflow.path("logs", "mosaic.log.args.json").exists()
    # run by shell() in the job's context (its conda environment, threads, resources),
    # which is why Snakemake prints it as the job's command
    assert [line for line in run.output.splitlines() if " scripts/task.py mosaic " in line]


# ---------------------------------------------------------------- isolation

#: a matplotlibrc that changes every tile: thick lines, a red background
LOUD_RC = "lines.linewidth: 8\naxes.facecolor: red\npatch.linewidth: 6\n"


def _warnings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("tilegrid: warning:")]


@pytest.mark.parametrize("source", ["working folder", "MATPLOTLIBRC", "MPLCONFIGDIR"])
def test_a_matplotlibrc_changes_no_tile_drawn_in_process(job, monkeypatch, source):
    folder, args = job
    monkeypatch.setenv("TILEGRID_WORKER", "0")
    rc_folder = folder / "styled"
    rc_folder.mkdir()
    (rc_folder / "matplotlibrc").write_text(LOUD_RC)
    env = {"MPLCONFIGDIR": str(folder / "mplconfig")}
    if source != "working folder":
        env[source] = str(rc_folder)  # a folder holding a matplotlibrc, for both variables
    styled = _entry_point(args("styled"), str(folder / "styled.log"), cwd=rc_folder, env=env)
    assert styled.returncode == 0, styled.stderr
    plain = _entry_point(args("plain"), str(folder / "plain.log"), cwd=folder)
    assert plain.returncode == 0, plain.stderr
    assert (folder / "styled.png").read_bytes() == (folder / "plain.png").read_bytes()


def test_a_matplotlibrc_in_the_working_folder_changes_no_mosaic_drawn_in_process(job):
    folder, args = job
    manifest = folder / "shards" / "manifest.json"
    (tile,) = [t["id"] for t in json.loads(manifest.read_text())["tiles"]]
    render_tile(*args(tile))
    styled = folder / "styled"
    styled.mkdir()
    (styled / "matplotlibrc").write_text(LOUD_RC + "font.size: 20\nfigure.facecolor: yellow\n")
    for name, cwd in (("styled", styled), ("plain", folder)):
        (folder / name).mkdir(exist_ok=True)
        mosaic = [str(manifest), [str(folder / f"{tile}.png")], [str(folder / name / "m.png")]]
        mosaic += [{"title": "one tile"}]
        program = (
            "from tilegrid.worker import run_task; "
            f"run_task({mosaic!r}, {str(folder / f'{name}.log')!r}, task='mosaic')"
        )
        run = subprocess.run(
            [sys.executable, "-c", program],
            env={**os.environ, "PYTHONPATH": str(SCRIPTS), "TILEGRID_WORKER": "0"},
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
    assert (folder / "styled" / "m.png").read_bytes() == (folder / "plain" / "m.png").read_bytes()


def test_a_server_started_under_a_matplotlibrc_draws_every_tile_with_the_defaults(job, monkeypatch):
    """The first job's folder and environment hold a matplotlibrc; no tile shows it."""
    folder, args = job
    styled = folder / "styled"
    styled.mkdir()
    (styled / "matplotlibrc").write_text(LOUD_RC)
    monkeypatch.chdir(styled)
    monkeypatch.setenv("MATPLOTLIBRC", str(styled))
    first = client.run_remote(args("first"), str(folder / "first.log"))
    assert first is not None and first["ok"], first
    (styled / "matplotlibrc").unlink()
    monkeypatch.delenv("MATPLOTLIBRC")
    monkeypatch.chdir(folder)
    second = client.run_remote(args("second"), str(folder / "second.log"))
    assert second is not None and second["ok"], second
    assert _servers(folder) == 1  # the second job asked the first job's server
    render_tile(*args("local"))
    local = (folder / "local.png").read_bytes()
    assert (folder / "first.png").read_bytes() == local
    assert (folder / "second.png").read_bytes() == local


def test_a_job_served_by_the_worker_sees_its_own_environment(job, monkeypatch):
    """A user's function that reads the environment draws as it would in the job's process."""
    folder, args = job
    (folder / "draw.py").write_text(
        "import os\n\ndef draw(ax, data):\n    ax.set_facecolor(os.environ['TILE_COLOR'])\n"
    )
    custom = {"kind": "custom", "function": f"{folder}/draw.py:draw", "options": {}}

    def job_args(name):
        job = args(name)
        job[2] = custom
        return job

    monkeypatch.setenv("TILE_COLOR", "red")  # the job that starts the server
    assert client.run_remote(job_args("red"), str(folder / "red.log"))["ok"]
    monkeypatch.setenv("TILE_COLOR", "blue")
    assert client.run_remote(job_args("blue"), str(folder / "blue.log"))["ok"]
    render_tile(*job_args("local"))
    assert (folder / "blue.png").read_bytes() == (folder / "local.png").read_bytes()
    assert (folder / "blue.png").read_bytes() != (folder / "red.png").read_bytes()


# ---------------------------------------------------------------- faults


@pytest.fixture
def unusable_folder(tmp_path, request):
    """A socket folder the worker must not use: another user's, read-only, or open to others."""
    folder = tmp_path / "sockets"
    folder.mkdir(mode=0o700)
    if request.param == "open to others":
        folder.chmod(0o777)
    elif os.getuid() == 0:  # root writes anywhere: make it another user's
        os.chown(folder, 65534, 65534)
    else:
        folder.chmod(0o500)
    yield folder
    folder.chmod(0o700)
    if os.getuid() == 0:
        os.chown(folder, 0, 0)


@pytest.mark.parametrize("unusable_folder", ["not ours", "open to others"], indirect=True)
def test_an_unusable_socket_folder_falls_back_at_once_with_one_warning(
    job, monkeypatch, capsys, unusable_folder
):
    folder, args = job
    monkeypatch.setenv("TILEGRID_WORKER_DIR", str(unusable_folder))
    client.prestart()  # as the split does: it must not fail
    (split_line,) = _warnings(capsys.readouterr().err)
    assert str(unusable_folder) in split_line
    started = time.monotonic()
    assert client.run_remote(args("tile"), str(folder / "tile.log")) is None
    assert time.monotonic() - started < 1
    (render_line,) = _warnings(capsys.readouterr().err)
    assert "rendering in this process" in render_line
    run = _entry_point(args("job"), str(folder / "job.log"))  # the job: it draws the tile
    assert run.returncode == 0, run.stderr
    (job_line,) = _warnings((folder / "job.log").read_text())
    render_tile(*args("local"))
    assert (folder / "job.png").read_bytes() == (folder / "local.png").read_bytes()
    assert not list(unusable_folder.iterdir())


def test_a_socket_path_too_long_for_af_unix_moves_to_a_short_folder(tmp_path, monkeypatch):
    import tempfile

    long_tmp = tmp_path / ("t" * 60) / ("m" * 60)
    long_tmp.mkdir(parents=True)
    monkeypatch.delenv("TILEGRID_WORKER_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(long_tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    path, note = folders.locate()
    assert path == f"/tmp/tilegrid-{os.getuid()}/tilegrid-{folders.code_key()}.sock"
    assert "too long for a Unix socket" in note and str(long_tmp) in note


def test_a_chosen_socket_folder_too_long_for_af_unix_falls_back_at_once(job, monkeypatch, capsys):
    folder, args = job
    chosen = folder / ("s" * 100)
    monkeypatch.setenv("TILEGRID_WORKER_DIR", str(chosen))
    started = time.monotonic()
    assert client.run_remote(args("tile"), str(folder / "tile.log")) is None
    assert time.monotonic() - started < 1
    (line,) = _warnings(capsys.readouterr().err)
    assert "too long for a Unix socket" in line


def _fake_package(tmp_path, body: str) -> Path:
    """A copy of the package whose worker module runs ``body`` when started as a server."""
    package = _package_copy(tmp_path / "fake" / "tilegrid")
    source = (package / "worker" / "server.py").read_text()
    main = 'if __name__ == "__main__":\n'
    assert main in source
    (package / "worker" / "server.py").write_text(source.replace(main, main + body + "\n", 1))
    return package


def test_a_server_that_dies_on_start_falls_back_at_once_and_is_not_retried(
    job, monkeypatch, capsys
):
    folder, args = job
    starts = folder / "starts.txt"
    body = f"    open({str(starts)!r}, 'a').write('x')\n    raise SystemExit('cannot listen')"
    monkeypatch.setattr(folders, "PACKAGE", _fake_package(folder, body))
    for name in ("first", "second"):
        started = time.monotonic()
        assert client.run_remote(args(name), str(folder / f"{name}.log")) is None
        assert time.monotonic() - started < 10  # not START_SECONDS
    first, second = _warnings(capsys.readouterr().err)
    assert "exited on start" in first and "cannot listen" in first
    assert "failed to start" in second
    assert starts.read_text() == "x"  # the second job did not start another


# ---------------------------------------------------------------- only the owner


@contextlib.contextmanager
def _umask(mask: int):
    """This process's umask set to ``mask`` (inherited by the servers it starts)."""
    before = os.umask(mask)
    try:
        yield
    finally:
        os.umask(before)


def _mode(path) -> int:
    return os.stat(path).st_mode & 0o777


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077])
def test_the_requests_umask_is_this_processs_as_proc_shows_it(mask):
    """The request's umask is this process's, read from /proc (Snakemake's threads ask
    too: setting it to read it back would change it for them for that instant)."""
    with _umask(mask):
        assert protocol._umask() == mask
        before = Path("/proc/self/status").read_text()
        assert f"Umask:\t{mask:04o}" in before


@pytest.fixture
def short_folder():
    """A new folder of a short path (pytest's are too long for a socket in a subfolder)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="tg-"))
    yield folder
    _stop_servers(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("umask", [0o000, 0o002])
@pytest.mark.parametrize("chosen", ["0755", "0700", "unset"])
def test_the_socket_is_owner_only_in_a_folder_only_its_owner_enters(
    short_folder, monkeypatch, umask, chosen
):
    """A chosen folder others may enter holds the socket in a private subfolder; the
    socket is made 0600 whatever the umask."""
    folder = short_folder / "sockets"
    if chosen == "unset":
        monkeypatch.delenv("TILEGRID_WORKER_DIR", raising=False)
        monkeypatch.setenv("TMPDIR", str(short_folder))
        private = short_folder / f"tilegrid-{os.getuid()}"
    else:
        folder.mkdir()
        folder.chmod(int(chosen, 8))
        monkeypatch.setenv("TILEGRID_WORKER_DIR", str(folder))
        private = folder / f"tilegrid-{os.getuid()}" if chosen == "0755" else folder
    with _umask(umask):
        path, note = folders.locate()
        bound = server._bind_owner_only(path)
    bound.close()
    assert Path(path).parent == private and note is None
    assert _mode(private) == 0o700 and _mode(path) == 0o600
    if chosen != "unset":
        assert _mode(folder) == int(chosen, 8)  # the user's folder is left as it is


def test_a_private_subfolder_that_others_may_enter_is_not_used(
    job, short_folder, monkeypatch, capsys
):
    folder, args = job
    chosen = short_folder / "sockets"
    (chosen / f"tilegrid-{os.getuid()}").mkdir(parents=True)
    chosen.chmod(0o755)
    (chosen / f"tilegrid-{os.getuid()}").chmod(0o755)
    monkeypatch.setenv("TILEGRID_WORKER_DIR", str(chosen))
    assert client.run_remote(args("tile"), str(folder / "tile.log")) is None
    (line,) = _warnings(capsys.readouterr().err)
    assert "is open to other users (mode 755)" in line


def test_the_server_refuses_another_users_connection_in_one_line(monkeypatch, capsys):
    import socket

    mine, theirs = socket.socketpair()
    with mine, theirs:
        monkeypatch.setattr(server, "_peer_uid", lambda conn: (os.getuid() + 1, 4321))
        assert server._from_owner(mine) is False
        monkeypatch.setattr(server, "_peer_uid", lambda conn: (os.getuid(), 4321))
        assert server._from_owner(mine) is True
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        f"tilegrid worker: refused a connection of uid {os.getuid() + 1} (pid 4321): "
        f"this server serves uid {os.getuid()} only"
    )


def test_the_kernel_names_the_connecting_user():
    import socket

    mine, theirs = socket.socketpair()
    with mine, theirs:
        assert server._peer_uid(mine) == (os.getuid(), os.getpid())


def _request(**changes) -> dict:
    request = {
        "task": "render",
        "args": [],
        "log": "/tmp/x.log",
        "cwd": "/tmp",
        "env": {"HOME": "/root"},
        "sys_path": ["/tmp"],
        "umask": 0o022,
    }
    return {**request, **changes}


@pytest.mark.parametrize(
    ("request_", "problem"),
    [
        (_request(), None),
        ([], "not a request of a job's client"),
        ({**_request(), "extra": 1}, "not a request of a job's client"),
        (_request(task="os.system"), "unknown task 'os.system'"),
        (_request(task=["render"]), "task is not of type str"),
        (_request(args="x"), "args is not of type list"),
        (_request(log="x.log"), "log and cwd must be absolute paths"),
        (_request(env={"A": 1}), "env must map text to text"),
        (_request(sys_path=[b"/tmp"]), "sys_path must be a list of text"),
        (_request(umask=True), "umask is not of type int"),
        (_request(umask=0o1777), "umask out of range"),
    ],
)
def test_a_request_of_another_shape_is_not_served(request_, problem):
    assert protocol._request_problem(request_) == problem


#: what the user nobody sends to root's server: a render running nobody's function and
#: a mosaic writing into nobody's folder, as the owner's own jobs would ask
NOBODY_CLIENT = """
import json, marshal, socket, sys

path, requests = sys.argv[1], json.loads(sys.argv[2])
for request in requests:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as exc:
        print("cannot connect:", type(exc).__name__)
        continue
    data = marshal.dumps(request)
    try:
        sock.sendall(len(data).to_bytes(8, "big") + data)
        answered = bool(sock.recv(8))
    except OSError:  # closed with the request unread: reset
        answered = False
    print("answered" if answered else "closed unserved")
"""

#: nobody's drawing function: it leaves a file saying who ran it
NOBODY_DRAW = """
import os

def draw(ax, data):
    with open(os.path.join(os.path.dirname(__file__), "ran"), "w") as handle:
        handle.write(str(os.getuid()))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="runs as root, connecting as the user nobody")
@pytest.mark.skipif(not shutil.which("setpriv"), reason="setpriv (util-linux) is not installed")
def test_another_user_cannot_have_roots_worker_run_their_code_or_write_files(job, monkeypatch):
    """Root's TILEGRID_WORKER_DIR is 0755 and its umask 000 (the issue's case).  The user
    nobody cannot reach root's socket; with its folder and socket opened to all after it
    started, nobody connects but is not served.  Nobody's function never runs, no file
    is made; root's own request of the same shape runs it (the control)."""
    import tempfile

    from as_nobody import NOBODY, _mounted, _remove_unless_mounted

    folder, args = job
    with contextlib.ExitStack() as stack:
        base = Path(tempfile.mkdtemp(prefix="tilegrid-nobody-"))
        base.chmod(0o755)  # mkdtemp makes it 0700: nobody must reach its own folder
        stack.callback(shutil.rmtree, base, ignore_errors=True)
        stack.callback(_remove_unless_mounted, base / "run")
        (base / "run").mkdir(mode=0o755)
        python = _mounted(sys.base_prefix, base / "run" / "python", stack)
        sockets = base / "sockets"
        sockets.mkdir(mode=0o755)
        theirs = base / "theirs"
        theirs.mkdir()
        (theirs / "draw.py").write_text(NOBODY_DRAW)
        (theirs / "client.py").write_text(NOBODY_CLIENT)
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(theirs)], check=True)
        monkeypatch.setenv("TILEGRID_WORKER_DIR", str(sockets))
        stack.callback(_stop_servers, sockets)
        manifest = folder / "shards" / "manifest.json"
        (tile,) = [t["id"] for t in json.loads(manifest.read_text())["tiles"]]
        with _umask(0):
            first = client.run_remote(args(tile), str(folder / "root.log"))
        assert first is not None and first["ok"], first  # root's server listens
        path = Path(folders.socket_path())
        assert path.parent == sockets / "tilegrid-0"
        assert _mode(path.parent) == 0o700 and _mode(path) == 0o600 and _mode(sockets) == 0o755

        shard, sidecar, _, size, _ = args("x")
        plot = {"kind": "custom", "function": f"{theirs}/draw.py:draw", "options": {}}
        render = {
            "task": "render_json",
            "args": [shard, sidecar, json.dumps(plot), json.dumps(size), f"{theirs}/t.png"],
            "log": f"{theirs}/t.log",
            "cwd": str(theirs),
            "env": {"PATH": os.environ["PATH"], "MPLBACKEND": "Agg"},
            "sys_path": [str(SCRIPTS), *sys.path],
            "umask": 0,
        }
        mosaic = {**render, "task": "mosaic", "log": f"{theirs}/m.log"}
        tiles = [str(folder / f"{tile}.png")]  # root's tile
        mosaic["args"] = [str(manifest), tiles, [f"{theirs}/m.png"], {"title": "theirs"}]

        def send(*command: str) -> list[str]:
            """The client's report, run by ``command`` (a user switch, or none)."""
            program = [*command, str(python / "bin" / f"python{sys.version_info[0]}")]
            done = subprocess.run(
                [*program, str(theirs / "client.py"), str(path), json.dumps([render, mosaic])],
                env={"LD_LIBRARY_PATH": str(python / "lib")},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
            return done.stdout.splitlines()

        as_nobody = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]
        assert send(*as_nobody) == ["cannot connect: PermissionError"] * 2
        path.parent.chmod(0o755)  # opened to all (a careless chmod -R): the server still asks
        path.chmod(0o666)
        assert send(*as_nobody) == ["closed unserved"] * 2
        assert sorted(p.name for p in theirs.iterdir()) == ["client.py", "draw.py"]
        log = Path(f"{path}.log").read_text().splitlines()
        refused = [line for line in log if line.startswith("tilegrid worker: refused")]
        assert len(refused) == 2 and all(f"of uid {NOBODY} " in line for line in refused)

        assert send() == ["answered", "answered"]  # root, the owner: served
        assert (theirs / "ran").read_text() == "0"
        assert _mode(theirs / "m.png") == 0o666  # the request's umask


# ---------------------------------------------------------------- with snakemake

THREE_TILES = {**SMALL_CONFIG, "facet": {"col": "season"}}


def _snakemake(cwd: Path, *args: str, env: dict[str, str], timeout: float = 120):
    """``python -m snakemake`` in ``cwd`` with ``env`` added; its output and run time."""
    run = Workflow.at(cwd).run_ok(*args, env=env, timeout=timeout)
    return run.output, run.seconds


def _figures(root: Path) -> dict[str, bytes]:
    results = root / "results"
    return {
        str(p.relative_to(results)): p.read_bytes()
        for p in sorted([*results.glob("tiles/*.png"), results / "mosaic.png"])
    }


def _folder_with_data(root: Path) -> Path:
    """A working folder with the data and config of the workflow copies, and nothing else."""
    root.mkdir()
    pq.write_table(small_table(), root / "data.parquet")
    (root / "config.yaml").write_text(json.dumps(THREE_TILES))
    return root


@pytest.mark.workflow
def test_a_matplotlibrc_in_one_folder_changes_no_figure_there_or_in_another_folder(
    workflow, tmp_path
):
    """Folders A and B run one Snakefile within the worker's idle time; only A has a
    matplotlibrc.  Both draw what folder C draws without the worker."""
    from concurrent.futures import ThreadPoolExecutor

    import matplotlib

    workflow.write_config(THREE_TILES)
    snakefile = str(workflow.path("Snakefile"))
    sockets = tmp_path / "sockets"
    env = {
        "TILEGRID_WORKER_DIR": str(sockets),
        "TILEGRID_WORKER_IDLE": "60",  # B's jobs meet the server A's split started
        "MPLCONFIGDIR": os.environ.get("MPLCONFIGDIR", matplotlib.get_cachedir()),  # built
    }
    folder_a = workflow.root
    (folder_a / "matplotlibrc").write_text(LOUD_RC)
    folder_b = _folder_with_data(tmp_path / "b")
    folder_c = _folder_with_data(tmp_path / "c")
    with ThreadPoolExecutor(1) as pool:  # C, the reference, meanwhile
        run_c = pool.submit(
            _snakemake, folder_c, "-s", snakefile, env={**env, "TILEGRID_WORKER": "0"}
        )
        try:
            _snakemake(folder_a, env=env)
            _snakemake(folder_b, "-s", snakefile, env=env)
            assert _servers(sockets) == 1
        finally:
            _stop_servers(sockets)
        run_c.result()
    for log in (folder_b / "logs" / "render").glob("*.log"):
        assert "rendered by the warm worker" in log.read_text(), log
    reference = _figures(folder_c)
    assert len(reference) == 4
    assert _figures(folder_a) == reference
    assert _figures(folder_b) == reference


@pytest.mark.workflow
def test_a_long_tmpdir_costs_no_wait_and_one_warning_line_per_job(workflow, tmp_path):
    workflow.write_config(THREE_TILES)
    long_tmp = tmp_path / ("t" * 60) / ("m" * 60)
    long_tmp.mkdir(parents=True)
    env = {"TMPDIR": str(long_tmp), "TILEGRID_WORKER_DIR": "", "TILEGRID_WORKER_IDLE": "5"}
    _, seconds = _snakemake(workflow.root, env=env, timeout=2 * folders.START_SECONDS)
    assert seconds < folders.START_SECONDS  # a wait for a server start alone takes that long
    logs = [workflow.path("logs", "split.log"), *workflow.path("logs", "render").glob("*.log")]
    assert len(logs) == 4
    for log in logs:
        (line,) = _warnings(log.read_text())
        assert "too long for a Unix socket" in line, log
