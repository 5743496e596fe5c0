"""Rule script: write the bundled example table (see tilegrid.workflow.example)."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from tilegrid.core.logs import run_job
from tilegrid.core.tasks import job_function

run_job(
    job_function("example"),
    snakemake.output[0],
    snakemake.params.rows,
    snakemake.params.seed,
    log_path=snakemake.log[0],
)
