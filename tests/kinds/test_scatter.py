"""scatter above max_points: the density raster on one shared colour scale, with a colorbar.

The split counts every raster tile's pixels and agrees the count range and, for
eq_hist (the default, as datashader's), the quantiles of all the tiles' pixel
counts; so a count has the same colour in every tile, the mosaic draws one
colorbar, and the sparsest pixels stay visible (opaque with a colormap, at least
``min_alpha`` with a hue).
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import render_tiles
from matplotlib import colormaps
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from PIL import Image
from tilegrid.core.colornorms import count_quantiles, eq_hist_norm
from tilegrid.core.shards import read_shard
from tilegrid.core.sidecar import read_sidecar
from tilegrid.kinds import OptionError, resolve_options, scatter
from tilegrid.mosaic.figure import build_mosaic
from tilegrid.split.job import SplitSpec, run_split

TILE_PX = [120, 90]
TILE = {"height": 1.5, "aspect": 120 / 90, "dpi": 60}


def _table(seed: int = 0) -> pa.Table:
    """Three facets of different sizes and spreads (heavy tails: many sparse pixels)."""
    rng = np.random.default_rng(seed)
    parts = []
    for facet, n, spread in (("a", 60_000, 1.0), ("b", 30_000, 2.0), ("c", 9_000, 1.0)):
        x = rng.standard_t(3, n) * spread
        parts.append(
            {
                "f": [facet] * n,
                "x": x,
                "y": x + rng.standard_t(3, n),
                "h": rng.choice(["one", "two"], n),
            }
        )
    return pa.table({k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0]})


def _split(tmp_path, hue=None, **options):
    pq.write_table(_table(), tmp_path / "d.parquet")
    options = {"max_points": 20_000, **options}
    result = run_split(
        SplitSpec(
            data=str(tmp_path / "d.parquet"),
            col="f",
            kind="scatter",
            x="x",
            y="y",
            hue=hue,
            options=options,
            tile_px=TILE_PX,
        ),
        str(tmp_path / "s"),
    )
    sidecars = {
        t["id"]: read_sidecar(str(tmp_path / "s" / f"{t['id']}.json")) for t in result.tiles
    }
    return result, sidecars, resolve_options("scatter", options)


def _drawn(tmp_path, sidecar, options):
    """The tile's counts per pixel and the RGBA image line.draw shows (None: markers)."""
    table = read_shard(tmp_path / "s" / f"{sidecar['tile']}.arrow")
    ax = Figure(figsize=(2, 1.5), dpi=60).add_axes((0, 0, 1, 1))
    info = scatter.draw(ax, table, sidecar, options)
    counted = scatter.raster_counts(table, sidecar, options)
    if counted is None:
        return None, None, info
    return counted[0], np.asarray(ax.images[0].get_array()), info


def _render_all(tmp_path, result, options):
    plot = {"kind": "scatter", "options": options}
    return render_tiles(tmp_path / "s", tmp_path, result.tiles, plot, TILE)


def test_raster_tiles_have_one_shared_colorbar_in_the_mosaic(tmp_path):
    result, _, _ = _split(tmp_path)
    metas, paths = _render_all(tmp_path, result, {"max_points": 20_000})
    rasters = [m for m in metas.values() if m["rows"] > 20_000]
    assert len(rasters) == 2 and all("colorbar" in m for m in rasters)
    (marker_tile,) = [m for m in metas.values() if m["rows"] <= 20_000]
    assert "colorbar" not in marker_tile
    bars = [m["colorbar"] for m in rasters]
    assert bars[0] == bars[1] and bars[0]["shared"] and bars[0]["norm"] == "eq_hist"
    assert bars[0]["lim"][0] == 1 and len(bars[0]["quantiles"]) == 256
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    fig, layout = build_mosaic(manifest, metas, paths, {"title": "scatter"})
    assert len(fig.axes) == 1 and len(layout.cells) == len(result.tiles)
    colorbar = fig.axes[-1]
    assert colorbar.get_ylabel().startswith("Count")
    ticks = colorbar.get_yticks()
    assert ticks[0] == 1 and ticks[-1] == bars[0]["lim"][1]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = colorbar.get_yticklabels()
    boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.y0)
    assert all(b.y0 - a.y1 >= 2 for a, b in zip(boxes, boxes[1:]))  # labels apart


@pytest.mark.parametrize("norm", ["eq_hist", "log", "linear"])
def test_the_same_count_has_the_same_colour_in_every_tile(tmp_path, norm):
    _, sidecars, options = _split(tmp_path, norm=norm)
    colours: dict[float, set] = {}
    tiles_with = {}
    for sidecar in sidecars.values():
        total, image, _ = _drawn(tmp_path, sidecar, options)
        if total is None:
            continue
        for count in np.unique(total[total > 0]):
            rgba = image[total == count]
            assert (rgba == rgba[0]).all()  # one colour per count within the tile
            colours.setdefault(float(count), set()).add(tuple(np.round(rgba[0], 9)))
            tiles_with[float(count)] = tiles_with.get(float(count), 0) + 1
    shared = [c for c, n in tiles_with.items() if n == 2]
    assert len(shared) > 20  # many counts occur in both raster tiles
    assert all(len(colours[c]) == 1 for c in shared)
    distinct = len({colours[c].pop() for c in shared})  # linear: low counts look alike
    assert distinct > (1 if norm == "linear" else 10)


def test_eq_hist_ranks_a_count_among_every_tiles_pixels(tmp_path):
    """The shared eq_hist level of a count is its rank among the non-empty pixels of
    all raster tiles together (the lowest count at 0), within one colormap step."""
    _, sidecars, options = _split(tmp_path)
    totals = [_drawn(tmp_path, s, options)[0] for s in sidecars.values()]
    pooled = np.concatenate([t[t > 0] for t in totals if t is not None])
    norm = eq_hist_norm(next(iter(sidecars.values()))["c"]["quantiles"])
    low = np.mean(pooled <= pooled.min())
    for count in np.unique(pooled)[:: max(1, np.unique(pooled).size // 40)]:
        rank = (np.mean(pooled <= count) - low) / (1 - low)
        assert float(norm(count)) == pytest.approx(rank, abs=1.5 / 255)


def test_the_sparsest_pixels_are_drawn_opaque_with_a_colormap(tmp_path):
    _, sidecars, options = _split(tmp_path)
    for sidecar in sidecars.values():
        total, image, info = _drawn(tmp_path, sidecar, options)
        if total is None:
            assert info is None
            continue
        assert info["colorbar"]["norm"] == "eq_hist"
        assert (image[..., 3][total > 0] == 1).all() and (image[..., 3][total == 0] == 0).all()
        lowest = total[total > 0].min()
        bottom = colormaps["viridis"](0.0)[:3]
        assert np.allclose(image[total == lowest][:, :3], bottom)  # the darkest colour


@pytest.mark.parametrize("min_alpha", [40, 100])
def test_with_a_hue_the_sparsest_pixels_keep_min_alpha(tmp_path, min_alpha):
    _, sidecars, options = _split(tmp_path, hue="h", min_alpha=min_alpha)
    seen = 0
    for sidecar in sidecars.values():
        total, image, _ = _drawn(tmp_path, sidecar, options)
        if total is None:
            continue
        alpha = image[..., 3]
        assert alpha[total > 0].min() == pytest.approx(min_alpha / 255)
        assert alpha[total > 0].max() == pytest.approx(1.0) or total.max() < sidecar["c"]["lim"][1]
        assert (alpha[total == 0] == 0).all()
        seen += 1
    assert seen == 2


def test_a_single_point_pixel_is_visible_in_the_tile_png(tmp_path):
    """In the PNG (composited on white), a pixel holding one point differs clearly from
    the background: with a hue, at least min_alpha of the hue colour."""
    result, sidecars, options = _split(tmp_path, hue="h")
    _render_all(tmp_path, result, {"max_points": 20_000})
    for tid, sidecar in sidecars.items():
        total, _, _ = _drawn(tmp_path, sidecar, options)
        if total is None:
            continue
        with Image.open(tmp_path / f"{tid}.png") as img:
            png = np.asarray(img.convert("RGB"), float) / 255
        single = np.flipud(total) == 1  # PNG rows run top down
        darkness = 1 - png[single]  # distance from white, per channel
        colours = np.array([to_rgb(c) for c in sidecar["hue"]["colors"]])
        weakest = (1 - colours).max(axis=1).min() * 40 / 255
        assert darkness.max(axis=1).min() >= weakest - 2 / 255


def test_quantiles_are_the_counts_at_evenly_spaced_ranks():
    values, weights = np.array([1.0, 2.0, 7.0]), np.array([6, 3, 1])
    q = count_quantiles(values, weights)
    assert len(q) == 256 and q[0] == 1 and q[-1] == 7
    assert q[int(0.6 * 255)] == 1 and q[int(0.61 * 255) + 1] == 2 and q[int(0.95 * 255)] == 7


def test_min_alpha_out_of_range_is_refused():
    with pytest.raises(OptionError, match="min_alpha"):
        resolve_options("scatter", {"min_alpha": 300})


def test_without_sharec_each_raster_tile_equalises_its_own_counts(tmp_path):
    pq.write_table(_table(), tmp_path / "d.parquet")
    spec = SplitSpec(
        data=str(tmp_path / "d.parquet"),
        col="f",
        kind="scatter",
        x="x",
        y="y",
        options={"max_points": 20_000},
        sharec=False,
        tile_px=TILE_PX,
    )
    result = run_split(spec, str(tmp_path / "s"))
    options = resolve_options("scatter", {"max_points": 20_000})
    quantiles = []
    for tile in result.tiles:
        sidecar = read_sidecar(str(tmp_path / "s" / f"{tile['id']}.json"))
        total, _, _ = _drawn(tmp_path, sidecar, options)
        if total is not None:
            assert not sidecar["c"]["shared"]
            assert sidecar["c"]["quantiles"] == pytest.approx(
                count_quantiles(*np.unique(total[total > 0], return_counts=True)), rel=1e-9
            )
            quantiles.append(sidecar["c"]["quantiles"])
    assert len(quantiles) == 2 and quantiles[0] != quantiles[1]
    metas, paths = _render_all(tmp_path, result, {"max_points": 20_000})
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    fig, layout = build_mosaic(manifest, metas, paths, {"title": "scatter"})
    assert not fig.axes and len(layout.cells) == len(result.tiles)  # no colorbar beside the grid
    beside = [len(layout.axes(tile).child_axes) for tile in layout.cells]
    assert sum(beside) == 2  # ... one beside each raster tile
