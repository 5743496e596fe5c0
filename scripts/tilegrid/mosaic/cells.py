"""The mosaic's cells: each tile's place in the grid and what decorates it, decided
from the manifest, the tiles' metadata and the mosaic's settings (no drawing here).

A cell's decorations are its spines, ticks and tick labels, the axis labels it
carries, its title, its margin title and (with ``sharec: false``) its own
colorbar: :func:`make_cells` decides them for every tile, seaborn's way (tick
labels only on outer axes where an axis is shared, axis labels once per grid row
and column, titles from the templates), and :func:`cell_key` digests them, so
the mosaic knows which cells a change touches.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ..core.manifest import Manifest
from ..core.pages import grid_shape_and_positions
from ..core.tilemeta import TileMeta
from .titles import fit_titles

DEFAULT_TEMPLATES = {
    "template": "{row_var} = {row_name} | {col_var} = {col_name}",
    "row_template": "{row_var} = {row_name}",
    "col_template": "{col_var} = {col_name}",
}
#: what a TileMeta holds that the mosaic does not draw
UNDRAWN_META = ("rows",)


@dataclass
class Cell:
    """One tile's place in the grid and what decorates it."""

    tile: str
    row: int
    col: int
    meta: TileMeta
    facets: dict[str, Any]
    show_xticklabels: bool = True
    show_yticklabels: bool = True
    xlabel: str = ""
    ylabel: str = ""
    title: str = ""
    margin_title: str = ""
    #: whether the tile's colour scale is its own (``sharec: false``): a colorbar beside it
    own_colorbar: bool = False
    #: the Axes that draws this tile's decorations, shared with the tiles that look alike
    ax: Any = field(default=None, repr=False)
    #: the tile's data area as a figure fraction (left, bottom, width, height)
    rect: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    #: the full text of a title or margin title shortened to fit (by part), for the log
    full: dict[str, str] = field(default_factory=dict)


def look(cell: Cell) -> str:
    """What decides a tile's axes but its title: tiles with the same look share an Axes."""
    parts = {
        "x": cell.meta["x"],
        "y": cell.meta["y"],
        "size": cell.meta["size_px"],
        "dpi": cell.meta["dpi"],
        "colorbar": [cell.meta.get("colorbar"), cell.own_colorbar],
        "labels": [cell.show_xticklabels, cell.show_yticklabels, cell.xlabel, cell.ylabel],
        "margin_title": cell.margin_title,
    }
    return json.dumps(parts, sort_keys=True, default=repr)


def cell_key(cell: Cell) -> str:
    """A digest of everything that decides how ``cell`` is drawn but its tile's pixels:
    its look and its title (not its place in the grid, nor the tile's row count)."""
    drawn = {k: v for k, v in cell.meta.items() if k not in UNDRAWN_META}
    parts = {"look": look(cell), "title": cell.title, "meta": drawn}
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def same_axis(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two axes of tiles are drawn alike: limits, scale, ticks and tick labels."""
    keys = ("lim", "scale", "ticks", "ticklabels")
    return all(a.get(k) == b.get(k) for k in keys)


def outer_flags(cells: list[Cell], sharex, sharey) -> None:
    """Tick labels only on outer axes where the axis is shared, as seaborn does.

    A tile shows x tick labels unless x is shared and the tile below it has the
    same x axis; likewise y with the tile to its left.  A tile above an empty
    slot is a bottom tile.
    """
    at = {(c.row, c.col): c for c in cells}
    for cell in cells:
        below = at.get((cell.row + 1, cell.col))
        left = at.get((cell.row, cell.col - 1))
        cell.show_xticklabels = not (
            sharex is not False and below is not None and same_axis(cell.meta["x"], below.meta["x"])
        )
        cell.show_yticklabels = not (
            sharey is not False and left is not None and same_axis(cell.meta["y"], left.meta["y"])
        )


def _names(facets: dict[str, Any]) -> dict[str, Any]:
    names = {"row_var": "", "row_name": "", "col_var": "", "col_name": ""}
    for key in ("row", "col"):
        if key in facets:
            names[f"{key}_var"] = facets[key]["var"]
            names[f"{key}_name"] = facets[key]["value"]
    return names


def assign_titles(cells: list[Cell], settings: dict[str, Any], grid: tuple[int, int]) -> None:
    """Titles in seaborn's style: one per tile, or margin titles on the top row and right side."""
    templates = {k: settings.get(k) or v for k, v in DEFAULT_TEMPLATES.items()}
    for cell in cells:
        names = _names(cell.facets)
        has_row, has_col = "row" in cell.facets, "col" in cell.facets
        if settings.get("margin_titles") and has_row:
            if has_col and cell.row == 0:
                cell.title = templates["col_template"].format(**names)
            if cell.col == grid[1] - 1:
                cell.margin_title = templates["row_template"].format(**names)
        elif has_row and has_col:
            cell.title = templates["template"].format(**names)
        elif has_col:
            cell.title = templates["col_template"].format(**names)
        elif has_row:
            cell.title = templates["row_template"].format(**names)
        if cell.meta.get("title"):
            cell.title = cell.meta["title"]


def assign_labels(cells: list[Cell], settings: dict[str, Any]) -> None:
    """Axis labels once per grid row (y, left column) and column (x, bottom tiles)."""
    left_col = {}
    for cell in cells:
        left_col[cell.row] = min(left_col.get(cell.row, cell.col), cell.col)
    has_below = {(c.row - 1, c.col) for c in cells}
    for cell in cells:
        if (cell.row, cell.col) not in has_below:
            cell.xlabel = settings.get("xlabel") or cell.meta["x"]["label"]
        if cell.col == left_col[cell.row]:
            cell.ylabel = settings.get("ylabel") or cell.meta["y"]["label"]


def own_colorbars(cells: list[Cell]) -> None:
    """Mark the cells that draw a colorbar of their own: those with a colour scale when
    the grid's scales are not shared (``sharec: false``); a shared one is drawn once,
    beside the grid."""
    infos = [c.meta.get("colorbar") for c in cells if c.meta.get("colorbar")]
    own = bool(infos) and not infos[0].get("shared", True)
    for cell in cells:
        cell.own_colorbar = own and bool(cell.meta.get("colorbar"))


def make_cells(
    manifest: Manifest,
    metas: dict[str, TileMeta],
    settings: dict[str, Any],
    sharex: bool | str = True,
    sharey: bool | str = True,
) -> tuple[tuple[int, int], list[Cell]]:
    """The grid's shape and its cells in manifest order, each with all that decorates it."""
    grid, slots = grid_shape_and_positions(manifest, settings.get("col_wrap"))
    cells = [
        Cell(t["id"], r, c, metas[t["id"]], t["facets"])
        for t, (r, c) in zip(manifest["tiles"], slots)
    ]
    outer_flags(cells, sharex, sharey)
    assign_titles(cells, settings, grid)
    fit_titles(cells)
    assign_labels(cells, settings)
    own_colorbars(cells)
    return grid, cells
