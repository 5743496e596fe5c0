"""Empirical cumulative distributions, as seaborn's ``ecdfplot``.

The step function is evaluated exactly at twice the tile's pixel resolution,
so a tile of 10 million values draws a few hundred vertices.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.sidecar import Sidecar
from ..core.stats import TileStats
from ._common import by_hue, check, data_ranges, log_scales

ROLES = {"x": "numeric"}
REQUIRED = ("x",)
OPTIONS: dict[str, Any] = {
    "stat": "proportion",
    "complementary": False,
    "color": "#4c72b0",
    "linewidth": 1.5,
    "log_scale": False,
}


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check(options, {"stat": (lambda v: v in ("proportion", "count"), "proportion or count")})


scales = log_scales


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, Any]:
    """x: the data range; y: 0 to 1 (or to the largest count)."""
    ranges = data_ranges(stats, ("x",))
    if not ranges:
        return {}
    top = (
        1.0
        if options["stat"] == "proportion"
        else float(
            max(m.n for m in stats.by("x", "hue").values())
            if "hue" in stats.cat_roles
            else sum(m.n for m in stats.all("x"))
        )
    )
    return {**ranges, "y": (0.0, top)}


def ecdf_at(values: np.ndarray, xs: np.ndarray, stat: str, complementary: bool) -> np.ndarray:
    """The ECDF of ``values`` at each of ``xs`` (count or proportion)."""
    counts = np.searchsorted(np.sort(values), xs, side="right").astype(float)
    if complementary:
        counts = values.size - counts
    return counts / values.size if stat == "proportion" else counts


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """One step curve per hue level, sampled at twice the tile's pixel columns."""
    lo, hi = sidecar["x"]["lim"]
    log = sidecar["x"].get("scale") == "log"
    if log:
        ax.set_xscale("log")
    columns = int(ax.figure.bbox.width) * 2
    xs = np.geomspace(lo, hi, columns) if log and lo > 0 else np.linspace(lo, hi, columns)
    for color, x in by_hue(table, sidecar, sidecar["x"]["column"]):
        ys = ecdf_at(x, xs, options["stat"], options["complementary"])
        ax.plot(
            xs, ys, drawstyle="steps-post", color=color or options["color"], lw=options["linewidth"]
        )
    ax.set_ylabel("Proportion" if options["stat"] == "proportion" else "Count")
