"""Rule script: write the bundled example table (see tilegrid.workflow.example)."""

import os
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, os.path.abspath(snakemake.scriptdir))  # this workflow's tilegrid first

from tilegrid.core.logs import run_job
from tilegrid.core.tasks import job_function

run_job(
    job_function("example"),
    snakemake.output[0],
    snakemake.params.rows,
    snakemake.params.seed,
    log_path=snakemake.log[0],
)
