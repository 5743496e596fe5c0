"""Many tiles on a one-node Slurm against a local run on the same node (issue 28, item 3).

    sudo .venv/bin/python bench/slurm_scale.py                        # 32x32, 1e6 rows
    sudo .venv/bin/python bench/slurm_scale.py --rows 1e4 --shape 4 4 # a smoke run

One table (bench/data/, make_data.py: ``row`` x ``col`` facets, violins of ``value``
by ``group``), two fresh copies of the workflow with free axes (run.workflow_copy:
every tile its own limits): one run with ``snakemake -j 2``, the other through
``--profile profiles/slurm`` and the profile a site adds (the Slurm tests':
partition, no account, ``squeue`` for the states) on a private one-node cluster
(tests/slurm/cluster.py; Debian's Slurm installed with apt-get when missing, as
the Slurm tests do, so: root). The Slurm run's Snakemake and plugin are the
tests' ``.venv-slurm``. Then one cell is changed (make_data.perturb) in both
copies and both run again. Every run under GNU time (run.measure) with the load
average before and after it; the Slurm runs' sbatch submissions counted by step
from Snakemake's "has been submitted with SLURM jobid" lines, the render jobs
from its "Finished jobid" lines, and each mosaic compared with the local one.

Writes bench/runs/slurm-<shape>-<rows>-<date>.json (the machine, CPU model among
it, and every run) and prints a summary with the targets: at most 32
submissions, at most 3x the local wall time, one render job after the change.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT / "tests"), str(ROOT / "tests" / "slurm")]
import run  # noqa: E402  (bench/run.py: ensure_data, workflow_copy, measure, machine)
from cluster import ASK, SlurmCluster, why_unavailable  # noqa: E402
from make_data import perturb  # noqa: E402
from slurmflow import SUBMITTED, slurm_python, write_site_profile  # noqa: E402

MAX_SUBMISSIONS = 32
MAX_RATIO = 3.0
STEPS = ("group_tiles", "scan", "split", "mosaic")


def by_step(stderr: str) -> dict[str, int]:
    """sbatch submissions of a run by step (the Slurm log's folder names it)."""
    counts: dict[str, int] = {}
    for _, log in SUBMITTED.findall(stderr):
        name = log.rpartition("slurm_logs/")[2]
        step = next((s for s in STEPS if s in name), name.split("/")[0])
        counts[step] = counts.get(step, 0) + 1
    return counts


def one_run(cmd: list[str], work: Path, logs: Path, name: str) -> dict:
    """One Snakemake run in ``work``: wall, load average, jobs, submissions."""
    load_before = os.getloadavg()
    r = run.measure(cmd, cwd=work, log=logs / f"{name}.log")
    stderr = r.pop("stderr")
    r.update(
        load_before=[round(x, 2) for x in load_before],
        load_after=[round(x, 2) for x in os.getloadavg()],
        jobs_run=run.finished_jobs(stderr),
        submissions=len(SUBMITTED.findall(stderr)),
        submissions_by_step=by_step(stderr),
    )
    print(
        f"  {name:16s} {r['wall']:7.1f} s  load {r['load_before'][0]:.2f} -> "
        f"{r['load_after'][0]:.2f}  jobs {r['jobs_run']}  submissions {r['submissions']} "
        f"{r['submissions_by_step'] or ''}",
        flush=True,
    )
    return r


def change_one_cell(work: Path) -> int:
    """make_data.perturb of the copy's table (a hard link: replaced, not written into)."""
    rows = perturb(str(work / "data.parquet"), str(work / "changed.parquet"))
    os.replace(work / "changed.parquet", work / "data.parquet")
    return rows


def same_mosaic(a: Path, b: Path) -> bool:
    return (a / "results" / "mosaic.png").read_bytes() == (
        b / "results" / "mosaic.png"
    ).read_bytes()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=float, default=1e6)
    ap.add_argument("--shape", type=int, nargs=2, default=(32, 32))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2, help="the local run's -j (default 2)")
    ap.add_argument(
        "--slurm-args", nargs=argparse.REMAINDER, default=[], help="added to Slurm runs"
    )
    ap.add_argument("--keep", action="store_true", help="keep the workflow copies")
    args = ap.parse_args()

    os.environ[ASK] = "1"  # running this script is the ask (tests/slurm/cluster.py)
    reason = why_unavailable()
    if reason:
        raise SystemExit(reason)
    rows, shape = int(args.rows), tuple(args.shape)
    data = run.ensure_data(rows, args.seed, shape)
    tag = f"{shape[0]}x{shape[1]}-{run.label(rows)}"
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    logs = BENCH / "logs" / f"slurm-{tag}-{stamp}"
    logs.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="tilegrid-slurm-bench-"))
    local, slurm = base / "local", base / "slurm"
    run.workflow_copy(local, data, free_axes=True)
    run.workflow_copy(slurm, data, free_axes=True)
    site = write_site_profile(slurm / "profiles" / "slurm" / "config.yaml", base / "site-profile")
    local_cmd = [run.PYTHON, "-m", "snakemake", "-j", str(args.jobs)]
    slurm_cmd = [
        slurm_python(),
        "-m",
        "snakemake",
        "--profile",
        "profiles/slurm",
        "--profile",
        str(site),
        *args.slurm_args,
    ]
    results: dict = {"machine": run.machine(), "rows": rows, "shape": list(shape), "runs": {}}
    print(f"{tag}: {results['machine']['cpu']}, {results['machine']['nproc']} CPUs", flush=True)
    runs = results["runs"]
    cluster = None
    try:
        runs["local full"] = one_run(local_cmd, local, logs, "local-full")
        cluster = SlurmCluster().start()
        results["cluster_cpus"] = cluster.cpus
        runs["slurm full"] = one_run(slurm_cmd, slurm, logs, "slurm-full")
        runs["slurm full"]["same_mosaic_as_local"] = same_mosaic(local, slurm)
        results["rows_changed"] = change_one_cell(local)
        change_one_cell(slurm)
        runs["local one cell"] = one_run(local_cmd, local, logs, "local-one-cell")
        runs["slurm one cell"] = one_run(slurm_cmd, slurm, logs, "slurm-one-cell")
        runs["slurm one cell"]["same_mosaic_as_local"] = same_mosaic(local, slurm)
    finally:
        if cluster is not None:
            cluster.stop()
            cluster.remove()
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)

    full, cell = runs["slurm full"], runs["slurm one cell"]
    ratio = full["wall"] / runs["local full"]["wall"]
    results["targets"] = {
        "submissions": [full["submissions"], f"<= {MAX_SUBMISSIONS}"],
        "wall_ratio": [round(ratio, 2), f"<= {MAX_RATIO}"],
        "one_cell_render_jobs": [cell["jobs_run"].get("render", 0), "== 1"],
        "met": full["submissions"] <= MAX_SUBMISSIONS
        and ratio <= MAX_RATIO
        and cell["jobs_run"].get("render", 0) == 1
        and full["same_mosaic_as_local"]
        and cell["same_mosaic_as_local"],
    }
    out = BENCH / "runs" / f"slurm-{tag}-{stamp}.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(
        f"Slurm {full['wall']:.0f} s / local {runs['local full']['wall']:.0f} s = {ratio:.2f}x, "
        f"{full['submissions']} submissions; one cell: {cell['wall']:.0f} s, "
        f"{cell['submissions']} submissions, {cell['jobs_run'].get('render', 0)} render job(s); "
        f"targets met: {results['targets']['met']}\nwrote {out.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
