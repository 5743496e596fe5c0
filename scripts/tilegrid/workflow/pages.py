"""The page table job of a paged mosaic (``mosaic.page``): ``results/pages.tsv``, which
tile is on which page, then the tidying a one-page mosaic job does (it runs after
every tile is drawn: they are its inputs)."""

from __future__ import annotations

import os

from ..core.manifest import read_manifest
from ..core.outputs import write_text
from ..core.pages import grid_shape_and_positions, page_count, page_too_big, pages_table
from .tidy import tidy_after_pages


class PageError(ValueError):
    """A page setting the grid cannot take, worded for the user on one line."""


def pages_job(
    manifest_path: str,
    pngs: list[str],
    print_pngs: list[str],
    table: str,
    page: dict[str, int],
    col_wrap: int | None,
    max_tiles: int,
) -> None:
    """Write ``table`` (results/pages.tsv) for the grid of ``manifest_path`` cut into
    ``page``-sized pages; stop with one line when a page would hold more than
    ``max_tiles`` tiles (a side ``page`` leaves out is the whole grid's)."""
    manifest = read_manifest(manifest_path)
    grid, _ = grid_shape_and_positions(manifest, col_wrap)
    if problem := page_too_big(page, max_tiles, grid):
        raise PageError(problem)
    write_text(table, pages_table(manifest, col_wrap, page))
    tidy_after_pages(pngs, print_pngs, os.path.dirname(table), page_count(manifest, col_wrap, page))
