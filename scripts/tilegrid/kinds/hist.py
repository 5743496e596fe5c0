"""Histograms, as seaborn's ``histplot`` (x numeric; hue layered).

Bin edges come from the axis extent the split agreed (the shared data range
when x is shared), so tiles that share x share their bins; the bar heights
that set a shared y limit are counted on each shard by the split with the same
code that draws them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..contracts import Sidecar
from ..stats import TileStats
from ._common import by_hue, check, data_ranges, in_range, log_axes, norm_total

ROLES = {"x": "numeric"}
REQUIRED = ("x",)
STATS = ("count", "frequency", "density", "probability", "proportion", "percent")
OPTIONS: dict[str, Any] = {
    "bins": 30,
    "stat": "count",
    "common_norm": True,
    "element": "bars",
    "fill": True,
    "alpha": None,
    "color": "#4c72b0",
    "linewidth": 0.5,
    "log_scale": False,
}
LABELS = {"frequency": "Frequency", "proportion": "Proportion", "probability": "Probability"}


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check(
        options,
        {
            "bins": (lambda v: isinstance(v, int) and 1 <= v <= 10_000, "an integer in [1, 10000]"),
            "stat": (lambda v: v in STATS, "one of " + ", ".join(STATS)),
            "element": (lambda v: v in ("bars", "step"), "bars or step"),
            "alpha": (lambda v: v is None or in_range(0, 1)(v), "null or a number in [0, 1]"),
            "common_norm": (lambda v: v in (True, False, "tile"), 'true, false or "tile"'),
        },
    )


#: stats whose heights are shares of a row count
NORMALISED = ("probability", "proportion", "percent", "density")


def scales(options: dict[str, Any]) -> dict[str, str]:
    """x is logarithmic with ``log_scale``."""
    return log_axes(options)


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, Any]:
    """The data range of x; bars stand on 0."""
    ranges = data_ranges(stats, ("x",))
    if not ranges:
        return {}
    return {**ranges, "y_sticky": 0.0}


def figure_norm(options: dict[str, Any]) -> bool:
    """Normalised heights are shares of all the figure's rows (``common_norm: true``)."""
    return options["common_norm"] is True and options["stat"] in NORMALISED


def bin_edges(sidecar: Sidecar, options: dict[str, Any]) -> np.ndarray:
    """Edges over the agreed data range: linear, or geometric on a log axis."""
    axis = sidecar["x"]
    lo, hi = axis.get("extent") or axis["lim"]
    if axis.get("scale") == "log" and lo > 0:
        return np.geomspace(lo, hi if hi > lo else lo * 10, options["bins"] + 1)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, options["bins"] + 1)


def heights(table, sidecar: Sidecar, options: dict[str, Any]):
    """``(edges, [(color, heights)])`` per hue level, normalised by ``stat``."""
    edges = bin_edges(sidecar, options)
    layers = [
        (c, np.histogram(x, edges)[0].astype(float))
        for c, x in by_hue(table, sidecar, sidecar["x"]["column"])
    ]
    total = norm_total(sidecar, sum(h.sum() for _, h in layers), options)
    out = []
    for color, h in layers:
        norm = total if options["common_norm"] in (True, "tile") else h.sum()
        stat = options["stat"]
        if stat in ("probability", "proportion"):
            h = h / max(norm, 1)
        elif stat == "percent":
            h = 100 * h / max(norm, 1)
        elif stat == "density":
            h = h / max(norm, 1) / np.diff(edges)
        elif stat == "frequency":
            h = h / np.diff(edges)
        out.append((color, h))
    return edges, out


def binned_extents(table, sidecar: Sidecar, options: dict[str, Any]) -> dict[str, Any]:
    """The tallest bar, for a shared y limit."""
    _, layers = heights(table, sidecar, options)
    return {"y": (0.0, max((h.max() for _, h in layers if h.size), default=0.0))}


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """Bars (or steps) per hue level, layered with transparency when there is hue."""
    if sidecar["x"].get("scale") == "log":
        ax.set_xscale("log")
    edges, layers = heights(table, sidecar, options)
    alpha = options["alpha"] if options["alpha"] is not None else (0.5 if len(layers) > 1 else 0.75)
    for color, h in layers:
        color = color or options["color"]
        if options["element"] == "bars" and options["fill"]:
            ax.stairs(h, edges, fill=True, color=color, alpha=alpha)
            ax.bar(
                edges[:-1],
                h,
                width=np.diff(edges),
                align="edge",
                fill=False,
                edgecolor="white",
                linewidth=options["linewidth"],
            )
        else:
            if options["fill"]:
                ax.stairs(h, edges, fill=True, color=color, alpha=alpha * 0.5)
            ax.stairs(h, edges, color=color, linewidth=1.5)
    ax.set_ylabel(LABELS.get(options["stat"], options["stat"].capitalize()))
