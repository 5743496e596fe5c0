"""Every plot kind: its statistics against references, and a full split-render-mosaic."""

from __future__ import annotations

import json
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SPECS, render_tiles
from PIL import Image
from scipy import stats
from tilegrid.core.shards import read_shard, write_shard
from tilegrid.kinds import KINDS, OptionError, resolve_options
from tilegrid.kinds._estimate import estimate
from tilegrid.kinds.box import box_stats
from tilegrid.kinds.ecdf import ecdf_at
from tilegrid.kinds.scatter import pixel_counts, shade
from tilegrid.mosaic.figure import build_mosaic
from tilegrid.render.tile import render_tile
from tilegrid.split.job import SplitSpec, run_split

TILE = {"height": 1.2, "aspect": 1.25, "dpi": 60}


def _table(n: int = 3000, seed: int = 3) -> pa.Table:
    """Facets f (3 values, one combination empty), groups g/k/h, numbers u and v with NaN/inf."""
    rng = np.random.default_rng(seed)
    f = rng.choice(["p", "q"], n)
    r = rng.choice(["top", "bottom"], n)
    r[(f == "q") & (r == "bottom")] = "top"  # the cell (bottom, q) is empty
    u = rng.uniform(0, 10, n)
    v = np.sin(u) + rng.normal(0, 0.3, n)
    v[:5] = [np.nan, np.inf, -np.inf, np.nan, np.nan]
    return pa.table(
        {
            "f": f,
            "r": r,
            "g": rng.choice(["a", "b", "c"], n),
            "k": rng.choice(["x", "y"], n),
            "h": rng.choice(["one", "two"], n),
            "u": np.round(u, 1),
            "v": v,
        }
    )


def test_every_kind_is_covered():
    assert set(SPECS) | {"custom"} == set(KINDS)


@pytest.mark.parametrize("kind", sorted(SPECS))
@pytest.mark.parametrize("hue", [None, "h"])
def test_kind_renders_every_tile_and_the_mosaic(tmp_path, kind, hue):
    pq.write_table(_table(), tmp_path / "d.parquet")
    spec = {**SPECS[kind]}
    options = spec.pop("options", {})
    if kind == "heatmap" and hue:
        pytest.skip("heatmap has no hue")
    result = run_split(
        SplitSpec(
            data=str(tmp_path / "d.parquet"),
            row="r",
            col="f",
            kind=kind,
            hue=hue,
            options=options,
            **spec,
        ),
        str(tmp_path / "s"),
    )
    assert [t["rows"] for t in result.tiles].count(0) == 1
    metas, paths = render_tiles(
        tmp_path / "s", tmp_path, result.tiles, {"kind": kind, "options": options}, TILE
    )
    for png in paths.values():
        with Image.open(png) as img:
            assert img.size == (90, 72) and img.getextrema()[3] == (255, 255)
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    fig, layout = build_mosaic(manifest, metas, paths, {"title": kind})
    colorbars = 1 if kind in ("density", "hexbin", "heatmap") else 0
    assert len(fig.axes) == colorbars and len(layout.cells) == len(result.tiles)
    assert ("legend" in manifest) == bool(hue)
    assert layout.width > 2 * 90


def test_unknown_option_lists_the_valid_ones():
    with pytest.raises(OptionError, match="valid options: .*errorbar.*estimator"):
        resolve_options("bar", {"estimater": "mean"})


def test_box_statistics_match_numpy():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(0, 1, 100_000), [50.0, -40.0]])
    box = box_stats(values, 1.5, 100)
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    assert (box["q1"], box["med"], box["q3"]) == (q1, med, q3)
    inside = values[(values >= q1 - 1.5 * (q3 - q1)) & (values <= q3 + 1.5 * (q3 - q1))]
    assert (box["whislo"], box["whishi"]) == (inside.min(), inside.max())
    assert len(box["fliers"]) == 100 and {50.0, -40.0} <= set(box["fliers"])


@pytest.mark.parametrize("n", [30, 3000])
def test_mean_confidence_interval_is_students_t_from_30_values(n):
    values = np.random.default_rng(n).normal(5, 2, n)
    est, lo, hi = estimate(values, "mean", ["ci", 95])
    ref = stats.t.interval(0.95, n - 1, loc=values.mean(), scale=stats.sem(values))
    assert est == pytest.approx(values.mean()) and (lo, hi) == pytest.approx(ref, rel=1e-6)


def test_below_30_values_the_interval_is_seaborns_bootstrap_inside_the_data():
    two = np.array([10.0, 30.0])
    assert estimate(two, "mean", ["ci", 95]) == (20.0, 10.0, 30.0)  # seaborn: the range
    values = np.random.default_rng(3).normal(5, 2, 12)
    est, lo, hi = estimate(values, "mean", ["ci", 95])
    t_lo, t_hi = stats.t.interval(0.95, 11, loc=values.mean(), scale=stats.sem(values))
    assert values.min() <= lo < est < hi <= values.max()
    assert hi - lo == pytest.approx(t_hi - t_lo, rel=0.25)  # close to t, a bit narrower
    assert estimate(values, "mean", ["ci", 95]) == (est, lo, hi)  # a fixed seed


def test_median_interval_holds_the_median_and_shrinks_with_n():
    rng = np.random.default_rng(1)
    small = estimate(rng.normal(0, 1, 100), "median", ["ci", 95])
    large = estimate(rng.normal(0, 1, 100_000), "median", ["ci", 95])
    assert small[1] <= small[0] <= small[2] and large[2] - large[1] < small[2] - small[1]


def test_ecdf_matches_the_definition():
    values = np.array([3.0, 1.0, 2.0, 2.0])
    xs = np.array([0.0, 1.0, 1.5, 2.0, 3.0, 4.0])
    assert list(ecdf_at(values, xs, "proportion", False)) == [0, 0.25, 0.25, 0.75, 1, 1]
    assert list(ecdf_at(values, xs, "count", True)) == [4, 3, 3, 1, 0, 0]


def _hist_split(tmp_path) -> list[str]:
    """The tile ids of a hist of ``v`` faceted by ``f``, split into ``tmp_path/s``."""
    pq.write_table(_table(), tmp_path / "d.parquet")
    result = run_split(
        SplitSpec(data=str(tmp_path / "d.parquet"), col="f", kind="hist", x="v"),
        str(tmp_path / "s"),
    )
    return [t["id"] for t in result.tiles]


def test_hist_tiles_sharing_x_share_their_bins(tmp_path):
    from tilegrid.kinds.hist import bin_edges

    options = resolve_options("hist", {})
    edges = [
        bin_edges(json.loads((tmp_path / "s" / f"{tile}.json").read_text()), options)
        for tile in _hist_split(tmp_path)
    ]
    assert np.array_equal(edges[0], edges[1])


def test_shared_hist_limit_covers_the_tallest_bar_of_every_tile(tmp_path):
    from tilegrid.kinds.hist import heights

    tiles = _hist_split(tmp_path)
    options = resolve_options("hist", {})
    tallest, lims = [], set()
    for tile in tiles:
        sidecar = json.loads((tmp_path / "s" / f"{tile}.json").read_text())
        table = read_shard(tmp_path / "s" / f"{tile}.arrow")
        tallest.append(max(h.max() for _, h in heights(table, sidecar, options)[1]))
        lims.add(tuple(sidecar["y"]["lim"]))
    assert len(lims) == 1 and lims.pop()[1] >= max(tallest)


def test_density_raster_counts_every_point_inside_the_limits():
    rng = np.random.default_rng(2)
    x, y = rng.uniform(0, 1, 10_000), rng.uniform(0, 1, 10_000)
    counts = pixel_counts(x, y, [(0, 1), (0, 1)], (40, 50))
    assert counts.shape == (40, 50) and counts.sum() == 10_000
    levels = shade(counts, "eq_hist")
    assert levels.max() == 1.0 and levels[counts > 0].min() > 0
    assert (levels[counts == 0] == 0).all()


def test_scatter_of_ten_million_points_renders_fast(tmp_path):
    n = 10_000_000
    rng = np.random.default_rng(4)
    pq.write_table(
        pa.table({"u": rng.normal(0, 1, n), "v": rng.normal(0, 1, n)}),
        tmp_path / "d.parquet",
        row_group_size=1 << 20,
    )
    result = run_split(
        SplitSpec(data=str(tmp_path / "d.parquet"), kind="scatter", x="u", y="v"),
        str(tmp_path / "s"),
    )
    tile = result.tiles[0]["id"]
    start = time.perf_counter()
    render_tile(
        str(tmp_path / "s" / f"{tile}.arrow"),
        str(tmp_path / "s" / f"{tile}.json"),
        {"kind": "scatter", "options": {}},
        {"height": 3, "aspect": 1.3, "dpi": 100},
        str(tmp_path / "t.png"),
    )
    print(f"\nscatter raster of {n:,} points: {time.perf_counter() - start:.2f} s")


def test_heatmap_cells_are_the_pivot_means(tmp_path):
    import pandas as pd
    from tilegrid.kinds.heatmap import pivot

    table = _table().filter(pa.compute.is_finite(_table()["v"]))
    pq.write_table(table, tmp_path / "d.parquet")
    result = run_split(
        SplitSpec(
            data=str(tmp_path / "d.parquet"), kind="heatmap", x="g", y="k", options={"value": "v"}
        ),
        str(tmp_path / "s"),
    )
    tile = result.tiles[0]["id"]
    sidecar = json.loads((tmp_path / "s" / f"{tile}.json").read_text())
    grid = pivot(
        read_shard(tmp_path / "s" / f"{tile}.arrow"),
        sidecar,
        resolve_options("heatmap", {"value": "v"}),
    )
    ref = pd.pivot_table(table.to_pandas(), index="k", columns="g", values="v", aggfunc="mean")
    assert np.allclose(grid, ref.loc[sidecar["y"]["categories"], sidecar["x"]["categories"]])
    assert sidecar["c"]["lim"] == pytest.approx([np.nanmin(grid), np.nanmax(grid)], rel=1e-9)


def _dictionary_chunk(indices, dictionary) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(dictionary))


def test_codes_of_a_dictionary_column_are_those_of_its_values():
    from tilegrid.kinds._common import codes_of

    column = pa.chunked_array(
        [
            _dictionary_chunk([0, 1, 2, 3, 1], ["a", "b", "c", "d"]),  # the full level list
            _dictionary_chunk([1, None, 0, 2], ["c", "a", "zz"]),  # other order, null, unknown
            _dictionary_chunk([], ["a"]),
        ]
    )
    table = pa.table({"g": column})
    plain = pa.table({"g": column.cast(pa.string())})
    codes = codes_of(table, "g", ["a", "b", "c", "d"])
    assert codes.tolist() == [0, 1, 2, 3, 1, 0, -1, 2, -1]
    assert codes.dtype == codes_of(plain, "g", ["a", "b", "c", "d"]).dtype
    assert codes_of(table, "g", []).tolist() == [-1] * 9


@pytest.mark.parametrize("n", [1, 4, 300, 70_000])
def test_split_by_groups_values_by_code_in_row_order(n):
    from tilegrid.kinds._common import split_by

    rng = np.random.default_rng(n)
    codes = rng.integers(0, n, 200_000).astype(np.int32)
    values = rng.normal(size=codes.size)
    groups = split_by(codes, values, n)
    assert len(groups) == n
    for code in {0, n // 2, n - 1}:
        assert np.array_equal(groups[code], values[codes == code])


def test_split_by_without_sorting_when_one_group_holds_every_row():
    from tilegrid.kinds._common import split_by

    values = np.arange(5.0)
    groups = split_by(np.full(5, 2), values, 4)
    assert [g.tolist() for g in groups] == [[], [], [0, 1, 2, 3, 4], []]


@pytest.mark.parametrize(
    "keys",
    [
        np.floor(np.random.default_rng(0).uniform(0, 480, 50_000)),  # pixel columns
        np.array([2024.0, 1999.0, 2024.0, -3.0]),
        np.array([0.5, 0.25, 0.5]),  # not integers: np.unique itself
        np.array([0.0, 1e300]),  # integers too far apart to count
        np.array([]),
    ],
)
def test_line_groups_keys_like_np_unique(keys):
    from tilegrid.kinds.line import unique_inverse

    uniq, inverse = unique_inverse(keys)
    ref_uniq, ref_inverse = np.unique(keys, return_inverse=True)
    assert np.array_equal(uniq, ref_uniq) and uniq.dtype == ref_uniq.dtype
    assert np.array_equal(inverse, ref_inverse) and inverse.dtype == ref_inverse.dtype


@pytest.mark.parametrize("kind", ["violin", "box", "bar", "heatmap"])
def test_a_dictionary_encoded_shard_draws_the_same_tile_as_a_plain_one(tmp_path, kind):
    pq.write_table(_table(), tmp_path / "d.parquet")
    spec = {**SPECS[kind]}
    options = spec.pop("options", {})
    hue = None if kind == "heatmap" else "h"
    result = run_split(
        SplitSpec(data=str(tmp_path / "d.parquet"), kind=kind, hue=hue, options=options, **spec),
        str(tmp_path / "s"),
    )
    tile = result.tiles[0]["id"]
    split = read_shard(tmp_path / "s" / f"{tile}.arrow")
    categorical = {"g", "h", "k"} & set(split.column_names)
    plain = pa.table(
        {
            c: split[c].cast(pa.string()) if c in categorical else split[c]
            for c in split.column_names
        }
    )
    encoded = pa.table(  # dictionaries in order of appearance, one per row group
        {
            c: plain[c].dictionary_encode() if c in categorical else plain[c]
            for c in plain.column_names
        }
    )
    pngs = set()
    for name, table in {"split": split, "plain": plain, "encoded": encoded}.items():
        write_shard(tmp_path / f"{name}.arrow", table)
        render_tile(
            str(tmp_path / f"{name}.arrow"),
            str(tmp_path / "s" / f"{tile}.json"),
            {"kind": kind, "options": options},
            TILE,
            str(tmp_path / f"{name}.png"),
        )
        pngs.add((tmp_path / f"{name}.png").read_bytes())
    assert pa.types.is_dictionary(read_shard(tmp_path / "encoded.arrow").schema.field("g").type)
    assert len(pngs) == 1


@pytest.mark.parametrize("n", [3, 6, 10, 20, 29])
@pytest.mark.parametrize("shape", ["normal", "one outlier", "two outliers", "lognormal"])
def test_the_splits_bound_holds_the_bootstrap_interval_of_a_small_group(n, shape):
    from tilegrid.core.stats import Moments
    from tilegrid.kinds._estimate import bootstrap_bound

    rng = np.random.default_rng(n)
    values = {
        "normal": rng.normal(5, 2, n),
        "one outlier": np.r_[np.zeros(n - 1), 150.0],
        "two outliers": np.r_[np.zeros(n - 2), 80.0, 150.0],
        "lognormal": rng.lognormal(0, 1.5, n),
    }[shape]
    for estimator in ("mean", "sum"):
        _, lo, hi = estimate(values, estimator, ["ci", 95])
        b_lo, b_hi = bootstrap_bound(Moments.of(values), estimator, ["ci", 95])
        assert b_lo <= lo + 1e-9 and hi <= b_hi + 1e-9, (estimator, lo, hi, b_lo, b_hi)


@pytest.mark.parametrize("n", [2, 5, 29, 30, 200, 20_000])
@pytest.mark.parametrize("shape", ["normal", "one outlier", "lognormal", "ties"])
@pytest.mark.parametrize("estimator", ["std", "var", "max", "min", ["quantile", 0.95], "count"])
def test_the_splits_bound_holds_every_estimators_interval(n, shape, estimator):
    """The split's y extent from a group's moments holds what kind bar draws of it, for
    every estimator and error bar: bootstrap below 30 values, closed forms above."""
    from tilegrid.core.stats import Moments
    from tilegrid.kinds._estimate import interval_bound

    rng = np.random.default_rng(n)
    values = {
        "normal": rng.normal(5, 2, n),
        "one outlier": np.r_[np.zeros(n - 1), 150.0],
        "lognormal": rng.lognormal(0, 1.5, n),
        "ties": rng.integers(0, 3, n).astype(float),
    }[shape]
    for errorbar in (["ci", 95], ["ci", 50], ["pi", 90], ["se", 2], ["sd", 1], None):
        est, lo, hi = estimate(values, estimator, errorbar)
        b_lo, b_hi = interval_bound(Moments.of(values), estimator, errorbar)
        slack = 1e-9 * max(abs(b_lo), abs(b_hi), 1)
        assert b_lo - slack <= min(est, lo) and max(est, hi) <= b_hi + slack, errorbar


def test_estimator_and_errorbar_words_are_checked():
    for bad in ({"estimator": "mode"}, {"estimator": ["quantile", 1.5]}, {"errorbar": ["ci"]}):
        with pytest.raises(OptionError):
            resolve_options("point", bad)
    for bad in ({"errorbar": ["pi", 150]}, {"n_boot": 0}, {"seed": -1}, {"seed": True}):
        with pytest.raises(OptionError):
            resolve_options("line", bad)
    assert resolve_options("bar", {"estimator": ["quantile", 0.9], "errorbar": ["se", 2]})


@pytest.mark.parametrize("inner", ["stick", "point"])
def test_violin_inner_marks_of_many_values_draw_the_picture_of_all_of_them(inner, monkeypatch):
    """Above INNER_ALL values a violin's sticks or dots are one per occupied eighth of a
    pixel row: the same picture as one per value (below 0.5% of the pixels differ by
    more than 8 of 255, at the ends of sticks), from a few thousand marks."""
    import matplotlib.pyplot as plt
    from tilegrid.kinds import violin

    options = {**violin.OPTIONS, "inner": inner}
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(0, 1, 80_000), rng.normal(4, 0.5, 20_000)])
    stats_ = violin.violin_stats(values, options)
    images, marks = [], []
    for limit in (values.size, violin.INNER_ALL):
        monkeypatch.setattr(violin, "INNER_ALL", limit)
        fig = plt.figure(figsize=(4, 3), dpi=100)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(-0.5, 0.5)
        ax.set_ylim(-5, 7)
        shown = violin.inner_values(values, (-5.0, 7.0, 300))
        violin._inner_observations(ax, 0, stats_, 0.8, shown, options)
        fig.canvas.draw()
        images.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int))
        marks.append(shown.size)
        plt.close(fig)
    assert marks[0] == values.size and marks[1] <= 8 * 300
    differ = np.abs(images[0] - images[1]).max(axis=2) > 8
    assert differ.mean() < 0.005


def test_a_strip_of_many_rows_draws_the_picture_of_all_of_them(tmp_path):
    """Above max_points a strip draws the last row of each occupied half pixel, in row
    order: the picture of every point (below 0.5% of the pixels differ by more than
    8 of 255, at markers' rims; 0.3% measured), from a seventh of the markers here."""
    import matplotlib.pyplot as plt
    from tilegrid.kinds import strip

    n = 200_000
    rng = np.random.default_rng(6)
    table = pa.table(
        {
            "g": rng.choice(["a", "b", "c"], n),
            "h": rng.choice(["one", "two"], n),
            "v": np.r_[rng.normal(0, 1, n - 3), [9.0, -7.0, 8.5]],  # sparse tails kept
        }
    )
    pq.write_table(table, tmp_path / "d.parquet")
    spec = SplitSpec(data=str(tmp_path / "d.parquet"), kind="strip", x="g", y="v", hue="h")
    tile = run_split(spec, str(tmp_path / "s")).tiles[0]["id"]
    sidecar = json.loads((tmp_path / "s" / f"{tile}.json").read_text())
    shard = read_shard(tmp_path / "s" / f"{tile}.arrow")
    images, marks = [], []
    for most in (n, 1000):
        fig = plt.figure(figsize=(4, 3), dpi=100)
        ax = fig.add_axes((0, 0, 1, 1))
        strip.draw(ax, shard, sidecar, resolve_options("strip", {"max_points": most}))
        ax.set_xlim(*sidecar["x"]["lim"])
        ax.set_ylim(*sidecar["y"]["lim"])
        fig.canvas.draw()
        images.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int))
        marks.append(len(ax.collections[0].get_offsets()))
        plt.close(fig)
    assert marks[0] == n and marks[1] < n / 4
    differ = np.abs(images[0] - images[1]).max(axis=2) > 8
    assert differ.mean() < 0.005


def test_a_swarm_of_many_rows_is_a_sample_by_rank_that_fits(tmp_path):
    """A million values: each category's swarm is the sample evenly spaced by rank
    (both extremes kept) that fits across the category, none on its edges (seaborn's
    gutters), drawn in well under a second."""
    import matplotlib.pyplot as plt
    from tilegrid.kinds import _beeswarm, swarm

    n = 1_000_000
    rng = np.random.default_rng(1)
    g = rng.choice(["a", "b", "c"], n)
    v = np.where(g == "b", rng.lognormal(0, 0.5, n), rng.normal(1, 1, n))
    pq.write_table(pa.table({"g": g, "v": v}), tmp_path / "d.parquet")
    spec = SplitSpec(data=str(tmp_path / "d.parquet"), kind="swarm", x="g", y="v")
    tile = run_split(spec, str(tmp_path / "s")).tiles[0]["id"]
    sidecar = json.loads((tmp_path / "s" / f"{tile}.json").read_text())
    shard = read_shard(tmp_path / "s" / f"{tile}.arrow")
    on_edges = []

    def counted(x, centre, half_width):
        out, edge = _beeswarm.gutters(x, centre, half_width)
        on_edges.append(edge)
        return out, edge

    fig = plt.figure(figsize=(4, 3), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(swarm, "gutters", counted)
        swarm.draw(ax, shard, sidecar, resolve_options("swarm", {}))
    drawn = ax.collections[0].get_offsets()
    plt.close(fig)
    assert len(on_edges) == 3 and sum(on_edges) == 0
    assert 100 < len(drawn) < 2000  # a sample that fits, not 1e5 points placed
    values = v[g == "a"]
    slot = sidecar["x"]["categories"].index("a")
    mine = np.sort(drawn[np.abs(drawn[:, 0] - slot) < 0.5, 1])
    assert mine[0] == values.min() and mine[-1] == values.max()
    ranks = np.searchsorted(np.sort(values), mine)  # evenly spaced ranks
    assert np.ptp(np.diff(ranks)) <= 2


#: options of issue 29's words, each rendered with hue through a whole split and mosaic
WORDS = [
    ("bar", {"estimator": ["quantile", 0.9], "errorbar": ["pi", 50]}),
    ("point", {"estimator": "std", "errorbar": ["ci", 90], "n_boot": 200, "seed": 3}),
    ("line", {"estimator": "median", "errorbar": ["pi", 50]}),
    ("hist", {"multiple": "stack", "element": "step"}),
    ("hist", {"multiple": "fill"}),
    ("hist", {"multiple": "dodge"}),
    ("violin", {"inner": "stick"}),
    ("violin", {"inner": "point", "log_scale": True}),
    ("box", {"log_scale": True}),
    ("boxen", {"log_scale": True}),
    ("bar", {"log_scale": True, "estimator": "max"}),
    ("point", {"log_scale": True}),
    ("kde", {"log_scale": True}),
    ("count", {"stat": "percent"}),
    ("strip", {"dodge": True, "jitter": 0.3}),
    ("swarm", {"dodge": True}),
]


@pytest.mark.parametrize("kind, options", WORDS, ids=lambda v: str(v))
def test_the_new_words_render_every_tile_and_the_mosaic(tmp_path, kind, options):
    """Values of v go below zero: on a log axis those rows are left out of the drawing
    (seaborn has no place for them), and the limits the split agrees are positive."""
    pq.write_table(_table(), tmp_path / "d.parquet")
    spec = {**SPECS[kind]}
    spec.pop("options", None)
    result = run_split(
        SplitSpec(
            data=str(tmp_path / "d.parquet"), row="r", col="f", kind=kind, hue="h",
            options=options, **spec,
        ),
        str(tmp_path / "s"),
    )  # fmt: skip
    metas, paths = render_tiles(
        tmp_path / "s", tmp_path, result.tiles, {"kind": kind, "options": options}, TILE
    )
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    fig, layout = build_mosaic(manifest, metas, paths, {"title": kind})
    assert len(layout.cells) == len(result.tiles) == 4
    if options.get("log_scale"):
        axis = "x" if kind == "kde" else "y"
        for meta in metas.values():
            assert meta[axis]["scale"] == "log" and meta[axis]["lim"][0] > 0
