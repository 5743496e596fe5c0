"""Rule script: the zoomable page results/mosaic.html (see tilegrid.viewer)."""
# ruff: noqa: F821, E402, SIM115 - a rule script: `snakemake` is injected, stderr goes to the log first

import os
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, os.path.abspath(snakemake.scriptdir))  # this workflow's tilegrid first

from tilegrid.core.logs import run_job
from tilegrid.core.outputs import sweep_folder
from tilegrid.core.tasks import job_function

run_job(
    job_function("viewer"),
    snakemake.input.manifest,
    list(snakemake.input.pngs),
    list(snakemake.input.blocks),
    dict(snakemake.params.settings),
    dict(snakemake.params.tile),
    snakemake.output.page,
    log_path=snakemake.log[0],
)

# the last step: the temporary files killed block jobs left, which no rerun renames into
# place (every block of this run is drawn: they are this job's inputs)
left = sweep_folder(os.path.dirname(snakemake.input.blocks[0]))
if left:
    print(f"removed {len(left)} files killed jobs left: {', '.join(left)}", file=sys.stderr)
