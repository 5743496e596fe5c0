"""The page's colorbars: the same scales the static mosaic draws, as data.

Colorbars reach the page as data (``tilegrid.mosaic``'s scales): colormap samples
from bottom to top, and ticks as (fraction of the bar's height, label).  A grid
whose tiles share a color scale (``sharec``) and a numeric ``hue`` get one colorbar
each beside the grid; tiles with scales of their own get theirs beside the tile.
The page's script draws them (:mod:`tilegrid.viewer.page`).
"""

from __future__ import annotations

import math
from typing import Any

from ..core.colornorms import color_norm
from ..core.palettes import colormap

#: colormap samples in a colorbar (as many as a numeric hue's colorbar has)
COLOR_SAMPLES = 256
#: at most this many intervals between a colorbar's ticks
TICK_BINS = 5
_SUPERSCRIPT = str.maketrans("-−0123456789", "⁻⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def colormap_samples(name: str) -> list[str]:
    """``COLOR_SAMPLES`` colors of the colormap ``name``, from its low end to its high end."""
    import numpy as np
    from matplotlib.colors import to_hex

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
