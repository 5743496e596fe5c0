"""The zoomable mosaic page, ``results/mosaic.html``: the tiles and the image pyramid's
blocks (:mod:`tilegrid.viewer.blocks`), with everything the page draws around them.

The page is one HTML file with everything inside it (the viewer's JavaScript,
its data and every image as a data URI; the tiles embedded as they are, their
metadata chunk included), so it works offline, from ``file://`` and inside
``snakemake --report``.  It places the tiles on a plain grid and draws the
titles, ticks, labels, legend and colorbars (:mod:`tilegrid.viewer.colorbars`)
itself, in screen pixels, so they stay readable at every zoom.  Building it is a
concatenation: cheap, done each run.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import math
import os
import re
from pathlib import Path
from typing import Any

from ..core.outputs import write_text
from ..core.tilemeta import read_tile_bytes, read_tile_meta
from .blocks import BLOCK, grid_slots, level_count, prune_stale_blocks, tile_px
from .colorbars import colorbars

log = logging.getLogger("tilegrid.viewer")

#: the longest data: URL Chromium (so Chrome and Edge) loads into a frame; the page
#: inside ``snakemake --report report.html`` is one (report.zip keeps it as a file)
REPORT_URL_LIMIT = 2 * 1024 * 1024
ASSETS = Path(__file__).with_name("assets")
#: why a tile's rows were dropped, in plain words (the manifest's tile reasons)
DROP_WORDS = {
    "missing_category": "missing category",
    "category_not_in_order": "category not in order",
    "non_finite": "missing or non-finite number",
}
DEFAULT_TEMPLATES = {
    "template": "{row_var} = {row_name} | {col_var} = {col_name}",
    "row_template": "{row_var} = {row_name}",
    "col_template": "{col_var} = {col_name}",
}


def _data_uri(path: str) -> str:
    with open(path, "rb") as handle:
        return _png_uri(handle.read())


def _png_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


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


def drop_summary(dropped: dict[str, int] | None) -> str | None:
    """A tile's dropped rows in plain words, or None if none: the total, then each
    reason's count, ``"12: 10 missing or non-finite number, 2 category not in order"``."""
    counts = {reason: n for reason, n in (dropped or {}).items() if n}
    if not counts:
        return None
    reasons = ", ".join(
        f"{n:,} {DROP_WORDS.get(reason, reason.replace('_', ' '))}" for reason, n in counts.items()
    )
    return f"{sum(counts.values()):,}: {reasons}"


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
        summary = drop_summary(t.get("dropped"))
        if summary:  # none: no key (the page of clean data is as it was)
            tiles[-1]["dropped"] = summary
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
        **colorbars(manifest, metas, tiles),
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
    block_pngs: list[str],
    settings: dict[str, Any],
    tile: dict[str, Any],
    out: str,
) -> None:
    """Write the self-contained page: template, script, data and every image inlined.

    Each tile's metadata is read from its PNG (:func:`tilegrid.core.tilemeta.read_tile_meta`),
    and each PNG is checked whole before it is embedded
    (:func:`tilegrid.core.tilemeta.read_tile_bytes`): a damaged tile is a TileMetaError naming it.
    """
    with open(manifest_path, encoding="utf-8") as handle:
        manifest = json.load(handle)
    tile_metas = {Path(path).stem: read_tile_meta(path) for path in pngs}
    data = page_data(manifest, tile_metas, settings, tile)
    images = {f"0/{Path(p).stem}": _png_uri(read_tile_bytes(p)) for p in pngs}
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
    write_text(out, page)
    size, name = os.path.getsize(out), os.path.basename(out)
    if not fits_report_html(size, name):
        log.warning(
            f"{out} is {size / 2**20:.2f} MiB: inside `snakemake --report report.html` "
            f"Chromium-based browsers show it only up to {report_html_limit(name) / 2**20:.2f} "
            "MiB; use `snakemake --report report.zip`, or open the file itself"
        )
    if block_pngs:
        prune_stale_blocks(os.path.dirname(block_pngs[0]), {Path(p).name for p in block_pngs})


def report_data_url_length(size: int, filename: str = "mosaic.html") -> int:
    """Length of the data: URL ``snakemake --report report.html`` makes of a page of ``size``
    bytes (``snakemake.report.common.data_uri``: base64 after a header naming the file)."""
    header = f"data:text/html;charset=utf8;filename={filename};base64,"
    return len(header) + 4 * math.ceil(size / 3)


def fits_report_html(size: int, filename: str = "mosaic.html") -> bool:
    """Whether a page of ``size`` bytes shows inside report.html in a Chromium-based browser."""
    return report_data_url_length(size, filename) <= REPORT_URL_LIMIT


def report_html_limit(filename: str = "mosaic.html") -> int:
    """The largest page (bytes) that shows inside report.html in a Chromium-based browser."""
    return (REPORT_URL_LIMIT - report_data_url_length(0, filename)) // 4 * 3
