"""Rule script: results/pages.tsv of a paged mosaic, then tidy (tilegrid.workflow.pages)."""

import os
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, os.path.abspath(snakemake.scriptdir))  # this workflow's tilegrid first

from tilegrid.core.logs import run_job
from tilegrid.workflow.pages import pages_job

run_job(
    pages_job,
    snakemake.input.manifest,
    list(snakemake.input.pngs),
    list(snakemake.input.print_pngs),
    snakemake.output.table,
    dict(snakemake.params.page),
    snakemake.params.col_wrap,
    snakemake.params.max_tiles,
    log_path=snakemake.log[0],
)
