"""The render jobs' entry point: ``python3 scripts/render.py --shard ... --log ...``.

The render rules run this file (not ``python -m``): Python puts a script's own
folder first on ``sys.path``, and this folder holds the ``tilegrid`` package, so a
job needs no ``PYTHONPATH`` (which a conda activation may clear).  Everything
else is in :mod:`tilegrid.workflow.command`.
"""

import sys

from tilegrid.workflow.command import main

main(sys.argv[1:])
