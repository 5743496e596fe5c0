"""Rule script: one block of the viewer's image pyramid (see tilegrid.viewer)."""
# ruff: noqa: F821, E402, SIM115 - a rule script: `snakemake` is injected, stderr goes to the log first

import os
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)
sys.path.insert(0, os.path.abspath(snakemake.scriptdir))  # this workflow's tilegrid first

from tilegrid.core.logs import run_job
from tilegrid.core.tasks import job_function

run_job(
    job_function("viewer_block"),
    list(snakemake.input.tiles),
    snakemake.params.places,
    dict(snakemake.params.tile),
    list(snakemake.output.levels),
    log_path=snakemake.log[0],
)
