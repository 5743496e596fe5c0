"""Rule script: write the bundled example table (see tilegrid.workflow.example)."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from tilegrid.core.logs import run_job
from tilegrid.workflow.example import write_example

run_job(
    write_example,
    snakemake.output[0],
    snakemake.params.rows,
    snakemake.params.seed,
    log_path=snakemake.log[0],
)
