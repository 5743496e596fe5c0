"""Benchmark tilegrid against its peers on the same data in the same run.

    .venv/bin/python bench/run.py --sizes 1e5 1e6 1e7            # minutes
    .venv/bin/python bench/run.py --sizes 1e5 1e6 1e7 --with-1e8  # add 1e8 rows
    .venv/bin/python bench/run.py --targets                       # every target (issue 26)

For each size: generate the table (cached in bench/data/), run the floor and
the peers (bench/peers.py), then tilegrid (`python -m snakemake -j 2` on a
temporary copy of the workflow) from clean (full), after one cell's values
changed (incremental) and with nothing changed (no-op). Every command runs
under ``/usr/bin/time -v`` with BLAS/OpenMP pinned to one thread. Peak memory
is reported two ways:

* ``rss max/proc``: the largest single process (GNU time's maximum resident
  set size; for tilegrid also the largest job in Snakemake's benchmark files);
* ``rss sum``: the peak of the summed RSS of the whole process tree, sampled
  every 0.05 s (pool workers + main, Snakemake + its concurrent jobs).

Writes bench/results.json (raw) and bench/results.md (the table, machine,
versions, date), and prints the table.

``--targets`` runs instead every measure of the targets table of issue 26
(``target_plan``, ``target_rows``; sizes scaled by ``--scale``, set by
``--size``) and prints and writes (bench/runs/targets-<date>) the table with
the verdicts under the CPU model.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import psutil

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
PYTHON = sys.executable
PEERS = ["floor", "seaborn", "mpl", "pool"]
SEABORN_MIN_FREE_GB = 20
ENV_PINS = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
}

sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "scripts"))
from make_data import perturb, write_folder, write_table  # noqa: E402
from tilegrid.workflow.copy import copy_workflow  # noqa: E402


def label(rows: int) -> str:
    """1e5, 1e7, 3e8 ..."""
    exp = len(str(rows)) - 1
    mant = rows / 10**exp
    return f"{mant:g}e{exp}" if mant != 1 else f"1e{exp}"


def env() -> dict[str, str]:
    e = dict(os.environ, **ENV_PINS)
    e["PATH"] = f"{Path(PYTHON).parent}:{e.get('PATH', '')}"
    return e


# ---------------------------------------------------------------- measuring


class TreeSampler(threading.Thread):
    """Peak of the summed RSS of a process and all its descendants."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.peak_procs = 0
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self.stop.is_set():
            total, n = 0, 0
            try:
                procs = root.children(recursive=True)  # exclude /usr/bin/time itself
            except psutil.NoSuchProcess:
                break
            for p in procs:
                try:
                    total += p.memory_info().rss
                    n += 1
                except psutil.Error:
                    pass
            if total > self.peak:
                self.peak, self.peak_procs = total, n
            self.stop.wait(self.interval)


def measure(
    cmd: list[str],
    cwd: Path | None = None,
    log: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> dict:
    """Run ``cmd`` under /usr/bin/time -v; wall, max RSS per process, peak tree RSS sum."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tfile:
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            ["/usr/bin/time", "-v", "-o", tfile.name, *cmd],
            cwd=cwd,
            env={**env(), **(extra_env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        sampler = TreeSampler(proc.pid)
        sampler.start()
        out, err = proc.communicate()
        wall = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
        report = tfile.read()
    if log:
        log.write_text(
            f"$ {' '.join(cmd)}\n--- stdout\n{out}\n--- stderr\n{err}\n--- time\n{report}"
        )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    maxrss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", report).group(1))
    phases = {}
    for line in out.splitlines():
        if line.startswith("{"):
            phases = json.loads(line)
    return {
        "wall": wall,
        "rss_max_proc_mb": maxrss / 1024,
        "rss_sum_mb": sampler.peak / 2**20,
        "load_before": load,
        "phases": phases,
        "stderr": err,
    }


# ---------------------------------------------------------------- tilegrid


#: the plot of each figure family: violins (the seaborn/matplotlib/pool peers) and
#: the scatter raster (the datashader peer; ``max_points: 0`` rasters at any size)
PLOTS = {
    "violin": {"kind": "violin", "x": "group", "y": "value", "options": {"inner": "box"}},
    "scatter": {
        "kind": "scatter",
        "x": "x",
        "y": "value",
        "options": {"max_points": 0, "norm": "eq_hist"},
    },
}


def workflow_copy(dest: Path, data: Path, family: str = "violin", free_axes: bool = False) -> None:
    """Copy the workflow into ``dest`` with a config that plots the benchmark table.

    ``data`` is a file (hard-linked as ``data.parquet``) or a folder of Parquet
    files (a folder ``data/`` of hard links). ``free_axes`` sets ``sharex`` and
    ``sharey`` false (every tile its own limits); by default both are true.
    """
    copy_workflow(ROOT, dest)
    if data.is_dir():
        (dest / "data").mkdir()
        for part in sorted(data.iterdir()):
            os.link(part, dest / "data" / part.name)
    else:
        os.link(data, dest / "data.parquet")
    config = {
        "data": "data" if data.is_dir() else "data.parquet",
        "facet": {"row": "row", "col": "col", "max_tiles": 4096},
        "plot": PLOTS[family],
        "sharex": not free_axes,
        "sharey": not free_axes,
        "tile": {"height": 2.5, "aspect": 1.2, "dpi": 100},
        "mosaic": {"title": None, "margin_titles": True, "formats": ["png"]},
    }
    (dest / "config.yaml").write_text(json.dumps(config, indent=1) + "\n")


def read_tsv(path: str) -> dict[str, float]:
    with open(path) as fh:
        head, values = fh.readline().split("\t"), fh.readline().split("\t")
    out = {}
    for k, v in zip(head, values):
        with contextlib.suppress(ValueError):
            out[k.strip()] = float(v)
    return out


def newest_mtime(work: Path) -> float:
    """The newest modification time of the benchmark and log files in ``work`` (0 if none).

    Files a run writes are newer than this, taken before the run: the cut-off of
    ``job_stats`` (a fixed slack before the run's start counted the previous run's
    last jobs when the two followed each other within it, as at small sizes).
    """
    paths = glob.glob(str(work / "benchmarks/**/*"), recursive=True)
    paths += glob.glob(str(work / "logs/**/*"), recursive=True)
    return max((os.path.getmtime(p) for p in paths if os.path.isfile(p)), default=0.0)


def finished_jobs(stderr: str) -> dict[str, int]:
    """Jobs per rule that Snakemake finished in one run (its ``Finished jobid: N (Rule: r)``)."""
    counts: dict[str, int] = {}
    for rule in re.findall(r"^Finished jobid: \d+ \(Rule: (\w+)\)", stderr, re.MULTILINE):
        counts[rule] = counts.get(rule, 0) + 1
    return counts


#: the split's last log line (tilegrid.workflow.command.own_cost): its RSS and its children's
SPLIT_COST = (
    r"split done in the job's own process in [0-9.]+ s, max RSS (\d+) KB "
    r"\(its largest child process: (\d+) KB\)"
)


def job_stats(work: Path, since: float) -> dict:
    """Per-job wall and max RSS written after ``since``: the split's and the mosaic's from
    Snakemake's benchmark files (the split's RSS from its log), a tile's from its log (a
    render job has no benchmark file: its process is a thin client, and the log says what
    drawing the tile cost, in the warm worker's child or in the job's own process)."""

    def fresh(pattern):
        return [p for p in glob.glob(str(work / pattern)) if os.path.getmtime(p) > since]

    renders = [
        (float(m.group(1)), int(m.group(2)))
        for p in fresh("logs/render/*.log")
        for m in [re.search(r"rendered .* in ([0-9.]+) s, max RSS (\d+) KB", Path(p).read_text())]
        if m
    ]
    split = [read_tsv(p) for p in fresh("benchmarks/split.tsv")]
    mosaic = [read_tsv(p) for p in fresh("benchmarks/mosaic.tsv")]
    stats = {"render_jobs": len(renders)}
    if renders:
        walls = [seconds for seconds, _ in renders]
        stats.update(
            render_s_median=statistics.median(walls),
            render_s_min=min(walls),
            render_s_max=max(walls),
            render_s_sum=sum(walls),
            render_rss_max_mb=max(kb for _, kb in renders) / 1024,
        )
    if split:
        # its largest process, from its log: the benchmark file sums Snakemake's own
        # memory and the forked scans' (which share pages) with the split's
        own = [
            max(int(m.group(1)), int(m.group(2))) / 1024
            for p in fresh("logs/split.log")
            for m in [re.search(SPLIT_COST, Path(p).read_text())]
            if m
        ]
        stats.update(split_s=split[0]["s"], split_rss_mb=own[0] if own else split[0]["max_rss"])
    if mosaic:
        # the mosaic, too, runs in the warm worker's forked child when it can
        worker = [
            int(m.group(1)) / 1024
            for p in fresh("logs/mosaic.log")
            for m in [re.search(r"warm worker in [0-9.]+ s, max RSS (\d+) KB", Path(p).read_text())]
            if m
        ]
        stats.update(mosaic_s=mosaic[0]["s"], mosaic_rss_mb=max([mosaic[0]["max_rss"], *worker]))
    stats["job_rss_max_mb"] = max(
        [stats.get(k, 0) for k in ("render_rss_max_mb", "split_rss_mb", "mosaic_rss_mb")]
    )
    return stats


def run_tilegrid(
    data: Path,
    logs: Path,
    jobs: int,
    keep: bool,
    family: str = "violin",
    phases: tuple[str, ...] = ("full", "incremental", "noop"),
    overhead: bool = True,
    free_axes: bool = False,
    python: str = PYTHON,
) -> dict:
    """tilegrid's runs in a fresh copy of the workflow: full, incremental, no-op, by
    ``python -m snakemake`` (``python``: the interpreter of tilegrid's venv).

    Incremental: one cell's values change (``perturb``); in a folder, only in its
    middle file, which alone is rewritten. ``free_axes``: ``sharex``/``sharey``
    false. Each phase records ``jobs_run``, the jobs per rule Snakemake finished.
    """
    work = Path(tempfile.mkdtemp(prefix="tilegrid-bench-"))
    workflow_copy(work, data, family, free_axes)
    cmd = [python, "-m", "snakemake", "-j", str(jobs)]
    tag = "" if family == "violin" else f"-{family}"
    results = {}
    try:
        for phase in phases:
            if phase == "incremental":
                t0 = time.perf_counter()
                if data.is_dir():
                    parts = sorted(data.iterdir())
                    src = parts[len(parts) // 2]
                    dest = work / "data" / src.name
                else:
                    src, dest = data, work / "data.parquet"
                changed = perturb(str(src), str(work / "changed.parquet"))
                os.replace(work / "changed.parquet", dest)
                results["perturb"] = {
                    "rows_changed": changed,
                    "file": src.name,
                    "s": time.perf_counter() - t0,
                }
            since = newest_mtime(work)
            r = measure(cmd, cwd=work, log=logs / f"tilegrid{tag}-{phase}.log")
            r["jobs_run"] = finished_jobs(r.pop("stderr"))
            r.update(job_stats(work, since))
            results[phase] = r
            print(
                f"    tilegrid{tag} {phase:12s} {fmt_row(r)}  render jobs {r['render_jobs']}",
                flush=True,
            )
        if not os.path.exists(work / "results/mosaic.png"):
            raise RuntimeError("tilegrid wrote no results/mosaic.png")
        shutil.copy2(work / "results/mosaic.png", logs / f"tilegrid{tag}.png")
        if overhead:
            results["overhead"] = job_overhead(work)
    finally:
        if keep:
            print(f"    kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return results


def job_overhead(work: Path, repeat: int = 5) -> dict:
    """Fixed cost of one render job, outside Snakemake: what each part of a job costs.

    ``render_job`` is the render rule's command (``python -m tilegrid.workflow.command``)
    answered by the warm worker, ``render_inprocess`` the same with the worker
    off (imports and all), ``snakemake_script`` what a ``script:`` directive adds
    before any of that (its preamble imports snakemake.script).
    """
    shard = sorted(glob.glob(str(work / "results/shards/*.arrow")))[0]
    sidecar = shard[: -len(".arrow")] + ".json"
    config = json.loads((work / "config.yaml").read_text())
    plot = {"function": None, "preprocess": None, **config["plot"]}
    with tempfile.TemporaryDirectory(prefix="tilegrid-probe-") as tmp:
        job = [
            PYTHON,
            "-m",
            "tilegrid.workflow.command",
            "--shard",
            shard,
            "--sidecar",
            sidecar,
            "--plot",
            json.dumps(plot),
            "--tile",
            json.dumps(config["tile"]),
            "--png",
            f"{tmp}/t.png",
            "--log",
            f"{tmp}/t.log",
        ]
        path = {"PYTHONPATH": str(work / "scripts"), "TILEGRID_WORKER_DIR": tmp}
        probes = {
            "python_start": ([PYTHON, "-c", "pass"], {}),
            "snakemake_script": ([PYTHON, "-c", "import snakemake.script"], {}),
            "render_job": (job, path),
            "render_inprocess": (job, {**path, "TILEGRID_WORKER": "0"}),
        }
        measure(job, extra_env=path)  # start this probe's warm worker
        out = {}
        for name, (cmd, extra) in probes.items():
            walls = [measure(cmd, extra_env=extra)["wall"] for _ in range(repeat)]
            out[name] = statistics.median(walls)
    return out


# ---------------------------------------------------------------- report


def fmt_row(r: dict) -> str:
    return (
        f"wall {r['wall']:8.2f} s  rss max/proc {r['rss_max_proc_mb']:8.0f} MB  "
        f"rss sum {r['rss_sum_mb']:8.0f} MB  (load {r['load_before']:.1f})"
    )


def venv_plugins(python: str) -> list[str]:
    """The Snakemake plugins installed beside ``python`` (each is imported at every start)."""
    code = (
        "import importlib.metadata as m; print(' '.join(sorted({d.metadata['Name'] for d in "
        "m.distributions() if d.metadata['Name'].lower().startswith('snakemake-') and "
        "'interface' not in d.metadata['Name'].lower()})))"
    )
    out = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return out.stdout.split()


def machine(tilegrid_python: str = PYTHON) -> dict:
    def sh(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, shell=True).stdout.strip()
        except OSError:
            return ""

    import importlib.metadata as md

    versions = {"python": platform.python_version()}
    for pkg in ("snakemake", "matplotlib", "seaborn", "numpy", "pandas", "pyarrow", "scipy"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = "-"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": sh("lscpu | sed -n 's/^Model name: *//p'"),
        "nproc": sh("nproc"),
        "mem": sh('free -g | awk \'/^Mem:/{print $2" GiB total, "$7" GiB available"}\''),
        "disk": sh(f"df -h {ROOT} | tail -1"),
        "kernel": platform.release(),
        "versions": versions,
        "tilegrid_python": os.path.relpath(tilegrid_python, ROOT),
        "tilegrid_plugins": venv_plugins(tilegrid_python),
        "git": sh(f"git -C {ROOT} rev-parse --short HEAD")
        + (" (dirty)" if sh(f"git -C {ROOT} status --porcelain -- scripts rules") else ""),
    }


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Run {m['date']} on {m['cpu']}, {m['nproc']} cores, {m['mem']}; "
        f"Linux {m['kernel']}; tilegrid {m['git']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".",
        tilegrid_venv(m),
        f"Disk: `{m['disk']}`.",
        "",
        "Wall seconds and peak RSS; `rss max/proc` = the largest single process "
        "(GNU time), `rss sum` = peak of the summed RSS of all processes of the method "
        "(sampled every 0.05 s). `tilegrid x` = this method's wall / tilegrid full run's wall "
        "in the same run (>1: tilegrid is faster). `load` = 1-min load average before the "
        "command (a lagging average: the previous method's work shows in it).",
        "",
        "| rows | method | wall s | rss max/proc MB | rss sum MB | tilegrid x | load |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for size, res in results["sizes"].items():
        tg = res.get("tilegrid", {})
        full = tg.get("full", {}).get("wall")
        for name in [*PEERS, "datashader"]:
            r = res.get(name)
            if r is None:
                continue
            if "skipped" in r:
                lines.append(f"| {size} | {name} | skipped: {r['skipped']} | | | | |")
                continue
            ratio = f"{r['wall'] / full:.1f}" if full else "-"
            lines.append(
                f"| {size} | {name} | {r['wall']:.2f} | {r['rss_max_proc_mb']:.0f} | "
                f"{r['rss_sum_mb']:.0f} | {ratio} | {r['load_before']:.1f} |"
            )
        for phase in ("full", "incremental", "noop"):
            r = tg.get(phase)
            if not r:
                continue
            ratio = f"{r['wall'] / full:.2f}" if full else "-"
            lines.append(
                f"| {size} | **tilegrid {phase}** | {r['wall']:.2f} | "
                f"{r['rss_max_proc_mb']:.0f} (job max {r['job_rss_max_mb']:.0f}) | "
                f"{r['rss_sum_mb']:.0f} | {ratio} | {r['load_before']:.1f} |"
            )
    lines += [
        "",
        "tilegrid's jobs (split and mosaic from Snakemake's `benchmarks/*.tsv`, each "
        "tile's drawing from its log; full run unless noted):",
        "",
        "| rows | split s | split RSS MB | render jobs | render s median (min-max) | "
        "render RSS max MB | mosaic s | incremental: jobs rerun | phases of the peers "
        "(read / draw / save s) |",
        "|---:|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    for size, res in results["sizes"].items():
        tg = res.get("tilegrid", {})
        f, inc = tg.get("full"), tg.get("incremental", {})
        if not f:
            continue
        peers = "; ".join(
            f"{n} {r['phases'].get('read', 0):.1f}/{r['phases'].get('draw', 0):.1f}/"
            f"{r['phases'].get('save', 0):.1f}"
            for n in [*PEERS, "datashader"]
            if (r := res.get(n)) and "phases" in r and r["phases"]
        )
        rerun = f"{inc['render_jobs']} render + split {inc.get('split_s', 0):.1f} s" if inc else "-"
        lines.append(
            f"| {size} | {f.get('split_s', 0):.2f} | {f.get('split_rss_mb', 0):.0f} | "
            f"{f['render_jobs']} | {f.get('render_s_median', 0):.2f} "
            f"({f.get('render_s_min', 0):.2f}-{f.get('render_s_max', 0):.2f}) | "
            f"{f.get('render_rss_max_mb', 0):.0f} | {f.get('mosaic_s', 0):.2f} | "
            f"{rerun} | {peers} |"
        )
    ov = next(
        (
            r["tilegrid"]["overhead"]
            for r in results["sizes"].values()
            if "overhead" in r.get("tilegrid", {})
        ),
        None,
    )
    if ov:
        first = next(iter(results["sizes"]))
        med = results["sizes"][first]["tilegrid"]["full"].get("render_s_median", 0)
        lines += [
            "",
            f"Fixed cost of one render job at {first} rows, outside Snakemake (median of 5, "
            f"wall s): `python -c pass` {ov['python_start']:.2f}; the render rule's command "
            f"`python -m tilegrid.workflow.command` answered by the warm worker "
            f"{ov['render_job']:.2f}, rendering in its own process "
            f"{ov['render_inprocess']:.2f}; a `script:` directive's preamble alone "
            f"(`import snakemake.script`) {ov['snakemake_script']:.2f}. The same job under "
            f"Snakemake (benchmark files, median): {med:.2f}.",
        ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main


def ensure_data(
    rows: int, seed: int, shape: tuple[int, int] = (5, 5), xy: bool = False, files: int = 0
) -> Path:
    """The cached table (bench/data/): a file, or with ``files`` a folder of that many."""
    grid = "" if shape == (5, 5) else f"-{shape[0]}x{shape[1]}"
    extra = ("-xy" if xy else "") + (f"-files{files}" if files else "")
    path = DATA / f"rows-{label(rows)}{grid}{extra}-seed{seed}"
    path = path if files else path.with_name(path.name + ".parquet")
    if not path.exists():
        t0 = time.perf_counter()
        if files:
            write_folder(rows, str(path), seed, files, shape, xy)
        else:
            write_table(rows, str(path), seed, shape, xy)
        print(f"  generated {path.name} in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def run_peer(name: str, data: Path, logs: Path, rows: int, python: str = PYTHON) -> dict:
    """One peer of bench/peers.py under ``measure`` (seaborn at 1e8 rows only with 20 GB free)."""
    free_gb = psutil.virtual_memory().available / 2**30
    if name == "seaborn" and rows >= 10**8 and free_gb < SEABORN_MIN_FREE_GB:
        print(f"    {name:21s} skipped ({free_gb:.0f} GB free)", flush=True)
        return {"skipped": f"{free_gb:.0f} GB free < {SEABORN_MIN_FREE_GB} GB"}
    cmd = [python, str(BENCH / "peers.py"), name, "--data", str(data)]
    r = measure([*cmd, "--out", str(logs / f"{name}.png")], log=logs / f"{name}.log")
    r.pop("stderr")
    print(f"    {name:21s} {fmt_row(r)}", flush=True)
    return r


# ---------------------------------------------------------------- the targets table

#: the sizes of the targets table, by name (``--size NAME=ROWS`` sets one)
TARGET_SIZES = {"big": 10**8, "huge": 3 * 10**8, "tiles": 10**7, "small": 10**5}


def target_sizes(scale: float, overrides: list[str]) -> dict[str, int]:
    """The table's sizes times ``scale``, then ``NAME=ROWS`` overrides (at least 100 rows)."""
    sizes = {k: max(100, round(v * scale)) for k, v in TARGET_SIZES.items()}
    for item in overrides:
        name, _, rows = item.partition("=")
        if name not in sizes or not rows:
            sys.exit(f"bench: --size {item}: expected NAME=ROWS, NAME one of {', '.join(sizes)}")
        sizes[name] = int(float(rows))
    return sizes


class TargetRun(NamedTuple):
    """One run of the targets table: a table, the peers run on it, tilegrid's phases."""

    role: str
    rows: int
    data: dict  # ensure_data's options: shape, xy, files
    family: str
    peers: tuple[str, ...]
    phases: tuple[str, ...]
    free_axes: bool = False


def target_plan(sizes: dict[str, int], files: int, shape: tuple[int, int]) -> list[TargetRun]:
    """The runs the targets table needs, in the order they run.

    ``big``: the 5x5 violins from one file (floor, pool, tilegrid full, one cell
    changed, no-op), from a folder of ``files`` files (the same three) and the
    5x5 scatter raster of a table with x (datashader, tilegrid full); ``tiles``:
    the ``shape`` grid with free axes (full, one cell changed, no-op); ``small``:
    pool and tilegrid full; ``huge``: tilegrid full, for memory.
    """
    every = ("full", "incremental", "noop")
    return [
        TargetRun("big", sizes["big"], {}, "violin", ("floor", "pool"), every),
        TargetRun("folder", sizes["big"], {"files": files}, "violin", (), every),
        TargetRun("scatter", sizes["big"], {"xy": True}, "scatter", ("datashader",), ("full",)),
        TargetRun("tiles", sizes["tiles"], {"shape": shape}, "violin", (), every, free_axes=True),
        TargetRun("small", sizes["small"], {}, "violin", ("pool",), ("full",)),
        TargetRun("huge", sizes["huge"], {}, "violin", (), ("full",)),
    ]


def target_keys(sizes: dict[str, int], files: int, shape: tuple[int, int]) -> dict[str, str]:
    """The name of each run of the targets table in the results (distinct at any sizes)."""
    big = label(sizes["big"])
    return {
        "big": f"{big} rows",
        "folder": f"{big} rows, {files} files",
        "scatter": f"{big} rows, scatter",
        "tiles": f"{label(sizes['tiles'])} rows, {shape[0]}x{shape[1]}, free axes",
        "small": f"{label(sizes['small'])} rows, vs pool",
        "huge": f"{label(sizes['huge'])} rows, memory",
    }


def run_targets(args: argparse.Namespace) -> None:
    """Every run the targets table needs (``target_plan``), one after another, then the table."""
    sizes = target_sizes(args.scale, args.size)
    shape = (args.tiles_shape[0], args.tiles_shape[1])
    keys = target_keys(sizes, args.files, shape)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    prefix = args.results or str(BENCH / "runs" / f"targets-{stamp}")
    results = {
        "machine": machine(args.tilegrid_python),
        "sizes": {},
        "target_sizes": sizes,
        "files": args.files,
    }
    for run in target_plan(sizes, args.files, shape):
        key = keys[run.role]
        print(f"{key} ({run.family})", flush=True)
        results["sizes"][key] = run_target(run, key, args)
        Path(f"{prefix}.json").write_text(json.dumps(results, indent=1) + "\n")
    results["targets"] = target_rows(results, sizes, keys, args.files, shape)
    text = targets_markdown(results) + "\n" + markdown(results)
    Path(f"{prefix}.json").write_text(json.dumps(results, indent=1) + "\n")
    Path(f"{prefix}.md").write_text(text)
    print()
    print(text)
    print(f"wrote {prefix}.json and {prefix}.md")


def run_target(run: TargetRun, key: str, args: argparse.Namespace) -> dict:
    """One run of the plan: its table (``ensure_data``), its peers, then tilegrid's phases."""
    data = ensure_data(run.rows, args.seed, **run.data)
    logs = BENCH / "logs" / ("targets-" + re.sub(r"[^0-9A-Za-z]+", "-", key))
    logs.mkdir(parents=True, exist_ok=True)
    res = {"rows": run.rows, "family": run.family, "free_axes": run.free_axes}
    for name in run.peers:
        if name == "datashader" and not os.path.exists(args.datashader_python):
            res[name] = {"skipped": f"no {args.datashader_python}"}
            print(f"    {name:21s} skipped (no {args.datashader_python})", flush=True)
            continue
        python = args.datashader_python if name == "datashader" else PYTHON
        res[name] = run_peer(name, data, logs, run.rows, python)
    res["tilegrid"] = run_tilegrid(
        data,
        logs,
        args.jobs,
        args.keep,
        run.family,
        run.phases,
        overhead=False,
        free_axes=run.free_axes,
        python=args.tilegrid_python,
    )
    return res


def tilegrid_run(results: dict, key: str, phase: str = "full") -> dict | None:
    """tilegrid's ``phase`` of the run ``key`` (measures and job stats), None if absent."""
    return results["sizes"].get(key, {}).get("tilegrid", {}).get(phase)


def wall(results: dict, key: str, method: str, phase: str = "full") -> float | None:
    """Wall seconds of a method (a peer, or tilegrid's ``phase``) in a run, None if absent."""
    if method == "tilegrid":
        r = tilegrid_run(results, key, phase)
    else:
        r = results["sizes"].get(key, {}).get(method)
    return r.get("wall") if r else None


#: each job's peak RSS in ``job_stats``
JOB_RSS = {"split": "split_rss_mb", "render": "render_rss_max_mb", "mosaic": "mosaic_rss_mb"}


def largest_process(r: dict) -> tuple[float, str]:
    """The largest process of one tilegrid run (MB) and what it was.

    GNU time's maximum covers Snakemake and the processes it waits for (the
    split and its scan processes, the jobs' commands); the render and mosaic
    jobs drawn by the warm worker's forked children, outside that tree, log
    their own peak (``job_stats``). The worker's server process itself is in
    neither.
    """
    job = max(JOB_RSS, key=lambda j: r.get(JOB_RSS[j], 0))
    job_mb, tree_mb = r.get(JOB_RSS[job], 0), r["rss_max_proc_mb"]
    if tree_mb >= job_mb:
        return tree_mb, f"a process under Snakemake, GNU time; {job} job {job_mb:.0f} MB"
    return job_mb, f"the {job} job"


def target_row(
    measure: str, shown: str, target: str, met: bool | None, value: float | None = None
) -> dict:
    """One row of the targets table (``met`` None: a run is missing or there is no target)."""
    return {"measure": measure, "value": value, "shown": shown, "target": target, "met": met}


def ratio_row(
    measure: str,
    num: float | None,
    den: float | None,
    target: str,
    limit: float,
    at_least: bool = False,
) -> dict:
    """``num / den`` (wall seconds) against ``limit``: met if at most it, or at least it."""
    if num is None or not den:
        return target_row(measure, "-", target, None)
    value = num / den
    met = value >= limit if at_least else value <= limit
    return target_row(measure, f"{value:.2f}x ({num:.1f} s / {den:.1f} s)", target, met, value)


def seconds_row(measure: str, value: float | None, limit: float) -> dict:
    """A wall time against ``limit`` seconds."""
    shown = "-" if value is None else f"{value:.1f} s"
    met = None if value is None else value <= limit
    return target_row(measure, shown, f"<= {limit:g} s", met, value)


def memory_row(
    measure: str, results: dict, keys: list[str], phases: tuple[str, ...] | None = None
) -> dict:
    """The largest process over the tilegrid ``phases`` (default: all) of the runs ``keys``
    against 1 GB."""
    found = [
        (*largest_process(r), key, phase)
        for key in keys
        for phase, r in results["sizes"].get(key, {}).get("tilegrid", {}).items()
        if isinstance(r, dict) and "rss_max_proc_mb" in r and phase in (phases or (phase,))
    ]
    if not found:
        return target_row(measure, "-", "<= 1 GB", None)
    mb, what, key, phase = max(found)
    shown = f"{mb:.0f} MB ({what}; run {key!r}, {phase})"
    return target_row(measure, shown, "<= 1 GB", mb <= 1024, mb)


def floor_row(results: dict, key: str, rows: str) -> dict:
    """The single file's incremental run against the read floor of the same run.

    Met if at most 1.2x the floor with exactly one render job (as Snakemake
    reports them); the incremental / full ratio is shown too.
    """
    measure = (
        f"{rows} rows, one file: one cell's rows edited, the file saved again; "
        "incremental run vs the read floor (incremental / floor)"
    )
    target = "<= 1.2x the floor, one render job"
    inc, floor, full = (
        tilegrid_run(results, key, "incremental"),
        wall(results, key, "floor"),
        wall(results, key, "tilegrid"),
    )
    if not inc or not floor or not full:
        return target_row(measure, "-", target, None)
    value, renders = inc["wall"] / floor, inc["jobs_run"].get("render", 0)
    shown = (
        f"{value:.2f}x ({inc['wall']:.1f} s / {floor:.1f} s), "
        f"{renders} render job{'' if renders == 1 else 's'}; "
        f"incremental / full {inc['wall'] / full:.2f} ({full:.1f} s)"
    )
    return target_row(measure, shown, target, value <= 1.2 and renders == 1, value)


def target_rows(
    results: dict, sizes: dict[str, int], keys: dict[str, str], files: int, shape: tuple[int, int]
) -> list[dict]:
    """The targets table (issue 26), in its order: measure, value shown, target, met."""
    big, tiles = label(sizes["big"]), label(sizes["tiles"])
    grid, n = f"{shape[0]}x{shape[1]}", shape[0] * shape[1]
    one = keys["big"]
    return [
        ratio_row(
            f"{big} rows, 5x5 violins: full run vs the multiprocessing-pool recipe (pool / full)",
            wall(results, one, "pool"),
            wall(results, one, "tilegrid"),
            ">= 10x",
            10,
            at_least=True,
        ),
        memory_row(
            f"{big} rows, 5x5 violins, full run: largest process", results, [one], ("full",)
        ),
        floor_row(results, one, big),
        seconds_row(
            f"{n} tiles ({grid}, {tiles} rows, sharex/sharey false): full",
            wall(results, keys["tiles"], "tilegrid"),
            70,
        ),
        seconds_row(
            f"{n} tiles: one cell changed",
            wall(results, keys["tiles"], "tilegrid", "incremental"),
            5,
        ),
        seconds_row(f"{n} tiles: no-op", wall(results, keys["tiles"], "tilegrid", "noop"), 3),
        ratio_row(
            f"{big} rows as {files} per-sample Parquet files vs as one file: full run "
            "(folder / file)",
            wall(results, keys["folder"], "tilegrid"),
            wall(results, one, "tilegrid"),
            "<= 1.5x",
            1.5,
        ),
        ratio_row(
            f"{label(sizes['small'])} rows, full run vs the pool recipe (full / pool)",
            wall(results, keys["small"], "tilegrid"),
            wall(results, keys["small"], "pool"),
            "<= 1.5x",
            1.5,
        ),
        memory_row(
            f"largest process at {tiles} rows (the {grid} run, every phase)",
            results,
            [keys["tiles"]],
        ),
        memory_row(
            f"largest process at {big} rows (every {big} run: file, folder, scatter)",
            results,
            [one, keys["folder"], keys["scatter"]],
        ),
        memory_row(
            f"largest process at {label(sizes['huge'])} rows (full run)",
            results,
            [keys["huge"]],
        ),
        {
            **ratio_row(
                f"{big} rows, scatter raster (5x5, eq_hist): datashader / tilegrid full",
                wall(results, keys["scatter"], "datashader"),
                wall(results, keys["scatter"], "tilegrid"),
                "(a peer, no target)",
                0,
                at_least=True,
            ),
            "met": None,
        },
    ]


def tilegrid_venv(m: dict) -> str:
    """Which interpreter ran tilegrid's Snakemake, and the plugins it imported."""
    if "tilegrid_python" not in m:
        return "tilegrid's Snakemake: the benchmark's own python."
    plugins = ", ".join(m["tilegrid_plugins"]) or "none"
    return f"tilegrid's Snakemake: `{m['tilegrid_python']}` (Snakemake plugins: {plugins})."


def targets_markdown(results: dict) -> str:
    """The targets table with the machine it ran on."""
    m = results["machine"]
    lines = [
        f"CPU: {m['cpu']} ({m['nproc']} cores); {m['mem']}; run {m['date']}; tilegrid {m['git']}.",
        tilegrid_venv(m),
        "",
        "| measure | value | target | met? |",
        "|---|---|---|---|",
    ]
    for row in results["targets"]:
        met = {True: "yes", False: "**no**", None: "-"}[row["met"]]
        lines.append(f"| {row['measure']} | {row['shown']} | {row['target']} | {met} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1e5", "1e6", "1e7"])
    parser.add_argument("--with-1e8", action="store_true", help="add 1e8 rows")
    parser.add_argument(
        "--methods", nargs="+", default=PEERS + ["tilegrid"], choices=PEERS + ["tilegrid"]
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--shape",
        type=int,
        nargs=2,
        default=[5, 5],
        metavar=("R", "C"),
        help="facet grid of the table (default 5 5; e.g. 32 32 with --methods tilegrid)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="snakemake -j (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep tilegrid's work folders")
    parser.add_argument(
        "--results",
        default=None,
        help="prefix of the .json/.md written (default bench/results; "
        "with --targets bench/runs/targets-<date>)",
    )
    targets = parser.add_argument_group(
        "targets", "--targets runs every row of the targets table (issue 26) in one run"
    )
    targets.add_argument(
        "--targets", action="store_true", help="run the targets table instead of --sizes"
    )
    targets.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply every size of the table (e.g. 1e-3 for a smoke run)",
    )
    targets.add_argument(
        "--size",
        action="append",
        default=[],
        metavar="NAME=ROWS",
        help="set one size ("
        + ", ".join(f"{k}={label(v)}" for k, v in TARGET_SIZES.items())
        + "), after --scale",
    )
    targets.add_argument("--files", type=int, default=100, help="files of the folder (100)")
    targets.add_argument(
        "--tiles-shape",
        type=int,
        nargs=2,
        default=[32, 32],
        metavar=("R", "C"),
        help="grid of the many-tiles rows, drawn with free axes (32 32)",
    )
    parser.add_argument(
        "--tilegrid-python",
        default=os.environ.get("BENCH_TILEGRID_PYTHON", str(BENCH / ".runvenv/bin/python")),
        help="python of tilegrid's venv, as the README's main command makes it "
        "(requirements.txt only: no storage plugin to import at each start); default "
        "$BENCH_TILEGRID_PYTHON or bench/.runvenv/bin/python, else this python",
    )
    targets.add_argument(
        "--datashader-python",
        default=os.environ.get("BENCH_DATASHADER_PYTHON", str(BENCH / ".dsvenv/bin/python")),
        help="python of a venv with bench/requirements-datashader.txt "
        "(default $BENCH_DATASHADER_PYTHON or bench/.dsvenv/bin/python; skipped if missing)",
    )
    args = parser.parse_args()
    if not os.path.exists(args.tilegrid_python):
        args.tilegrid_python = PYTHON
    if not os.path.exists("/usr/bin/time"):
        sys.exit("bench: /usr/bin/time missing; install GNU time (apt-get install time)")
    if args.targets:
        run_targets(args)
        return
    args.results = args.results or str(BENCH / "results")
    sizes = [int(float(s)) for s in args.sizes] + ([10**8] if args.with_1e8 else [])
    results = {"machine": machine(args.tilegrid_python), "sizes": {}}
    shape = (args.shape[0], args.shape[1])
    for rows in sizes:
        size = label(rows) + ("" if shape == (5, 5) else f" {shape[0]}x{shape[1]}")
        print(f"{size} rows", flush=True)
        data = ensure_data(rows, args.seed, shape)
        logs = BENCH / "logs" / size.replace(" ", "-")
        logs.mkdir(parents=True, exist_ok=True)
        res = results["sizes"][size] = {}
        for name in [m for m in PEERS if m in args.methods]:
            res[name] = run_peer(name, data, logs, rows=rows)
        if "tilegrid" in args.methods:
            res["tilegrid"] = run_tilegrid(
                data, logs, args.jobs, args.keep, python=args.tilegrid_python
            )
        Path(f"{args.results}.json").write_text(json.dumps(results, indent=1) + "\n")
        Path(f"{args.results}.md").write_text(markdown(results))
    print()
    print(markdown(results))


if __name__ == "__main__":
    main()
