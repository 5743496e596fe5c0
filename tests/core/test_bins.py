"""hist's bins: numpy's "auto" rule over the whole table, streamed and exact; integers centred.

Tolerance against ``np.histogram_bin_edges(all_data, "auto")`` on float64 data:
the same bin count, and edges equal to 1e-12 relative (``EDGE_RTOL``; the
module's arithmetic is numpy's, so in practice they are bit-identical: the
quartiles are asserted equal exactly).
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image
from tilegrid.core import bins as binning
from tilegrid.core import quantiles
from tilegrid.core.bins import ValueSource, edges_of, rule_bins
from tilegrid.core.quantiles import RankSearch, percentile
from tilegrid.core.shards import read_shard
from tilegrid.core.tilemeta import read_tile_meta
from tilegrid.kinds import OptionError, resolve_options
from tilegrid.kinds.hist import heights
from tilegrid.split.job import SplitError, SplitSpec, run_split

EDGE_RTOL = 1e-12
RNG = np.random.default_rng(12)

#: distributions the rule must match numpy on: heavy tails, ties, constants, tiny n
DISTRIBUTIONS = {
    "normal": RNG.normal(3, 2, 50_000),
    "lognormal, heavy right tail": RNG.lognormal(0, 2.5, 40_000),
    "cauchy, heavy both tails": RNG.standard_cauchy(60_000),
    "pareto": RNG.pareto(0.7, 30_000),
    "ties: three values": np.repeat([1.0, 2.0, 3.0], [1000, 50_000, 3]),
    "ties at the quartiles": np.concatenate([np.zeros(30_000), RNG.normal(0, 1, 5)]),
    "constant": np.full(1000, 7.5),
    "one value": np.array([-3.25]),
    "two values": np.array([3.0, 5.0]),
    "integers as floats": RNG.integers(0, 10, 20_000).astype(float),
    "pile-up in a huge range": np.concatenate(
        [np.full(300_000, 1e-9), RNG.uniform(-1e12, 1e12, 1000)]
    ),
    "narrow range far from 0": 1e9 + RNG.uniform(0, 1e-3, 10_000),
    "epoch nanoseconds": 1.7e18 + RNG.integers(0, 10**12, 5000).astype(float),
    "bimodal with a gap": np.concatenate([RNG.normal(-1e4, 1, 5000), RNG.normal(1e4, 1, 5000)]),
}


def batched(values: np.ndarray, size: int):
    """A pass over ``values`` in batches of ``size`` (a fresh iterator on each call)."""
    return lambda: (values[i : i + size] for i in range(0, max(values.size, 1), size))


def assert_numpy_edges(edges: np.ndarray, values: np.ndarray, rule="auto") -> None:
    want = np.histogram_bin_edges(values, rule)
    assert edges.size == want.size
    np.testing.assert_allclose(edges, want, rtol=EDGE_RTOL, atol=0)


# ---------------------------------------------------------------- the rule against numpy


@pytest.mark.parametrize("name", DISTRIBUTIONS)
@pytest.mark.parametrize("batch", [1000, 65_536, 10**7])
def test_auto_edges_equal_numpys_on_all_the_data(name, batch):
    values = DISTRIBUTIONS[name]
    bins = rule_bins(ValueSource(batched(values, batch)), "auto")
    assert_numpy_edges(edges_of(bins), values)


@pytest.mark.parametrize("name", DISTRIBUTIONS)
def test_streamed_quartiles_equal_numpys_exactly(name):
    values = DISTRIBUTIONS[name]
    got = percentile(
        batched(values, 4096), values.size, values.min(), values.max(), (0.75, 0.25, 0.5)
    )
    assert got == list(np.percentile(values, [75, 25, 50]))


@pytest.mark.parametrize("rule", ["fd", "sturges", "sqrt", 7])
def test_the_other_rules_and_a_bin_count_equal_numpys(rule):
    values = DISTRIBUTIONS["bimodal with a gap"]
    assert_numpy_edges(edges_of(rule_bins(ValueSource(batched(values, 5000)), rule)), values, rule)


def test_a_rule_asking_for_more_than_max_bins_gets_max_bins():
    values = DISTRIBUTIONS["lognormal, heavy right tail"]  # "fd" alone: ~100,000 bins
    assert np.histogram_bin_edges(values, "fd").size - 1 > binning.MAX_BINS
    bins = rule_bins(ValueSource(batched(values, 5000)), "fd")
    assert bins["count"] == binning.MAX_BINS
    assert (bins["start"], bins["stop"]) == (values.min(), values.max())


@settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    values=hnp.arrays(
        np.float64,
        st.integers(1, 400),
        elements=st.one_of(
            st.floats(-1e6, 1e6, allow_nan=False),
            st.sampled_from([0.0, 1.0, -2.5, 1e-300]),  # ties
        ),
    ),
    batch=st.integers(1, 64),
    fine=st.sampled_from([2, 3, 16, quantiles.FINE]),
    levels=st.sampled_from([3, quantiles.MAX_LEVELS]),
    collect=st.sampled_from([1, 4, quantiles.COLLECT]),
)
def test_any_values_any_batching_give_numpys_edges(values, batch, fine, collect, levels):
    """Tiny cells and collect limits force the search through many levels."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(quantiles, "FINE", fine)
        mp.setattr(quantiles, "COLLECT", collect)
        mp.setattr(quantiles, "MAX_LEVELS", levels)
        bins = rule_bins(ValueSource(batched(values, batch)), "auto")
        quartiles = percentile(
            batched(values, batch), values.size, values.min(), values.max(), (0.75, 0.25)
        )
    assert quartiles == list(np.percentile(values, [75, 25]))
    assert_numpy_edges(edges_of(bins), values)


def test_a_range_of_a_few_float_steps_gets_fewer_bins_where_numpy_refuses():
    values = 1e9 + RNG.uniform(0, 1e-6, 10_000)
    with pytest.raises(ValueError, match="Too many bins"):
        np.histogram_bin_edges(values, "auto")
    edges = edges_of(rule_bins(ValueSource(batched(values, 999)), "auto"))
    assert edges.size > 2 and (np.diff(edges) > 0).all()
    assert edges[0] == values.min() and edges[-1] == values.max()


def test_non_finite_values_are_left_out_as_the_split_drops_them():
    values = DISTRIBUTIONS["normal"].copy()
    values[::97] = np.nan
    values[5::101] = np.inf
    values[7::103] = -np.inf
    bins = rule_bins(ValueSource(batched(values, 3000)), "auto")
    assert_numpy_edges(edges_of(bins), values[np.isfinite(values)])


def test_a_log_axis_bins_the_logs_of_the_positive_values_as_seaborn():
    values = np.concatenate([DISTRIBUTIONS["lognormal, heavy right tail"], [0.0, -1.0]])
    bins = rule_bins(ValueSource(batched(values, 5000), log=True), "auto")
    positive = values[values > 0]
    want = 10 ** np.histogram_bin_edges(np.log10(positive), "auto")
    np.testing.assert_allclose(edges_of({**bins, "log": True}), want, rtol=EDGE_RTOL)


# ---------------------------------------------------------------- the statistic merges


def search_pass(probes, parts):
    searches = []
    for part in parts:
        search = RankSearch(probes)
        for values in part:
            search.update(values)
        searches.append(search)
    merged = searches[0]
    for other in searches[1:]:
        merged = merged.merge(other)
    return merged.result()


@pytest.mark.parametrize("name", ["normal", "pile-up in a huge range", "ties at the quartiles"])
def test_partial_passes_merge_to_the_single_pass_result(name, monkeypatch):
    monkeypatch.setattr(quantiles, "COLLECT", 50)  # several levels, each merged
    values = DISTRIBUTIONS[name]
    lo, hi, n = values.min(), values.max(), values.size
    ranks = [n // 4, n // 4 + 1, (3 * n) // 4]
    whole = [quantiles.Probe(r, (), 0, n, quantiles.first_level(lo, hi)) for r in ranks]
    split = list(whole)
    found_whole: dict[int, float] = {}
    found_split: dict[int, float] = {}
    thirds = np.array_split(values, 3)
    while whole or split:
        done, whole = search_pass(whole, [[values]]) if whole else ({}, [])
        found_whole.update(done)
        # three "files" merged, batches within each reversed
        parts = [[t[i : i + 999] for i in range(0, t.size, 999)][::-1] for t in thirds[::-1]]
        done, split = search_pass(split, parts) if split else ({}, [])
        found_split.update(done)
    assert found_whole == found_split == {r: float(np.sort(values)[r]) for r in ranks}


def test_data_up_to_collect_values_needs_one_pass_more_needs_two():
    small = DISTRIBUTIONS["normal"]
    assert small.size <= quantiles.COLLECT
    passes = []

    def counted_small():
        passes.append(1)
        return iter(np.array_split(small, 10))

    percentile(counted_small, small.size, small.min(), small.max(), (0.75, 0.25))
    assert len(passes) == 1
    passes.clear()
    values = RNG.normal(0, 1, 3 * quantiles.COLLECT)

    def counted():
        passes.append(1)
        return iter(np.array_split(values, 10))

    q = percentile(counted, values.size, values.min(), values.max(), (0.75, 0.25))
    assert q == list(np.percentile(values, [75, 25])) and len(passes) == 2


def test_a_pile_up_is_refined_within_a_bounded_number_of_passes():
    passes = []
    values = DISTRIBUTIONS["pile-up in a huge range"]

    def counted():
        passes.append(1)
        return iter(np.array_split(values, 10))

    q = percentile(counted, values.size, values.min(), values.max(), (0.75, 0.25))
    assert q == list(np.percentile(values, [75, 25])) and len(passes) <= 5


def test_memory_stays_flat_whatever_the_number_of_values():
    """20 million values (160 MB) in batches: the search holds a few MB at most."""
    import tracemalloc

    batch, batches = 1 << 16, 300

    def stream():
        for k in range(batches):  # skewed, deterministic, made batch by batch
            yield ((np.arange(k * batch, (k + 1) * batch) * 0.6180339887) % 1.0) ** 3

    tracemalloc.start()
    try:
        bins = rule_bins(ValueSource(stream), "auto")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert bins["count"] > 100 and peak < 16e6


# ---------------------------------------------------------------- integers


def test_integers_with_a_sub_unit_auto_width_get_one_bin_centred_on_each():
    values = RNG.integers(-3, 7, 50_000).astype(float)
    bins, one_per_step = binning.integer_bins(ValueSource(batched(values, 4096)), "auto")
    edges = edges_of(bins)
    assert one_per_step
    assert list((edges[:-1] + edges[1:]) / 2) == list(range(-3, 7))


def test_integers_with_a_wide_range_get_whole_number_widths_between_integers():
    values = np.round(RNG.normal(0, 100, 2000))  # numpy's "auto": ~21 integers a bin
    bins, one_per_step = binning.integer_bins(ValueSource(batched(values, 4096)), "auto")
    edges = edges_of(bins)
    widths = np.diff(edges)
    assert not one_per_step and widths[0] > 1 and np.allclose(widths, round(widths[0]))
    assert np.allclose(edges % 1, 0.5)  # every edge between two integers
    assert edges[0] < values.min() and edges[-1] > values.max()
    q75, q25 = np.percentile(values, [75, 25])
    rule = binning.rule_width("auto", values.size, values.min(), values.max(), q75 - q25)
    assert widths[0] == np.ceil(rule)  # numpy's rule width, rounded up


def test_integers_in_bins_of_fifty_or_more_keep_numpys_edges_as_seaborn():
    """A bin of 333 integers holds 333 or 334 of them: no comb to avoid, so the bins
    are numpy's (seaborn's), as for penguins' body mass in grams (333 g, not 350 g)."""
    values = np.round(RNG.normal(4200, 800, 344))
    bins, one_per_step = binning.integer_bins(ValueSource(batched(values, 100)), "auto")
    assert not one_per_step
    assert_numpy_edges(edges_of(bins), values)
    assert np.diff(edges_of(bins))[0] >= binning.COMB_FREE_WIDTH


def test_integers_beyond_2_52_get_numpys_bins_as_floats():
    values = 1.7e18 + RNG.integers(0, 10**6, 5000).astype(float)
    bins, one_per_step = binning.integer_bins(ValueSource(batched(values, 999)), "auto")
    assert not one_per_step
    assert_numpy_edges(edges_of(bins), values)


def test_discrete_bins_are_seaborns():
    values = np.array([2.0, 5.0, 3.0, 5.0])
    edges = edges_of(binning.discrete_bins(ValueSource(batched(values, 2))))
    assert list(edges) == list(np.arange(2 - 0.5, 5 + 1.5))


# ---------------------------------------------------------------- options


def test_hist_defines_the_shared_bins_hook_the_split_calls():
    import inspect

    from tilegrid.kinds import get_kind

    hook = get_kind("hist").shared_bins
    assert list(inspect.signature(hook).parameters) == ["source", "options"]
    assert all(get_kind(k).shared_bins is None for k in ("kde", "ecdf", "violin"))


@pytest.mark.parametrize("bins", ["auto", "fd", "sturges", "sqrt", 1, 10_000, [0, 1, 2.5]])
def test_hist_accepts_rules_counts_and_edges(bins):
    assert resolve_options("hist", {"bins": bins})["bins"] == bins


@pytest.mark.parametrize("bins", ["doane", 0, 10_001, True, [1], [2, 1], [0, float("nan")]])
def test_hist_refuses_other_bins(bins):
    with pytest.raises(OptionError, match="plot.options.bins"):
        resolve_options("hist", {"bins": bins})


def test_hist_discrete_is_true_false_or_auto():
    assert resolve_options("hist", {})["discrete"] == "auto"
    with pytest.raises(OptionError, match="plot.options.discrete"):
        resolve_options("hist", {"discrete": 1})
    with pytest.raises(OptionError, match="log_scale"):
        resolve_options("hist", {"discrete": True, "log_scale": True})


# ---------------------------------------------------------------- the split


def facet_table(values: np.ndarray, n_facets: int = 3) -> pa.Table:
    return pa.table({"f": [f"f{i % n_facets}" for i in range(values.size)], "v": values})


def sidecars(out, result) -> list[dict]:
    return [json.loads((out / f"{t['id']}.json").read_text()) for t in result.tiles]


@pytest.mark.parametrize("sharex", [True, False])
def test_every_tile_gets_the_bins_of_all_the_data_whatever_sharex(tmp_path, sharex):
    values = np.concatenate([RNG.normal(0, 1, 3000), RNG.normal(20, 5, 3000)])
    table = facet_table(values).append_column("h", pa.array(["a", "b"] * 3000))
    pq.write_table(table, tmp_path / "d.parquet")
    out = tmp_path / "s"
    spec = SplitSpec(str(tmp_path / "d.parquet"), col="f", kind="hist", x="v", hue="h",
                     sharex=sharex)  # fmt: skip
    cars = sidecars(out, run_split(spec, str(out)))
    assert all(c["bins"] == cars[0]["bins"] for c in cars)
    assert_numpy_edges(edges_of(cars[0]["bins"]), values)
    edges = edges_of(cars[0]["bins"])
    assert all(c["x"]["extent"] == pytest.approx([edges[0], edges[-1]], rel=1e-9) for c in cars)


def test_x_limits_are_seaborns_whatever_sharex(tmp_path):
    """seaborn draws every common bin, empty ones too, so each facet spans all of them."""
    import matplotlib
    import pandas as pd
    import seaborn as sns

    matplotlib.use("Agg")
    values = np.concatenate([RNG.normal(0, 1, 1000), RNG.normal(20, 1, 1000)])
    frame = pd.DataFrame({"f": ["a"] * 1000 + ["b"] * 1000, "v": values})
    grid = sns.displot(frame, x="v", col="f", kind="hist", facet_kws={"sharex": False})
    want = [ax.get_xlim() for ax in grid.axes.flat]
    matplotlib.pyplot.close(grid.figure)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "d.parquet")
    out = tmp_path / "s"
    spec = SplitSpec(str(tmp_path / "d.parquet"), col="f", kind="hist", x="v", sharex=False)
    cars = sidecars(out, run_split(spec, str(out)))
    assert [c["x"]["lim"] for c in cars] == [pytest.approx(w, rel=1e-9) for w in want]


def test_a_sidecar_changes_only_when_the_edges_do(tmp_path):
    values = RNG.normal(0, 1, 6000)
    order = np.argsort(values)
    middle = order[values.size // 10]  # far from the quartile ranks, not min or max

    def split(vals, name):
        pq.write_table(facet_table(vals, 2), tmp_path / f"{name}.parquet")
        out = tmp_path / name
        result = run_split(SplitSpec(str(tmp_path / f"{name}.parquet"), col="f", kind="hist",
                                     x="v", options={"stat": "density", "common_norm": "tile"}),
                           str(out))  # fmt: skip
        return {t["id"]: (out / f"{t['id']}.json").read_bytes() for t in result.tiles}

    before = split(values, "a")
    nudged = values.copy()
    nudged[middle] += 1e-12  # same ranks, same quartiles, same range and count
    assert split(nudged, "b") == before
    wider = values.copy()
    wider[middle] = values.max() + 1  # a new maximum moves every edge
    assert all(a != b for a, b in zip(split(wider, "c").values(), before.values()))


@pytest.mark.parametrize(
    ("options", "want"),
    [
        ({}, np.arange(-0.5, 10)),  # integers: one bar centred on each
        ({"discrete": False}, None),  # numpy's edges as they are
        ({"bins": [0, 2, 5, 9]}, np.array([0.0, 2, 5, 9])),  # explicit edges
        ({"bins": 3}, np.linspace(0, 9, 4)),  # a count over the data range
    ],
)
@pytest.mark.parametrize("stored", ["int64", "float64 with NaN (pandas' integers)"])
def test_whole_numbers_bin_by_option(tmp_path, options, want, stored):
    values = RNG.integers(0, 10, 30_000)
    if stored != "int64":
        values = values.astype(float)
        values[::1000] = np.nan
    pq.write_table(facet_table(values), tmp_path / "d.parquet")
    out = tmp_path / "s"
    spec = SplitSpec(str(tmp_path / "d.parquet"), col="f", kind="hist", x="v", options=options)
    edges = edges_of(sidecars(out, run_split(spec, str(out)))[0]["bins"])
    if want is None:
        finite = values[np.isfinite(values)].astype(float)
        assert_numpy_edges(edges, finite)
    else:
        assert list(edges) == list(want)


def test_one_fractional_value_makes_a_float_column_binned_as_floats(tmp_path):
    values = RNG.integers(0, 10, 30_000).astype(float)
    values[12_345] = 4.5
    pq.write_table(facet_table(values), tmp_path / "d.parquet")
    out = tmp_path / "s"
    spec = SplitSpec(str(tmp_path / "d.parquet"), col="f", kind="hist", x="v")
    assert_numpy_edges(edges_of(sidecars(out, run_split(spec, str(out)))[0]["bins"]), values)


def test_float_data_is_found_fractional_in_its_first_batch():
    read = []

    def stream():
        for k in range(50):
            read.append(k)
            yield np.full(1000, k + 0.5)

    assert not ValueSource(stream, integer=None).whole() and read == [0]
    assert ValueSource(batched(np.arange(5000.0), 999), integer=None).whole()


def test_bins_do_not_depend_on_how_the_table_is_stored(tmp_path):
    """One file, many row groups, or a folder of files: the same sidecars, byte for byte."""
    table = facet_table(DISTRIBUTIONS["cauchy, heavy both tails"][:20_000])
    pq.write_table(table, tmp_path / "one.parquet")
    pq.write_table(table, tmp_path / "groups.parquet", row_group_size=777)
    (tmp_path / "folder").mkdir()
    for i, start in enumerate(range(0, table.num_rows, 7000)):
        pq.write_table(table.slice(start, 7000), tmp_path / "folder" / f"part{i}.parquet")
    seen = set()
    for name in ("one.parquet", "groups.parquet", "folder"):
        out = tmp_path / f"s-{name}"
        result = run_split(SplitSpec(str(tmp_path / name), col="f", kind="hist", x="v"), str(out))
        seen.add(tuple((out / f"{t['id']}.json").read_bytes() for t in result.tiles))
    assert len(seen) == 1


def test_discrete_true_on_a_huge_integer_range_is_one_error_line(tmp_path):
    pq.write_table(facet_table(np.array([0.0, 1e7])), tmp_path / "d.parquet")
    spec = SplitSpec(str(tmp_path / "d.parquet"), col="f", kind="hist", x="v",
                     options={"discrete": True})  # fmt: skip
    with pytest.raises(SplitError, match="plot.options.discrete: .* bins"):
        run_split(spec, str(tmp_path / "s"))


# ---------------------------------------------------------------- the workflow


def tiles_drawn(wf) -> list[tuple[dict, pa.Table, dict]]:
    """Each tile's sidecar, shard and TileMeta, from a finished run."""
    shards = wf.path("results", "shards")
    manifest = json.loads((shards / "manifest.json").read_text())
    out = []
    for tile in manifest["tiles"]:
        sidecar = json.loads((shards / f"{tile['id']}.json").read_text())
        meta = read_tile_meta(str(wf.path("results", "tiles", f"{tile['id']}.png")))
        out.append((sidecar, read_shard(shards / f"{tile['id']}.arrow"), meta))
    return out


@pytest.mark.alongside("remote")  # see tests/table/test_contents.py
def test_workflow_bars_use_numpys_auto_edges_of_all_the_data(workflow):
    values = RNG.lognormal(1, 0.8, 40_000)
    values[::501] = np.nan  # dropped by the split, as seaborn drops them
    values[3::997] = np.inf
    table = pa.table(
        {"g": [["x", "y", "z"][i % 3] for i in range(values.size)], "v": values,
         "h": pa.array(["p", "q"] * (values.size // 2))}
    )  # fmt: skip
    pq.write_table(table, workflow.path("data.parquet"))
    workflow.update_config(
        facet={"row": None, "col": "g"},
        plot={"kind": "hist", "x": "v", "y": None, "hue": "h"},
        sharex=False,
    )
    workflow.run_ok()
    finite = values[np.isfinite(values)]
    options = resolve_options("hist", {})
    drawn = tiles_drawn(workflow)
    assert len(drawn) == 3
    for sidecar, shard, meta in drawn:
        edges, layers = heights(shard, sidecar, options)  # what the tile's bars stand on
        assert_numpy_edges(edges, finite)
        assert meta["x"]["lim"][0] <= edges[0] and sum(h.sum() for _, h in layers) == shard.num_rows


def bar_pixels(png) -> np.ndarray:
    """Whether each pixel column is covered by a bar, one pixel above the tile's bottom
    (where every non-empty bar is drawn; the top-left pixel is background)."""
    rgb = np.asarray(Image.open(png).convert("RGB"), dtype=int)
    return np.abs(rgb[-2] - rgb[0, 0]).sum(axis=1) > 30


@pytest.mark.alongside("remote")  # see tests/table/test_contents.py
def test_workflow_integers_get_one_bar_centred_on_each_value_without_gaps(workflow):
    values = RNG.integers(0, 10, 60_000)
    table = pa.table({"g": [["x", "y"][i % 2] for i in range(values.size)], "v": values})
    pq.write_table(table, workflow.path("data.parquet"))
    workflow.update_config(
        facet={"row": None, "col": "g"}, plot={"kind": "hist", "x": "v", "y": None}
    )
    workflow.run_ok()
    options = resolve_options("hist", {})
    for sidecar, shard, meta in tiles_drawn(workflow):
        edges, [(_, counts)] = heights(shard, sidecar, options)
        assert list((edges[:-1] + edges[1:]) / 2) == list(range(10))  # centred on each integer
        own = shard.column("v").to_numpy()
        assert list(counts) == list(np.bincount(own.astype(int), minlength=10))
        png = workflow.path("results", "tiles", f"{sidecar['tile']}.png")
        covered = bar_pixels(png)
        lo, hi = meta["x"]["lim"]
        px = (edges[[0, -1]] - lo) / (hi - lo) * covered.size
        inside = covered[int(np.ceil(px[0])) + 1 : int(np.floor(px[1])) - 1]
        # no run of two or more uncovered columns between the first and last bar's edges
        gaps = np.flatnonzero(~inside)
        assert not np.any(np.diff(gaps) == 1), f"gaps at pixel columns {gaps}"


@pytest.mark.alongside("remote")  # see tests/table/test_contents.py
def test_workflow_a_change_that_keeps_the_edges_redraws_only_its_tile(workflow):
    values = RNG.normal(0, 1, 9000)
    middle = int(np.argsort(values)[values.size // 10])  # far from the quartile ranks

    def write(vals):
        table = pa.table({"g": [["x", "y", "z"][i % 3] for i in range(vals.size)], "v": vals})
        pq.write_table(table, workflow.path("data.parquet"))

    write(values)
    workflow.update_config(
        facet={"row": None, "col": "g"}, plot={"kind": "hist", "x": "v", "y": None}
    )
    workflow.run_ok()
    nudged = values.copy()
    nudged[middle] += 1e-9  # same bins, same bar heights: only its shard changes
    write(nudged)
    assert workflow.run_ok().jobs("render") == 1
    wider = nudged.copy()
    wider[middle] = values.max() + 1  # a new maximum moves every edge
    write(wider)
    assert workflow.run_ok().jobs("render") == 3
