"""Rule script: assemble the tiles into the mosaic figure (see tilegrid.mosaic), then
prune the tiles of facet values no longer in the data and the temporary files that
killed jobs left.

Like a render job, it asks the warm worker (tilegrid.worker) first, which has
matplotlib imported already; without one it assembles in its own process.
"""

import os
import sys

# append: the worker's child writes to the same log (Snakemake removed the old one)
sys.stderr = open(snakemake.log[0], "a", buffering=1)

from tilegrid.core.contracts import prune_stale_tiles
from tilegrid.core.outputs import sweep, sweep_folder
from tilegrid.worker import run_task

run_task(
    [
        snakemake.input.manifest,
        list(snakemake.input.pngs),
        list(snakemake.output.figures),
        dict(snakemake.params.settings),
        snakemake.params.sharex,
        snakemake.params.sharey,
        list(snakemake.input.print_pngs),
    ],
    snakemake.log[0],
    task="mosaic",
)

# the last step: tiles of facet values no longer in the data are no job's output,
# so Snakemake never removes them; nor the temporary files a killed writer left (see
# tilegrid.core.outputs), which no rerun renames into place: those in the tiles folders
# (every tile of this run is drawn, they are this job's inputs) and those of the
# mosaic itself, in every format (this job is their only writer)
tiles = os.path.dirname(snakemake.input.pngs[0]) if snakemake.input.pngs else None
left = []
if tiles:
    keep = {os.path.splitext(os.path.basename(p))[0] for p in snakemake.input.pngs}
    stale = prune_stale_tiles(tiles, keep)
    if stale:
        print(f"removed {len(stale)} stale tiles: {', '.join(stale)}", file=sys.stderr)
    left += sweep_folder(tiles)
    # print tiles: those of the grid while a pdf or svg mosaic is asked for, else none
    prints = os.path.join(tiles, "print")
    if os.path.isdir(prints):
        keep = {os.path.splitext(os.path.basename(p))[0] for p in snakemake.input.print_pngs}
        stale = prune_stale_tiles(prints, keep)
        if stale:
            print(f"removed {len(stale)} print tiles: {', '.join(stale)}", file=sys.stderr)
        left += sweep_folder(prints)
        if not os.listdir(prints):
            os.rmdir(prints)
mosaic = os.path.splitext(snakemake.output.figures[0])[0]
for fmt in ("png", "pdf", "svg"):
    left += sweep(f"{mosaic}.{fmt}")
if left:
    print(f"removed {len(left)} files killed jobs left: {', '.join(left)}", file=sys.stderr)
