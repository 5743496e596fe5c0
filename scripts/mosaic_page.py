"""Rule script: one page of a paged mosaic (mosaic.page; see tilegrid.mosaic.figure),
then the temporary files killed jobs left beside it.  Through the warm worker when
there is one, as the one-page mosaic."""

import os
import sys

# append: the worker's child writes to the same log (Snakemake removed the old one)
sys.stderr = open(snakemake.log[0], "a", buffering=1)
sys.path.insert(0, os.path.abspath(snakemake.scriptdir))  # this workflow's tilegrid first

from tilegrid.core.outputs import sweep
from tilegrid.worker import run_task

run_task(
    [
        dict(snakemake.params.page),
        list(snakemake.input.pngs),
        list(snakemake.output.figures),
        dict(snakemake.params.settings),
        snakemake.params.sharex,
        snakemake.params.sharey,
        list(snakemake.input.print_pngs),
    ],
    snakemake.log[0],
    task="mosaic_page",
)
for figure in snakemake.output.figures:
    sweep(figure)
