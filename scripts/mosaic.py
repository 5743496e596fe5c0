"""Rule script: assemble the tiles into the mosaic figure (see tilegrid.mosaic)."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from tilegrid.logs import run_job
from tilegrid.mosaic import write_mosaic

run_job(
    write_mosaic,
    snakemake.input.manifest,
    list(snakemake.input.pngs),
    list(snakemake.input.metas),
    list(snakemake.output.figures),
    snakemake.params.settings,
    snakemake.params.sharex,
    snakemake.params.sharey,
    log_path=snakemake.log[0],
)
