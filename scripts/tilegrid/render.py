"""Render one tile: the data area of one facet, as an opaque PNG of exact size.

The tile holds only what lies inside the axes; the mosaic draws spines, ticks,
labels and titles.  Next to the PNG goes a small JSON with what the mosaic
needs to draw those axes: limits, scales, fixed ticks and labels.
"""

from __future__ import annotations

import json
import os
from typing import Any

from .figures import new_figure, save_figure, tilegrid_style
from .kinds import get_kind, resolve_options
from .kinds._common import no_data
from .shardio import read_shard


def tile_pixels(height: float, aspect: float, dpi: float) -> tuple[int, int]:
    """Width and height of a tile's data area in pixels (seaborn's height/aspect)."""
    return round(height * aspect * dpi), round(height * dpi)


@tilegrid_style()  # matplotlib's defaults, whatever matplotlibrc this process read
def render_tile(
    shard: str,
    sidecar: str,
    plot: dict[str, Any],
    tile: dict[str, Any],
    out_png: str,
    out_json: str,
) -> dict[str, Any]:
    """Draw the tile of ``shard`` with the plot settings; write its PNG and metadata."""
    with open(sidecar, encoding="utf-8") as handle:
        facts = json.load(handle)
    options = resolve_options(plot["kind"], plot.get("options"))
    table = read_shard(shard)
    width, height = tile_pixels(tile["height"], tile["aspect"], tile["dpi"])
    fig = new_figure(width, height, tile["dpi"])
    ax = fig.add_axes((0, 0, 1, 1))
    try:
        info = draw_kind(ax, table, facts, plot, options)
    except Exception as exc:
        raise TileError(f"tile {facts['tile']} ({describe_facets(facts)}): {exc}") from exc
    apply_sidecar_axes(ax, facts, categorical=plot["kind"] != "custom")
    if info and info.get("invert_y"):  # heatmaps list their first row at the top
        ax.invert_yaxis()
    meta = axes_meta(ax, facts)
    meta.update(tile=facts["tile"], size_px=[width, height], dpi=tile["dpi"], rows=facts["rows"])
    if info and info.get("colorbar"):
        meta["colorbar"] = {**facts.get("c", {}), **info["colorbar"]}
    strip_decorations(ax)
    save_figure(fig, out_png)
    _write_json_atomic(out_json, meta)
    return meta


class TileError(RuntimeError):
    """Drawing one tile failed; the message names the tile and its facet values."""


def describe_facets(facts: dict[str, Any]) -> str:
    """``"site = north, season = summer"`` for a sidecar's facet values."""
    parts = [f"{f['var']} = {f['value']}" for f in facts.get("facets", {}).values()]
    return ", ".join(parts) or "the only tile"


def draw_kind(ax, table, facts: dict[str, Any], plot: dict[str, Any], options: dict[str, Any]):
    """Draw the tile with its kind (after the user's preprocess function, if any)."""
    if plot.get("preprocess"):
        table = preprocess(table, plot["preprocess"])
    kind = get_kind(plot["kind"])
    if plot["kind"] == "custom":
        return kind.draw(ax, table, facts, options, plot["function"])
    if facts["rows"] == 0:
        no_data(ax)
        return None
    return kind.draw(ax, table, facts, options)


def preprocess(table, spec: str):
    """The tile's rows after the user's ``fn(data) -> DataFrame`` (pandas in, Arrow out)."""
    import pyarrow as pa

    from .kinds.custom import load_function

    frame = load_function(spec)(table.to_pandas())
    return pa.Table.from_pandas(frame, preserve_index=False)


def apply_sidecar_axes(ax, facts: dict[str, Any], categorical: bool = True) -> None:
    """Set the limits (and, if ``categorical``, the category ticks) agreed for this tile."""
    for name in ("x", "y"):
        axis = facts.get(name) or {}
        is_categorical = axis.get("type") == "categorical"
        if is_categorical and not categorical:
            continue
        lim = axis.get("lim")
        if lim is not None:
            getattr(ax, f"set_{name}lim")(*lim)
        if is_categorical:
            cats = [str(c) for c in axis["categories"]]
            getattr(ax, f"set_{name}ticks")(range(len(cats)), labels=cats)
        if axis.get("column") and not getattr(ax, f"get_{name}label")():
            getattr(ax, f"set_{name}label")(axis["column"])


def _axis_meta(ax, name: str) -> dict[str, Any]:
    from matplotlib.ticker import FixedLocator

    axis = getattr(ax, f"{name}axis")
    meta: dict[str, Any] = {
        "lim": [float(v) for v in getattr(ax, f"get_{name}lim")()],
        "scale": getattr(ax, f"get_{name}scale")(),
        "label": getattr(ax, f"get_{name}label")(),
        "ticks": None,
        "ticklabels": None,
    }
    if isinstance(axis.get_major_locator(), FixedLocator):
        ticks = [float(t) for t in getattr(ax, f"get_{name}ticks")()]
        meta["ticks"] = ticks
        meta["ticklabels"] = list(axis.get_major_formatter().format_ticks(ticks))
    return meta


def axes_meta(ax, facts: dict[str, Any]) -> dict[str, Any]:
    """What the mosaic needs to redraw this tile's axes around its PNG."""
    return {"x": _axis_meta(ax, "x"), "y": _axis_meta(ax, "y"), "title": ax.get_title()}


def strip_decorations(ax) -> None:
    """Hide everything outside the data area: spines, ticks, labels, title."""
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.xaxis.set_visible(False)
    ax.yaxis.set_visible(False)
    ax.set_title("")


def _write_json_atomic(path: str, obj: Any) -> None:
    """Write ``obj`` next to ``path`` and rename it into place; no temp file is left behind."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(obj, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
