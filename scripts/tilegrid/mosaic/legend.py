"""The grid's one legend, as seaborn's ``relplot`` builds it (``add_legend_data`` with
its attributes in relplot's order): the hue's levels, then the style's, then the size's
entries (seaborn's axes-level scatterplot puts size before style; its figure-level
relplot, which draws a grid as tilegrid does, puts style first).

Entries of the same column and label are one entry (``hue`` and ``style`` of one
column: one coloured marker per level); with more than one column the legend has no
title and each column's entries follow a subtitle (an entry without a handle, in the
title's font, as seaborn's ``adjust_legend_subtitles``); with one, it is the title.
Size and style entries are drawn in seaborn's neutral ``".2"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.manifest import Manifest
from ..core.marks import spec_of

#: how each kind's hue levels look in the legend (default: filled patches)
LEGEND_STYLE = {"line": "line", "kde": "line", "ecdf": "line", "point": "line", "scatter": "marker"}
#: the colour of size and style entries (seaborn's)
NEUTRAL = ".2"
#: a legend marker's size in points when no size is mapped (matplotlib's markersize)
MARKER_SIZE = 6.0


def legend_handles(kind: str, colors: list[str]) -> list[Any]:
    """Legend entries in the style the kind draws: filled patches, lines or markers."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    style = LEGEND_STYLE.get(kind, "patch")
    if style == "line":
        return [Line2D([], [], color=c, lw=1.5) for c in colors]
    if style == "marker":
        return [
            Line2D([], [], color=c, marker="o", linestyle="", markersize=MARKER_SIZE)
            for c in colors
        ]
    return [Patch(facecolor=c, edgecolor="#3a3a3a", linewidth=0.8) for c in colors]


def sections(manifest: Manifest) -> list[tuple[str, list[tuple[Any, dict[str, Any]]]]]:
    """``(title, [(label, look), ...])`` for the hue, the style and the size present, in
    that order (relplot's); a look is what its handle draws (colour, area, marker, dashes)."""
    out = []
    hue = manifest.get("legend")
    if hue and hue.get("type") != "colorbar" and hue.get("labels"):
        out.append(
            (hue["title"], [(lab, {"color": c}) for lab, c in zip(hue["labels"], hue["colors"])])
        )
    marks = manifest.get("marks") or {}
    if "style" in marks:
        style = marks["style"]
        looks = [{} for _ in style["labels"]]
        for attribute, key in (("markers", "marker"), ("dashes", "dashes")):
            for look, value in zip(looks, style.get(attribute) or []):
                look[key] = spec_of(value)
        out.append((style["title"], list(zip(style["labels"], looks))))
    if "size" in marks:
        size = marks["size"]
        out.append(
            (size["title"], [(lab, {"s": s}) for lab, s in zip(size["labels"], size["sizes"])])
        )
    return out


def entries(manifest: Manifest) -> tuple[str, list[tuple[str, dict[str, Any] | None]]]:
    """The legend's title and its ``(label, look)`` entries in seaborn's order: entries of
    one column and label merged; a subtitle (look None) before each column's entries
    when there is more than one column."""
    found = sections(manifest)
    titles = list(dict.fromkeys(title for title, _ in found))
    title = titles[0] if len(titles) == 1 else ""
    keys: dict[tuple[str, str], dict[str, Any] | None] = {}
    for column, items in found:
        if not title and (column, None) not in keys:
            keys[(column, None)] = None
        for label, look in items:
            key = (column, str(label))
            keys[key] = {**(keys.get(key) or {}), **look}
    return title, [(key[0] if key[1] is None else key[1], look) for key, look in keys.items()]


def handle(kind: str, look: dict[str, Any] | None) -> Any:
    """The handle of one entry: a marker (scatter) or a line (line) in its look; an
    invisible one for a subtitle."""
    from matplotlib.lines import Line2D

    if look is None:
        return Line2D([], [], visible=False)
    color = look.get("color", NEUTRAL)
    if LEGEND_STYLE.get(kind) == "marker":
        size = np.sqrt(look["s"]) if "s" in look else MARKER_SIZE
        marker = look.get("marker", "o")
        return Line2D([], [], color=color, marker=marker, linestyle="", markersize=size)
    if kind == "line":
        extra: dict[str, Any] = {}
        if look.get("dashes"):
            extra["dashes"] = look["dashes"]
        if look.get("marker") is not None:
            extra.update(marker=look["marker"], markeredgewidth=0.75, markeredgecolor="w")
        return Line2D([], [], color=color, lw=1.5, **extra)
    return legend_handles(kind, [color])[0]


def figure_legend(fig, manifest: Manifest):
    """One legend for the whole grid (seaborn's add_legend): hue, style, size entries."""
    title, items = entries(manifest)
    if not items:
        return None
    kind = manifest.get("kind", "")
    drawn = fig.legend(
        [handle(kind, look) for _, look in items],
        [str(label) for label, _ in items],
        title=title or None,
        loc="center left",
        frameon=False,
    )
    for text in [*drawn.get_texts(), drawn.get_title()]:
        text.set_parse_math(False)  # values as written
    subtitles(drawn, drawn.get_title().get_fontsize())
    return drawn


def subtitles(legend, size: float) -> None:
    """seaborn's ``adjust_legend_subtitles``: an entry with an invisible handle is a
    subtitle, its text in the title's size and no room kept for its handle."""
    from matplotlib.offsetbox import VPacker

    packers = legend.findobj(VPacker)
    if not packers:
        return
    for row in packers[0].get_children():
        area, text = row.get_children()
        if not all(artist.get_visible() for artist in area.get_children()):
            area.set_width(0)
            for t in text.get_children():
                t.set_size(size)
