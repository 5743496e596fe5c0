"""Rule script: assemble the tiles into the mosaic figure (see tilegrid.mosaic), then
tidy (tilegrid.workflow.tidy): tiles of facet values no longer in the data, and the
temporary files that killed jobs left.

Like a render job, it asks the warm worker (tilegrid.worker) first, which has
matplotlib imported already; without one it assembles in its own process.
"""

import sys

# append: the worker's child writes to the same log (Snakemake removed the old one)
sys.stderr = open(snakemake.log[0], "a", buffering=1)

from tilegrid.worker import run_task
from tilegrid.workflow.tidy import tidy_after_mosaic

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
tidy_after_mosaic(
    list(snakemake.input.pngs), list(snakemake.input.print_pngs), list(snakemake.output.figures)
)
