"""Box plots from exact quartiles, as seaborn's ``boxplot`` (x categorical, y numeric).

Whiskers reach the furthest values within ``whis`` IQRs of the box; values
beyond are drawn as fliers, at most ``max_fliers`` per box (evenly spaced by
rank, always including the extremes), so millions of outliers stay cheap.  With
``log_scale`` the statistics are those of log10 of the positive values, as
seaborn's on a log axis.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.sidecar import Sidecar
from ..core.stats import TileStats
from ._common import (
    LOG_SCALE_RULE,
    categorical_groups,
    check,
    dodge,
    in_range,
    log10_positive,
    log_pass,
    positive,
    positive_range,
    value_log,
    value_scales,
)
from ._select import percentiles

ROLES = {"x": "categorical", "y": "numeric"}
REQUIRED = ("y",)
OPTIONS: dict[str, Any] = {
    "whis": 1.5,
    "width": 0.8,
    "color": "#4c72b0",
    "linewidth": 1.0,
    "linecolor": "#3a3a3a",
    "fliersize": 3.0,
    "showfliers": True,
    "max_fliers": 1000,
    "order": None,
    "log_scale": False,
}
#: on a log axis the shared limits are the positive values' range, found in the shards
BINNED_Y = "data"
scales = value_scales
binned_pass = log_pass


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check(
        options,
        {
            "whis": (positive, "a positive number"),
            "width": (in_range(0.01, 1.0), "a number in (0, 1]"),
            "linewidth": (positive, "a positive number"),
            "fliersize": (in_range(0, 100), "a number in [0, 100]"),
            "max_fliers": (lambda v: isinstance(v, int) and v >= 0, "an integer >= 0"),
            "log_scale": LOG_SCALE_RULE,
        },
    )


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The data range: whiskers and fliers stay within it (on a log axis, the positive
    values': :func:`binned_extents`)."""
    ms = stats.all("y")
    if not ms or value_log(options):
        return {}
    return {"y": (min(m.min for m in ms), max(m.max for m in ms))}


def binned_extents(table, sidecar: Sidecar, options: dict[str, Any]) -> dict[str, Any]:
    """On a log axis (the only pass that asks): the range of the positive values."""
    return positive_range(table, sidecar)


def log_box_stats(values: np.ndarray, whis: float, max_fliers: int) -> dict[str, Any] | None:
    """:func:`box_stats` on a log axis, as seaborn: of log10 of the positive values, drawn
    at 10 to their power (whiskers reach ``whis`` IQRs of the logs); None without any."""
    logs = log10_positive(values)
    if not logs.size:
        return None
    st = box_stats(logs, whis, max_fliers)
    return {k: 10.0**v for k, v in st.items()}


def box_stats(values: np.ndarray, whis: float, max_fliers: int) -> dict[str, Any]:
    """What Axes.bxp draws for one group: quartiles, whisker ends, capped fliers."""
    q1, med, q3 = percentiles(values, [25, 50, 75])  # np.percentile's, found in bins
    iqr = q3 - q1
    lo, hi = q1 - whis * iqr, q3 + whis * iqr
    within = (values >= lo) & (values <= hi)
    inside = values[within]
    fliers = np.sort(values[~within])
    if fliers.size > max_fliers:
        fliers = fliers[np.unique(np.linspace(0, fliers.size - 1, max_fliers).round().astype(int))]
    return {
        "med": float(med),
        "q1": float(q1),
        "q3": float(q3),
        "whislo": float(inside.min()) if inside.size else float(q1),
        "whishi": float(inside.max()) if inside.size else float(q3),
        "fliers": fliers,
    }


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """One box per x category, dodged by hue."""
    groups, _, n_h, hue_colors = categorical_groups(table, sidecar)
    offsets, slot = dodge(n_h, options["width"])
    edge, lw = options["linecolor"], options["linewidth"]
    log = value_log(options)
    if log:
        ax.set_yscale("log")
    for g, values in enumerate(groups):
        if not values.size:
            continue
        i, j = divmod(g, n_h)
        color = hue_colors[j] if hue_colors else options["color"]
        stats = (log_box_stats if log else box_stats)(
            values, options["whis"], options["max_fliers"]
        )
        if stats is None:
            continue
        ax.bxp(
            [stats],
            positions=[i + offsets[j]],
            widths=[slot * 0.9 if n_h > 1 else slot],
            patch_artist=True,
            showfliers=options["showfliers"],
            boxprops={"facecolor": color, "edgecolor": edge, "linewidth": lw},
            medianprops={"color": edge, "linewidth": lw * 1.5},
            whiskerprops={"color": edge, "linewidth": lw},
            capprops={"color": edge, "linewidth": lw},
            flierprops={
                "marker": "d",
                "markersize": options["fliersize"],
                "markerfacecolor": edge,
                "markeredgecolor": "none",
            },
            manage_ticks=False,
        )
