"""Points of a category spread so that none overlap, as seaborn's ``swarmplot``.

The swarm is seaborn's (:mod:`tilegrid.kinds._beeswarm`), placed in the tile's
pixels.  An exact swarm holds only as many markers as fit across its category:
seaborn piles the rest on the category's edges and warns.  So a swarm here draws
a sample of its values when they would not fit: the largest number of values
whose densest marker-high band fits side by side across the category
(:func:`fitting`), at most ``max_points``, chosen evenly by rank (the sorted values
at equal steps, both extremes kept: a quantile sample, the same for the same
values, so the pixels are stable and the swarm's shape is the distribution's).
A swarm whose values all fit is drawn whole, as seaborn's.  Without ``dodge``
a category's hue levels share one swarm, coloured by row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.sidecar import Sidecar
from ..core.stats import TileStats
from ._beeswarm import beeswarm, gutters
from ._common import data_ranges, no_data, split_by
from ._points import WIDTH, check_point_options, marker_kwargs, pixel_grid, tile_points

ROLES = {"x": "categorical", "y": "numeric"}
REQUIRED = ("y",)
OPTIONS: dict[str, Any] = {
    "dodge": False,
    "size": 5.0,
    "color": "#4c72b0",
    "edgecolor": "gray",
    "linewidth": 0.0,
    "alpha": 1.0,
    "max_points": 2000,
    "order": None,
}
#: markers of a marker-high band of values that fit across a category's width, per
#: marker width: the swarm's staggered rows hold a little less than one marker per
#: marker width (0.8: no marker on the edges in tests of normal, skewed and bimodal
#: values; 1.0 put 2% there)
PACK = 0.8


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check_point_options(options, {})


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The data range: every point is at one of its values."""
    return data_ranges(stats, ("y",))


def radius_px(options: dict[str, Any], dpi: float) -> float:
    """A marker's radius in pixels, as seaborn's beeswarm reckons it (edge included)."""
    return (np.sqrt(options["size"] ** 2) + options["linewidth"]) / 2 * (dpi / 72)


def fitting(values_px: np.ndarray, slot_px: float, diameter: float) -> int:
    """How many of these values a swarm ``slot_px`` wide holds: as many as keep its
    densest band of one marker's height within ``PACK`` markers per marker width."""
    bands = np.floor(values_px / diameter).astype(np.int64)
    densest = np.bincount(bands - bands.min()).max() / values_px.size
    return max(int(PACK * slot_px / diameter / densest), 1)


def sampled(values: np.ndarray, most: int) -> np.ndarray:
    """The indices (ascending) of at most ``most`` values evenly spaced by rank."""
    if values.size <= most:
        return np.arange(values.size)
    ranks = np.unique(np.linspace(0, values.size - 1, most).round().astype(np.intp))
    return np.sort(np.argsort(values, kind="stable")[ranks])


def swarm_of(ax, y: np.ndarray, centre: float, radius: float, options) -> tuple:
    """``(rows, x)``: the rows of one swarm drawn (indices into ``y``) and their positions,
    placed in the tile's display pixels (``ax.transData``, as seaborn's, so that ties
    between mirror positions break as seaborn's do)."""
    to_px = ax.transData
    y_px = to_px.transform(np.c_[np.full(y.size, centre), y])[:, 1]
    left, right = to_px.transform([[0.0, 0.0], [WIDTH, 0.0]])[:, 0]
    most = min(options["max_points"], fitting(y_px, float(right - left), 2 * radius))
    rows = sampled(y, most)
    xy = to_px.transform(np.c_[np.full(rows.size, centre), y[rows]])
    xy[:, 0] = beeswarm(xy[:, 0], xy[:, 1], radius)
    x, _ = gutters(to_px.inverted().transform(xy)[:, 0], centre, WIDTH / 2)
    return rows, x


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """One swarm per category (per category and hue level with ``dodge``)."""
    points = tile_points(table, sidecar)
    if not points.y.size:
        no_data(ax)
        return
    dodged = options["dodge"] and points.hue is not None
    groups = points.groups(dodged)
    centres = points.centres(dodged)
    grid = pixel_grid(ax, sidecar, points.n_x)
    ax.set_xlim(*grid.x_lim)  # the limits the render sets: the swarm is placed in pixels
    ax.set_ylim(*grid.y_lim)
    radius = radius_px(options, ax.figure.dpi)
    drawn_rows, drawn_x = [], []
    for members in split_by(groups, np.arange(groups.size), int(groups.max()) + 1):
        if members.size:
            rows, x = swarm_of(ax, points.y[members], float(centres[members[0]]), radius, options)
            drawn_rows.append(members[rows])
            drawn_x.append(x)
    rows, x = np.concatenate(drawn_rows), np.concatenate(drawn_x)
    ax.scatter(
        x, points.y[rows], facecolors=points.face_colors(rows, options["color"]),
        **marker_kwargs(options),
    )  # fmt: skip
