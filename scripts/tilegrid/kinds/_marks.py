"""seaborn's ``size`` and ``style`` words for scatter and line: their options, their
checks, and each row's marker area, marker and dash pattern as a tile draws them.

The mappings themselves (which area, marker or dashes a value gets) are the grid's,
in the sidecar (:mod:`tilegrid.core.marks`), so every tile agrees.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.marks import areas, spec_of
from ..core.sidecar import Sidecar
from ._common import codes_of, numeric_of

#: scatter's options for seaborn's size and style (scatterplot's defaults)
SCATTER_OPTIONS: dict[str, Any] = {
    "size": None,
    "sizes": None,
    "size_norm": None,
    "size_order": None,
    "style": None,
    "markers": True,
    "style_order": None,
    "legend": "auto",
}
#: line's options for seaborn's style (lineplot's defaults: dashes, no markers)
LINE_OPTIONS: dict[str, Any] = {
    "style": None,
    "dashes": True,
    "markers": False,
    "style_order": None,
    "legend": "auto",
}
LEGENDS = ("auto", "brief", "full")


def _column(v: Any) -> bool:
    return v is None or isinstance(v, str)


def _order(v: Any) -> bool:
    return v is None or isinstance(v, list)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _sizes(v: Any) -> bool:
    """None, a (min, max) range, a list of areas or a {level: area} dict."""
    if v is None:
        return True
    values = list(v.values()) if isinstance(v, dict) else v
    return isinstance(values, list) and bool(values) and all(_number(s) and s >= 0 for s in values)


def _norm(v: Any) -> bool:
    return v is None or (
        isinstance(v, list) and len(v) == 2 and all(_number(s) for s in v) and v[0] < v[1]
    )


def _attribute(v: Any) -> bool:
    """True/False, a list (one per level, cycled) or a {level: value} dict."""
    return isinstance(v, bool) or (isinstance(v, (list, dict)) and bool(v))


def _legend(v: Any) -> bool:
    return v is False or v is True or v in LEGENDS


#: the checks of these options (for :func:`tilegrid.kinds._common.check`)
RULES = {
    "size": (_column, "a column name"),
    "style": (_column, "a column name"),
    "sizes": (_sizes, "[min, max], a list of areas or a {level: area} mapping"),
    "size_norm": (_norm, "[vmin, vmax] with vmin < vmax"),
    "size_order": (_order, "a list of levels"),
    "style_order": (_order, "a list of levels"),
    "markers": (_attribute, "true, false, a list of markers or a {level: marker} mapping"),
    "dashes": (_attribute, "true, false, a list of dash patterns or a {level: pattern} mapping"),
    "legend": (_legend, "auto, brief, full or false"),
}


def style_codes(table, sidecar: Sidecar) -> np.ndarray | None:
    """Each row's style level (its index in the sidecar's style levels), or None."""
    style = sidecar.get("style")
    return codes_of(table, style["column"], style["levels"]) if style else None


def point_areas(table, sidecar: Sidecar) -> np.ndarray | None:
    """Each row's marker area in points² (seaborn's size mapping), or None without size."""
    size = sidecar.get("size")
    if not size:
        return None
    if size["type"] == "categorical":
        return areas(size, codes_of(table, size["column"], size["levels"]))
    return areas(size, numeric_of(table, size["column"]))


def marker_paths(sidecar: Sidecar) -> list[Any]:
    """Each style level's marker as the Path seaborn gives a scatter point
    (``MarkerStyle(m).get_path().transformed(m.get_transform())``)."""
    from matplotlib.markers import MarkerStyle

    paths = []
    for spec in sidecar["style"]["markers"]:
        marker = MarkerStyle(spec_of(spec))
        paths.append(marker.get_path().transformed(marker.get_transform()))
    return paths


def level_marker(sidecar: Sidecar, level: int) -> Any:
    """The marker of style level ``level`` (None without markers)."""
    markers = (sidecar.get("style") or {}).get("markers")
    return spec_of(markers[level]) if markers else None


def level_dashes(sidecar: Sidecar, level: int) -> Any:
    """The dash pattern of style level ``level`` (None without dashes; "" is solid)."""
    dashes = (sidecar.get("style") or {}).get("dashes")
    return spec_of(dashes[level]) if dashes else None
