"""Rule script: write the bundled example table (see tilegrid.example)."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from tilegrid.example import write_example
from tilegrid.logs import run_job

run_job(
    write_example,
    snakemake.output[0],
    snakemake.params.rows,
    snakemake.params.seed,
    log_path=snakemake.log[0],
)
