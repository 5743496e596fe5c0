"""What the mosaic had to hide, shorten or wrap to fit, said in its log: no label is hidden
silently.

One line per axis look whose tick labels were thinned (which axis, which tiles, how
many labels hidden, and why: how far apart the ticks are against what even turned
labels need), one for the titles shortened in the middle, one for a numeric hue's
colorbar thinned, one for the mosaic's title wrapped.  Every line is derived from the
current cells, settings and layout only (the same decisions the drawing makes, made
again here), so a composited run says what a full draw says.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ..core.manifest import Manifest
from . import ticklabels
from .layout import Layout
from .side import bar_length, hue_ticks

log = logging.getLogger("tilegrid.mosaic")

#: tiles named in one line, at most (then "and N more")
NAMED = 4


def ordinal(n: int) -> str:
    """``n`` as an English ordinal: 2nd, 3rd, 11th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def some(names: list[str]) -> str:
    """At most :data:`NAMED` of ``names``, then how many more."""
    shown = ", ".join(names[:NAMED])
    return shown + (f" and {len(names) - NAMED} more" if len(names) > NAMED else "")


def _why(placed: ticklabels.AxisLabels, name: str) -> str:
    spacing, need = placed.spacing, placed.space.across
    if name == "x":
        return f"ticks {spacing:.1f} px apart, and even turned 90° the labels need {need:.1f} px"
    return f"ticks {spacing:.1f} px apart, and stacked labels need {need:.1f} px"


def thinned_axes(cells: list[Any]) -> list[str]:
    """A line for each axis look whose shown tick labels were thinned, naming its tiles."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for cell in cells:
        for index, name in enumerate("xy"):
            meta = cell.meta[name]
            if not getattr(cell, f"show_{name}ticklabels") or not meta.get("ticklabels"):
                continue
            length = cell.meta["size_px"][index]
            key = json.dumps([name, meta, length, cell.meta["dpi"]], sort_keys=True)
            groups.setdefault((name, key), []).append(cell)
    lines = []
    for (name, _), group in groups.items():
        first = group[0]
        length = first.meta["size_px"]["xy".index(name)]
        placed = ticklabels.fixed_labels(first.meta[name], name, length, first.meta["dpi"])
        if not placed.hidden:
            continue
        label = first.meta[name].get("label") or name
        tiles = f"tile{'s' if len(group) > 1 else ''} {some([c.tile for c in group])}"
        lines.append(
            f"{placed.hidden} of {placed.count} tick labels hidden on the {name} axis "
            f"({label}) of {tiles}: every {ordinal(placed.fit.step)} shown, "
            f"{_why(placed, name)}"
        )
    return lines


def shortened_titles(cells: list[Any]) -> list[str]:
    """A line for the titles and margin titles shortened in the middle to fit their tiles."""
    cut = [
        (cell, part) for cell in cells for part in ("title", "margin_title") if part in cell.full
    ]
    if not cut:
        return []
    examples = [f"{getattr(c, p)!r} for {c.full[p]!r} (tile {c.tile})" for c, p in cut]
    titles = f"{len(cut)} title{'s' if len(cut) > 1 else ''}"
    return [f"shortened {titles} in the middle to fit their tiles: {some(examples)}"]


def thinned_hue_colorbar(manifest: Manifest, layout: Layout, dpi: float) -> list[str]:
    """A line if the numeric hue's colorbar shows only some of its ticks."""
    legend = manifest.get("legend") or {}
    if legend.get("type") != "colorbar" or not legend.get("ticks") or not legend.get("edges"):
        return []
    length = bar_length((len(layout.row_gutters), 0), layout.tile_px, layout.pad)
    ticks, step = hue_ticks(legend, length, dpi)
    if step == 1:
        return []
    need = ticklabels.room(ticklabels.tick_font("y"), dpi).across
    return [
        f"{len(legend['ticks']) - len(ticks)} of {len(legend['ticks'])} tick labels hidden on "
        f"the colorbar of {legend.get('title')}: every {ordinal(step)} shown, on a bar "
        f"{length} px long stacked labels need {need:.1f} px each"
    ]


def wrapped_title(title: str | None, layout: Layout) -> list[str]:
    """A line if the mosaic's title was wrapped to the grid's width."""
    if not title or layout.title == title:
        return []
    lines = layout.title.count("\n") + 1
    width = layout.grid_right - layout.outer
    return [f"the title is wrapped onto {lines} lines to fit the grid's {width} px"]


def say(cells: list[Any], layout: Layout, manifest: Manifest, title: str | None) -> None:
    """Log what the mosaic of ``cells`` (laid out as ``layout``) hid, shortened or wrapped."""
    if not cells:
        return
    dpi = cells[0].meta["dpi"]
    hidden = thinned_axes(cells) + thinned_hue_colorbar(manifest, layout, dpi)
    for line in hidden + shortened_titles(cells):
        log.warning("%s", line)
    for line in wrapped_title(title, layout):
        log.info("%s", line)
