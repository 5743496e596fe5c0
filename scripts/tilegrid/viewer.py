"""The zoomable mosaic page, ``results/mosaic.html``: an image pyramid of the cached tiles.

The pyramid's deepest level is the tiles themselves (``results/tiles/<id>.png``,
embedded as they are).  The coarser levels come in **blocks** of
``BLOCK`` x ``BLOCK`` grid slots: for each level ``k`` (1..3) a block is one
PNG holding its tiles shrunk by ``2**k``, side by side with no gaps.  Each
block is its own job, so a change to one tile redraws only its block's pieces.

The page is one HTML file with everything inside it (the viewer's JavaScript,
its data and every image as a data URI), so it works offline, from ``file://``
and inside ``snakemake --report``.  It places the tiles on a plain grid and
draws the titles, ticks and labels itself, in screen pixels, so they stay
readable at every zoom.  Building it is a concatenation: cheap, done each run.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
from pathlib import Path
from typing import Any

#: grid slots per block side (levels up to log2(BLOCK) fit in one block)
BLOCK = 8
MAX_LEVEL = 3
#: the coarsest level keeps tiles at least this many pixels on their short side
MIN_SIDE_PX = 2
ASSETS = Path(__file__).with_name("viewer")
DEFAULT_TEMPLATES = {
    "template": "{row_var} = {row_name} | {col_var} = {col_name}",
    "row_template": "{row_var} = {row_name}",
    "col_template": "{col_var} = {col_name}",
}


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
    """One block at ``level``: its tiles shrunk and placed at their (row, col); white elsewhere."""
    from PIL import Image

    w, h = level_size(size, level)
    rows = max(r for r, _ in places) + 1
    cols = max(c for _, c in places) + 1
    canvas = Image.new("RGB", (cols * w, rows * h), "white")
    for path, (r, c) in zip(pngs, places):
        with Image.open(path) as tile:
            small = tile.convert("RGB").resize((w, h), Image.Resampling.LANCZOS)
        canvas.paste(small, (c * w, r * h))
    return canvas


def write_block(
    pngs: list[str], places: list[list[int]], tile: dict[str, Any], outputs: list[str]
) -> None:
    """Write a block's levels 1..n to ``outputs`` (one PNG per level, in order)."""
    size = tile_px(tile)
    for level, out in enumerate(outputs, start=1):
        image = block_image(pngs, places, size, level)
        tmp = f"{out}.tmp"
        image.save(tmp, format="PNG")  # no date, no text chunks: same pixels, same bytes
        os.replace(tmp, out)


def _data_uri(path: str) -> str:
    with open(path, "rb") as handle:
        return "data:image/png;base64," + base64.b64encode(handle.read()).decode("ascii")


def _names(facets: dict[str, Any]) -> dict[str, str]:
    names = {"row_var": "", "row_name": "", "col_var": "", "col_name": ""}
    for key in ("row", "col"):
        if key in facets:
            names[f"{key}_var"] = str(facets[key]["var"])
            names[f"{key}_name"] = str(facets[key]["value"])
    return names


def tile_title(facets: dict[str, Any], settings: dict[str, Any]) -> str:
    """A tile's title with the mosaic's templates (one line with every facet value)."""
    templates = {k: settings.get(k) or v for k, v in DEFAULT_TEMPLATES.items()}
    names = _names(facets)
    if "row" in facets and "col" in facets:
        return templates["template"].format(**names)
    if "col" in facets:
        return templates["col_template"].format(**names)
    if "row" in facets:
        return templates["row_template"].format(**names)
    return ""


def page_data(
    manifest: dict[str, Any],
    metas: dict[str, dict[str, Any]],
    settings: dict[str, Any],
    tile: dict[str, Any],
) -> dict[str, Any]:
    """What the page shows, without images: grid, tiles with their facts and axes, legend."""
    shape, slots = grid_slots(manifest, settings.get("col_wrap"))
    size = tile_px(tile)
    tiles = []
    for t, (r, c) in zip(manifest["tiles"], slots):
        meta = metas[t["id"]]
        tiles.append(
            {
                "id": t["id"],
                "row": r,
                "col": c,
                "title": meta.get("title") or tile_title(t["facets"], settings),
                "facets": [[f["var"], f["value"]] for f in t["facets"].values()],
                "rows": t["rows"],
                "x": {k: meta["x"][k] for k in ("lim", "scale", "label", "ticks", "ticklabels")},
                "y": {k: meta["y"][k] for k in ("lim", "scale", "label", "ticks", "ticklabels")},
                "png": f"tiles/{t['id']}.png",
                "log": f"../logs/render/{t['id']}.log",
            }
        )
    wrapped = shape != tuple(manifest["shape"])
    row_names, col_names = [""] * shape[0], [""] * shape[1]
    for t, (r, c) in zip(manifest["tiles"], slots):
        if "row" in t["facets"]:
            row_names[r] = str(t["facets"]["row"]["value"])
        if "col" in t["facets"] and not wrapped:
            col_names[c] = str(t["facets"]["col"]["value"])
    return {
        "title": settings.get("title") or "",
        "shape": list(shape),
        "row_names": row_names,
        "col_names": col_names,
        "tile_px": list(size),
        "block": BLOCK,
        "levels": level_count(size),
        "input_rows": manifest.get("input_rows"),
        "dropped": {k: v for k, v in (manifest.get("dropped") or {}).items() if v},
        "legend": legend(manifest),
        "tiles": tiles,
    }


def legend(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The grid's hue legend (labels and colors), if it has one of labels."""
    found = manifest.get("legend")
    if not found or found.get("type") == "colorbar" or not found.get("labels"):
        return None
    return {
        "title": str(found.get("title") or ""),
        "labels": [str(x) for x in found["labels"]],
        "colors": found["colors"],
    }


def _script_json(obj: Any) -> str:
    """JSON that is safe inside a <script> element."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def write_page(
    manifest_path: str,
    pngs: list[str],
    metas: list[str],
    block_pngs: list[str],
    settings: dict[str, Any],
    tile: dict[str, Any],
    out: str,
) -> None:
    """Write the self-contained page: template, script, data and every image inlined."""
    with open(manifest_path, encoding="utf-8") as handle:
        manifest = json.load(handle)
    tile_metas = {}
    for path in metas:
        with open(path, encoding="utf-8") as handle:
            tile_metas[Path(path).stem] = json.load(handle)
    data = page_data(manifest, tile_metas, settings, tile)
    images = {f"0/{Path(p).stem}": _data_uri(p) for p in pngs}
    for path in block_pngs:  # <block>.<level>.png
        block, level = Path(path).stem.rsplit(".", 1)
        images[f"{level}/{block}"] = _data_uri(path)
    parts = {
        "title": html.escape(data["title"] or "tilegrid mosaic"),
        "css": (ASSETS / "viewer.css").read_text(encoding="utf-8"),
        "data": _script_json(data),
        "images": _script_json(dict(sorted(images.items()))),
        "script": (ASSETS / "viewer.js").read_text(encoding="utf-8"),
    }
    template = (ASSETS / "viewer.html").read_text(encoding="utf-8")
    # one pass, so a facet value that reads "{{script}}" stays text
    page = re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], template)
    tmp = f"{out}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(page)
    os.replace(tmp, out)
    if block_pngs:
        prune_stale_blocks(os.path.dirname(block_pngs[0]), {Path(p).name for p in block_pngs})


def prune_stale_blocks(folder: str, keep: set[str]) -> list[str]:
    """Remove block files the grid no longer has (fewer tiles, another tile size)."""
    stale = sorted(n for n in os.listdir(folder) if n.endswith(".png") and n not in keep)
    for name in stale:
        os.remove(os.path.join(folder, name))
    return stale
