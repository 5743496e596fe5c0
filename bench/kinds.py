"""The newer words of the vocabulary at scale: each kind's full run, wall time and memory.

    .venv/bin/python bench/kinds.py                  # 1e7 rows, every case
    .venv/bin/python bench/kinds.py --rows 1e6 --case strip swarm

One table (cached in bench/data/): a 2 x 3 facet grid, a category, a number, a
timestamp a minute apart per row, a numeric size and a categorical style. Each
case is one configuration of the workflow run from clean with ``snakemake -j 2``
on a fresh copy (bench/run.py's ``measure``: wall, the largest process; the
largest job from Snakemake's benchmark files and the warm worker's log). The
issue's bound: every job at most 1 GB at 1e7 rows. Writes bench/runs/kinds-<date>.md
with the machine (CPU model) and the table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: measure, job_stats, machine)

#: one figure per case: the plot keys (config ``plot``)
CASES = {
    "line-dates": {"kind": "line", "x": "when", "y": "value", "hue": "group"},
    "strip": {"kind": "strip", "x": "group", "y": "value"},
    "swarm": {"kind": "swarm", "x": "group", "y": "value"},
    "count": {"kind": "count", "x": "group", "hue": "style"},
    "hist-stack": {"kind": "hist", "x": "value", "hue": "group", "options": {"multiple": "stack"}},
    "scatter-size-style": {
        "kind": "scatter",
        "x": "size",
        "y": "value",
        "options": {"size": "size", "style": "style"},
    },
}
MEMORY_LIMIT_MB = 1024


def table(rows: int, seed: int = 1) -> Path:
    """The cached table of ``rows`` rows (bench/data/kinds-<rows>-seed<seed>.parquet)."""
    path = run.DATA / f"kinds-{run.label(rows)}-seed{seed}.parquet"
    if path.exists():
        return path
    run.DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    groups = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta"])
    styles = np.array(["circle", "square", "cross", "star"])
    start = np.datetime64("2024-01-01T00:00", "us")
    writer = None
    chunk = 2**20
    for first in range(0, rows, chunk):
        n = min(chunk, rows - first)
        g = rng.integers(0, len(groups), n)
        batch = pa.table(
            {
                "row": pa.array(rng.choice(["r1", "r2"], n)).dictionary_encode(),
                "col": pa.array(rng.choice(["c1", "c2", "c3"], n)).dictionary_encode(),
                "group": pa.array(groups[g]).dictionary_encode(),
                "value": rng.normal(g, 1.0 + g / 3),
                "when": pa.array(start + np.arange(first, first + n).astype("timedelta64[m]")),
                "size": rng.gamma(2.0, 2.0, n),
                "style": pa.array(styles[rng.integers(0, len(styles), n)]).dictionary_encode(),
            }
        )
        writer = writer or pq.ParquetWriter(path.with_suffix(".tmp"), batch.schema)
        writer.write_table(batch, row_group_size=chunk)
    writer.close()
    path.with_suffix(".tmp").rename(path)
    return path


def run_case(name: str, data: Path, logs: Path) -> dict:
    """One case from clean: the workflow copied with the case's config, run once."""
    work = Path(tempfile.mkdtemp(prefix=f"tilegrid-kinds-{name}-"))
    try:
        run.copy_workflow(run.ROOT, work)
        (work / "data.parquet").hardlink_to(data)
        config = {
            "data": "data.parquet",
            "facet": {"row": "row", "col": "col"},
            "plot": CASES[name],
            "tile": {"height": 2.5, "aspect": 1.3, "dpi": 100},
            "mosaic": {"title": None, "formats": ["png"]},
        }
        (work / "config.yaml").write_text(json.dumps(config, indent=1) + "\n")
        result = run.measure(
            [run.PYTHON, "-m", "snakemake", "-j", "2"], cwd=work, log=logs / f"{name}.log"
        )
        result.pop("stderr")
        result.update(run.job_stats(work, 0.0))
        shutil.copy2(work / "results" / "mosaic.png", logs / f"{name}.png")
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"# The vocabulary at {results['rows']} rows ({m['date']}, {m['git']})",
        "",
        f"{m['cpu']}, {m['nproc']} cores, {m['mem']}; `snakemake -j 2`, one run each, "
        "a 2 x 3 grid from one Parquet file. *largest job*: Snakemake's benchmark "
        "files and the warm worker's log; *largest process*: GNU time over the run.",
        "",
        "| case | wall | largest job | largest process | render jobs | within 1 GB |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, r in results["cases"].items():
        if "error" in r:
            lines.append(f"| {name} | failed: {r['error']} | | | | |")
            continue
        largest = max(r["job_rss_max_mb"], r["rss_max_proc_mb"])
        lines.append(
            f"| {name} | {r['wall']:.1f} s | {r['job_rss_max_mb']:.0f} MB | "
            f"{r['rss_max_proc_mb']:.0f} MB | {r['render_jobs']} | "
            f"{'yes' if largest <= MEMORY_LIMIT_MB else '**no**'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=float, default=1e7)
    parser.add_argument("--case", nargs="*", choices=sorted(CASES), default=list(CASES))
    args = parser.parse_args()
    rows = int(args.rows)
    data = table(rows)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    logs = run.BENCH / "logs" / f"kinds-{stamp}"
    logs.mkdir(parents=True, exist_ok=True)
    results = {"machine": run.machine(), "rows": run.label(rows), "cases": {}}
    for name in args.case:
        print(name, flush=True)
        try:
            results["cases"][name] = run_case(name, data, logs)
        except RuntimeError as error:
            results["cases"][name] = {"error": str(error).splitlines()[-1][:200]}
        print("   ", json.dumps({k: v for k, v in results["cases"][name].items() if k != "phases"}))
    out = run.BENCH / "runs" / f"kinds-{stamp}"
    out.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    out.with_suffix(".md").write_text(markdown(results))
    print(markdown(results))
    print(f"wrote {out}.md")


if __name__ == "__main__":
    main()
