"""Point estimates joined across categories, as seaborn's ``pointplot``."""

from __future__ import annotations

from typing import Any

import numpy as np

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
    "dodge": 0.0,
    "color": "#4c72b0",
    "markersize": 6.0,
    "linewidth": 1.5,
    "join": True,
    "order": None,
    "log_scale": False,
}
#: on a log axis the shared limits are what is drawn, measured on the shards
BINNED_Y = "data"


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check(
        options,
        {
            **_estimate.OPTION_RULES,
            "log_scale": LOG_SCALE_RULE,
            "dodge": (in_range(0, 1), "a number in [0, 1]"),
            "markersize": (positive, "a positive number"),
            "linewidth": (positive, "a positive number"),
        },
    )


scales = value_scales
binned_pass = _estimate.binned_pass


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The span of every error bar (on a log axis, and where the moments bound it only by
    the data's range: :func:`binned_extents`)."""
    span = _estimate.extent(stats, options["estimator"], options["errorbar"])
    return {"y": span} if span and not _estimate.binned_pass(options) else {}


def binned_extents(table, sidecar: Sidecar, options: dict[str, Any]) -> dict[str, Any]:
    """The estimates and error bars drawn."""
    groups, *_ = categorical_groups(table, sidecar)
    return _estimate.drawn_extent(groups, options, log=value_log(options))


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """Per hue level: estimates with error bars at each category, joined by a line.

    As seaborn, the line breaks at a category with no rows in this tile (a NaN
    point), instead of joining its neighbours across the gap.
    """
    groups, n_x, n_h, hue_colors = categorical_groups(table, sidecar)
    offsets, _ = dodge(n_h, options["dodge"]) if options["dodge"] else (np.zeros(n_h), 0)
    log = value_log(options)
    if log:
        ax.set_yscale("log")
    found = _estimate.group_estimates(groups, options, log)
    for j in range(n_h):
        color = hue_colors[j] if hue_colors else options["color"]
        xs, ests = [], []
        for i in range(n_x):
            est, lo, hi = found[i * n_h + j]
            if np.isnan(est):  # no rows (or the std of one): the line stops and starts again
                if xs:
                    xs.append(i + offsets[j])
                    ests.append(np.nan)
                continue
            pos = i + offsets[j]
            if options["errorbar"] is not None:  # none: no bar, not one of no length
                ax.vlines(pos, lo, hi, color=color, lw=options["linewidth"], zorder=2)
            xs.append(pos)
            ests.append(est)
        while ests and np.isnan(ests[-1]):  # no gap after the last point
            xs.pop()
            ests.pop()
        if xs:
            ax.plot(
                xs,
                ests,
                color=color,
                marker="o",
                markersize=options["markersize"],
                lw=options["linewidth"] if options["join"] else 0,
                zorder=3,
            )
