"""Titles that fit, measured with matplotlib's text metrics: a tile's title (and margin
title) no longer than its tile, shortened in the middle; the mosaic's title wrapped
onto as many lines as the grid's width asks.

A tile's title is cut to its tile's width (a margin title to its height), keeping
its start and its end with an ellipsis between ("Very long fa…name = x"): a facet
title's start names the variable and its end the value.  The decision depends on
the title, the tile's size and dpi only, so a cell stays a function of itself
(:mod:`tilegrid.mosaic.cells`).  The mosaic's title is wrapped at spaces, a word
wider than the grid broken between characters, as matplotlib's ``wrap=True`` does
(which wraps at the figure's edge; here the edge is the grid's, so the PNG's header
and the one-figure PDF wrap alike).  Nothing is clipped.
"""

from __future__ import annotations

from typing import Any

from .text import TITLE_SIZE, text_renderer_at

ELLIPSIS = "…"


def title_font():
    """The font of an Axes title (``set_title``) under the current style."""
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties

    return FontProperties(
        size=mpl.rcParams["axes.titlesize"], weight=mpl.rcParams["axes.titleweight"]
    )


def margin_font():
    """The font of a margin title (an annotation) under the current style."""
    from matplotlib.font_manager import FontProperties

    return FontProperties()


def suptitle_font():
    """The font of the mosaic's title (:func:`tilegrid.mosaic.side.suptitle`)."""
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties

    return FontProperties(size=TITLE_SIZE, weight=mpl.rcParams["figure.titleweight"])


def text_width(text: str, font, dpi: float) -> float:
    """The width in px of one line of plain ``text`` in ``font`` at ``dpi``."""
    if not text:
        return 0.0
    renderer = text_renderer_at(dpi)
    return float(renderer.get_text_width_height_descent(text, font, ismath=False)[0])


def _cut(text: str, keep: int) -> str:
    """``text``'s first and last characters, ``keep`` in all, with an ellipsis between."""
    head, tail = text[: keep - keep // 2], text[len(text) - keep // 2 :] if keep // 2 else ""
    return head.rstrip() + ELLIPSIS + tail.lstrip()


def middle_ellipsis(text: str, width: float, font, dpi: float) -> str:
    """``text`` if each of its lines is at most ``width`` px wide, else each longer line
    cut to its start and end with an ellipsis between, as many characters as fit."""
    return "\n".join(_shorten_line(line, width, font, dpi) for line in text.split("\n"))


def _shorten_line(line: str, width: float, font, dpi: float) -> str:
    if text_width(line, font, dpi) <= width:
        return line
    lo, hi = 0, len(line) - 1  # characters kept: _cut(line, lo) fits or lo == 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(_cut(line, mid), font, dpi) <= width:
            lo = mid
        else:
            hi = mid - 1
    return _cut(line, lo)


def wrap(text: str, width: float, font, dpi: float) -> str:
    """``text`` with line breaks so that no line is wider than ``width`` px: at spaces,
    and inside a word only where the word alone is wider."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            trial = f"{line} {word}" if line else word
            if text_width(trial, font, dpi) <= width:
                line = trial
                continue
            if line:
                lines.append(line)
            line = word
            while len(line) > 1 and text_width(line, font, dpi) > width:
                cut = _fitting_prefix(line, width, font, dpi)
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return "\n".join(lines)


def _fitting_prefix(word: str, width: float, font, dpi: float) -> int:
    """How many of ``word``'s first characters fit ``width`` px (at least one)."""
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(word[:mid], font, dpi) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


def fit_titles(cells: list[Any]) -> None:
    """Shorten each cell's title to its tile's width and its margin title to its tile's
    height (:func:`middle_ellipsis`); a shortened cell keeps the full text in ``full``."""
    fonts = {"title": title_font(), "margin_title": margin_font()}
    for cell in cells:
        width, height = cell.meta["size_px"]
        for part, room in (("title", width), ("margin_title", height)):
            text = getattr(cell, part)
            short = middle_ellipsis(text, room, fonts[part], cell.meta["dpi"]) if text else text
            if short != text:
                cell.full[part] = text
                setattr(cell, part, short)
