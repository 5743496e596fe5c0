"""Rule script: assemble the tiles into the mosaic figure (see tilegrid.mosaic), then
prune the tiles of facet values no longer in the data.

Like a render job, it asks the warm worker (tilegrid.worker) first, which has
matplotlib imported already; without one it assembles in its own process.
"""

import os
import sys

# append: the worker's child writes to the same log (Snakemake removed the old one)
sys.stderr = open(snakemake.log[0], "a", buffering=1)

from tilegrid.contracts import prune_stale_tiles
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
# so Snakemake never removes them
tiles = os.path.dirname(snakemake.input.pngs[0]) if snakemake.input.pngs else None
if tiles:
    keep = {os.path.splitext(os.path.basename(p))[0] for p in snakemake.input.pngs}
    stale = prune_stale_tiles(tiles, keep)
    if stale:
        print(f"removed {len(stale)} stale tiles: {', '.join(stale)}", file=sys.stderr)
    # print tiles: those of the grid while a pdf or svg mosaic is asked for, else none
    prints = os.path.join(tiles, "print")
    if os.path.isdir(prints):
        keep = {os.path.splitext(os.path.basename(p))[0] for p in snakemake.input.print_pngs}
        stale = prune_stale_tiles(prints, keep)
        if stale:
            print(f"removed {len(stale)} print tiles: {', '.join(stale)}", file=sys.stderr)
        if not os.listdir(prints):
            os.rmdir(prints)
