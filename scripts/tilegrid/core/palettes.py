"""Hue colors (seaborn's hue mapping): palettes and colormaps as every stage reads them.

The split decides the mapping once for the whole grid (a numeric hue's groups:
:mod:`tilegrid.split.hues`).

*Categorical hue* (a text, boolean, date or categorical column; or any column
with ``hue_order``, or with a list, a dict or a qualitative ``palette``, as
seaborn decides): one color per level, from seaborn's "deep" palette (an even
sample of viridis above ten levels), a palette or colormap name, a list of
colors (cycled) or a ``{level: color}`` dict that must name every level.

*Numeric hue* (an integer or float column otherwise): colors are a function of
the value, through a continuous colormap normalised to the grid-wide
``[lo, hi]`` of the column: seaborn's default cubehelix (``"ch:"``, with
seaborn's ``"ch:s=.25,rot=-.25"`` parameters) or the matplotlib colormap named
by ``palette``.  The mosaic draws one colorbar titled with the column.

Kinds that draw one element per hue level draw one per *hue group* of a numeric hue
(:mod:`tilegrid.split.hues`); scatter colors each point by its own value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: seaborn's "deep" palette, its default for up to ten categories
DEEP = [
    "#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3",
    "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd",
]  # fmt: skip
NAMED = {"deep": DEEP}
#: palettes that make a numeric hue categorical (seaborn's QUAL_PALETTES)
QUALITATIVE = (
    "deep", "muted", "pastel", "bright", "dark", "colorblind",
    "deep6", "muted6", "pastel6", "bright6", "dark6", "colorblind6",
    "Accent", "Dark2", "Paired", "Pastel1", "Pastel2", "Set1", "Set2", "Set3",
    "tab10", "tab20", "tab20b", "tab20c",
)  # fmt: skip
#: seaborn's default colormap for a numeric hue
DEFAULT_CMAP = "ch:"
_CUBEHELIX_KEYS = {"s": "start", "r": "rot", "g": "gamma", "h": "hue", "l": "light", "d": "dark"}
_CUBEHELIX_ARGS = ("start", "rot", "gamma", "hue", "light", "dark")


class PaletteError(ValueError):
    """A palette that cannot color the hue, worded for the user (names ``plot.palette``)."""


# ---------------------------------------------------------------- which mapping


def hue_is_numeric(dtype: Any, palette: Any = None, hue_order: Any = None) -> bool:
    """Whether a hue column of Arrow type ``dtype`` gets a continuous colormap.

    As seaborn: numbers (integers and floats, not booleans) unless the palette
    is a list, a dict or a qualitative palette name; and, here, unless
    ``hue_order`` lists the levels.  A dictionary-encoded column is categorical
    (pandas' ``category`` dtype).
    """
    import pyarrow as pa

    if hue_order is not None or isinstance(palette, (list, tuple, dict)):
        return False
    if isinstance(palette, str) and palette in QUALITATIVE:
        return False
    return pa.types.is_integer(dtype) or pa.types.is_floating(dtype)


# ---------------------------------------------------------------- categorical


def palette_colors(palette: Any, n: int, levels: list[Any] | None = None) -> list[str]:
    """``n`` colors as hex strings, one per level.

    ``palette`` is None (seaborn's deep palette, or an even sample of a
    perceptual colormap above ten categories), a palette or colormap name, a
    list of colors (cycled), or a mapping from level to color (with ``levels``;
    a level without a color raises :class:`PaletteError`).
    """
    from matplotlib.colors import to_hex

    if n == 0:
        return []
    if isinstance(palette, dict):
        return [to_hex(dict_color(palette, level)) for level in (levels or [])[:n]]
    if palette is None:
        palette = "deep" if n <= len(DEEP) else "viridis"
    if isinstance(palette, str) and palette in NAMED:
        return [NAMED[palette][i % len(NAMED[palette])] for i in range(n)]
    if isinstance(palette, str):
        cmap = colormap(palette)
        if getattr(cmap, "N", 256) < 256:  # qualitative: its own colors, cycled
            return [to_hex(cmap(i % cmap.N)) for i in range(n)]
        return [to_hex(cmap(v)) for v in np.linspace(0.1, 0.9, n)]
    return [to_hex(palette[i % len(palette)]) for i in range(n)]


def dict_color(palette: dict[Any, Any], level: Any) -> Any:
    """The color a ``{level: color}`` palette gives ``level``.

    Keys match a level by their text (YAML keys are often numbers or booleans
    where the data has text, and the reverse), or by numeric value (``1`` is
    the level ``1.0``).
    """
    text = str(level)
    for key, color in palette.items():
        if str(key) == text:
            return color
    number = _number(level)
    if number is not None:
        for key, color in palette.items():
            if _number(key) == number:
                return color
    raise PaletteError(f"plot.palette: no colour for hue level {text!r}")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- colormaps


def colormap(name: str | None):
    """The colormap called ``name``: seaborn's ``"ch:..."`` cubehelix or a matplotlib one.

    None is seaborn's default for a numeric hue.
    """
    from matplotlib import colormaps

    name = DEFAULT_CMAP if name is None else name
    if isinstance(name, str) and name.startswith("ch:"):
        return cubehelix(**parse_cubehelix(name))
    if isinstance(name, str) and name in NAMED:
        from matplotlib.colors import ListedColormap

        return ListedColormap(NAMED[name], name)
    try:
        return colormaps[name]
    except (KeyError, TypeError):
        raise PaletteError(
            f"plot.palette: {name!r} is not a palette or matplotlib colormap name"
        ) from None


def parse_cubehelix(spec: str) -> dict[str, Any]:
    """seaborn's ``"ch:<args>"`` string as :func:`cubehelix` arguments.

    ``"ch:"`` is the default; ``"ch:s=.25,rot=-.25"`` sets start and rotation
    (keys s, r, g, h, l, d or their long names, or values in that order); a
    trailing ``_r`` reverses it.
    """
    body = spec[3:]
    kwargs: dict[str, Any] = {}
    if body.endswith("_r"):
        kwargs["reverse"] = True
        body = body[:-2]
    positional = 0
    for part in filter(None, (p.strip() for p in body.split(","))):
        key, eq, value = part.partition("=")
        if not eq:
            key, value = _CUBEHELIX_ARGS[min(positional, len(_CUBEHELIX_ARGS) - 1)], part
            positional += 1
        key = _CUBEHELIX_KEYS.get(key.strip(), key.strip())
        if key not in _CUBEHELIX_ARGS:
            raise PaletteError(f"plot.palette: {spec!r}: unknown cubehelix parameter {key!r}")
        try:
            kwargs[key] = float(value)
        except ValueError:
            raise PaletteError(
                f"plot.palette: {spec!r}: {value.strip()!r} is not a number"
            ) from None
    return kwargs


def cubehelix(
    start: float = 0.0,
    rot: float = 0.4,
    gamma: float = 1.0,
    hue: float = 0.8,
    light: float = 0.85,
    dark: float = 0.15,
    reverse: bool = False,
):
    """seaborn's ``cubehelix_palette(..., as_cmap=True)``: light to dark, 256 colors.

    Green's (2011) cubehelix, sampled from ``light`` down to ``dark`` intensity.
    """
    from matplotlib.colors import ListedColormap

    x = np.linspace(light, dark, 256)
    if reverse:
        x = x[::-1]
    xg = x**gamma
    amp = hue * xg * (1 - xg) / 2
    phi = 2 * np.pi * (start / 3 + rot * x)
    rgb = [
        np.clip(xg + amp * (p0 * np.cos(phi) + p1 * np.sin(phi)), 0, 1)
        for p0, p1 in ((-0.14861, 1.78277), (-0.29227, -0.90649), (1.97294, 0.0))
    ]
    return ListedColormap(np.column_stack([*rgb, np.ones_like(x)]), "seaborn_cubehelix")


def hue_norm(lim: list[float] | tuple[float, float]):
    """The Normalize of a numeric hue's ``[lo, hi]`` (widened by 0.5 when lo == hi)."""
    from matplotlib.colors import Normalize

    lo, hi = lim
    return Normalize(lo - 0.5, hi + 0.5) if hi <= lo else Normalize(lo, hi)


def value_colors(values: np.ndarray, hue: dict[str, Any]) -> np.ndarray:
    """RGBA (n x 4) of each value under a numeric hue mapping (NaN: transparent)."""
    cmap = colormap(hue["cmap"]).with_extremes(bad=(0, 0, 0, 0))
    return cmap(hue_norm(hue["lim"])(np.asarray(values, float)))


# ---------------------------------------------------------------- numeric groups


def group_codes(values: np.ndarray, edges: list[float]) -> np.ndarray:
    """The hue group (int32) of each value: its bin among ``edges``; -1 for NaN.

    Values beyond the outer edges (only a preprocess function can make them)
    join the outer groups.
    """
    values = np.asarray(values, float)
    if len(edges) < 2:
        return np.full(values.shape, -1, np.int32)
    inner = np.asarray(edges[1:-1], float)
    codes = np.searchsorted(inner, values, side="right").astype(np.int32)
    codes[np.isnan(values)] = -1
    return codes
