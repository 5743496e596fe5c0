"""Histograms, as seaborn's ``displot(kind="hist")`` (x numeric; hue layered, stacked,
filled or dodged: ``multiple``).

The bins are the whole grid's: the split streams every kept x value once more
and fixes them in each sidecar (``bins``, see :func:`shared_bins`), so every
tile, whatever its facet, hue level or ``sharex``, bins with the same edges, as
seaborn's ``common_bins=True`` does.  By default numpy's "auto" rule on all the
data (:mod:`tilegrid.core.bins`, exact); whole numbers (an integer column, or
floats that are all whole) get bins that never split an integer step, one bar
centred on each integer when numpy's rule would ask for bins at most 1 wide
(``discrete: auto``).  The bar heights that set a shared y limit are counted
on each shard by the split with the same code that draws them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import bins as binning
from ..core.sidecar import Bins, Sidecar
from ..core.stats import TileStats
from ..core.times import axis_width, time_origin, width_seconds
from ._common import check, data_ranges, hue_of, in_range, log_scales, norm_total, numeric_of
from ._multiple import MULTIPLES, arrange, draw_bars, tallest

ROLES = {"x": "numeric"}
REQUIRED = ("x",)
STATS = ("count", "frequency", "density", "probability", "proportion", "percent")
OPTIONS: dict[str, Any] = {
    "bins": "auto",
    "binwidth": None,
    "discrete": "auto",
    "stat": "count",
    "common_norm": True,
    "element": "bars",
    "fill": True,
    "alpha": None,
    "color": "#4c72b0",
    "linewidth": 0.5,
    "log_scale": False,
    "multiple": "layer",
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
            "binwidth": (
                valid_binwidth,
                'null, a number > 0, or on a time axis a time width ("1h", "30min", "7D")',
            ),
            "discrete": (lambda v: v is True or v is False or v == "auto", 'true, false or "auto"'),
            "stat": (lambda v: v in STATS, "one of " + ", ".join(STATS)),
            "element": (lambda v: v in ("bars", "step"), "bars or step"),
            "multiple": (lambda v: v in MULTIPLES, "one of " + ", ".join(MULTIPLES)),
            "alpha": (lambda v: v is None or in_range(0, 1)(v), "null or a number in [0, 1]"),
            "common_norm": (lambda v: v in (True, False, "tile"), 'true, false or "tile"'),
        },
    )
    if options["discrete"] is True and scales(options).get("x") == "log":
        from . import OptionError

        raise OptionError("plot.options.discrete: true cannot be combined with log_scale on x")


def valid_binwidth(value: Any) -> bool:
    """None, a positive finite number, or a time width such as "1h" (core/times.py)."""
    if isinstance(value, str):
        return width_seconds(value) is not None
    if value is None:
        return True
    return not isinstance(value, bool) and isinstance(value, int | float) and 0 < value < np.inf


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
    """The data range of x; bars stand on 0 (``multiple: fill`` with hue: from 0 to 1)."""
    ranges = data_ranges(stats, ("x",))
    if not ranges:
        return {}
    if filled(options, "hue" in stats.cat_roles or "hue" in stats.moments):
        return {**ranges, "y": (0.0, 1.0), "y_sticky": [0.0, 1.0]}
    return {**ranges, "y_sticky": 0.0}


def filled(options: dict[str, Any], hue: bool) -> bool:
    """Whether the bars are shares of each bin (``multiple: fill``; seaborn's needs a hue)."""
    return options["multiple"] == "fill" and hue


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
    if options["binwidth"] is not None:  # seaborn's binwidth; a time width: whole units
        try:
            width = axis_width(options["binwidth"], source.time)
        except ValueError as exc:
            raise binning.BinsError(f"plot.options.binwidth: {exc}") from exc
        origin = time_origin(width, source.time) if isinstance(options["binwidth"], str) else None
        return Bins(**binning.width_bins(source, width, origin), log=source.log, discrete=False)
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
    edges, layers, _ = level_heights(table, sidecar, options)
    return edges, [(color, h) for _, color, h in layers]


def hue_layers(table, sidecar: Sidecar) -> tuple[list[tuple[int, Any, np.ndarray]], int]:
    """``([(level, color, x)], levels)``: the x values of each hue level present, with its
    index among the grid's ``levels`` (one level, color None, without hue)."""
    x = numeric_of(table, sidecar["x"]["column"])
    codes, colors = hue_of(table, sidecar)
    if codes is None:
        return [(0, None, x)], 1
    layers = []
    for level, color in enumerate(colors):
        mask = codes == level
        if mask.any():
            layers.append((level, color, x[mask]))
    return layers, len(colors)


def level_heights(table, sidecar: Sidecar, options: dict[str, Any]):
    """``(edges, [(level, color, heights)], levels)``: :func:`heights` with each layer's hue
    level and the grid's count of them."""
    edges = bin_edges(sidecar, options)
    layers, n_levels = hue_layers(table, sidecar)
    layers = [(lv, c, binning.counts(x, sidecar["bins"]).astype(float)) for lv, c, x in layers]
    total = norm_total(sidecar, sum(h.sum() for _, _, h in layers), options)
    out = []
    for level, color, h in layers:
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
        out.append((level, color, h))
    return edges, out, n_levels


def arranged(table, sidecar: Sidecar, options: dict[str, Any]):
    """Each hue level's bars as ``multiple`` places them (:mod:`tilegrid.kinds._multiple`)."""
    edges, layers, n_levels = level_heights(table, sidecar, options)
    multiple = options["multiple"] if sidecar.get("hue") else "layer"
    return arrange(edges, layers, n_levels, multiple, log=bool(sidecar["bins"]["log"]))


def binned_extents(table, sidecar: Sidecar, options: dict[str, Any]) -> dict[str, Any]:
    """The tallest bar (stacked: the tallest stack), for a shared y limit; none for
    shares of each bin (``multiple: fill``), which span 0 to 1."""
    if filled(options, bool(sidecar.get("hue"))):
        return {}
    if options["multiple"] in ("stack", "fill"):
        return {"y": (0.0, tallest(arranged(table, sidecar, options)))}
    _, layers = heights(table, sidecar, options)
    return {"y": (0.0, max((h.max() for _, h in layers if h.size), default=0.0))}


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """Bars (or steps) per hue level: layered with transparency, or stacked, filled or
    dodged (``multiple``)."""
    if sidecar["x"].get("scale") == "log":
        ax.set_xscale("log")
    if options["multiple"] != "layer" and sidecar.get("hue"):
        alpha = options["alpha"] if options["alpha"] is not None else 0.75
        draw_bars(ax, arranged(table, sidecar, options), options, alpha)
        ax.set_ylabel(LABELS.get(options["stat"], options["stat"].capitalize()))
        return
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
