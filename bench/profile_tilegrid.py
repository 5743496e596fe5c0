"""Where tilegrid's time goes: cProfile the split and one render job on a benchmark table.

    .venv/bin/python bench/profile_tilegrid.py bench/data/rows-1e7-seed1.parquet [--top 20]

Runs the split into a temporary folder, then renders its largest tile, each
under cProfile in this process (imports measured separately, with
``python -X importtime``), and prints the top functions by own and cumulative
time plus peak RSS.
"""

from __future__ import annotations

import argparse
import cProfile
import glob
import io
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

SPEC = {
    "row": "row",
    "col": "col",
    "row_order": None,
    "col_order": None,
    "max_tiles": 1000,
    "kind": "violin",
    "x": "group",
    "y": "value",
    "options": {"inner": "box"},
    "sharex": True,
    "sharey": True,
}
PLOT = {"kind": "violin", "x": "group", "y": "value", "function": None, "options": {"inner": "box"}}
TILE = {"height": 2.5, "aspect": 1.2, "dpi": 100}


def profiled(label: str, func, top: int):
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    result = func()
    prof.disable()
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n=== {label}: {wall:.2f} s, peak RSS of this process so far {rss:.0f} MB")
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(top)
        body = buf.getvalue()
        print(f"--- by {key}")
        print(body[body.find("ncalls") :].rstrip())
    return result


def import_cost() -> None:
    """Top imports of a render job (python -X importtime), cumulative microseconds."""
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'scripts')!r}); "
        "import tilegrid.render.tile, tilegrid.core.logs"
    )
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True
    ).stderr
    rows = []
    for line in err.splitlines()[1:]:
        parts = line.split("|")
        if len(parts) == 3:
            rows.append((int(parts[1]), parts[2].rstrip()))
    print("\n=== imports of a render job (cumulative s, top-level and heavy)")
    for us, name in sorted(rows, reverse=True)[:12]:
        print(f"{us / 1e6:6.3f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--top", type=int, default=18)
    parser.add_argument("--skip-split", action="store_true")
    args = parser.parse_args()
    import_cost()
    from tilegrid.render.tile import render_tile
    from tilegrid.split.job import split_from_params

    with tempfile.TemporaryDirectory(prefix="tilegrid-profile-") as tmp:
        shards = os.path.join(tmp, "shards")
        profiled("split", lambda: split_from_params({"data": args.data, **SPEC}, shards), args.top)
        shard = max(glob.glob(os.path.join(shards, "*.arrow")), key=os.path.getsize)
        sidecar = shard[: -len(".arrow")] + ".json"
        profiled(
            f"render {Path(shard).stem}",
            lambda: render_tile(shard, sidecar, PLOT, TILE, os.path.join(tmp, "t.png")),
            args.top,
        )


if __name__ == "__main__":
    main()
