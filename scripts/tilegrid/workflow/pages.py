"""The page table job of a paged mosaic (``mosaic.page``): ``results/pages.tsv``, which
tile is on which page, then the tidying a one-page mosaic job does (it runs after
every tile is drawn: they are its inputs)."""

from __future__ import annotations

import os

from ..core.manifest import read_manifest
from ..core.outputs import write_text
from ..core.pages import (
    grid_shape_and_positions,
    page_count,
    page_manifests,
    page_too_big,
    pages_table,
)
from .paths import PRINT_TILES, tile_pngs
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


class GridPages:
    """Every page's manifest (``mosaic.page``), cut once per manifest while the DAG is
    built: every page job asks, and a grid of many pages would otherwise read and cut
    the manifest once per page."""

    def __init__(self, col_wrap: int | None, page: dict[str, int] | None):
        self.col_wrap, self.page = col_wrap, page
        self._key: tuple | None = None
        self._pages: list[dict] = []

    def pages(self, manifest_path: str) -> list[dict]:
        """The pages of the grid in ``manifest_path``, each a manifest of its own."""
        stat = os.stat(manifest_path)
        key = (manifest_path, stat.st_mtime_ns, stat.st_size)
        if key != self._key:
            manifest = read_manifest(manifest_path)
            self._pages = page_manifests(manifest, self.col_wrap, self.page)
            self._key = key
        return self._pages

    def page_of(self, manifest_path: str, number: int) -> dict:
        """Page ``number`` (from 1) as a manifest of its own: a page job's parameter, which
        changes only when what the page draws does, not when another page's tile does."""
        return self.pages(manifest_path)[number - 1]

    def inputs(self, manifest_path: str, number: int, svg: bool) -> dict[str, list[str]]:
        """A page job's tiles, and their print versions for an svg page."""
        ids = [tile["id"] for tile in self.page_of(manifest_path, number)["tiles"]]
        return {"pngs": tile_pngs(ids), "print_pngs": tile_pngs(ids, PRINT_TILES) if svg else []}
