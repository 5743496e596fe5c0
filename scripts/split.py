"""Rule script: split the table into shards, sidecars and a manifest (see tilegrid.split)."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from tilegrid.logs import run_job
from tilegrid.split import split_from_params
from tilegrid.worker import prestart

run_job(
    split_from_params, snakemake.params.spec, snakemake.output.shards, log_path=snakemake.log[0]
)
prestart()  # the render jobs' warm worker starts while Snakemake takes over
