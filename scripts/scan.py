"""Rule script: scan one input file for a split per file (see tilegrid.split.scan)."""

import os
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, os.path.abspath(snakemake.scriptdir))  # this workflow's tilegrid first

from tilegrid.core.logs import reuse_freed_memory, run_job, without_pandas

without_pandas()  # the split never uses it
reuse_freed_memory()
from tilegrid.core.tasks import job_function

run_job(
    job_function("scan"),
    snakemake.params.spec,
    snakemake.params.units,
    snakemake.params.schema,
    snakemake.output.scan,
    snakemake.threads,
    log_path=snakemake.log[0],
)
