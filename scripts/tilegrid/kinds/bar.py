"""Bars of an estimate per category with analytic error bars, as seaborn's ``barplot``.

``estimator`` and ``errorbar`` as seaborn (:mod:`tilegrid.kinds._estimate`): the
confidence interval is seaborn's seeded bootstrap below 30 values a group, and
its closed form above (Student's t for a mean): no bootstrap over millions of rows.
"""

from __future__ import annotations

import math
from typing import Any

from ..core.sidecar import Sidecar
from ..core.stats import TileStats
from . import _estimate
from ._common import (
    LOG_SCALE_RULE,
    categorical_groups,
    check,
    dodge,
    in_range,
    positive,
    value_log,
    value_scales,
)

ROLES = {"x": "categorical", "y": "numeric"}
REQUIRED = ("y",)
OPTIONS: dict[str, Any] = {
    "estimator": "mean",
    "errorbar": ["ci", 95],
    "n_boot": 1000,
    "seed": 0,
    "width": 0.8,
    "color": "#4c72b0",
    "alpha": 1.0,
    "linewidth": 0.0,
    "err_color": "#3a3a3a",
    "err_linewidth": 1.5,
    "capsize": 0.0,
    "order": None,
    "log_scale": False,
}
#: on a log axis, or for a median, quantile or percentile interval, the shared limits
#: are what is drawn, measured on the shards (:func:`_estimate.binned_pass`)
BINNED_Y = "data"


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check(
        options,
        {
            **_estimate.OPTION_RULES,
            "log_scale": LOG_SCALE_RULE,
            "width": (in_range(0.01, 1.0), "a number in (0, 1]"),
            "alpha": (in_range(0, 1), "a number in [0, 1]"),
            "err_linewidth": (positive, "a positive number"),
            "capsize": (in_range(0, 1), "a number in [0, 1]"),
        },
    )


scales = value_scales
binned_pass = _estimate.binned_pass


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, Any]:
    """From 0 to the furthest error bar; bars stand on 0 (no margin below it).  On a log
    axis, and where the moments bound the bars only by the data's range, what is drawn
    is measured on the shards (:func:`binned_extents`)."""
    span = _estimate.extent(stats, options["estimator"], options["errorbar"])
    if span is None or _estimate.binned_pass(options):
        return {}
    return _from_zero(span)


def binned_extents(table, sidecar: Sidecar, options: dict[str, Any]) -> dict[str, Any]:
    """The estimates and error bars drawn (from 0 on a linear axis)."""
    groups, *_ = categorical_groups(table, sidecar)
    drawn = _estimate.drawn_extent(groups, options, log=value_log(options))
    return drawn if value_log(options) or not drawn else _from_zero(drawn["y"])


def _from_zero(span: tuple[float, float]) -> dict[str, Any]:
    """A linear axis's extent of bars standing on 0: 0 held, no margin beyond it."""
    return {"y": (min(0.0, span[0]), max(0.0, span[1])), "y_sticky": 0.0}


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """One bar per x category (dodged by hue) with its error bar."""
    groups, _, n_h, hue_colors = categorical_groups(table, sidecar)
    offsets, slot = dodge(n_h, options["width"])
    log = value_log(options)
    if log:  # bars from the axis' foot to 10 to the power of the logs' estimate
        ax.set_yscale("log")
    for g, (est, lo, hi) in enumerate(_estimate.group_estimates(groups, options, log)):
        if not math.isfinite(est):  # no rows, or the std or var of a single value
            continue
        i, j = divmod(g, n_h)
        pos = i + offsets[j]
        ax.bar(
            pos,
            est,
            width=slot,
            color=hue_colors[j] if hue_colors else options["color"],
            alpha=options["alpha"],
            linewidth=options["linewidth"],
            edgecolor=options["err_color"],
        )
        if hi > lo:
            ax.vlines(
                pos, lo, hi, color=options["err_color"], lw=options["err_linewidth"], zorder=3
            )
            if options["capsize"]:
                half = slot * options["capsize"] / 2
                ax.hlines(
                    [lo, hi],
                    pos - half,
                    pos + half,
                    color=options["err_color"],
                    lw=options["err_linewidth"],
                    zorder=3,
                )
