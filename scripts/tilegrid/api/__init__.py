"""tilegrid from Python: :func:`plot` runs the workflow and returns a :class:`Mosaic`.

Modules: :mod:`.plot` (the function), :mod:`.words` (seaborn's words onto config keys),
:mod:`.data` (paths, URLs and in-memory tables as ``data``), :mod:`.folder` (the
run's folder and config file), :mod:`.snake` (a run through Snakemake's Python API),
:mod:`.process` and :mod:`.child` (that run in a child process), :mod:`.figure` (the
returned figure), :mod:`.errors`.
"""

from tilegrid.api.errors import TilegridError
from tilegrid.api.figure import Mosaic, Page
from tilegrid.api.plot import plot

__all__ = ["Mosaic", "Page", "TilegridError", "plot"]
