"""Histograms, as seaborn's ``displot(kind="hist")`` (x numeric; hue layered).

The bins are the whole grid's: the split streams every kept x value once more
and fixes them in each sidecar (``bins``, see :func:`shared_bins`), so every
tile, whatever its facet, hue level or ``sharex``, bins with the same edges, as
seaborn's ``common_bins=True`` does.  By default numpy's "auto" rule on all the
data (:mod:`tilegrid.binning`, exact); whole numbers (an integer column, or
floats that are all whole) get bins that never split an integer step, one bar
centred on each integer when numpy's rule would ask for bins at most 1 wide
(``discrete: auto``).  The bar heights that set a shared y limit are counted
on each shard by the split with the same code that draws them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import binning
from ..contracts import Bins, Sidecar
from ..stats import TileStats
from ._common import by_hue, check, data_ranges, in_range, log_scales, norm_total

ROLES = {"x": "numeric"}
REQUIRED = ("x",)
STATS = ("count", "frequency", "density", "probability", "proportion", "percent")
OPTIONS: dict[str, Any] = {
    "bins": "auto",
    "discrete": "auto",
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
            "bins": (
                valid_bins,
                f"one of {', '.join(binning.RULES)}, an integer in [1, 10000] "
                "or a list of increasing numbers (edges)",
            ),
            "discrete": (lambda v: v is True or v is False or v == "auto", 'true, false or "auto"'),
            "stat": (lambda v: v in STATS, "one of " + ", ".join(STATS)),
            "element": (lambda v: v in ("bars", "step"), "bars or step"),
            "alpha": (lambda v: v is None or in_range(0, 1)(v), "null or a number in [0, 1]"),
            "common_norm": (lambda v: v in (True, False, "tile"), 'true, false or "tile"'),
        },
    )
    if options["discrete"] is True and scales(options).get("x") == "log":
        from . import OptionError

        raise OptionError("plot.options.discrete: true cannot be combined with log_scale on x")


def valid_bins(value: Any) -> bool:
    """A rule name, a bin count or explicit increasing finite edges."""
    if isinstance(value, str):
        return value in binning.RULES
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 1 <= value <= 10_000
    if not isinstance(value, list) or len(value) < 2:
        return False
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return False
    edges = np.asarray(value, dtype=float)
    return bool(np.isfinite(edges).all() and (np.diff(edges) > 0).all())


#: stats whose heights are shares of a row count
NORMALISED = ("probability", "proportion", "percent", "density")


scales = log_scales


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, Any]:
    """The data range of x; bars stand on 0."""
    ranges = data_ranges(stats, ("x",))
    if not ranges:
        return {}
    return {**ranges, "y_sticky": 0.0}


def figure_norm(options: dict[str, Any]) -> bool:
    """Normalised heights are shares of all the figure's rows (``common_norm: true``)."""
    return options["common_norm"] is True and options["stat"] in NORMALISED


def shared_bins(source: binning.ValueSource, options: dict[str, Any]) -> Bins:
    """The bins of the whole grid, from every kept x value (``source`` streams them).

    ``bins``: a rule of ``np.histogram_bin_edges`` ("auto", seaborn's default,
    "fd", "sturges", "sqrt") over all the data, a number of equal bins over its
    range, or explicit edges.  ``discrete``: true gives one bin centred on each
    step from the smallest value (seaborn's ``discrete=True``); "auto" does so,
    for whole numbers binned by a rule (an integer column, or floats that are
    all whole), when the rule's width is at most 1, and otherwise rounds the
    rule's width up to a whole number with edges between integers; false keeps
    numpy's edges as they are.  On a log axis the
    rule bins log10 of the positive values, as seaborn does.
    """
    rule, discrete = options["bins"], options["discrete"]
    if isinstance(rule, list):
        edges = [float(e) for e in rule]
        return Bins(
            start=edges[0], stop=edges[-1], count=len(edges) - 1, log=False, discrete=False,
            edges=edges,
        )  # fmt: skip
    one_per_step = discrete is True
    if one_per_step:
        bins = binning.discrete_bins(source)
    elif discrete == "auto" and not source.log and isinstance(rule, str) and source.whole():
        bins, one_per_step = binning.integer_bins(source, rule)
    else:
        bins = binning.rule_bins(source, rule)
    return Bins(**bins, log=source.log, discrete=one_per_step)


def bin_edges(sidecar: Sidecar, options: dict[str, Any]) -> np.ndarray:
    """The grid's bin edges, as the split fixed them in the sidecar."""
    return binning.edges_of(sidecar["bins"])


def heights(table, sidecar: Sidecar, options: dict[str, Any]):
    """``(edges, [(color, heights)])`` per hue level, normalised by ``stat``."""
    edges = bin_edges(sidecar, options)
    layers = [
        (c, binning.counts(x, sidecar["bins"]).astype(float))
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
