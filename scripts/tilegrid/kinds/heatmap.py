"""A pivot of two categorical columns shaded by an aggregated value (seaborn's heatmap).

``x`` and ``y`` are categorical, ``options.value`` names the numeric column
aggregated per cell (``estimator`` mean, sum or count). The color range is
known from the split's per-cell moments, so tiles share it (``sharec``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.sidecar import Sidecar
from ..core.stats import TileStats
from ._common import check, codes_of, numeric_of

ROLES = {"x": "categorical", "y": "categorical", "value": "numeric"}
REQUIRED = ("x", "y", "value")
COLOR = True
#: a row or column of the pivot without a value is no row or column (pandas' pivot_table)
DROP_EMPTY_CATEGORIES = True
OPTIONS: dict[str, Any] = {
    "value": None,
    "estimator": "mean",
    "cmap": "viridis",
    "annot": False,
    "fmt": ".2g",
    "order": None,
}


def check_options(options: dict[str, Any]) -> None:
    """Reject option values out of range."""
    check(
        options,
        {
            "estimator": (lambda v: v in ("mean", "sum", "count"), "mean, sum or count"),
            "value": (lambda v: v is None or isinstance(v, str), "a column name"),
        },
    )


def _cell(m, estimator: str) -> float:
    return {"mean": m.mean, "sum": m.mean * m.n, "count": float(m.n)}[estimator]


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The range of the aggregated cells."""
    cells = [_cell(m, options["estimator"]) for m in stats.all("value")]
    return {"c": (min(cells), max(cells))} if cells else {}


def pivot(table, sidecar: Sidecar, options: dict[str, Any]) -> np.ndarray:
    """Aggregated value per (y category, x category); NaN where a cell is empty."""
    xs, ys = sidecar["x"]["categories"], sidecar["y"]["categories"]
    xi = codes_of(table, sidecar["x"]["column"], xs)
    yi = codes_of(table, sidecar["y"]["column"], ys)
    v = numeric_of(table, options["value"])
    ok = (xi >= 0) & (yi >= 0)
    flat = yi[ok] * len(xs) + xi[ok]
    size = len(xs) * len(ys)
    n = np.bincount(flat, minlength=size).astype(float)
    total = np.bincount(flat, v[ok], minlength=size)
    agg = {"mean": total / np.where(n > 0, n, 1), "sum": total, "count": n}[options["estimator"]]
    return np.where(n > 0, agg, np.nan).reshape(len(ys), len(xs))


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any]) -> dict:
    """The pivot as colored cells, first y category at the top, values optional."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    grid = pivot(table, sidecar, options)
    norm = Normalize(*sidecar["c"]["lim"])
    cmap = colormaps[options["cmap"]].with_extremes(bad=(0, 0, 0, 0))
    ny, nx = grid.shape
    ax.imshow(
        np.ma.masked_invalid(grid),
        extent=(-0.5, nx - 0.5, -0.5, ny - 0.5),
        origin="lower",
        interpolation="nearest",
        aspect="auto",
        cmap=cmap,
        norm=norm,
    )
    if options["annot"]:
        for (r, c), value in np.ndenumerate(grid):
            if np.isfinite(value):
                shade = cmap(norm(value))
                light = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] > 0.5
                ax.text(
                    c,
                    r,
                    format(value, options["fmt"]),
                    ha="center",
                    va="center",
                    color="black" if light else "white",
                    fontsize=8,
                )
    label = f"{options['estimator']} of {options['value']}"
    return {
        "colorbar": {"cmap": options["cmap"], "norm": "linear", "label": label},
        "invert_y": True,
    }
