"""Kernel density curves, as seaborn's ``kdeplot`` (x numeric; one curve per hue level).

The density is the binned KDE of :mod:`tilegrid.kinds._kde` (O(n)).  With
``common_norm: true`` (the default, as seaborn's ``displot``) each curve is
scaled by its share of all the figure's rows, so every curve of the grid
integrates to its rows' share and a small facet looks small; ``"tile"`` scales by
the tile's rows (as ``FacetGrid.map(sns.kdeplot)``); ``false`` leaves each curve
with area 1.  With ``log_scale`` the KDE is of log10 of the positive values (its
density per unit of log10), drawn on a log x axis, as seaborn's.
"""

from __future__ import annotations

from typing import Any

from ..core.sidecar import Sidecar
from ..core.stats import Moments, TileStats
from . import _kde as kde_lib
from ._common import by_hue, check, in_range, log10_positive, log_scales, norm_total, positive

ROLES = {"x": "numeric"}
REQUIRED = ("x",)
OPTIONS: dict[str, Any] = {
    "bw_method": "scott",
    "bw_adjust": 1.0,
    "cut": 3.0,
    "gridsize": 200,
    "common_norm": True,
    "fill": False,
    "alpha": 0.25,
    "color": "#4c72b0",
    "linewidth": 1.5,
    "log_scale": False,
}
scales = log_scales


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check(
        options,
        {
            "bw_method": (
                lambda v: v in ("scott", "silverman") or positive(v),
                "'scott', 'silverman' or a positive number",
            ),
            "bw_adjust": (positive, "a positive number"),
            "cut": (in_range(0, 100), "a number >= 0"),
            "gridsize": (lambda v: isinstance(v, int) and v >= 2, "an integer >= 2"),
            "common_norm": (lambda v: v in (True, False, "tile"), 'true, false or "tile"'),
            "alpha": (in_range(0, 1), "a number in [0, 1]"),
            "log_scale": (lambda v: isinstance(v, bool), "true or false (a log x axis)"),
        },
    )


def figure_norm(options: dict[str, Any]) -> bool:
    """Densities are shares of all the figure's rows (``common_norm: true``)."""
    return options["common_norm"] is True


def _support(m: Moments, options: dict[str, Any]) -> tuple[float, float]:
    bw = kde_lib.bandwidth(m, options["bw_method"], options["bw_adjust"])
    return kde_lib.support(m, bw, options["cut"])


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, Any]:
    """x: each hue curve's support (on a log axis: :func:`binned_extents`); the density
    starts at 0."""
    if log_scales(options).get("x"):
        return {"y_sticky": 0.0}
    spans = (
        [_support(m, options) for m in stats.by("x", "hue").values()]
        if stats.cat_roles
        else [_support(m, options) for m in stats.all("x")]
    )
    if not spans:
        return {}
    return {"x": (min(s[0] for s in spans), max(s[1] for s in spans)), "y_sticky": 0.0}


def curves(table, sidecar: Sidecar, options: dict[str, Any]):
    """``[(color, coords, density)]`` per hue level."""
    layers = by_hue(table, sidecar, sidecar["x"]["column"])
    log = bool(log_scales(options).get("x"))
    if log:  # seaborn's KDE of log10 of the values, a density per unit of log10
        layers = [(color, log10_positive(x)) for color, x in layers]
    total = norm_total(sidecar, sum(x.size for _, x in layers), options)
    out = []
    for color, x in layers:
        if not x.size:
            continue
        m = Moments.of(x)
        bw = kde_lib.bandwidth(m, options["bw_method"], options["bw_adjust"])
        if bw == 0:
            continue
        lo, hi = kde_lib.support(m, bw, options["cut"])
        coords, density = kde_lib.binned_kde(x, bw, lo, hi, options["gridsize"])
        if options["common_norm"] in (True, "tile"):
            density = density * x.size / total
        out.append((color, 10.0**coords if log else coords, density))
    return out


def binned_extents(table, sidecar: Sidecar, options: dict[str, Any]) -> dict[str, Any]:
    """The highest density, for a shared y limit; on a log axis also the curves' span
    (their supports, from the logs' bandwidths)."""
    drawn = curves(table, sidecar, options)
    out = {"y": (0.0, max((d.max() for _, _, d in drawn), default=0.0))}
    if drawn and log_scales(options).get("x"):
        out["x"] = (min(c[0] for _, c, _ in drawn), max(c[-1] for _, c, _ in drawn))
    return out


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> None:
    """One density curve per hue level (filled with ``fill``)."""
    if sidecar["x"].get("scale") == "log":
        ax.set_xscale("log")
    for color, coords, density in curves(table, sidecar, options):
        color = color or options["color"]
        if options["fill"]:
            ax.fill_between(coords, density, color=color, alpha=options["alpha"], linewidth=0)
        ax.plot(coords, density, color=color, lw=options["linewidth"])
    ax.set_ylabel("Density")
