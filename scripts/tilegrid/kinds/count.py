"""Bars of row counts per x category, as seaborn's ``countplot`` (``catplot(kind="count")``).

One bar per x category, dodged by hue, as tall as the tile's rows in it: ``stat``
"count", or a share of all the figure's rows ("percent", "proportion",
"probability"), as seaborn's ``catplot`` divides by the rows of every facet.  The
split counts each tile's rows per category with its moments (``COUNTS_ROWS``), so
the shared y limit of counts is known before any tile draws; shares of the
figure's rows are measured on each shard once the split knows their total (the
pass of :func:`binned_extents`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.sidecar import Sidecar
from ..core.stats import ROWS, TileStats
from ._common import check, codes_of, dodge, hue_of, in_range, no_data

ROLES = {"x": "categorical"}
REQUIRED = ("x",)
#: the split counts rows per tile and category (the moments of the role "rows")
COUNTS_ROWS = True
STATS = ("count", "percent", "proportion", "probability")
OPTIONS: dict[str, Any] = {
    "stat": "count",
    "width": 0.8,
    "color": "#4c72b0",
    "alpha": 1.0,
    "linewidth": 0.0,
    "edgecolor": "#3a3a3a",
    "order": None,
}


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check(
        options,
        {
            "stat": (lambda v: v in STATS, "one of " + ", ".join(STATS)),
            "width": (in_range(0.01, 1.0), "a number in (0, 1]"),
            "alpha": (in_range(0, 1), "a number in [0, 1]"),
            "linewidth": (in_range(0, 100), "a number in [0, 100]"),
        },
    )


def figure_norm(options: dict[str, Any]) -> bool:
    """Shares are of all the figure's rows (the split writes their count, ``norm_rows``)."""
    return options["stat"] != "count"


def binned_pass(options: dict[str, Any]) -> bool:
    """Only shares need the split's pass over the shards; counts come from the moments."""
    return figure_norm(options)


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, Any]:
    """From 0 to the largest count of a category and hue level (shares: see
    :func:`binned_extents`)."""
    counts = [m.n for m in stats.all(ROWS)]
    if not counts or figure_norm(options):
        return {}
    return {"y": (0.0, float(max(counts))), "y_sticky": 0.0}


def scale(sidecar: Sidecar, options: dict[str, Any]) -> float:
    """What a row counts for: 1, or its share of the figure's rows (in percent)."""
    stat = options["stat"]
    if stat == "count":
        return 1.0
    return (100.0 if stat == "percent" else 1.0) / max(int(sidecar.get("norm_rows") or 1), 1)


def heights(table, sidecar: Sidecar, options: dict[str, Any]) -> tuple[np.ndarray, int, list]:
    """``(heights, levels, hue colors)``: each (x category, hue level)'s bar, in code order
    ``x * levels + hue`` (rows of no hue group are in none)."""
    categories = sidecar["x"].get("categories") or []
    x = codes_of(table, sidecar["x"]["column"], categories)
    hue, colors = hue_of(table, sidecar)
    n_h = max(len(colors), 1)
    groups = x.astype(np.int64) * n_h
    if hue is not None:
        groups = groups[hue >= 0] + hue[hue >= 0]
    counts = np.bincount(groups[groups >= 0], minlength=max(len(categories), 1) * n_h)
    return counts * scale(sidecar, options), n_h, colors


def binned_extents(table, sidecar: Sidecar, options: dict[str, Any]) -> dict[str, Any]:
    """The tallest share, for the shared y limit."""
    h, _, _ = heights(table, sidecar, options)
    return {"y": (0.0, float(h.max(initial=0.0)))}


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """One bar per x category and hue level with rows (dodged by hue)."""
    h, n_h, colors = heights(table, sidecar, options)
    if not h.any():
        no_data(ax)
        return
    offsets, slot = dodge(n_h, options["width"])
    present = np.flatnonzero(h)
    levels = present % n_h
    ax.bar(
        present // n_h + offsets[levels],
        h[present],
        width=slot,
        color=[colors[j] for j in levels] if colors else options["color"],
        alpha=options["alpha"],
        linewidth=options["linewidth"],
        edgecolor=options["edgecolor"],
    )
    ax.set_ylabel(options["stat"])
