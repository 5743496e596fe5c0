"""Hexagonal 2-D counts, as matplotlib's ``hexbin``, with one shared color scale.

The hexagon grid spans the axis limits the split agreed; counting is
matplotlib's own (vectorised, O(n)), run once more by the split for the
shared color range.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.sidecar import Sidecar
from ._common import check, numeric_of
from .density import color_norm
from .density import extents as extents  # same data ranges as density

ROLES = {"x": "numeric", "y": "numeric"}
REQUIRED = ("x", "y")
COLOR = True
#: a log colour scale by default: on real data a few hexagons hold most rows, and on a
#: linear scale nearly every other hexagon is the same colour (what users set by hand)
OPTIONS: dict[str, Any] = {"gridsize": 30, "cmap": "viridis", "norm": "log"}


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check(
        options,
        {
            "gridsize": (lambda v: isinstance(v, int) and 2 <= v <= 500, "an integer in [2, 500]"),
            "norm": (lambda v: v in ("linear", "log"), "linear or log"),
        },
    )


def _hexbin(ax, table, sidecar, options, **style):
    x = numeric_of(table, sidecar["x"]["column"])
    y = numeric_of(table, sidecar["y"]["column"])
    extent = (*sidecar["x"]["lim"], *sidecar["y"]["lim"])
    return ax.hexbin(x, y, gridsize=options["gridsize"], extent=extent, mincnt=1, **style)


def binned_extents(table, sidecar: Sidecar, options: dict[str, Any]) -> dict[str, Any]:
    """The count range of non-empty hexagons, for the shared color scale."""
    from matplotlib.figure import Figure

    counts = _hexbin(Figure().add_subplot(), table, sidecar, options).get_array()
    return {"c": (float(np.min(counts)), float(np.max(counts)))} if np.size(counts) else {}


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> dict:
    """The tile's hexagon counts on the agreed color scale."""
    norm = color_norm(sidecar["c"]["lim"], options["norm"])
    _hexbin(
        ax,
        table,
        sidecar,
        options,
        cmap=options["cmap"],
        norm=norm,
        linewidths=0.2,
        edgecolors="face",
    )
    return {"colorbar": {"cmap": options["cmap"], "norm": options["norm"], "label": "Count"}}
