"""Where the workflow's files are, and the lists of them its rules ask for.

Every path is relative to the working folder (Snakemake's ``--directory``); a
module's ``prefix`` applies on top, as Snakemake applies it to rule outputs.
"""

from __future__ import annotations

import os
from typing import Any

EXAMPLE_DATA = "resources/example.parquet"
SHARDS = "results/shards"
#: one folder per input file when the split runs per file (the scan jobs); beside
#: SHARDS: the split removes stale scans there
SCANS = "results/scans"
TILES = "results/tiles"
#: the tiles a pdf or svg mosaic embeds, drawn at mosaic.print_dpi
PRINT_TILES = f"{TILES}/print"
#: the zoomable page's image pyramid, in blocks of tiles
VIEWER = "results/viewer"


def tile_ids(manifest: dict[str, Any]) -> list[str]:
    """Every tile's id, in grid order."""
    return [tile["id"] for tile in manifest["tiles"]]


def tile_pngs(ids: list[str], folder: str = TILES) -> list[str]:
    """The PNG of each tile ``ids`` names, in ``folder``."""
    return [f"{folder}/{tile}.png" for tile in ids]


def mosaic_inputs(ids: list[str], print_tiles: bool) -> dict[str, Any]:
    """The mosaic job's inputs: the manifest, every tile's PNG (its metadata inside) in
    grid order and, with ``print_tiles`` (a pdf or svg mosaic), every print tile's PNG
    (none otherwise, so a PNG-only run draws no print tile)."""
    return {
        "manifest": f"{SHARDS}/manifest.json",
        "pngs": tile_pngs(ids),
        "print_pngs": tile_pngs(ids, PRINT_TILES) if print_tiles else [],
    }


def tile_targets(ids: list[str], print_tiles: bool) -> list[str]:
    """Every tile's PNG as a target of the run, so a tile deleted by hand is drawn again
    (Snakemake does not redraw a missing intermediate file while the final target is up
    to date); the print tiles too with a pdf or svg mosaic."""
    folders = [TILES, PRINT_TILES] if print_tiles else [TILES]
    return [png for folder in folders for png in tile_pngs(ids, folder)]


def block_levels(levels: list[int], block: str = "{block}") -> list[str]:
    """A pyramid block's files, one per shrunk level (with the ``{block}`` wildcard)."""
    return [f"{VIEWER}/{block}.{level}.png" for level in levels]


def viewer_inputs(ids: list[str], blocks: dict[str, Any], levels: list[int]) -> dict[str, Any]:
    """The page's inputs: the manifest, every tile's PNG, every block's levels."""
    return {
        "manifest": f"{SHARDS}/manifest.json",
        "pngs": tile_pngs(ids),
        "blocks": [png for block in blocks for png in block_levels(levels, block)],
    }


def scan_folders(scan_ids: list[str]) -> list[str]:
    """The scan folder of every part of a table split per file, in the table's order."""
    return [f"{SCANS}/{scan}" for scan in scan_ids]


def relative(path: str) -> str:
    """``path`` relative to the working folder when inside it, else absolute: a copied or
    moved folder then names its own files alike (no change of input)."""

    path = os.path.abspath(path)
    rel = os.path.relpath(path)
    return path if rel.startswith(os.pardir) else rel
