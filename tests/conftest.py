"""Shared fixtures: a temporary copy of the workflow and a bounded `snakemake` runner."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml
from tilegrid.workflow.copy import copy_workflow

REPO = Path(__file__).resolve().parent.parent
SNAKEMAKE_TIMEOUT = 600


def python_says(python: Path | str, code: str) -> str:
    """What ``python -c code`` prints, stripped."""
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def venv_seeing_ours(venv: Path, pip: bool = False) -> Path:
    """A new venv at ``venv`` whose python also sees this test venv's packages (a .pth
    file), so nothing is installed twice; its interpreter."""
    subprocess.run(
        [sys.executable, "-m", "venv", *([] if pip else ["--without-pip"]), str(venv)], check=True
    )
    python = venv / "bin" / "python"
    site_dir = python_says(python, "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    ours = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    Path(site_dir, "tilegrid-tests.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in ours)
    )
    return python


_fork_server: list = []


def fork_server():
    """This process's server of ``snakemake`` runs (tests/snakefork.py), started on first
    use; None when ``TILEGRID_TESTS_FORK=0`` or it cannot start (then runs start anew)."""
    if os.environ.get("TILEGRID_TESTS_FORK", "1") == "0":
        return None
    if not _fork_server:
        import atexit
        import tempfile

        from snakefork import ForkServer

        folder = Path(tempfile.mkdtemp(prefix="tilegrid-snakefork-"))
        try:
            _fork_server.append(ForkServer(folder))
        except RuntimeError as failed:
            print(f"tests: runs start anew ({failed})", file=sys.stderr)
            _fork_server.append(None)
        else:
            atexit.register(_fork_server[0].close)
            atexit.register(shutil.rmtree, folder, True)
    return _fork_server[0]


@dataclass
class Run:
    """The result of one `snakemake` call."""

    returncode: int
    output: str
    seconds: float = 0.0

    def jobs(self, rule: str) -> int:
        """How many jobs of ``rule`` this run executed (alone or inside a group job)."""
        kinds = ("rule", "localrule", "checkpoint", "localcheckpoint")
        names = {f"{kind} {rule}:" for kind in kinds}
        return sum(1 for line in self.output.splitlines() if line.strip() in names)


class Workflow:
    """A copy of the workflow in a temporary directory, run with the real CLI.

    ``python``: the interpreter that runs ``-m snakemake`` (the Slurm tests use
    a venv of their own that adds the executor plugin).
    """

    python = sys.executable
    timeout = SNAKEMAKE_TIMEOUT

    def __init__(self, root: Path, source: Path = REPO):
        self.root = root
        copy_workflow(source, root)

    @classmethod
    def at(cls, root: Path) -> Workflow:
        """A folder to run snakemake in as it is (no copy): a host workflow, a data folder."""
        folder = cls.__new__(cls)
        folder.root = root
        return folder

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def write_config(self, config: dict) -> None:
        """Replace config.yaml with ``config``."""
        self.path("config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    def update_config(self, **sections) -> dict:
        """Merge ``sections`` (one level deep) into config.yaml and return the result."""
        config = yaml.safe_load(self.path("config.yaml").read_text())
        for key, value in sections.items():
            if isinstance(value, dict) and isinstance(config.get(key), dict):
                config[key].update(value)
            else:
                config[key] = value
        self.write_config(config)
        return config

    def command(self, *args: str) -> list[str]:
        """The command line of a run: two cores unless ``args`` say otherwise (or unlock,
        as the README's ``snakemake --unlock`` does, with none)."""
        cores = [] if {"-j", "--cores", "--jobs", "--unlock"} & set(args) else ["-j", "2"]
        return [self.python, "-m", "snakemake", *cores, *args]

    def snakemake(
        self, *args: str, timeout: float | None = None, env: dict[str, str] | None = None
    ) -> Run:
        """Run ``python -m snakemake`` in the copy, with ``env`` added to the environment;
        kill it (and its jobs) on timeout."""
        timeout = timeout or self.timeout
        extra = env or {}
        env = {k: v for k, v in os.environ.items() if k != "SNAKEMAKE_PROFILE"}
        # copies of the workflow share a warm worker while their code is the same:
        # kept for the next test's runs, let go soon after the last; the tests' tables
        # are small: a scan job per file (TILEGRID_SCAN_BYTES=1), as large files would
        # have, unless a test asks for the default (tilegrid.table.units)
        env.update(
            {
                "MPLBACKEND": "Agg",
                "TILEGRID_WORKER_IDLE": "15",
                "TILEGRID_SCAN_BYTES": "1",
                **extra,
            }
        )
        start = time.monotonic()
        command = self.command(*args)
        plain = command[:3] == [sys.executable, "-m", "snakemake"]  # not another python
        if plain and (server := fork_server()) is not None:
            return self._forked(server, command[3:], env, timeout, start)
        proc = subprocess.Popen(
            command,
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            start_new_session=True,
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            pytest.fail(f"snakemake {' '.join(args)} timed out after {timeout} s:\n{out[-4000:]}")
        return Run(proc.returncode, out, time.monotonic() - start)

    def _forked(self, server, args: list[str], env: dict, timeout: float, start: float) -> Run:
        """The run of ``snakemake ARGS`` the fork server starts (tests/snakefork.py)."""
        run = server.start(args, self.root, env)
        out, code = run.communicate(timeout)
        if code is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.pid, signal.SIGKILL)
            pytest.fail(f"snakemake {' '.join(args)} timed out after {timeout} s:\n{out[-4000:]}")
        return Run(code, out, time.monotonic() - start)

    def run_ok(self, *args: str, **kwargs) -> Run:
        """Run snakemake and fail the test, showing its output, if it fails."""
        run = self.snakemake(*args, **kwargs)
        assert run.returncode == 0, run.output[-6000:]
        return run

    def tile_metas(self, folder: str = "results/tiles") -> dict[str, dict]:
        """Every drawn tile's metadata (TileMeta, from its PNG) in ``folder``, by tile id."""
        from tilegrid.core.tilemeta import read_tile_meta

        return {p.stem: read_tile_meta(str(p)) for p in sorted(self.path(folder).glob("*.png"))}

    def tile_mtimes(self) -> dict[str, int]:
        """Modification time (ns) of every tile PNG, by tile id."""
        tiles = self.path("results", "tiles")
        return {p.stem: p.stat().st_mtime_ns for p in tiles.glob("*.png")}


def processes_in(folder: Path) -> list[str]:
    """The processes (pid and command line) whose working folder is inside ``folder``:
    a run's own, and the warm worker's children serving its jobs."""
    inside = []
    prefix = f"{os.path.realpath(folder)}{os.sep}"
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            cwd = os.readlink(proc / "cwd")
            if f"{cwd}{os.sep}".startswith(prefix):
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                inside.append(f"{proc.name}: {command[:200]}")
    return inside


def wait_for_no_process_in(folder: Path, seconds: float) -> list[str]:
    """Wait until no process works in ``folder``, at most ``seconds``; those left."""
    deadline = time.monotonic() + seconds
    while (left := processes_in(folder)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def render_tiles(shards: Path, out: Path, tiles, plot: dict, tile: dict):
    """Render every tile of a split (its shards and sidecars in ``shards``) into ``out``,
    in this process: ``({id: TileMeta dict}, {id: PNG path})``, as the mosaic reads them."""
    from tilegrid.core.tilemeta import read_tile_meta
    from tilegrid.render.tile import render_tile

    metas, paths = {}, {}
    for t in tiles:
        tid = t["id"]
        shard, sidecar = str(shards / f"{tid}.arrow"), str(shards / f"{tid}.json")
        png = out / f"{tid}.png"
        render_tile(shard, sidecar, plot, tile, str(png))
        metas[tid] = read_tile_meta(str(png))
        paths[tid] = str(png)
    return metas, paths


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """A PNG's chunks in file order: (type, data), without CRCs."""
    import struct

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append((data[at + 4 : at + 8], data[at + 8 : at + 8 + length]))
        at += 12 + length
    return chunks


def strip_tile_meta(path: Path) -> None:
    """Rewrite the tile PNG ``path`` without its metadata chunk, as a tilegrid that wrote
    the metadata to ``<tile>.json`` drew it (the same pixels)."""
    import struct
    import zlib

    from tilegrid.core.tilemeta import TILE_META_KEY

    prefix = TILE_META_KEY.encode() + b"\0"
    out = [path.read_bytes()[:8]]
    for kind, body in png_chunks(path.read_bytes()):
        if kind != b"tEXt" or not body.startswith(prefix):
            crc = zlib.crc32(kind + body)
            out.append(struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc))
    path.write_bytes(b"".join(out))


def repaint_tile(path: Path, image) -> None:
    """Save the Pillow ``image`` as the tile PNG ``path``, its metadata kept: a tile whose
    pixels changed and whose axes did not."""
    from PIL.PngImagePlugin import PngInfo
    from tilegrid.core.tilemeta import read_tile_meta, tile_meta_text

    info = PngInfo()
    for key, value in tile_meta_text(read_tile_meta(str(path))).items():
        info.add_text(key, value)
    image.save(path, pnginfo=info)


def truncate_tile(path: Path, cut: str) -> None:
    """Cut the tile PNG ``path`` short, as a full disk leaves it: inside its header
    (``cut`` "header"), or inside its pixels, its metadata whole ("pixels")."""
    data = path.read_bytes()
    path.write_bytes(data[:20] if cut == "header" else data[: data.index(b"IDAT") + 60])


def assert_names_damaged_tile(error: BaseException, path: Path) -> None:
    """``error`` is the one line of a damaged tile: the file named, and what to do."""
    from tilegrid.core.tilemeta import TileMetaError

    message = str(error)
    assert isinstance(error, TileMetaError), repr(error)
    assert "\n" not in message and message.startswith(f"tile {path} is damaged ("), message
    assert message.endswith("; delete it and rerun: it is drawn again"), message


def small_table(rows_per_cell: int = 400, seed: int = 1) -> pa.Table:
    """A 2 x 3 facet table: site (rows) x season (cols) x group (violins), value."""
    rng = np.random.default_rng(seed)
    sites, seasons, groups = ["north", "south"], ["spring", "summer", "autumn"], ["a", "b", "c"]
    cols = {"site": [], "season": [], "group": [], "value": []}
    for i, site in enumerate(sites):
        for j, season in enumerate(seasons):
            for k, group in enumerate(groups):
                n = rows_per_cell + 37 * k
                cols["site"] += [site] * n
                cols["season"] += [season] * n
                cols["group"] += [group] * n
                cols["value"] += list(rng.normal(i + j + k, 1 + 0.2 * k, n))
    return pa.table(cols)


def shift_rows(table: pa.Table, shift: float, mask: np.ndarray | None = None) -> pa.Table:
    """``table`` with ``shift`` added to ``value`` (in the rows of ``mask``, default all)."""
    values = table["value"].to_numpy()
    values = values + shift if mask is None else np.where(mask, values + shift, values)
    return table.set_column(table.schema.get_field_index("value"), "value", pa.array(values))


def cell_mask(table: pa.Table, site: str, season: str) -> np.ndarray:
    """Which rows of ``table`` are in the facet cell ``site`` x ``season``."""
    mask = pc.and_(pc.equal(table["site"], site), pc.equal(table["season"], season))
    return mask.to_numpy(zero_copy_only=False)


SMALL_CONFIG = {
    "data": "data.parquet",
    "facet": {"row": "site", "col": "season"},
    "plot": {"kind": "violin", "x": "group", "y": "value"},
    "sharex": False,
    "sharey": False,
    "tile": {"height": 1.5, "aspect": 1.2, "dpi": 60},
    "mosaic": {"title": "small"},
}


def bundled_example(wf: Workflow) -> None:
    """The workflow as a new user runs it: the bundled config.yaml, and the example data
    its own rule makes (a ``make`` for ``built_copy``)."""


def copy_of(built: Path, dest: Path) -> Workflow:
    """A copy of a built folder that Snakemake sees as up to date: files keep their
    times, and Snakemake's records (.snakemake) hold paths relative to the folder."""
    shutil.copytree(built, dest, symlinks=True, ignore=shutil.ignore_patterns("locks"))
    return Workflow.at(dest)


def small_workflow(wf: Workflow) -> None:
    """The small 2 x 3 data set and config (see ``workflow``)."""
    pq.write_table(small_table(), wf.path("data.parquet"))
    wf.write_config(SMALL_CONFIG)


#: a folder the pytest processes of one session share their built folders in (set by
#: the first process for the tests it runs alongside)
_SHARED_BUILDS = "TILEGRID_SHARED_BUILDS"


def _build(make, folder: Path) -> Run:
    """``make`` a workflow copy in ``folder`` and run it to the end."""
    wf = Workflow(folder)
    make(wf)
    return wf.run_ok()


def _build_shared(make, shared: Path) -> tuple[Path, Run]:
    """The folder ``make`` and one run give, and that run: built by the first process of
    the session that asks (under a lock), reused by the others."""
    import fcntl
    import json
    from dataclasses import asdict

    folder = shared / f"{make.__module__}.{make.__qualname__}"
    record = folder / "run.json"
    with open(f"{folder}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed build left
            folder.mkdir()
            run = _build(make, folder / "wf")
            record.write_text(json.dumps(asdict(run)))
    return folder / "wf", Run(**json.loads(record.read_text()))


@pytest.fixture(scope="session")
def built_copy(tmp_path_factory):
    """``built_copy(make, dest)``: a copy at ``dest`` of the folder that ``make(workflow)``
    and one complete run give, that run made once per session for each ``make`` (once
    for all the session's processes: see ``tests run alongside``);
    ``built_copy.runs[make]``: that run (its output, to count its jobs)."""
    made: dict = {}
    runs: dict = {}

    def copy(make, dest: Path) -> Workflow:
        if make not in made:
            shared = os.environ.get(_SHARED_BUILDS)
            if shared:
                made[make], runs[make] = _build_shared(make, Path(shared))
            else:
                made[make] = tmp_path_factory.mktemp(make.__name__) / "wf"
                runs[make] = _build(make, made[make])
        return copy_of(made[make], dest)

    copy.runs = runs
    return copy


@pytest.fixture
def built(built_copy, tmp_path) -> Workflow:
    """The small workflow after one complete run (a copy of a run made once)."""
    return built_copy(small_workflow, tmp_path / "wf")


@pytest.fixture
def workflow(tmp_path) -> Workflow:
    """The workflow copied into a temporary directory, with a small 2 x 3 data set."""
    wf = Workflow(tmp_path / "wf")
    small_workflow(wf)
    return wf


#: the columns each plot kind reads in the kind tests (u, v numeric; g, k categories)
SPECS = {
    "violin": {"x": "g", "y": "v"},
    "box": {"x": "g", "y": "v"},
    "boxen": {"x": "g", "y": "v"},
    "count": {"x": "g"},
    "bar": {"x": "g", "y": "v"},
    "point": {"x": "g", "y": "v"},
    "hist": {"x": "v"},
    "kde": {"x": "v"},
    "ecdf": {"x": "v"},
    "scatter": {"x": "u", "y": "v"},
    "strip": {"x": "g", "y": "v"},
    "swarm": {"x": "g", "y": "v"},
    "line": {"x": "u", "y": "v"},
    "density": {"x": "u", "y": "v"},
    "hexbin": {"x": "u", "y": "v"},
    "heatmap": {"x": "g", "y": "k", "options": {"value": "v"}},
}


# ---------------------------------------------------------------- tests run alongside
#
# Tests marked ``alongside`` run in other pytest processes next to the others, each
# in a temporary folder of its own, one process per group the marker names
# (``alongside("slurm")``; unnamed: "long").  The real-Slurm tests mostly wait (for
# sbatch, slurmd and the executor plugin's status checks at 2, 14, 36 s ...), so
# their waits leave a core to the long tests of the other groups.  Each group's
# result joins this session's: its report is printed at the end and its failure
# fails the session.  The processes share ``built_copy``'s runs (each built once, by
# the first that asks).  TILEGRID_ALONGSIDE=0 runs them all in this process, as does
# selecting only them.

_CHILD = "TILEGRID_ALONGSIDE_CHILD"
_alongside: dict[str, dict] = {}


def alongside_group(item) -> str | None:
    """The name of the process ``item`` runs in next to this one, or None: this one."""
    marker = item.get_closest_marker("alongside")
    if marker is None:
        return None
    return marker.args[0] if marker.args else "long"


def _runs_alongside(items) -> bool:
    return (
        os.environ.get("TILEGRID_ALONGSIDE", "1") != "0"
        and os.environ.get(_CHILD) != "1"
        and any(alongside_group(item) for item in items)
        and any(alongside_group(item) is None for item in items)
    )


def pytest_collection_modifyitems(session, config, items):
    """Start each group of the selected ``alongside`` tests in a pytest process of its own;
    deselect them here."""
    if config.option.collectonly or not _runs_alongside(items):
        return
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(alongside_group(item), []).append(item)
    items[:] = groups.pop(None)
    import tempfile

    os.environ[_SHARED_BUILDS] = tempfile.mkdtemp(prefix="tilegrid-builds-")
    for name, aside in groups.items():
        config.hook.pytest_deselected(items=aside)
        _alongside[name] = _start_alongside(config, aside)


def _start_alongside(config, aside: list) -> dict:
    """A pytest process for the tests ``aside``, writing its report to a file."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="tilegrid-alongside-"))
    log = (base / "report.txt").open("w")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
    command += ["--basetemp", str(base / "tmp"), *(item.nodeid for item in aside)]
    proc = subprocess.Popen(
        command,
        cwd=config.rootpath,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, _CHILD: "1"},
        start_new_session=True,
    )
    return {"base": base, "log": log, "count": len(aside), "proc": proc}


def pytest_sessionfinish(session, exitstatus):
    """Wait for the tests run alongside; a failure of theirs is this session's."""
    for group in _alongside.values():
        proc = group["proc"]
        try:
            code = proc.wait(timeout=3600)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            code = proc.wait()
        group["log"].close()
        group["code"] = code
        if code != 0 and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if _alongside:
        shutil.rmtree(os.environ.pop(_SHARED_BUILDS), ignore_errors=True)


def pytest_terminal_summary(terminalreporter):
    """The report of each group of tests run alongside, as its process printed it."""
    for name, group in _alongside.items():
        if "code" not in group:
            continue
        report = (group["base"] / "report.txt").read_text()
        state = "passed" if group["code"] == 0 else f"FAILED (exit {group['code']})"
        terminalreporter.section(f"{group['count']} tests run alongside ({name}): {state}")
        terminalreporter.write(report)
        if group["code"] == 0:
            shutil.rmtree(group["base"], ignore_errors=True)
