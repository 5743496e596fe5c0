"""The viewer's image pyramid: the grid cut into blocks of ``BLOCK`` x ``BLOCK`` slots.

The pyramid's deepest level is the tiles themselves (``results/tiles/<id>.png``,
embedded in the page as they are).  The coarser levels come in **blocks** of
``BLOCK`` x ``BLOCK`` grid slots: for each level ``k`` (1..3) a block is one PNG
holding its tiles shrunk by ``2**k``, side by side with no gaps.  Each block is
its own job (``rules/viewer.smk``), so a change to one tile redraws only its
block's pieces; the page (:mod:`tilegrid.viewer.page`) places them.
"""

from __future__ import annotations

import math
import os
from typing import Any

from ..core.outputs import writing
from ..core.tilemeta import read_tile_image

#: grid slots per block side (levels up to log2(BLOCK) fit in one block)
BLOCK = 8
MAX_LEVEL = 3
#: the coarsest level keeps tiles at least this many pixels on their short side
MIN_SIDE_PX = 2


def tile_px(tile: dict[str, Any]) -> tuple[int, int]:
    """Width and height of a tile in pixels, from the ``tile:`` config (as the render jobs)."""
    return round(tile["height"] * tile["aspect"] * tile["dpi"]), round(tile["height"] * tile["dpi"])


def level_count(size: tuple[int, int]) -> int:
    """How many shrunk levels (1..MAX_LEVEL) a tile of ``size`` px gets."""
    short = min(size)
    return max(1, min(MAX_LEVEL, int(math.log2(max(short / MIN_SIDE_PX, 1)))))


def level_size(size: tuple[int, int], level: int) -> tuple[int, int]:
    """A tile's size in pixels at ``level`` (0: native; each level halves, rounded up)."""
    return math.ceil(size[0] / 2**level), math.ceil(size[1] / 2**level)


def grid_slots(
    manifest: dict[str, Any], col_wrap: int | None
) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    """Grid shape and each manifest tile's (row, col) slot, wrapping columns as the mosaic does."""
    tiles = manifest["tiles"]
    if manifest.get("col") and not manifest.get("row") and col_wrap:
        ncols = min(col_wrap, len(tiles))
        slots = [(t["col_index"] // col_wrap, t["col_index"] % col_wrap) for t in tiles]
        return (math.ceil(len(tiles) / ncols), ncols), slots
    slots = [(t["row_index"] or 0, t["col_index"] or 0) for t in tiles]
    return tuple(manifest["shape"]), slots


def block_name(slot: tuple[int, int]) -> str:
    """The block of a grid slot, as ``<block row>-<block col>``."""
    return f"{slot[0] // BLOCK}-{slot[1] // BLOCK}"


def blocks(manifest: dict[str, Any], col_wrap: int | None) -> dict[str, list[tuple[str, int, int]]]:
    """Each block's tiles as (id, row, col) within the block, in grid order."""
    _, slots = grid_slots(manifest, col_wrap)
    out: dict[str, list[tuple[str, int, int]]] = {}
    for tile, (r, c) in zip(manifest["tiles"], slots):
        out.setdefault(block_name((r, c)), []).append((tile["id"], r % BLOCK, c % BLOCK))
    return out


def block_image(pngs: list[str], places: list[list[int]], size: tuple[int, int], level: int):
    """One block at ``level``: its tiles shrunk and placed at their (row, col); white elsewhere.

    A damaged tile PNG is a TileMetaError naming it
    (:func:`tilegrid.core.tilemeta.read_tile_image`).
    """
    from PIL import Image

    w, h = level_size(size, level)
    rows = max(r for r, _ in places) + 1
    cols = max(c for _, c in places) + 1
    canvas = Image.new("RGB", (cols * w, rows * h), "white")
    for path, (r, c) in zip(pngs, places):
        small = read_tile_image(
            path, lambda tile: tile.convert("RGB").resize((w, h), Image.Resampling.LANCZOS)
        )
        canvas.paste(small, (c * w, r * h))
    return canvas


def write_block(
    pngs: list[str], places: list[list[int]], tile: dict[str, Any], outputs: list[str]
) -> None:
    """Write a block's levels 1..n to ``outputs`` (one PNG per level, in order)."""
    size = tile_px(tile)
    for level, out in enumerate(outputs, start=1):
        image = block_image(pngs, places, size, level)
        with writing(out) as tmp:
            image.save(tmp, format="PNG")  # no date, no text chunks: same pixels, same bytes


def prune_stale_blocks(folder: str, keep: set[str]) -> list[str]:
    """Remove block files the grid no longer has (fewer tiles, another tile size)."""
    stale = sorted(n for n in os.listdir(folder) if n.endswith(".png") and n not in keep)
    for name in stale:
        os.remove(os.path.join(folder, name))
    return stale
