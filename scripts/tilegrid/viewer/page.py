"""The zoomable mosaic page, ``results/mosaic.html``: an image pyramid of the cached tiles.

The pyramid's deepest level is the tiles themselves (``results/tiles/<id>.png``,
embedded as they are, their metadata chunk included).  The coarser levels come in **blocks** of
``BLOCK`` x ``BLOCK`` grid slots: for each level ``k`` (1..3) a block is one
PNG holding its tiles shrunk by ``2**k``, side by side with no gaps.  Each
block is its own job, so a change to one tile redraws only its block's pieces.

The page is one HTML file with everything inside it (the viewer's JavaScript,
its data and every image as a data URI), so it works offline, from ``file://``
and inside ``snakemake --report``.  It places the tiles on a plain grid and
draws the titles, ticks, labels, legend and colorbars itself, in screen pixels,
so they stay readable at every zoom.  Building it is a concatenation: cheap,
done each run.

Colorbars reach the page as data, the same scales the static mosaic draws
(``tilegrid.mosaic``): colormap samples from bottom to top, and ticks as
(fraction of the bar's height, label).  A grid whose tiles share a color scale
(``sharec``) and a numeric ``hue`` get one colorbar each beside the grid; tiles
with scales of their own get theirs beside the tile.
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

from ..core.outputs import write_text, writing
from ..core.tilemeta import read_tile_bytes, read_tile_image, read_tile_meta

log = logging.getLogger("tilegrid.viewer")

#: grid slots per block side (levels up to log2(BLOCK) fit in one block)
BLOCK = 8
MAX_LEVEL = 3
#: the coarsest level keeps tiles at least this many pixels on their short side
MIN_SIDE_PX = 2
#: colormap samples in a colorbar (as many as a numeric hue's colorbar has)
COLOR_SAMPLES = 256
#: at most this many intervals between a colorbar's ticks
TICK_BINS = 5
#: the longest data: URL Chromium (so Chrome and Edge) loads into a frame; the page
#: inside ``snakemake --report report.html`` is one (report.zip keeps it as a file)
REPORT_URL_LIMIT = 2 * 1024 * 1024
_SUPERSCRIPT = str.maketrans("-−0123456789", "⁻⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
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


def colormap_samples(name: str) -> list[str]:
    """``COLOR_SAMPLES`` colors of the colormap ``name``, from its low end to its high end."""
    import numpy as np
    from matplotlib.colors import to_hex

    from ..core.palettes import colormap

    return [to_hex(c) for c in colormap(name)(np.linspace(0, 1, COLOR_SAMPLES))]


def tick_values(lo: float, hi: float, logscale: bool = False) -> list[float]:
    """Round tick values inside [lo, hi]: decades on a log scale when two fit, else steps
    of 1, 2, 2.5 or 5 times a power of ten (matplotlib's locators)."""
    from matplotlib.ticker import LogLocator, MaxNLocator

    def inside(values) -> list[float]:
        slack = (hi - lo) * 1e-9
        return [float(v) for v in values if lo - slack <= v <= hi + slack]

    if logscale and lo > 0:
        for subs in ((1.0,), (1.0, 2.0, 5.0)):
            found = inside(LogLocator(subs=subs).tick_values(lo, hi))
            if len(found) >= 2:
                return found
    return inside(MaxNLocator(nbins=TICK_BINS, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi))


def tick_labels(values: list[float], lo: float, hi: float, logscale: bool = False) -> list[str]:
    """Tick labels as matplotlib writes them: plain numbers, or ``10²``/``2×10²`` on a log scale."""
    from matplotlib.ticker import ScalarFormatter

    if logscale:
        labels = []
        for v in values:
            exp = math.floor(math.log10(v) + 1e-9)
            mantissa = round(v / 10**exp, 6)
            power = "10" + str(exp).translate(_SUPERSCRIPT)
            labels.append(power if mantissa == 1 else f"{mantissa:g}×{power}")
        return labels
    formatter = ScalarFormatter(useOffset=False)
    formatter.set_scientific(False)
    formatter.create_dummy_axis()
    formatter.axis.set_view_interval(lo, hi)
    return [str(x) for x in formatter.format_ticks(values)]


def _ticks(values: list[float], fractions, lo: float, hi: float, logscale: bool) -> list[list[Any]]:
    labels = tick_labels(values, lo, hi, logscale)
    return [[round(float(f), 6), text] for f, text in zip(fractions, labels)]


def scale_colorbar(info: dict[str, Any]) -> dict[str, Any]:
    """A kind's color scale (a TileMeta ``colorbar``) as the page draws it, with the
    norm the static mosaic uses (:func:`tilegrid.core.colornorms.color_norm`)."""
    from ..core.colornorms import color_norm

    norm = color_norm(info)
    lo, hi = float(norm.vmin), float(norm.vmax)
    logscale = info.get("norm") == "log"
    if hi > lo:
        values = tick_values(lo, hi, logscale)
        ticks = _ticks(values, [norm(v) for v in values], lo, hi, logscale)
    else:  # one value: one tick, the value as given
        ticks = [[0.0, f"{float(info['lim'][0]):g}".replace("-", "−")]]
    return {
        "label": str(info.get("label") or ""),
        "cmap": str(info.get("cmap") or "viridis"),
        "lim": [lo, hi],
        "norm": "log" if logscale else "linear",
        "ticks": ticks,
    }


def hue_colorbar(found: dict[str, Any] | None) -> dict[str, Any] | None:
    """A numeric hue's colorbar (the manifest's legend of type colorbar), as the page
    draws it: steps of equal height at ``edges``, or the colormap's samples over ``lim``
    (as :func:`tilegrid.mosaic.side.hue_mappable`)."""
    import numpy as np

    if not found or found.get("type") != "colorbar" or not found.get("colors"):
        return None
    if found.get("edges"):
        edges = [float(e) for e in found["edges"]]
        lo, hi = edges[0], edges[-1]
        values = [float(v) for v in found.get("ticks") or edges]
        fractions = np.interp(values, edges, np.linspace(0, 1, len(edges)))
        norm = "steps"
    else:
        lo, hi = (float(v) for v in found["lim"])
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        values = [float(v) for v in found.get("ticks") or tick_values(lo, hi)]
        fractions = [(v - lo) / (hi - lo) for v in values]
        norm = "linear"
    return {
        "label": str(found.get("title") or ""),
        "colors": list(found["colors"]),
        "lim": [lo, hi],
        "norm": norm,
        "ticks": _ticks(values, fractions, lo, hi, False),
    }


def colorbars(
    manifest: dict[str, Any], metas: dict[str, dict[str, Any]], tiles: list[dict[str, Any]]
) -> dict[str, Any]:
    """The page's colorbars, as the static mosaic draws them.

    ``colorbars``: the grid's, beside it (a shared color scale, then a numeric hue);
    ``cmaps``: the samples of the colormaps that tiles with a scale of their own name
    (each such tile in ``tiles`` gets its ``colorbar``).
    """
    side, cmaps = [], {}
    infos = [(t, metas[t["id"]].get("colorbar")) for t in tiles]
    infos = [(t, info) for t, info in infos if info]
    if infos and infos[0][1].get("shared", True):
        bar = scale_colorbar(infos[0][1])
        bar["colors"] = colormap_samples(bar.pop("cmap"))
        side.append(bar)
    else:
        for tile, info in infos:
            tile["colorbar"] = scale_colorbar(info)
            name = tile["colorbar"]["cmap"]
            if name not in cmaps:
                cmaps[name] = colormap_samples(name)
    hue = hue_colorbar(manifest.get("legend"))
    if hue:
        side.append(hue)
    return {"colorbars": side, "cmaps": cmaps}


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


def prune_stale_blocks(folder: str, keep: set[str]) -> list[str]:
    """Remove block files the grid no longer has (fewer tiles, another tile size)."""
    stale = sorted(n for n in os.listdir(folder) if n.endswith(".png") and n not in keep)
    for name in stale:
        os.remove(os.path.join(folder, name))
    return stale
