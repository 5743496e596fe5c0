"""Rule script: write the bundled example table (see tilegrid.example)."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from tilegrid.example import write_example
from tilegrid.logs import log_to_stderr

log_to_stderr()
write_example(snakemake.output[0], snakemake.params.rows, snakemake.params.seed)
