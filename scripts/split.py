"""Rule script: split the table into shards, sidecars and a manifest (see tilegrid.split),
whole or by gathering the scans of its files (see tilegrid.split.gather)."""

import os
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, os.path.abspath(snakemake.scriptdir))  # this workflow's tilegrid first

from tilegrid.core.logs import reuse_freed_memory, run_job, without_pandas

without_pandas()  # the split never uses it
reuse_freed_memory()
from tilegrid.core.tasks import job_function
from tilegrid.worker import prestart

prestart()  # the render jobs' warm worker warms up while the table is split
run_job(
    job_function("split"),
    snakemake.params.spec,
    snakemake.output.shards,
    list(snakemake.input.scans),
    snakemake.params.schema,
    snakemake.threads,
    log_path=snakemake.log[0],
)
