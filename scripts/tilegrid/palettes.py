"""Category colors: seaborn's default palette, matplotlib colormaps, or the user's list."""

from __future__ import annotations

from typing import Any

import numpy as np

#: seaborn's "deep" palette, its default for up to ten categories
DEEP = [
    "#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3",
    "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd",
]  # fmt: skip
NAMED = {"deep": DEEP}


def palette_colors(palette: Any, n: int, levels: list[Any] | None = None) -> list[str]:
    """``n`` colors as hex strings.

    ``palette`` is None (seaborn's deep palette, or an even sample of a
    perceptual colormap above ten categories), a palette or colormap name, a
    list of colors (cycled), or a mapping from level to color (with ``levels``).
    """
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    if n == 0:
        return []
    if isinstance(palette, dict):
        return [to_hex(palette[str(level)]) for level in (levels or [])]
    if palette is None:
        palette = "deep" if n <= len(DEEP) else "viridis"
    if isinstance(palette, str) and palette in NAMED:
        return [NAMED[palette][i % len(NAMED[palette])] for i in range(n)]
    if isinstance(palette, str):
        cmap = colormaps[palette]
        if getattr(cmap, "N", 256) < 256:  # qualitative: its own colors, cycled
            return [to_hex(cmap(i % cmap.N)) for i in range(n)]
        return [to_hex(cmap(v)) for v in np.linspace(0.1, 0.9, n)]
    return [to_hex(palette[i % len(palette)]) for i in range(n)]
