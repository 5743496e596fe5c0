"""Killed runs: work done for a job dies with the job, and a rerun equals a fresh run.

The warm worker draws in forked children of its server, outside the job's process
group: a run killed by its process group must not leave them drawing, to land
their outputs after a later run's (issue 25).  The killed runs are held in their
stage by tests/stage_hold.py, so what is killed is a state, not a moment guessed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import (
    SMALL_CONFIG,
    Workflow,
    python_says,
    small_table,
    venv_seeing_ours,
    wait_for_no_process_in,
)
from tilegrid.core import outputs
from tilegrid.worker import server

TESTS = Path(__file__).resolve().parent.parent
SCRIPTS = TESTS.parent / "scripts"

# ---------------------------------------------------------------- the mechanism


def _exit_status(pid: int, seconds: float = 10) -> int | None:
    """The wait status of the child ``pid`` once it ends, None if it runs ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def _armed_child(job: socket.socket, conn: socket.socket, then: str) -> int:
    """Fork a child that keeps ``conn`` (its end of a connection, ``job`` the job's end)
    and arms it as the worker's child does, then runs ``then`` (Python code) and exits 0."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            job.close()  # the job's end is the job's only
            server._die_with_client(conn)
            exec(then)
        finally:
            os._exit(0)
    conn.close()
    return pid


def test_a_child_dies_the_moment_its_job_closes_even_inside_a_long_c_call():
    job, child_end = socket.socketpair()
    # numpy's matrix products hold the GIL-free C code for seconds: no Python runs
    pid = _armed_child(
        job,
        child_end,
        "import numpy as np\nx = np.ones((1500, 1500))\nfor _ in range(60): x = x @ x / 1500",
    )
    time.sleep(0.3)  # the child is computing
    closed = time.monotonic()
    job.close()
    status = _exit_status(pid)
    assert status is not None and os.WIFSIGNALED(status), status
    assert os.WTERMSIG(status) == signal.SIGIO
    assert time.monotonic() - closed < 1


def test_a_child_whose_job_had_gone_before_it_was_armed_exits_at_once():
    job, child_end = socket.socketpair()
    job.close()
    pid = _armed_child(job, child_end, "import time; time.sleep(30)")
    status = _exit_status(pid)
    assert status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_the_job_guard_renames_nothing_into_place_once_the_job_has_gone(tmp_path):
    job, child_end = socket.socketpair()
    target = tmp_path / "tile.png"
    outputs.set_guard(server._job_guard(child_end))
    try:
        outputs.write_bytes(str(target), b"alive")
        assert target.read_bytes() == b"alive"
        job.close()
        with pytest.raises(outputs.JobGone):
            outputs.write_bytes(str(target), b"gone")
    finally:
        outputs.set_guard(None)
        child_end.close()
    assert target.read_bytes() == b"alive"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tile.png"]


#: a drawing function that says it started (its pid in "started"), waits for "release",
#: then draws
WAITING_DRAW = """
import os, pathlib, time

def draw(ax, data, **options):
    folder = pathlib.Path(__file__).parent
    (folder / "started.tmp").write_text(str(os.getpid()))
    (folder / "started.tmp").rename(folder / "started")
    deadline = time.monotonic() + 60
    while not (folder / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    ax.hist(data["value"], bins=10)
"""


def _client(args: list, log: str, env: dict[str, str]) -> subprocess.Popen:
    """A render job's client (``client.run_task``) in a process of its own."""
    program = f"from tilegrid.worker import run_task; run_task({args!r}, {log!r})"
    return subprocess.Popen(
        [sys.executable, "-c", program],
        env={**os.environ, "PYTHONPATH": str(SCRIPTS), "MPLBACKEND": "Agg", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"  # a zombie: ended


@pytest.fixture(scope="module")
def sockets(tmp_path_factory):
    """A socket folder for the module's tests that start a warm worker: one server."""
    folder = tmp_path_factory.mktemp("sockets")
    yield folder
    _stop_servers(folder)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
def test_a_job_killed_while_the_worker_draws_for_it_gets_nothing_written(tmp_path, sockets, sig):
    """The worker's child draws a tile for a job; the job is killed: the child ends at
    once, and even released it writes nothing."""
    from tilegrid.split.job import SplitSpec, run_split

    pq.write_table(small_table(), tmp_path / "d.parquet")
    spec = SplitSpec(data=str(tmp_path / "d.parquet"), x="group", y="value")
    result = run_split(spec, str(tmp_path / "shards"))
    tile = result.tiles[0]["id"]
    (tmp_path / "draw.py").write_text(WAITING_DRAW)
    plot = {"kind": "custom", "function": f"{tmp_path}/draw.py:draw", "options": {}}
    png = tmp_path / "tiles" / "t.png"
    png.parent.mkdir()
    args = [f"{tmp_path}/shards/{tile}.arrow", f"{tmp_path}/shards/{tile}.json", plot]
    args += [{"height": 1.0, "aspect": 1.5, "dpi": 40}, str(png)]
    job = _client(args, str(tmp_path / "job.log"), _environment(sockets))
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():
            assert job.poll() is None and time.monotonic() < deadline, "the tile never started"
            time.sleep(0.02)
        child = int((tmp_path / "started").read_text())
        assert child != job.pid  # drawn by the worker's child
        job.send_signal(sig)
        job.wait()
        deadline = time.monotonic() + 10
        while not _gone(child) and time.monotonic() < deadline:
            time.sleep(0.01)
        (tmp_path / "release").touch()  # what a child still alive would wait for
        assert _gone(child), "the worker's child outlived its job"
        time.sleep(0.5)
        assert list(png.parent.iterdir()) == []
    finally:
        (tmp_path / "release").touch()


def _stop_servers(folder: Path) -> None:
    """Stop the servers whose socket is in ``folder`` (by their pid) and wait for them."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                line = (proc / "cmdline").read_bytes().split(b"\0")
                if b"tilegrid.worker" in line and any(
                    arg.startswith(os.fsencode(f"{folder}{os.sep}")) for arg in line
                ):
                    pids.append(int(proc.name))
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while any(not _gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)


# ---------------------------------------------------------------- killed runs, rerun

#: the fresh run's config: a table of two files (so there are scan jobs) and the page
FRESH = {
    **SMALL_CONFIG,
    "data": ["a.parquet", "b.parquet"],
    "mosaic": {"title": "small", "formats": ["png", "html"]},
}
#: the killed run's config, per stage held: the fresh one with a change that reruns that
#: stage (and what follows it), no more
ABANDONED = {
    "scan": {"plot": {**FRESH["plot"], "options": {"cut": 0.5}}},  # every job
    "split": {"facet": {**FRESH["facet"], "max_tiles": 999}},  # the split only
    "render": {"tile": {**FRESH["tile"], "dpi": 50}},  # tiles, blocks, mosaic, page
    "mosaic": {"mosaic": {**FRESH["mosaic"], "title": "abandoned"}},  # mosaic and page
    "viewer": {"mosaic": {**FRESH["mosaic"], "title": "abandoned"}},
}
STAGES = ("scan", "split", "render", "mosaic", "viewer")
#: stages drawn by the warm worker: their holder must be a child of its server
WORKER_STAGES = ("render", "mosaic")
SIGNALS = {"kill": signal.SIGKILL, "term": signal.SIGTERM}
#: how long the processes of a killed run may take to end after their release
LINGER_SECONDS = 60


def two_files_with_a_page(wf: Workflow) -> None:
    """The small table as two Parquet files, drawn as a PNG and a page (``FRESH``)."""
    table = small_table()
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), wf.path("a.parquet"))
    pq.write_table(table.slice(half), wf.path("b.parquet"))
    wf.write_config(FRESH)


def _results(wf: Workflow) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) in results/, hidden ones too."""
    root = wf.path("results")
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


def _environment(sockets: Path) -> dict[str, str]:
    """What the runs add to the environment: the worker's socket folder, whose server
    (one for all the runs: the same code) the test stops when it is done."""
    return {
        "TILEGRID_WORKER_DIR": str(sockets),
        "TILEGRID_WORKER_IDLE": "300",
        "TILEGRID_SCAN_BYTES": "1",  # a scan job per file, as Workflow.snakemake runs
    }


def _held(folder: Path, proc: subprocess.Popen, seconds: float = 300) -> list[tuple[int, int]]:
    """Wait until a process of the run ``proc`` holds in its stage (the test hook's
    ``started-*`` files in ``folder``); their (pid, session id)."""
    deadline = time.monotonic() + seconds
    while not (started := sorted(folder.glob("started-*"))):
        assert proc.poll() is None, f"the run ended before the stage:\n{_tail(folder)}"
        assert time.monotonic() < deadline, "the stage was never reached"
        time.sleep(0.02)
    return [tuple(int(n) for n in p.read_text().split()) for p in started]


def _tail(folder: Path) -> str:
    return (folder / "run.txt").read_text()[-3000:]


def _kill_in_stage_then_rerun(
    copy: Workflow, stage: str, sig: signal.Signals, python: str, sockets: Path
) -> dict:
    """Run ``ABANDONED[stage]`` in ``copy`` (a fresh run's folder) until ``stage`` holds,
    kill its process group with ``sig``, rerun with the fresh config, release what still
    holds and wait for it to end.  What the test looks at, as a dict."""
    hold = copy.root.parent / "hold"
    hold.mkdir()
    copy.python = python
    copy.write_config({**FRESH, **ABANDONED[stage]})
    env = {k: v for k, v in os.environ.items() if k != "SNAKEMAKE_PROFILE"}
    env.update(MPLBACKEND="Agg", **_environment(sockets))  # as Workflow.snakemake does
    with open(hold / "run.txt", "w") as out:
        run = subprocess.Popen(
            [python, "-m", "snakemake", "-j", "2"],
            cwd=copy.root,
            env={**env, "TILEGRID_TEST_HOLD": stage, "TILEGRID_TEST_HOLD_DIR": str(hold)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            holders = _held(hold, run)
        finally:
            with contextlib.suppress(ProcessLookupError):  # ended: _held says why
                os.killpg(run.pid, sig)
            run.wait()
    copy.write_config(FRESH)
    # what `snakemake --unlock` does (a SIGKILLed run leaves its lock), without its start
    shutil.rmtree(copy.path(".snakemake", "locks"), ignore_errors=True)
    rerun = copy.snakemake(env=_environment(sockets))
    (hold / "release").touch()  # a process of the killed run that still holds goes on
    left = wait_for_no_process_in(copy.root, LINGER_SECONDS)
    return {
        "run": run.pid,
        "holders": holders,
        "rerun": rerun,
        "left": left,
        "results": _results(copy),
    }


@pytest.fixture(scope="module")
def kill_venv(tmp_path_factory) -> str:
    """A venv seeing this one's packages whose every Python imports tests/stage_hold.py;
    its interpreter."""
    venv = tmp_path_factory.mktemp("kill") / "venv"
    python = venv_seeing_ours(venv)
    site = Path(python_says(python, "import sysconfig; print(sysconfig.get_paths()['purelib'])"))
    shutil.copy(TESTS / "stage_hold.py", site / "stage_hold.py")
    (site / "zz-stage-hold.pth").write_text("import stage_hold\n")
    return str(python)


def _selected(request) -> list[tuple[str, str]]:
    """The (stage, signal name) of every selected test of this module that has them."""
    mine = [item for item in request.session.items if item.module is request.module]
    params = [getattr(getattr(item, "callspec", None), "params", {}) for item in mine]
    return [(p["stage"], p["sig"]) for p in params if "stage" in p and "sig" in p]


@pytest.fixture(scope="module")
def fresh(built_copy, tmp_path_factory) -> dict[str, bytes | None]:
    """results/ of a fresh run of ``FRESH``."""
    return _results(built_copy(two_files_with_a_page, tmp_path_factory.mktemp("fresh") / "wf"))


@pytest.fixture(scope="module")
def killed_runs(request, built_copy, fresh, kill_venv, sockets, tmp_path_factory):
    """``killed_runs(stage, signal name)``: the outcome of that killed run and its rerun
    (see ``_kill_in_stage_then_rerun``).  The runs of every selected test start at once,
    two at a time (a run mostly waits for its jobs), each in a copy of the fresh run."""
    base = tmp_path_factory.mktemp("killed")
    wanted = _selected(request)

    def scenario(stage: str, sig: str) -> dict:
        copy = built_copy(two_files_with_a_page, base / f"{stage}-{sig}" / "wf")
        return _kill_in_stage_then_rerun(copy, stage, SIGNALS[sig], kill_venv, sockets)

    pool = ThreadPoolExecutor(2)
    futures = {key: pool.submit(scenario, *key) for key in wanted}
    yield lambda stage, sig: futures[(stage, sig)].result()
    pool.shutdown(cancel_futures=True)
    for stage, sig in wanted:
        (base / f"{stage}-{sig}" / "hold" / "release").touch()


@pytest.mark.workflow
@pytest.mark.alongside
@pytest.mark.parametrize("sig", sorted(SIGNALS))
@pytest.mark.parametrize("stage", STAGES)
def test_a_run_killed_in_a_stage_leaves_nothing_a_rerun_does_not_make_fresh(
    killed_runs, fresh, stage, sig
):
    """Killed (its process group) while a job of ``stage`` runs, then rerun with another
    config: once no process of the killed run is left, results/ is a fresh run's, byte
    for byte.  A warm worker's child that outlived its job would be caught here: its
    hold is released after the rerun, and it would write its abandoned work then."""
    outcome = killed_runs(stage, sig)
    holders = outcome["holders"]
    if stage in WORKER_STAGES:  # the stage was drawn by the warm worker, not the job
        assert all(session != outcome["run"] for _, session in holders), holders
    assert outcome["rerun"].returncode == 0, outcome["rerun"].output[-4000:]
    assert outcome["left"] == [], "processes of the killed run outlived it"
    assert _differences(outcome["results"], fresh) == []


def _differences(results: dict, fresh: dict) -> list[str]:
    """What differs between two results/ folders (``_results``), one line each."""
    lines = [f"only after the rerun: {p}" for p in sorted(set(results) - set(fresh))]
    lines += [f"missing after the rerun: {p}" for p in sorted(set(fresh) - set(results))]
    lines += [
        f"other bytes: {p}" for p in sorted(set(results) & set(fresh)) if results[p] != fresh[p]
    ]
    return lines


#: a process id no writer has: what a writer killed mid-write leaves (tilegrid.core.outputs)
KILLED = 4194305


@pytest.mark.workflow
def test_temporary_files_killed_writers_left_are_gone_after_the_mosaic_and_page(
    built_copy, fresh, tmp_path
):
    """A writer killed mid-write (a job, or a worker's child ended by SIGIO) leaves its
    temporary file.  The next writer of the same file removes it; the mosaic and the
    page remove those of files no job of the rerun writes again: tiles not drawn
    again (or no longer in the grid), print tiles, the mosaic's other formats, blocks."""
    wf = built_copy(two_files_with_a_page, tmp_path / "wf")
    tile = next(iter(wf.tile_mtimes()))
    left = [
        f"tiles/{tile}.png",
        "tiles/gone-1234567890.png",
        f"tiles/print/{tile}.png",
        "mosaic.png",
        "mosaic.pdf",
        "mosaic.html",
        ".mosaic-cache/canvas.png",
        ".mosaic-cache/record.json",
        "viewer/0-0.1.png",
    ]
    for name in left:
        path = wf.path("results", name)
        path.parent.mkdir(exist_ok=True)
        path.with_name(f".{path.name}{outputs.TMP_MARK}{KILLED}").write_bytes(b"half")
    run = wf.run_ok("--forcerun", "mosaic", "viewer")  # what a rerun redoes, no more
    assert run.jobs("render") == run.jobs("viewer_block") == 0
    assert _differences(_results(wf), fresh) == []
