"""Pages of a grid too big for one figure (``mosaic.page: {rows: R, cols: C}``).

The grid, as the mosaic lays it out (``col_wrap`` applied), is cut into blocks of
R grid rows by C grid columns (a side left out: the whole grid's), numbered 1, 2, ...
in reading order: block row by block row, left to right.  A block with no tile is
no page; the last blocks of a side may be partial (a page of fewer rows or columns).
Each page is a grid of its own for the mosaic (:func:`page_manifest`): its own
titles, tick and axis labels, and the grid's one legend or colorbar.  Pure
functions, no drawing (the workflow imports them while it parses): the rules ask
them which tiles a page job reads, the mosaic where each tile sits.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any, NamedTuple

from .manifest import Manifest

#: with pages, the grid may have this many times ``facet.max_tiles`` tiles: the limit
#: then guards only against a facet on an ID column (a page holds at most max_tiles)
PAGED_TILE_FACTOR = 100
#: the columns of ``results/pages.tsv``
PAGES_COLUMNS = ("page", "row", "col", "tile", "row_var", "row_name", "col_var", "col_name")


class Page(NamedTuple):
    """One page: its grid rows and columns, its tiles as (index in the manifest, row, col)."""

    shape: tuple[int, int]
    tiles: list[tuple[int, int, int]]


def grid_shape_and_positions(
    manifest: Manifest, col_wrap: int | None
) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    """Grid shape and each manifest tile's (row, col) slot, wrapping columns if asked."""
    tiles = manifest["tiles"]
    if manifest.get("col") and not manifest.get("row") and col_wrap:
        n = len(tiles)
        ncols = min(col_wrap, n)
        slots = [(t["col_index"] // col_wrap, t["col_index"] % col_wrap) for t in tiles]
        return (math.ceil(n / ncols), ncols), slots
    slots = [(t["row_index"] or 0, t["col_index"] or 0) for t in tiles]
    return tuple(manifest["shape"]), slots


def block_size(page: dict[str, int], grid: tuple[int, int]) -> tuple[int, int]:
    """A page's grid rows and columns: ``page``'s, a side it leaves out the whole grid's."""
    return page.get("rows") or grid[0], page.get("cols") or grid[1]


def paginate(manifest: Manifest, col_wrap: int | None, page: dict[str, int]) -> list[Page]:
    """The pages in order, each with its shape and its tiles (index in the manifest, row
    and column on the page) in manifest order."""
    grid, slots = grid_shape_and_positions(manifest, col_wrap)
    rows, cols = block_size(page, grid)
    blocks: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for index, (r, c) in enumerate(slots):
        blocks.setdefault((r // rows, c // cols), []).append((index, r % rows, c % cols))
    return [
        Page(
            (min(rows, grid[0] - br * rows), min(cols, grid[1] - bc * cols)),
            blocks[(br, bc)],
        )
        for br, bc in sorted(blocks)
    ]


def page_count(manifest: Manifest, col_wrap: int | None, page: dict[str, int]) -> int:
    """How many pages the grid takes."""
    return len(paginate(manifest, col_wrap, page))


def page_manifest(
    manifest: Manifest, col_wrap: int | None, page: dict[str, int], number: int
) -> dict[str, Any]:
    """Page ``number`` (from 1) as a manifest of its own: its tiles at their places on the
    page (a wrapped grid's as a plain one), the page's shape, the grid's facets, kind
    and legend; nothing else (no row counts), so a page job's parameter changes only
    when what the page draws does."""
    return page_manifests(manifest, col_wrap, page)[number - 1]


def page_manifests(
    manifest: Manifest, col_wrap: int | None, page: dict[str, int]
) -> list[dict[str, Any]]:
    """Every page's manifest (:func:`page_manifest`), in page order, cut in one pass."""
    tiles = manifest["tiles"]
    pages = []
    for one in paginate(manifest, col_wrap, page):
        out: dict[str, Any] = {
            "row": manifest.get("row"),
            "col": manifest.get("col"),
            "shape": list(one.shape),
            "kind": manifest.get("kind"),
            "tiles": [
                {"id": tiles[i]["id"], "row_index": r, "col_index": c, "facets": tiles[i]["facets"]}
                for i, r, c in one.tiles
            ],
        }
        for key in ("legend", "marks"):  # the grid's one legend, on every page
            if key in manifest:
                out[key] = manifest[key]
        pages.append(out)
    return pages


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def pages_table(manifest: Manifest, col_wrap: int | None, page: dict[str, int]) -> str:
    """``results/pages.tsv``: one line per tile (grid order within each page), which page
    it is on, its row and column there (from 1), its id and facet values."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(PAGES_COLUMNS)
    tiles = manifest["tiles"]
    for number, one in enumerate(paginate(manifest, col_wrap, page), start=1):
        for i, r, c in one.tiles:
            facets = tiles[i]["facets"]
            row, col = facets.get("row") or {}, facets.get("col") or {}
            writer.writerow(
                [
                    number,
                    r + 1,
                    c + 1,
                    tiles[i]["id"],
                    _text(row.get("var")),
                    _text(row.get("value")),
                    _text(col.get("var")),
                    _text(col.get("value")),
                ]
            )
    return out.getvalue()


def grid_tile_limit(page: dict[str, int] | None, max_tiles: int) -> int:
    """The split's limit of the grid's tiles: ``max_tiles`` without pages, else
    :data:`PAGED_TILE_FACTOR` times it (a page holds at most max_tiles)."""
    return max_tiles if not page else max_tiles * PAGED_TILE_FACTOR


def page_too_big(
    page: dict[str, int] | None, max_tiles: int, grid: tuple[int, int] | None = None
) -> str | None:
    """Why ``page`` cannot be: more than ``max_tiles`` slots a page (a side ``page`` leaves
    out is the ``grid``'s, unknown without it), or None."""
    if not page:
        return None
    rows, cols = page.get("rows"), page.get("cols")
    if grid is not None:
        rows, cols = block_size(page, grid)
    if rows and cols and rows * cols > max_tiles:
        return (
            f"config key 'mosaic.page': pages of {rows} x {cols} = {rows * cols} tiles exceed "
            f"facet.max_tiles ({max_tiles}); make the pages smaller"
        )
    return None
