"""Rule script: render one tile to PNG plus axes metadata (see tilegrid.render).

It asks the warm render worker first (tilegrid.worker), which saves each job
the imports of matplotlib and pyarrow; without one it renders in-process.
"""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from tilegrid.worker import render_job

render_job(
    [
        snakemake.input.shard,
        snakemake.input.sidecar,
        dict(snakemake.params.plot),
        dict(snakemake.params.tile),
        snakemake.output.png,
        snakemake.output.meta,
    ],
    snakemake.log[0],
)
