"""What tiles must agree on: each tile's sidecar, and the manifest of the grid.

Built from the plan, the grid and each tile's merged moments (:class:`TileStats`),
after the partition pass; the shapes are those of :mod:`tilegrid.core.sidecar` and
:mod:`tilegrid.core.manifest`.  A sidecar holds only what its tile must agree on
with others, so it changes only when the tile's picture must.
"""

from __future__ import annotations

import os
from typing import Any

import pyarrow as pa

from ..core.bins import BinsError, ValueSource, edges_of
from ..core.colornorms import count_quantiles, merge_histograms
from ..core.ids import canonical_value
from ..core.manifest import (
    CategoricalLegend,
    ColorbarLegend,
    FacetLevels,
    Legend,
    Manifest,
    ManifestTile,
)
from ..core.palettes import PaletteError, palette_colors
from ..core.shards import SUFFIX, iter_floats, read_shard
from ..core.sidecar import (
    Axis,
    CategoricalAxis,
    CategoricalHue,
    ColorScale,
    ContinuousAxis,
    Facets,
    FacetValue,
    Hue,
    Sidecar,
)
from ..core.stats import TileStats
from .grid import Grid
from .hues import colorbar_legend, numeric_hue
from .marks import size_of, style_of
from .sharing import axis_limits, color_limits, count_limits, share_groups, shared, stable, union
from .spec import DEFAULT_TILE_PX, SplitError, SplitPlan


def make_sidecars(
    plan: SplitPlan, grid: Grid, levels: dict[str, pa.Array], stats: list[TileStats]
) -> list[Sidecar]:
    """Each tile's sidecar: facet values, axes (limits, categories), colors, hue."""
    spec = plan.spec
    extents = [plan.kind.extents(s, spec.options) if s.rows else {} for s in stats]
    x = _axes(plan, grid, levels, stats, extents, "x", spec.sharex)
    y = _axes(plan, grid, levels, stats, extents, "y", spec.sharey)
    colors = _color_scales(plan, grid, extents) if plan.kind.color else None
    hue = hue_mapping(plan, levels.get(spec.hue), stats) if spec.hue else None
    size = size_of(plan, levels, stats) if "size" in plan.columns else None
    style = style_of(plan, levels) if "style" in plan.columns else None
    norm_rows = sum(s.rows for s in stats) if plan.kind.figure_norm(spec.options) else None
    sidecars = []
    for t, (tid, key, s) in enumerate(zip(grid.ids, grid.keys, stats)):
        sidecar = Sidecar(
            tile=tid, facets=tile_facets(plan, grid, key), rows=s.rows, x=x[t], y=y[t]
        )
        if colors is not None:
            sidecar["c"] = colors[t]
        if hue is not None:
            sidecar["hue"] = hue
        if size is not None:
            sidecar["size"] = size
        if style is not None:
            sidecar["style"] = style
        if norm_rows is not None:
            sidecar["norm_rows"] = norm_rows
        if plan.kind.pixel_grid:
            sidecar["tile_px"] = [int(v) for v in spec.tile_px or DEFAULT_TILE_PX]
        sidecars.append(sidecar)
    return sidecars


def tile_facets(plan: SplitPlan, grid: Grid, key: tuple[int | None, int | None]) -> Facets:
    """The facet values of the tile at grid position ``key``."""
    r, c = key
    facets: Facets = {}
    if r is not None:
        facets["row"] = FacetValue(var=plan.spec.row, value=json_value(grid.row_levels[r]))
    if c is not None:
        facets["col"] = FacetValue(var=grid.col_var, value=json_value(grid.col_levels[c]))
    return facets


def json_value(scalar: pa.Scalar) -> Any:
    """A level as it is written in JSON (and in tile ids)."""
    return canonical_value(scalar.as_py())


def _axes(plan, grid, levels, stats, extents, axis: str, share) -> list[Axis]:
    """Each tile's ``axis`` (x or y): its categories, or its shared extent and limits."""
    column = plan.columns.get(axis)
    groups = share_groups(grid.keys, share)
    if plan.roles.get(axis) == "categorical":
        return [
            CategoricalAxis(
                column=column,
                type="categorical",
                categories=cats,
                lim=[-0.5, max(len(cats), 1) - 0.5],
            )
            for cats in _categories(levels[column], axis, stats, groups, share)
        ]
    lims = shared([e.get(axis) for e in extents], groups)
    # the user's code may move values: only shared axes are fixed for it
    fixed = not plan.user_code or share is not False
    scale = plan.kind.scales(plan.spec.options).get(axis, "linear")
    return [
        ContinuousAxis(
            column=column,
            type="continuous",
            scale=scale,
            extent=stable(lim) if lim and fixed else None,
            lim=axis_limits(lim, scale, e.get(f"{axis}_sticky")) if fixed else None,
            **plan.times.get(axis, {}),
        )
        for lim, e in zip(lims, extents)
    ]


def _color_scales(plan: SplitPlan, grid: Grid, extents) -> list[ColorScale]:
    """Each tile's color scale (kinds that shade by value), shared over the grid if asked."""
    share = bool(plan.spec.sharec)
    groups = share_groups(grid.keys, share)
    return [
        ColorScale(lim=color_limits(lim), shared=share)
        for lim in shared([e.get("c") for e in extents], groups)
    ]


def _categories(levels: pa.Array, axis: str, stats, groups, share) -> list[list[Any]]:
    """Categories shown on a categorical axis: all, or those present in the sharing group."""
    everything = [json_value(v) for v in levels]
    if share is True:
        return [everything] * len(stats)
    present: dict[int, set[int]] = {}
    for g, s in zip(groups, stats):
        for role in s.moments:
            present.setdefault(g, set()).update(s.by(role, axis))
    return [[everything[i] for i in sorted(present.get(g, ()))] for g in groups]


def hue_mapping(plan: SplitPlan, levels: pa.Array | None, stats: list[TileStats]) -> Hue:
    """The hue colors of the whole grid, fixed here so every tile agrees.

    A categorical hue (``levels``) gets one color per level; a numeric hue
    (no levels) a colormap over the grid-wide range of its values, or over
    ``hue_norm`` (seaborn's: values beyond it get the colormap's end colours, and
    join the outer groups), and the bounded groups of
    :func:`tilegrid.split.hues.numeric_hue`.
    """

    spec = plan.spec
    try:
        if levels is None:
            lim = union((m.min, m.max) for s in stats for m in s.all("hue"))
            if spec.hue_norm is not None:
                lim = (float(spec.hue_norm[0]), float(spec.hue_norm[1]))
            return numeric_hue(spec.hue, spec.hue_palette, lim, plan.hue_is_integer)
        names = [json_value(v) for v in levels]
        colors = palette_colors(spec.hue_palette, len(names), names)
    except PaletteError as exc:
        raise SplitError(str(exc)) from exc
    return CategoricalHue(column=spec.hue, levels=names, colors=colors)


def share_bins(
    plan: SplitPlan, grid: Grid, sidecars: list[Sidecar], stats: list[TileStats], out_dir: str
) -> None:
    """The kind's bins of the whole grid, from every kept x value, in every sidecar.

    The values are streamed from the shards just written (kept rows only, in
    grid order), as many passes as the kind's rule needs; count and range come
    from the merged moments.  Every tile's x axis then spans all the bins,
    whatever ``sharex``: seaborn's ``displot`` draws every common bin (empty ones
    too) in every facet, so its x limits are the bins' span in each of them.
    """

    column = plan.columns["x"]
    paths = [
        os.path.join(out_dir, f"{tid}{SUFFIX}")
        for tid, sc in zip(grid.ids, sidecars)
        if sc["rows"] > 0
    ]

    def batches():
        for path in paths:
            yield from iter_floats(path, column)

    moments = [m for s in stats for m in s.all("x")]
    n = sum(m.n for m in moments)
    span = (n, min(m.min for m in moments), max(m.max for m in moments)) if n else None
    log = plan.kind.scales(plan.spec.options).get("x") == "log"
    # an integer column is whole numbers; a float column may be (looked at if asked)
    integer = True if plan.x_is_integer else None
    source = ValueSource(batches, log=log, integer=integer, span=span, time=plan.times.get("x"))
    try:
        bins = plan.kind.shared_bins(source, plan.spec.options)
    except BinsError as exc:
        raise SplitError(str(exc)) from exc
    edges = edges_of(bins)
    for sc in sidecars:
        sc["bins"] = bins
        axis = sc["x"]
        if axis["type"] == "continuous" and axis["extent"] is not None:
            axis["extent"] = stable([edges[0], edges[-1]])
            axis["lim"] = axis_limits(axis["extent"], axis["scale"])


def refine_binned(plan: SplitPlan, grid: Grid, sidecars: list[Sidecar], out_dir: str) -> None:
    """Pass 3, binned kinds: shared limits from what each tile's shard gives when drawn.

    A y extent is a count from 0 (histogram heights, KDE peaks) or, for kinds
    whose ``binned_y`` is "data", an interval of values (line's bands, what a
    categorical kind draws on a log axis, bars and points of a median or a
    percentile interval), which then replaces the data range of the partition pass;
    an extent's ``<axis>_sticky`` edge (bars stand on 0) gets no margin.  An x extent
    is always an interval of values (a KDE's support on a log axis).
    """
    spec = plan.spec
    extents = []
    for tid, sc in zip(grid.ids, sidecars):
        if sc["rows"] == 0:
            extents.append({})
            continue
        table = read_shard(os.path.join(out_dir, f"{tid}{SUFFIX}"))
        extents.append(plan.kind.binned_extents(table, sc, spec.options))
    for axis, share in (("x", spec.sharex), ("y", spec.sharey), ("c", spec.sharec)):
        if not any(axis in e for e in extents):
            continue
        groups = share_groups(grid.keys, bool(share) if axis == "c" else share)
        if axis == "c" and any("c_hist" in e for e in extents):
            _share_quantiles(sidecars, [e.get("c_hist") for e in extents], groups)
        data = axis == "x" or plan.kind.binned_y == "data"
        sticky = next((e[f"{axis}_sticky"] for e in extents if f"{axis}_sticky" in e), None)
        for sc, lim in zip(sidecars, shared([e.get(axis) for e in extents], groups)):
            if axis == "c":
                sc["c"]["lim"] = color_limits(lim)
            elif data and (share is not False or not plan.user_code):
                sc[axis]["extent"] = stable(lim) if lim else None
                sc[axis]["lim"] = axis_limits(lim, sc[axis]["scale"], sticky)
            elif share is not False and not data:
                sc["y"]["lim"] = count_limits(lim)
            else:
                sc[axis]["lim"] = None


def _share_quantiles(sidecars: list[Sidecar], hists: list, groups: list[int]) -> None:
    """Each sidecar's eq_hist quantiles: of the counts of every tile in its sharing group.

    ``hists`` holds each tile's ``(values, weights)`` (its distinct counts and how
    many cells hold each), or None; the histograms of a group are summed.
    """

    by_group: dict[int, list] = {}
    for g, h in zip(groups, hists):
        if h is not None:
            by_group.setdefault(g, []).append(h)
    quantiles = {g: stable(count_quantiles(*merge_histograms(hs))) for g, hs in by_group.items()}
    for sc, g in zip(sidecars, groups):
        if g in quantiles:
            sc["c"]["quantiles"] = quantiles[g]


def manifest_tiles(
    grid: Grid, sidecars: list[Sidecar], rows: list[int], drops: list[dict[str, int]]
) -> list[ManifestTile]:
    """The manifest's list of tiles, in grid order, with each tile's dropped rows by
    reason where it has any (kept out of the sidecar: a count redraws nothing)."""
    tiles = []
    for tid, (r, c), sc, n, dropped in zip(grid.ids, grid.keys, sidecars, rows, drops):
        tile = ManifestTile(id=tid, row_index=r, col_index=c, facets=sc["facets"], rows=n)
        if dropped:
            tile["dropped"] = dropped
        tiles.append(tile)
    return tiles


def make_manifest(
    plan: SplitPlan,
    grid: Grid,
    tiles: list[ManifestTile],
    sidecars: list[Sidecar],
    stats: list[TileStats],
    dropped: dict[str, int],
    input_rows: int,
    marks: dict[str, Any] | None = None,
) -> Manifest:
    """Tiles in grid order, the grid's shape and what the mosaic draws once (legend; and
    ``marks``, the size's and style's entries of :func:`tilegrid.split.marks.marks_legend`)."""
    spec = plan.spec
    row = FacetLevels(var=spec.row, levels=_levels_json(grid.row_levels)) if spec.row else None
    col = None
    if grid.col_levels is not None:
        col = FacetLevels(var=grid.col_var, levels=_levels_json(grid.col_levels))
    legend = {"legend": hue_legend(plan, sidecars[0]["hue"], stats)} if spec.hue else {}
    if marks:
        legend["marks"] = marks
    if spec.options.get("legend", True) is False:  # seaborn's legend=False: none
        legend = {}
    return Manifest(
        row=row,
        col=col,
        shape=[grid.n_rows, grid.n_cols],
        kind=spec.kind,
        dropped=dropped,
        tiles=tiles,
        **legend,
        input_rows=input_rows,
    )


def hue_legend(plan: SplitPlan, hue: Hue, stats: list[TileStats]) -> Legend:
    """What the mosaic draws once for the hue: the levels present, or a numeric hue's colorbar."""

    if hue.get("type") == "continuous":
        return colorbar_legend(hue, plan.kind.hue_by_value) or ColorbarLegend(
            type="colorbar", title=plan.spec.hue
        )
    present = set()
    for s in stats:
        for role in s.moments:
            present.update(s.by(role, "hue"))
    return CategoricalLegend(
        title=plan.spec.hue,
        labels=[hue["levels"][i] for i in sorted(present)],
        colors=[hue["colors"][i] for i in sorted(present)],
    )


def _levels_json(levels: pa.Array) -> list[Any]:
    return [json_value(v) for v in levels]
