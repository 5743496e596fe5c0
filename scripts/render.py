"""Rule script: render one tile to PNG plus axes metadata (see tilegrid.render)."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from tilegrid.logs import run_job
from tilegrid.render import render_tile

run_job(
    render_tile,
    snakemake.input.shard,
    snakemake.input.sidecar,
    snakemake.params.plot,
    snakemake.params.tile,
    snakemake.output.png,
    snakemake.output.meta,
    log_path=snakemake.log[0],
)
