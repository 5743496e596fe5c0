"""A job's command: ``python3 scripts/task.py TASK ARGS.json LOG``.  The split's and the
scans' ``run:`` blocks always run it (tilegrid.workflow.jobs.command_job); the mosaic's
when Snakemake's own process could not ask the warm worker for it.

As scripts/render.py, run as a file so that its folder, which holds the ``tilegrid``
package, is first on ``sys.path``.  Everything else is in
:func:`tilegrid.workflow.command.task_main`.
"""

import sys

if len(sys.argv) == 4:  # the job's log is its stderr from the first import on
    sys.stderr = open(sys.argv[3], "a", buffering=1, encoding="utf-8")  # noqa: SIM115

from tilegrid.workflow.command import task_main  # noqa: E402

task_main(sys.argv[1:])
