"""A job's entry point when Snakemake's own process could not ask the warm worker for it:
``python3 scripts/task.py TASK ARGS.json LOG`` (the mosaic rule's ``run:`` block runs it).

As scripts/render.py, run as a file so that its folder, which holds the ``tilegrid``
package, is first on ``sys.path``.  Everything else is in
:func:`tilegrid.workflow.command.task_main`.
"""

import sys

from tilegrid.workflow.command import task_main

task_main(sys.argv[1:])
