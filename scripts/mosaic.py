"""Rule script: assemble the tiles into the mosaic figure (see tilegrid.mosaic)."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from tilegrid.logs import log_to_stderr
from tilegrid.mosaic import write_mosaic

log_to_stderr()
write_mosaic(
    snakemake.input.manifest,
    list(snakemake.input.pngs),
    list(snakemake.input.metas),
    list(snakemake.output.figures),
    snakemake.params.settings,
    snakemake.params.sharex,
    snakemake.params.sharey,
)
