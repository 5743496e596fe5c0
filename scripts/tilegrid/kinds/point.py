"""Point estimates joined across categories, as seaborn's ``pointplot``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..contracts import Sidecar
from ..stats import TileStats
from . import _estimate
from ._common import categorical_groups, check, dodge, in_range, positive

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
}


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check(
        options,
        {
            **_estimate.OPTION_RULES,
            "dodge": (in_range(0, 1), "a number in [0, 1]"),
            "markersize": (positive, "a positive number"),
            "linewidth": (positive, "a positive number"),
        },
    )


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The span of every error bar."""
    span = _estimate.extent(stats, options["estimator"], options["errorbar"])
    return {"y": span} if span else {}


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """Per hue level: estimates with error bars at each category, joined by a line.

    As seaborn, the line breaks at a category with no rows in this tile (a NaN
    point), instead of joining its neighbours across the gap.
    """
    groups, n_x, n_h, hue_colors = categorical_groups(table, sidecar)
    offsets, _ = dodge(n_h, options["dodge"]) if options["dodge"] else (np.zeros(n_h), 0)
    for j in range(n_h):
        color = hue_colors[j] if hue_colors else options["color"]
        xs, ests = [], []
        for i in range(n_x):
            values = groups[i * n_h + j]
            est = lo = hi = np.nan
            if values.size:
                est, lo, hi = _estimate.estimate(
                    values,
                    options["estimator"],
                    options["errorbar"],
                    options["n_boot"],
                    options["seed"],
                )
            if np.isnan(est):  # no rows (or the std of one): the line stops and starts again
                if xs:
                    xs.append(i + offsets[j])
                    ests.append(np.nan)
                continue
            pos = i + offsets[j]
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
