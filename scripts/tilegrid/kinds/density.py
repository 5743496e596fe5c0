"""2-D histograms shaded by count (``norm`` linear, log or eq_hist), one shared colorbar.

Bins span the axis limits the split agreed, so tiles that share x and y share
their bins; the largest count sets the shared color scale (``sharec``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.sidecar import Sidecar
from ..core.stats import TileStats
from ._common import check, data_ranges, numeric_of

ROLES = {"x": "numeric", "y": "numeric"}
REQUIRED = ("x", "y")
COLOR = True
NORMS = ("linear", "log", "eq_hist")
OPTIONS: dict[str, Any] = {"bins": 60, "cmap": "viridis", "norm": "linear"}


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check(
        options,
        {
            "bins": (lambda v: isinstance(v, int) and 2 <= v <= 2000, "an integer in [2, 2000]"),
            "norm": (lambda v: v in NORMS, "one of " + ", ".join(NORMS)),
        },
    )


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Data ranges of x and y (the counts are known only after binning)."""
    return data_ranges(stats)


def counts(table, sidecar: Sidecar, options: dict[str, Any]) -> np.ndarray:
    """Counts on a ``bins`` x ``bins`` grid over the tile's limits (rows = y)."""

    x = numeric_of(table, sidecar["x"]["column"])
    y = numeric_of(table, sidecar["y"]["column"])
    (x0, x1), (y0, y1) = sidecar["x"]["lim"], sidecar["y"]["lim"]
    h, _, _ = np.histogram2d(y, x, bins=options["bins"], range=[[y0, y1], [x0, x1]])
    return h


def binned_extents(table, sidecar: Sidecar, options: dict[str, Any]) -> dict[str, Any]:
    """The count range of non-empty bins, for the shared color scale."""
    h = counts(table, sidecar, options)
    nz = h[h > 0]
    return {"c": (float(nz.min()), float(nz.max()))} if nz.size else {}


def color_norm(lim, norm: str):
    """The matplotlib norm for the agreed count range."""
    from matplotlib.colors import LogNorm, Normalize

    lo, hi = lim
    return (
        LogNorm(max(lo, 1.0), max(hi, 1.0))
        if norm == "log"
        else Normalize(0 if norm == "linear" else lo, hi)
    )


def paint(ax, h: np.ndarray, sidecar: Sidecar, options: dict[str, Any], extent) -> dict:
    """Draw a count grid with the agreed scale; empty bins show the background."""
    from matplotlib import colormaps

    lim = sidecar["c"]["lim"]
    values = np.ma.masked_less_equal(h, 0)
    cmap = colormaps[options["cmap"]].with_extremes(bad=(0, 0, 0, 0))
    if options["norm"] == "eq_hist":
        ranks = np.sort(h[h > 0])
        values = np.ma.masked_less_equal(
            np.searchsorted(ranks, h, side="right") / max(ranks.size, 1), 0
        )
        norm = color_norm((0, 1), "linear")
    else:
        norm = color_norm(lim, options["norm"])
    ax.imshow(
        values,
        extent=extent,
        origin="lower",
        interpolation="nearest",
        aspect="auto",
        cmap=cmap,
        norm=norm,
    )
    label = "Count" if options["norm"] != "eq_hist" else "Count (rank)"
    return {
        "colorbar": {
            "cmap": options["cmap"],
            "norm": "linear" if options["norm"] == "eq_hist" else options["norm"],
            "label": label,
        }
    }


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> dict:
    """The tile's 2-D histogram."""
    h = counts(table, sidecar, options)
    return paint(ax, h, sidecar, options, [*sidecar["x"]["lim"], *sidecar["y"]["lim"]])
