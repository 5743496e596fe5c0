"""Render one tile: the data area of one facet, as an opaque PNG of exact size.

The tile holds only what lies inside the axes; the mosaic draws spines, ticks,
labels and titles.  Inside the PNG, in a text chunk before the pixels, goes a
small JSON with what the mosaic needs to draw those axes: limits, scales, fixed
ticks and labels (:func:`tilegrid.core.tilemeta.tile_meta_text`): one file per tile.
"""

from __future__ import annotations

from typing import Any

from ..core.shards import read_shard
from ..core.sidecar import Sidecar, read_sidecar
from ..core.tilemeta import AxisMeta, TileMeta, tile_meta_text
from ..core.times import date_ticks, time_label
from ..kinds import get_kind, resolve_options
from ..kinds._common import no_data
from ..kinds.custom import load_function
from .figures import new_figure, save_figure, tilegrid_style


def tile_pixels(height: float, aspect: float, dpi: float) -> tuple[int, int]:
    """Width and height of a tile's data area in pixels (seaborn's height/aspect)."""
    return round(height * aspect * dpi), round(height * dpi)


def print_pixels(tile: dict[str, Any], print_dpi: float) -> tuple[float, float]:
    """Width and height of a tile's print version: its pixels times ``print_dpi / dpi``.

    Not rounded: the config check (:func:`tilegrid.workflow.config.check_print_size`)
    accepts only a ``print_dpi`` that makes both whole numbers, so the print
    tile covers exactly the screen tile's data area.
    """
    width, height = tile_pixels(tile["height"], tile["aspect"], tile["dpi"])
    scale = print_dpi / tile["dpi"]
    return width * scale, height * scale


def drawn_size(tile: dict[str, Any]) -> tuple[int, int, float]:
    """Pixel width, height and dpi a render draws ``tile`` at.

    The screen tile: ``tile_pixels`` at ``tile["dpi"]``.  With ``tile["print_dpi"]``
    (the tiles a PDF or SVG mosaic embeds), the same inches at ``print_dpi``:
    every side exactly ``print_dpi / dpi`` times as many pixels, and text and
    lines (sized in points) as many times thicker, so the print tile is the
    screen tile at a higher resolution.
    """
    if tile.get("print_dpi") is None:
        return (*tile_pixels(tile["height"], tile["aspect"], tile["dpi"]), tile["dpi"])
    width, height = print_pixels(tile, tile["print_dpi"])
    return round(width), round(height), tile["print_dpi"]


@tilegrid_style()  # matplotlib's defaults, whatever matplotlibrc this process read
def render_tile(
    shard: str,
    sidecar: str,
    plot: dict[str, Any],
    tile: dict[str, Any],
    out_png: str,
) -> dict[str, Any]:
    """Draw the tile of ``shard`` with the plot settings; write its PNG, its metadata inside.

    ``tile``: height, aspect, dpi, and ``print_dpi`` for a print tile (see
    :func:`drawn_size`).
    """
    agreed = read_sidecar(sidecar)  # what this tile agreed on with the others
    options = resolve_options(plot["kind"], plot.get("options"))
    table = read_shard(shard)
    width, height, dpi = drawn_size(tile)
    fig = new_figure(width, height, dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    try:
        info = draw_kind(ax, table, agreed, plot, options)
    except Exception as exc:
        raise TileError(f"tile {agreed['tile']} ({describe_facets(agreed)}): {exc}") from exc
    apply_sidecar_axes(ax, agreed, categorical=plot["kind"] != "custom")
    if info and info.get("invert_y"):  # heatmaps list their first row at the top
        ax.invert_yaxis()
    meta = TileMeta(
        x=axis_meta(ax, "x"),
        y=axis_meta(ax, "y"),
        title=ax.get_title(),
        tile=agreed["tile"],
        size_px=[width, height],
        dpi=dpi,
        rows=agreed["rows"],
    )
    if info and info.get("colorbar"):
        meta["colorbar"] = {**agreed.get("c", {}), **info["colorbar"]}
    strip_decorations(ax)
    save_figure(fig, out_png, text=tile_meta_text(meta))
    return meta


class TileError(RuntimeError):
    """Drawing one tile failed; the message names the tile and its facet values."""


def describe_facets(sidecar: Sidecar) -> str:
    """``"site = north, season = summer"`` for a sidecar's facet values."""
    parts = [f"{f['var']} = {f['value']}" for f in sidecar.get("facets", {}).values()]
    return ", ".join(parts) or "the only tile"


def draw_kind(ax, table, sidecar: Sidecar, plot: dict[str, Any], options: dict[str, Any]):
    """Draw the tile with its kind (after the user's preprocess function, if any)."""
    if plot.get("preprocess"):
        table = preprocess(table, plot["preprocess"])
    kind = get_kind(plot["kind"])
    if plot["kind"] == "custom":
        return kind.draw(ax, table, sidecar, options, plot["function"])
    if sidecar["rows"] == 0:
        no_data(ax)
        return None
    return kind.draw(ax, table, sidecar, options)


def preprocess(table, spec: str):
    """The tile's rows after the user's ``fn(data) -> DataFrame`` (pandas in, Arrow out)."""
    import pyarrow as pa

    frame = load_function(spec)(table.to_pandas())
    return pa.Table.from_pandas(frame, preserve_index=False)


def apply_sidecar_axes(ax, sidecar: Sidecar, categorical: bool = True) -> None:
    """Set the scale and limits (and, if ``categorical``, the category ticks) agreed for
    this tile: a log axis is one in a tile with nothing drawn too."""
    for name in ("x", "y"):
        axis = sidecar.get(name) or {}
        is_categorical = axis.get("type") == "categorical"
        if is_categorical and not categorical:
            continue
        if axis.get("scale") == "log" and getattr(ax, f"get_{name}scale")() != "log":
            getattr(ax, f"set_{name}scale")("log")
        lim = axis.get("lim")
        if lim is not None:
            getattr(ax, f"set_{name}lim")(*lim)
        if is_categorical:
            cats = [str(c) for c in axis["categories"]]
            getattr(ax, f"set_{name}ticks")(range(len(cats)), labels=cats)
        label = axis.get("column")
        if axis.get("time") and label:
            label = time_axis(ax, name, axis)
        if label and not getattr(ax, f"get_{name}label")():
            getattr(ax, f"set_{name}label")(label)


def time_axis(ax, name: str, axis: dict[str, Any]) -> str:
    """Date ticks of a time axis, fixed (so the mosaic draws them as they are), from its
    limits: the same in every tile that shares them.  Its label (with the offset)."""
    offset = ""
    if axis["time"] == "datetime":
        ticks, labels, offset = date_ticks(getattr(ax, f"get_{name}lim")(), axis.get("tz"))
        getattr(ax, f"set_{name}ticks")(ticks, labels=labels)
    return time_label(axis["column"], axis, offset)


def axis_meta(ax, name: str) -> AxisMeta:
    """What the mosaic needs to redraw axis ``name`` (x or y) of this tile around its PNG."""
    from matplotlib.ticker import FixedLocator

    axis = getattr(ax, f"{name}axis")
    meta = AxisMeta(
        lim=[float(v) for v in getattr(ax, f"get_{name}lim")()],
        scale=getattr(ax, f"get_{name}scale")(),
        label=getattr(ax, f"get_{name}label")(),
        ticks=None,
        ticklabels=None,
    )
    if isinstance(axis.get_major_locator(), FixedLocator):
        ticks = [float(t) for t in getattr(ax, f"get_{name}ticks")()]
        meta["ticks"] = ticks
        meta["ticklabels"] = list(axis.get_major_formatter().format_ticks(ticks))
    return meta


def strip_decorations(ax) -> None:
    """Hide everything outside the data area: spines, ticks, labels, title."""
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.xaxis.set_visible(False)
    ax.yaxis.set_visible(False)
    ax.set_title("")
