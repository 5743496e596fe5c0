"""Faults and reproducibility with the real CLI: failing tiles, kills, locks, same bytes."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from as_nobody import NOBODY, _mounted, _remove_unless_mounted
from conftest import SMALL_CONFIG, Run, Workflow, small_table, small_workflow
from tilegrid.core.outputs import is_temp

# alongside (conftest.py): long real runs, none timed, beside the other tests
pytestmark = [pytest.mark.workflow, pytest.mark.alongside]

FAILING_DRAW = """
def draw(ax, data, **options):
    if (data["season"] == "summer").all() and (data["site"] == "south").all():
        raise ValueError("this tile cannot be drawn")
    ax.hist(data["value"], bins=10)
"""


def _outputs(wf) -> dict[str, bytes]:
    files = {}
    for sub in ("shards", "tiles"):  # tiles/print/ too: the pdf and svg embed them
        for path in sorted(wf.path("results", sub).rglob("*")):
            if path.is_file():
                files[str(path.relative_to(wf.path("results")))] = path.read_bytes()
    for fmt in ("png", "pdf", "svg"):
        files[f"mosaic.{fmt}"] = wf.path("results", f"mosaic.{fmt}").read_bytes()
    return files


def test_a_failing_tile_names_its_facets_and_log_and_the_others_finish(workflow):
    workflow.path("draw.py").write_text(FAILING_DRAW)
    workflow.update_config(plot={"kind": "custom", "function": "draw.py:draw", "x": None})
    run = workflow.snakemake("--keep-going")
    assert run.returncode != 0
    errors = [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")]
    assert len(errors) == 1, run.output[-4000:]
    assert "site = south, season = summer" in errors[0] and "this tile cannot be drawn" in errors[0]
    assert "(log: logs/render/south-summer-" in errors[0]
    # drawn once: the warm worker's failure is reported, not asked for again by a command
    log = workflow.path(errors[0].split("(log: ")[1].rstrip(")"))
    assert log.read_text().count('raise ValueError("this tile cannot be drawn")') == 1
    assert len(list(workflow.path("results", "tiles").glob("*.png"))) == 5
    assert not workflow.path("results", "mosaic.png").exists()


def test_two_runs_from_scratch_give_identical_bytes(workflow, tmp_path):
    from conftest import Workflow

    workflow.update_config(mosaic={"formats": ["png", "pdf", "svg"]})
    workflow.run_ok()
    other = Workflow(tmp_path / "other")
    for name in ("config.yaml", "data.parquet"):
        other.path(name).write_bytes(workflow.path(name).read_bytes())
    other.run_ok()
    assert _outputs(workflow) == _outputs(other)


def _in_background(workflow) -> subprocess.Popen:
    """``snakemake -j 1`` started in the workflow's folder, in its own process group."""
    return subprocess.Popen(
        [sys.executable, "-m", "snakemake", "-j", "1"],
        cwd=workflow.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def test_a_run_killed_while_rendering_resumes_to_the_same_mosaic(workflow, built_copy, tmp_path):
    # a complete run of the same data and config (``workflow``'s), made once per session
    reference = built_copy(small_workflow, tmp_path / "reference")
    proc = _in_background(workflow)
    tiles = workflow.path("results", "tiles")
    deadline = time.monotonic() + 300
    while not (tiles.is_dir() and list(tiles.glob("*.png"))):
        assert proc.poll() is None and time.monotonic() < deadline, "no tile was rendered"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not workflow.path("results", "mosaic.png").exists()
    workflow.run_ok("--unlock")  # a killed run leaves its lock: Snakemake asks for this
    workflow.run_ok()
    assert (
        workflow.path("results", "mosaic.png").read_bytes()
        == reference.path("results", "mosaic.png").read_bytes()
    )
    assert not [p for p in tiles.iterdir() if is_temp(p.name)]


#: a drawing function that holds its render job (and so the run's lock) until released
WAITING_DRAW = """
import os, pathlib, time

def draw(ax, data, **options):
    pathlib.Path("started").touch()
    deadline = time.monotonic() + 300
    while not os.path.exists("release") and time.monotonic() < deadline:
        time.sleep(0.05)
    ax.hist(data["value"], bins=10)
"""


def test_a_second_run_in_the_same_folder_is_refused_by_the_lock(workflow):
    workflow.path("waiting.py").write_text(WAITING_DRAW)
    workflow.update_config(plot={"kind": "custom", "function": "waiting.py:draw", "x": None})
    first = _in_background(workflow)
    try:
        # the first run is provably still running: its first render job waits for "release"
        deadline = time.monotonic() + 120
        while not workflow.path("started").exists():
            assert first.poll() is None and time.monotonic() < deadline, "no render job started"
            time.sleep(0.05)
        run = workflow.snakemake()
        assert first.poll() is None
        assert run.returncode != 0 and "Directory cannot be locked" in run.output
    finally:
        workflow.path("release").touch()
        try:
            first.wait(timeout=120)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
                first.wait()


def _tilegrid_errors(run) -> list[str]:
    return [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")]


class AsNobody(Workflow):
    """The workflow run by the unprivileged user ``nobody`` (the test runs as root).

    Nothing is installed or created on the system: the interpreter's install folder and
    the test venv's packages are bind-mounted where ``nobody`` can read them (they may
    sit under /root, mode 700), and a venv made with them; all go when the test ends."""

    def __init__(self, base: Path, stack: contextlib.ExitStack):
        base.mkdir(mode=0o755)
        prefix = _mounted(sys.base_prefix, base / "python", stack)
        ours = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
        ours = [str(_mounted(path, base / f"site{i}", stack)) for i, path in enumerate(ours)]
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        venv = base / "venv"
        subprocess.run(
            [str(prefix / "bin" / version), "-m", "venv", "--without-pip", str(venv)], check=True
        )
        site = venv / "lib" / version / "site-packages"
        (site / "tilegrid-tests.pth").write_text(
            "".join(f"import site; site.addsitedir({p!r})\n" for p in ours)
        )
        super().__init__(base / "wf")
        self.home = base / "home"
        self.home.mkdir()
        self.python = str(venv / "bin" / "python")
        self.libs = str(prefix / "lib")  # its libpython: the rpath points under /root
        for path in (base / "wf", self.home):
            subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(path)], check=True)

    def command(self, *args: str) -> list[str]:
        as_nobody = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]
        return as_nobody + super().command(*args)

    def snakemake(self, *args: str, **kwargs) -> Run:
        env = {
            "HOME": str(self.home),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "MPLCONFIGDIR": str(self.home / ".mpl"),
            "LD_LIBRARY_PATH": self.libs,
            **(kwargs.pop("env", None) or {}),
        }
        return super().snakemake(*args, env=env, **kwargs)


def _write_protected_tiles_fail_with_one_line(wf: Workflow) -> None:
    """``wf``, after a complete run: a deleted tile cannot be written again."""
    tiles = wf.path("results", "tiles")
    reference = {p.name: p.read_bytes() for p in tiles.iterdir()}
    sorted(tiles.glob("*.png"))[0].unlink()
    tiles.chmod(0o500)
    try:
        run = wf.snakemake()
        assert run.returncode != 0
        assert _tilegrid_errors(run) == [
            f"tilegrid: error: results/tiles ({tiles}) is not writable; make it writable "
            "or run in another folder (snakemake --directory DIR)"
        ], run.output[-3000:]
        assert not [p for p in tiles.iterdir() if is_temp(p.name)]
    finally:
        tiles.chmod(0o700)
    run = wf.run_ok()
    assert run.jobs("render") == 1
    assert {p.name: p.read_bytes() for p in tiles.iterdir()} == reference


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to folders without write permission")
def test_a_results_folder_without_write_permission_is_one_line(built):
    _write_protected_tiles_fail_with_one_line(built)


@pytest.mark.skipif(os.geteuid() != 0, reason="runs as root, switching to the user nobody")
@pytest.mark.skipif(not shutil.which("setpriv"), reason="setpriv (util-linux) is not installed")
def test_a_results_folder_without_write_permission_is_one_line_for_an_unprivileged_user():
    with contextlib.ExitStack() as stack:
        base = Path(tempfile.mkdtemp(prefix="tilegrid-nobody-"))
        base.chmod(0o755)  # mkdtemp makes it 0700: nobody must reach the workflow
        stack.callback(_remove_unless_mounted, base / "run")
        wf = AsNobody(base / "run", stack)
        pq.write_table(small_table(), wf.path("data.parquet"))
        wf.write_config(SMALL_CONFIG)
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(wf.root)], check=True)
        wf.run_ok()
        _write_protected_tiles_fail_with_one_line(wf)


@contextlib.contextmanager
def read_only(path):
    """``path`` bind-mounted read-only on itself: writes fail for root too (EROFS)."""
    for cmd in (
        ["mount", "--bind", str(path), str(path)],
        ["mount", "-o", "remount,ro,bind", str(path)],
    ):
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            subprocess.run(["umount", "-l", str(path)], check=False)
            pytest.skip(f"cannot make a read-only bind mount: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="a read-only bind mount needs root")
def test_a_read_only_results_tiles_folder_is_one_line_and_a_rerun_recovers(built):
    workflow = built  # the small workflow after a complete run
    tiles = workflow.path("results", "tiles")
    reference = {p.name: p.read_bytes() for p in tiles.iterdir()}
    mosaic = workflow.path("results", "mosaic.png").read_bytes()
    victim = sorted(tiles.glob("*.png"))[0]
    victim.unlink()
    with read_only(tiles):
        dry = workflow.snakemake("--dry-run")  # writes nothing: not refused
        assert dry.returncode == 0 and not _tilegrid_errors(dry), dry.output[-3000:]
        run = workflow.snakemake()
        assert run.returncode != 0
        assert _tilegrid_errors(run) == [
            f"tilegrid: error: results/tiles ({tiles}) is not writable; make it writable "
            "or run in another folder (snakemake --directory DIR)"
        ]
    run = workflow.run_ok()
    assert run.jobs("render") == 1
    assert {p.name: p.read_bytes() for p in tiles.iterdir()} == reference
    assert workflow.path("results", "mosaic.png").read_bytes() == mosaic


def test_too_many_tiles_stop_the_split_with_one_line(workflow):
    workflow.update_config(facet={"max_tiles": 4})
    run = workflow.snakemake()
    assert run.returncode != 0
    errors = [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")]
    assert errors and "exceeds facet.max_tiles (4)" in errors[0] and "logs/split.log" in errors[0]
    assert not workflow.path("results", "shards").exists()


def test_a_damaged_tile_png_is_named_and_redrawn_once_deleted(built):
    workflow = built  # the small workflow after a complete run
    tiles = workflow.path("results", "tiles")
    reference = {p.name: p.read_bytes() for p in tiles.glob("*")}
    mosaic = workflow.path("results", "mosaic.png").read_bytes()
    tile = sorted(tiles.glob("*.png"))[0]
    tile.write_bytes(tile.read_bytes()[:200])  # a truncated PNG, as a full disk leaves it
    workflow.update_config(mosaic={"title": "another title"})  # the mosaic must be redrawn
    run = workflow.snakemake()
    assert run.returncode != 0
    lines = [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")]
    assert len(lines) == 1 and f"tile results/tiles/{tile.name} is damaged" in lines[0], lines
    assert "delete it and rerun: it is drawn again" in lines[0]
    tile.unlink()
    workflow.update_config(mosaic={"title": "small"})
    run = workflow.run_ok()
    assert run.jobs("render") == 1
    assert {p.name: p.read_bytes() for p in tiles.glob("*")} == reference
    assert workflow.path("results", "mosaic.png").read_bytes() == mosaic


def _can_mount_tmpfs() -> str | None:
    """Why a small tmpfs cannot be mounted here, or None."""
    if os.geteuid() != 0:
        return "mounting a small tmpfs (a full disk) needs root"
    return None


@contextlib.contextmanager
def full_disk(path, size: str):
    """``path`` as a tmpfs of ``size``: writes beyond it fail with ENOSPC."""
    path.mkdir(parents=True, exist_ok=True)
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mount.stderr.strip()}")
    # a file in it: Snakemake's cleanup of empty parent folders stops here
    (path / ".keep").touch()
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.mark.skipif(_can_mount_tmpfs() is not None, reason=str(_can_mount_tmpfs()))
@pytest.mark.parametrize(
    ("where", "size", "job"), [("results", "40k", "split"), ("results/tiles", "6k", "render")]
)
def test_a_full_disk_is_one_line_leaves_nothing_half_written_and_a_rerun_recovers(
    workflow, built_copy, tmp_path, where, size, job
):
    # a complete run of the same data and config (``workflow``'s), made once per session
    reference = built_copy(small_workflow, tmp_path / "reference")
    with full_disk(workflow.path(where), size):
        run = workflow.snakemake()
        assert run.returncode != 0
        errors = {line for line in run.output.splitlines() if line.startswith("tilegrid: error:")}
        assert errors and all("no space left on the device" in line for line in errors), run.output
        assert all(f"(log: logs/{job}" in line for line in errors), errors
        left = [p for p in workflow.path("results").rglob("*") if p.is_file() and p.name != ".keep"]
        assert not [p for p in left if is_temp(p.name)], left
        if job == "split":
            assert not workflow.path("results", "shards").exists()
    run = workflow.run_ok()
    for path in reference.path("results").rglob("*"):
        if path.is_file():
            twin = workflow.path("results", path.relative_to(reference.path("results")))
            assert twin.read_bytes() == path.read_bytes(), twin
