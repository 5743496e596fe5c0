"""Rule script: every page of a paged mosaic (mosaic.page) as one PDF document
(see tilegrid.mosaic.figure.write_mosaic_document)."""

import os
import sys

# append: the worker's child writes to the same log (Snakemake removed the old one)
sys.stderr = open(snakemake.log[0], "a", buffering=1)
sys.path.insert(0, os.path.abspath(snakemake.scriptdir))  # this workflow's tilegrid first

from tilegrid.worker import run_task

run_task(
    [
        snakemake.input.manifest,
        list(snakemake.input.pngs),
        snakemake.output.pdf,
        dict(snakemake.params.settings),
        snakemake.params.sharex,
        snakemake.params.sharey,
        list(snakemake.input.print_pngs),
        dict(snakemake.params.page),
    ],
    snakemake.log[0],
    task="mosaic_document",
)
