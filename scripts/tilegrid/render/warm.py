"""A warm worker's preparation, in a module of its own: nothing else imports it, so
no code key depends on it through the modules it loads."""

from __future__ import annotations

import importlib
import io


def warm_up() -> None:
    """Import what rendering imports lazily and draw once, so fonts and caches are loaded
    (a warm worker runs this before it forks; see :mod:`tilegrid.core.tasks`).

    Whatever a render imports lazily must be imported here, or every forked child
    imports it again: ``pq.read_table`` imports ``pyarrow.dataset`` (and with it
    pandas, 0.3 s), kinds are imported by name, the KDE uses ``numpy.fft``, and saving
    a PNG loads Pillow's plugins.
    """

    import numpy.fft  # noqa: F401
    import pyarrow.compute  # noqa: F401
    import pyarrow.dataset  # noqa: F401
    import pyarrow.ipc  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    from ..core import levels, palettes, tasks  # noqa: F401
    from ..kinds import KINDS, get_kind
    from .figures import new_figure, tilegrid_style

    for task in tasks.WORKER_TASKS:
        importlib.import_module(tasks.JOBS[task].partition(":")[0])
    for kind in KINDS:
        get_kind(kind)
    with tilegrid_style():  # load the fonts the tiles use
        fig = new_figure(40, 30, 100)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.plot([0, 1], [0, 1])
        ax.text(0.5, 0.5, "warm")
        fig.savefig(io.BytesIO(), format="png")
