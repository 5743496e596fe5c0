"""The numbers tilegrid draws against the numbers seaborn computes, on a real table.

The table is Palmer penguins (the ``palmerpenguins`` package: 344 rows, 3
islands, 3 species, missing values). tilegrid's numbers come from its split
(shards and sidecars) and its kinds' own functions; seaborn's from the artists
its figure-level functions draw. Tolerances are stated per test; the README's
"Differences from seaborn" lists what differs on purpose.
"""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import public_tables  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import pytest  # noqa: E402

sns = pytest.importorskip("seaborn")
palmerpenguins = pytest.importorskip("palmerpenguins")

from tilegrid.core.shards import read_shard  # noqa: E402
from tilegrid.core.sidecar import read_sidecar  # noqa: E402
from tilegrid.kinds import point as point_kind  # noqa: E402
from tilegrid.kinds.kde import curves  # noqa: E402
from tilegrid.split.job import SplitSpec, run_split  # noqa: E402


@pytest.fixture(scope="module")
def penguins():
    return palmerpenguins.load_penguins()


@pytest.fixture(scope="module")
def penguins_parquet(penguins, tmp_path_factory):
    path = tmp_path_factory.mktemp("penguins") / "penguins.parquet"
    pq.write_table(pa.Table.from_pandas(penguins, preserve_index=False), path)
    return str(path)


def _split(path, out, **spec):
    result = run_split(SplitSpec(data=path, **spec), str(out))
    return {t["facets"]["col"]["value"]: t["id"] for t in result.tiles}


def test_kde_peaks_match_displot_normalised_over_the_whole_figure(
    penguins, penguins_parquet, tmp_path
):
    """seaborn's displot(kind="kde") shares one total over all facets (common_norm):
    peaks and areas per facet."""
    ids = _split(penguins_parquet, tmp_path, col="island", kind="kde", x="flipper_length_mm")
    grid = sns.displot(penguins, x="flipper_length_mm", col="island", kind="kde")
    try:
        seaborn_peaks = {
            ax.get_title().split(" = ")[1]: ax.lines[0].get_ydata().max() for ax in grid.axes.flat
        }
        seaborn_areas = {
            ax.get_title().split(" = ")[1]: np.trapezoid(
                ax.lines[0].get_ydata(), ax.lines[0].get_xdata()
            )
            for ax in grid.axes.flat
        }
    finally:
        plt.close(grid.figure)
    options = {
        "bw_method": "scott",
        "bw_adjust": 1.0,
        "cut": 3.0,
        "gridsize": 200,
        "common_norm": True,
    }
    for island, tid in ids.items():
        sidecar = read_sidecar(str(tmp_path / f"{tid}.json"))
        ((_, xs, density),) = curves(read_shard(str(tmp_path / f"{tid}.arrow")), sidecar, options)
        # the binned KDE is within 1% of seaborn's exact one, and each facet's area is
        # its share of the rows (seaborn's common_norm over the figure), within 1%
        assert density.max() == pytest.approx(seaborn_peaks[island], rel=0.01), island
        area = np.trapezoid(density, xs)
        assert area == pytest.approx(seaborn_areas[island], rel=0.01), island
        assert area < 0.6  # a share, not 1 per facet


def test_point_lines_break_where_a_facet_has_no_rows_of_a_category(
    penguins, penguins_parquet, tmp_path
):
    """Species appear as Adelie, Gentoo, Chinstrap; Dream has no Gentoo: a gap in the middle."""
    ids = _split(
        penguins_parquet, tmp_path, col="island", kind="point", x="species", y="body_mass_g"
    )
    sidecar = read_sidecar(str(tmp_path / f"{ids['Dream']}.json"))
    table = read_shard(str(tmp_path / f"{ids['Dream']}.arrow"))
    fig, ax = plt.subplots()
    try:
        point_kind.draw(ax, table, sidecar, dict(point_kind.OPTIONS))
        line = next(line for line in ax.lines if line.get_marker() not in ("None", None, ""))
        ys = np.asarray(line.get_ydata(), dtype=float)
    finally:
        plt.close(fig)
    # Dream has Adelie and Chinstrap but no Gentoo (the middle category): a gap
    assert len(ys) == 3 and np.isnan(ys[1]) and not np.isnan(ys[[0, 2]]).any()
    grid = sns.catplot(penguins, x="species", y="body_mass_g", col="island", kind="point")
    try:
        dream = next(ax for ax in grid.axes.flat if ax.get_title().endswith("Dream"))
        joined = next(line for line in dream.lines if line.get_marker() not in ("None", None, ""))
        seaborn_ys = np.asarray(joined.get_ydata(), dtype=float)
    finally:
        plt.close(grid.figure)
    assert np.isnan(seaborn_ys).sum() == np.isnan(ys).sum()
    assert np.nanmax(np.abs(seaborn_ys - ys)) < 1e-9  # the same means


def test_bar_interval_of_two_values_is_their_range_as_seaborns_bootstrap(tmp_path):
    import pandas as pd

    df = pd.DataFrame(
        {"g": ["a", "a", "b", "b", "b"] + ["c"] * 40, "v": [1.0, 9.0] + list(range(43))}
    )
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    result = run_split(SplitSpec(data=str(path), kind="bar", x="g", y="v"), str(tmp_path / "o"))
    sidecar = read_sidecar(str(tmp_path / "o" / f"{result.tiles[0]['id']}.json"))
    grid = sns.catplot(df, x="g", y="v", kind="bar", seed=0)
    try:
        (ax,) = grid.axes.flat
        seaborn_lo, seaborn_hi = ax.get_ylim()
        a_bar = ax.lines[0].get_ydata()  # the error bar of category "a"
    finally:
        plt.close(grid.figure)
    assert sorted(a_bar) == [1.0, 9.0]
    # the shared y limit holds the intervals, not a t interval of 2 values (+-51)
    lo, hi = sidecar["y"]["lim"]
    assert lo >= -5 and hi <= 1.15 * max(seaborn_hi, 42)


def _options(kind, **overrides):
    from tilegrid.kinds import resolve_options

    return {**resolve_options(kind, {}), **overrides}


def _axes_by_title(grid) -> dict[str, object]:
    return {ax.get_title().split(" = ")[1]: ax for ax in grid.axes.flat}


def test_hist_edges_and_heights_equal_displots(penguins, penguins_parquet, tmp_path):
    """Bills in tenths of a mm: numpy's "auto" bins over all the data, shared by the
    facets, as displot draws them (edges to 1e-9, counts exact)."""
    from tilegrid.kinds import hist

    column = "bill_length_mm"
    ids = _split(penguins_parquet, tmp_path, col="island", kind="hist", x=column)
    grid = sns.displot(penguins, x=column, col="island", kind="hist")
    try:
        seaborn = {
            island: (
                np.array(
                    [p.get_x() for p in ax.patches]
                    + [ax.patches[-1].get_x() + ax.patches[-1].get_width()]
                ),
                np.array([p.get_height() for p in ax.patches]),
            )
            for island, ax in _axes_by_title(grid).items()
        }
    finally:
        plt.close(grid.figure)
    options = _options("hist")
    for island, tid in ids.items():
        sidecar = read_sidecar(str(tmp_path / f"{tid}.json"))
        edges, ((_, counts),) = hist.heights(
            read_shard(str(tmp_path / f"{tid}.arrow")), sidecar, options
        )
        sns_edges, sns_counts = seaborn[island]
        assert len(edges) == len(sns_edges), island
        assert np.allclose(edges, sns_edges, rtol=0, atol=1e-9), island
        assert np.array_equal(counts, sns_counts), island


def _mass_by_species(ids: dict[str, str], shards) -> dict[tuple[str, str], np.ndarray]:
    """{(island, species): body masses} from each tile's shard (5 groups: Biscoe has
    Adelie and Gentoo, Dream Adelie and Chinstrap, Torgersen Adelie)."""
    out = {}
    for island, tid in ids.items():
        table = read_shard(str(shards / f"{tid}.arrow")).to_pandas()
        for species, rows in table.groupby("species", observed=True):
            out[island, species] = rows["body_mass_g"].to_numpy(float)
    return out


def test_box_quartiles_and_whiskers_equal_catplots(penguins, penguins_parquet, tmp_path):
    """Quartiles and whisker ends (1.5 IQR, at data points) per species and island, exact."""
    from tilegrid.kinds import box

    ids = _split(penguins_parquet, tmp_path, col="island", kind="box", x="species", y="body_mass_g")
    grid = sns.catplot(penguins, x="species", y="body_mass_g", col="island", kind="box")
    try:
        seaborn = {}
        for island, ax in _axes_by_title(grid).items():
            (boxes,) = ax.containers
            labels = [t.get_text() for t in ax.get_xticklabels()]
            for patch, whiskers in zip(boxes.boxes, zip(boxes.whiskers[::2], boxes.whiskers[1::2])):
                xs, ys = patch.get_path().vertices.T
                label = labels[round(float(np.mean([xs.min(), xs.max()])))]
                ends = sorted(y for line in whiskers for y in line.get_ydata())
                seaborn[island, label] = (ys.min(), ys.max(), ends[0], ends[-1])
    finally:
        plt.close(grid.figure)
    groups = _mass_by_species(ids, tmp_path)
    for (island, species), values in groups.items():
        st = box.box_stats(values, 1.5, 1000)
        mine = (st["q1"], st["q3"], st["whislo"], st["whishi"])
        assert mine == pytest.approx(seaborn[island, species], abs=1e-9), (island, species)
    assert len(groups) == 5  # Biscoe: Adelie, Gentoo; Dream: Adelie, Chinstrap; Torgersen: Adelie


@pytest.mark.parametrize("kind", ["bar", "point"])
def test_bar_and_point_means_and_intervals_agree_with_catplots(
    penguins, penguins_parquet, tmp_path, kind
):
    """Means exact; the 95% interval of every group (all have 30 or more values here,
    so tilegrid's is Student's t) ends within 10% of the interval's half-width of
    seaborn's seeded bootstrap (10,000 resamples)."""
    from tilegrid.kinds import _estimate

    ids = _split(penguins_parquet, tmp_path, col="island", kind=kind, x="species", y="body_mass_g")
    grid = sns.catplot(
        penguins, x="species", y="body_mass_g", col="island", kind=kind, seed=0, n_boot=10000
    )
    try:
        seaborn = {}
        for island, ax in _axes_by_title(grid).items():
            labels = [t.get_text() for t in ax.get_xticklabels()]
            intervals = {
                round(float(line.get_xdata()[0])): sorted(line.get_ydata())
                for line in ax.lines
                if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]
            }
            if kind == "bar":
                means = {round(p.get_x() + p.get_width() / 2): p.get_height() for p in ax.patches}
            else:
                joined = next(ln for ln in ax.lines if ln.get_marker() not in ("None", None, ""))
                means = {round(float(x)): y for x, y in zip(joined.get_xdata(), joined.get_ydata())}
            for i, mean in means.items():
                if not np.isnan(mean):
                    seaborn[island, labels[i]] = (mean, *intervals[i])
    finally:
        plt.close(grid.figure)
    groups = _mass_by_species(ids, tmp_path)
    for key, values in groups.items():
        assert values.size >= 30
        mean, lo, hi = _estimate.estimate(values, "mean", ["ci", 95])
        sns_mean, sns_lo, sns_hi = seaborn[key]
        assert mean == pytest.approx(sns_mean, rel=1e-12)
        half = (sns_hi - sns_lo) / 2
        assert abs(lo - sns_lo) <= 0.1 * half and abs(hi - sns_hi) <= 0.1 * half, key
    assert len(groups) == 5


def test_line_bands_of_a_few_values_are_seaborns_bootstrap_on_gapminder(tmp_path):
    """Oceania has two countries a year: the t interval of two values (one degree of
    freedom) spans ~62-88 years of life expectancy and stretched the shared y axis;
    seaborn bootstraps (74-76).  The drawn band and the shared limit follow seaborn."""
    gapminder = public_tables.gapminder()
    from seaborn._statistics import EstimateAggregator
    from tilegrid.kinds import line as line_kind
    from tilegrid.kinds import resolve_options

    path = tmp_path / "gapminder.parquet"
    pq.write_table(pa.Table.from_pandas(gapminder, preserve_index=False), path)
    ids = _split(str(path), tmp_path / "o", col="continent", kind="line", x="year", y="lifeExp")
    oceania = ids["Oceania"]
    sidecar = read_sidecar(str(tmp_path / "o" / f"{oceania}.json"))
    table = read_shard(str(tmp_path / "o" / f"{oceania}.arrow"))
    options = resolve_options("line", {})
    ((_, xs, est, lo, hi, n),) = line_kind.bands(table, sidecar, options, 400)
    assert set(n.tolist()) == {2}
    aggregate = EstimateAggregator("mean", ("ci", 95), n_boot=1000, seed=0)
    rows = gapminder[gapminder.continent == "Oceania"]
    expected = rows.groupby("year").apply(lambda g: aggregate(g, "lifeExp"), include_groups=False)
    # two values: a resampled mean is one of three numbers, so both bootstraps agree
    assert np.allclose(lo, expected["lifeExpmin"].to_numpy(), atol=0.05)
    assert np.allclose(hi, expected["lifeExpmax"].to_numpy(), atol=0.05)
    assert (hi - lo).max() < 3  # not the t interval's ~26 years
    # every continent's tile shares the y axis, which holds the bands, not a t interval
    assert sidecar["y"]["lim"][1] < 90


def test_a_heatmap_has_no_column_for_a_value_whose_rows_all_lack_one_as_pivot_table(tmp_path):
    """seaborn's heatmap draws pandas' pivot_table, which has no column for an x value
    whose rows all lack the value drawn (one row of hour 1 with a missing delay kept an
    "hour = 1" column in every tile); a categorical column keeps its categories."""
    import pandas as pd

    rng = np.random.default_rng(2)
    hours = rng.choice([5, 6, 7, 8], 400)
    frame = pd.DataFrame(
        {
            "origin": rng.choice(["EWR", "JFK"], 401),
            "month": rng.choice([1, 2, 3], 401),
            "hour": np.append(hours, 1),
            "delay": np.append(rng.normal(10, 5, 400), np.nan),
        }
    )
    path = tmp_path / "weather.parquet"
    frame.to_parquet(path)
    spec = {"col": "origin", "kind": "heatmap", "x": "hour", "y": "month"}
    result = run_split(
        SplitSpec(data=str(path), options={"value": "delay"}, **spec), str(tmp_path / "o")
    )
    sidecar = read_sidecar(str(tmp_path / "o" / f"{result.tiles[0]['id']}.json"))
    pivot = frame.pivot_table(index="month", columns="hour", values="delay")
    assert sidecar["x"]["categories"] == [int(h) for h in pivot.columns] == [5, 6, 7, 8]
    assert result.dropped["non_finite"] == 1


# ---------------------------------------------------------------- estimators and error bars


def _seaborn_estimator(estimator):
    """seaborn's estimator for tilegrid's: a name, or a callable for ["quantile", q]."""
    if isinstance(estimator, list):
        return lambda values, q=estimator[1]: np.quantile(values, q)
    return estimator


def _drawn_bars(ax) -> dict[float, tuple[float, float, float]]:
    """{bar centre: (height, error bar low, high)} of a tile drawn by kind bar."""
    heights = {round(p.get_x() + p.get_width() / 2, 6): p.get_height() for p in ax.patches}
    bars = {}
    for collection in ax.collections:
        for (x0, y0), (_, y1) in collection.get_segments():
            bars[round(float(x0), 6)] = (min(y0, y1), max(y0, y1))
    return {x: (h, *bars.get(x, (h, h))) for x, h in heights.items()}


def _penguin_bars(penguins_parquet, out, options):
    """{(island, species, sex): (estimate, low, high)} as kind bar draws them (hue: sex),
    and each tile's shared y limits."""
    from tilegrid.kinds import bar

    spec = {"col": "island", "kind": "bar", "x": "species", "y": "body_mass_g", "hue": "sex"}
    ids = _split(penguins_parquet, out, options=options, **spec)
    drawn, limits = {}, {}
    for island, tid in ids.items():
        sidecar = read_sidecar(str(out / f"{tid}.json"))
        fig, ax = plt.subplots()
        try:
            bar.draw(ax, read_shard(str(out / f"{tid}.arrow")), sidecar, _options("bar", **options))
            bars = _drawn_bars(ax)
        finally:
            plt.close(fig)
        species, sexes = sidecar["x"]["categories"], sidecar["hue"]["levels"]
        for i, name in enumerate(species):
            for j, sex in enumerate(sexes):
                centre = round(i + (j - 0.5) * 0.4, 6)
                if centre in bars:
                    drawn[island, name, sex] = bars[centre]
        limits[island] = sidecar["y"]["lim"]
    return drawn, limits


def _seaborn_aggregates(penguins, estimator, errorbar, **boot):
    from seaborn._statistics import EstimateAggregator

    aggregate = EstimateAggregator(_seaborn_estimator(estimator), errorbar, **boot)
    out = {}
    rows = penguins.dropna(subset=["body_mass_g", "sex"])
    for key, group in rows.groupby(["island", "species", "sex"], observed=True):
        found = aggregate(group, "body_mass_g")
        ends = found["body_mass_gmin"], found["body_mass_gmax"]
        out[key] = (found["body_mass_g"], *ends, len(group))
    return out


ESTIMATORS = ["mean", "median", "sum", "max", "min", "std", "var", "count", ["quantile", 0.9]]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=str)
@pytest.mark.parametrize("errorbar", [["pi", 50], ["se", 2], ["sd", 1]], ids=str)
def test_bar_estimators_and_parametric_errorbars_equal_seaborns(
    penguins, penguins_parquet, tmp_path, estimator, errorbar
):
    """Every estimator (pandas' names, ddof 1; a quantile) with the tuple forms of "pi",
    "se" and "sd": the bars drawn equal seaborn's EstimateAggregator (1e-9 relative),
    and the shared y limits hold them."""
    options = {"estimator": estimator, "errorbar": errorbar}
    drawn, limits = _penguin_bars(penguins_parquet, tmp_path, options)
    seaborn = _seaborn_aggregates(penguins, estimator, tuple(errorbar))
    assert set(drawn) == set(seaborn) and len(drawn) == 10
    for key, (est, lo, hi, _) in seaborn.items():
        assert drawn[key] == pytest.approx((est, lo, hi), rel=1e-9), key
        y_lo, y_hi = limits[key[0]]
        assert y_lo <= min(0, lo) and max(est, hi) <= y_hi, (key, limits[key[0]])


#: how far a closed-form end may be from seaborn's bootstrap of 10,000 resamples, in
#: half-widths of seaborn's interval: Student's t, the Cornish-Fisher expansion of the
#: variance; a quantile's end is an order statistic, one distinct value (25 g steps
#: of penguin masses) from the resamples' percentile at most
CI_TOLERANCE = {"mean": 0.1, "sum": 0.1, "std": 0.1, "var": 0.1, "max": 0.02, "min": 0.02}


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=str)
def test_bar_confidence_intervals_are_seaborns_bootstrap(
    penguins, penguins_parquet, tmp_path, estimator
):
    """("ci", 90): below 30 values (Adelie by sex) seaborn's bootstrap itself, the same
    resamples of the same seed (1e-9); from 30 values its closed form, within
    ``CI_TOLERANCE`` of seaborn's bootstrap; count has no interval (every resample
    has n values; seaborn's bootstrap of "count" fails)."""
    options = {"estimator": estimator, "errorbar": ["ci", 90]}
    drawn, limits = _penguin_bars(penguins_parquet, tmp_path, options)
    if estimator == "count":
        assert all(lo == hi == est for est, lo, hi in drawn.values())
        return
    small = _seaborn_aggregates(penguins, estimator, ("ci", 90), n_boot=1000, seed=0)
    large = _seaborn_aggregates(penguins, estimator, ("ci", 90), n_boot=10000, seed=0)
    tolerance = CI_TOLERANCE.get(str(estimator), 0.35)
    for key, (est, lo, hi, n) in small.items():
        mine = drawn[key]
        if n < 30:
            assert mine == pytest.approx((est, lo, hi), rel=1e-9), key
        else:
            _, lo, hi, _ = large[key]
            half = (hi - lo) / 2
            assert mine[0] == pytest.approx(est, rel=1e-9)
            assert abs(mine[1] - lo) <= tolerance * half, (key, mine, lo, hi)
            assert abs(mine[2] - hi) <= tolerance * half, (key, mine, lo, hi)
        y_lo, y_hi = limits[key[0]]
        assert y_lo <= min(0, mine[1]) and mine[2] <= y_hi, key
    assert sum(n < 30 for *_, n in small.values()) == 6  # Adelie: 22-28 per sex and island


@pytest.mark.parametrize("estimator", ["mean", "median", "std", ["quantile", 0.25]], ids=str)
def test_n_boot_and_seed_are_seaborns(penguins, estimator):
    """``n_boot`` and ``seed``: the very resamples seaborn draws with them."""
    from tilegrid.kinds._estimate import estimate

    rows = penguins[(penguins.island == "Torgersen") & (penguins.sex == "male")]
    values = rows["body_mass_g"].to_numpy(float)
    for n_boot, seed in ((200, 7), (3000, 123)):
        seaborn = _seaborn_aggregates(rows, estimator, ("ci", 80), n_boot=n_boot, seed=seed)
        ((est, lo, hi, n),) = seaborn.values()
        assert n == values.size < 30
        mine = estimate(values, estimator, ["ci", 80], n_boot=n_boot, seed=seed)
        assert mine == pytest.approx((est, lo, hi), rel=1e-12)


@pytest.mark.parametrize(
    "estimator, errorbar",
    [("median", ["pi", 50]), ("max", ["ci", 95]), (["quantile", 0.1], ["se", 2]), ("std", "sd")],
    ids=str,
)
def test_line_estimators_and_bands_equal_seaborns_on_gapminder(tmp_path, estimator, errorbar):
    """Life expectancy per year and continent: each year's estimate and band as seaborn's
    EstimateAggregator (1e-9; a max's bootstrap interval is exact from 30 countries a
    year up, Oceania's two a year are seaborn's seeded bootstrap), the limits hold them."""
    gapminder = public_tables.gapminder()
    from seaborn._statistics import EstimateAggregator
    from tilegrid.kinds import line as line_kind
    from tilegrid.kinds import resolve_options

    path = tmp_path / "gapminder.parquet"
    pq.write_table(pa.Table.from_pandas(gapminder, preserve_index=False), path)
    options = {"estimator": estimator, "errorbar": errorbar}
    spec = {"col": "continent", "kind": "line", "x": "year", "y": "lifeExp"}
    ids = _split(str(path), tmp_path / "o", options=options, **spec)
    seaborn_errorbar = tuple(errorbar) if isinstance(errorbar, list) else errorbar
    aggregate = EstimateAggregator(
        _seaborn_estimator(estimator), seaborn_errorbar, n_boot=1000, seed=0
    )
    for continent, tid in ids.items():
        sidecar = read_sidecar(str(tmp_path / "o" / f"{tid}.json"))
        table = read_shard(str(tmp_path / "o" / f"{tid}.arrow"))
        ((_, xs, est, lo, hi, _),) = line_kind.bands(
            table, sidecar, resolve_options("line", options), 400
        )
        rows = gapminder[gapminder.continent == continent]
        expected = rows.groupby("year").apply(
            lambda g: aggregate(g, "lifeExp"), include_groups=False
        )
        assert np.array_equal(xs, expected.index.to_numpy(float))
        assert np.allclose(est, expected["lifeExp"], rtol=1e-9, atol=0), continent
        assert np.allclose(lo, expected["lifeExpmin"], rtol=1e-9, atol=0), continent
        assert np.allclose(hi, expected["lifeExpmax"], rtol=1e-9, atol=0), continent
        y_lo, y_hi = sidecar["y"]["lim"]
        assert y_lo <= min(lo.min(), est.min()) and max(hi.max(), est.max()) <= y_hi


# ---------------------------------------------------------------- hist multiple


def _rectangles(patches) -> np.ndarray:
    """Each bar's (left, width, bottom, top), sorted, of bars with a height."""
    rows = [
        (p.get_x(), p.get_width(), p.get_y(), p.get_y() + p.get_height())
        for p in patches
        if p.get_height() > 0
    ]
    return np.array(sorted(rows))


@pytest.mark.parametrize(
    "multiple, log", [("stack", False), ("fill", False), ("dodge", False), ("dodge", True)]
)
def test_hist_multiple_places_bars_as_displot(penguins, penguins_parquet, tmp_path, multiple, log):
    """Bills by species (hue) per island: every bar's edges, bottom and top equal
    displot's (1e-9; dodged on a log axis: split in log space), and the shared y limit
    holds the tallest stack (fill: 0 to 1)."""
    from tilegrid.kinds import hist

    column = "bill_length_mm"
    options = {"multiple": multiple, "log_scale": log}
    spec = {"col": "island", "kind": "hist", "x": column, "hue": "species"}
    ids = _split(penguins_parquet, tmp_path, options=options, **spec)
    grid = sns.displot(
        penguins, x=column, hue="species", col="island", multiple=multiple, log_scale=log
    )
    try:
        seaborn = {island: _rectangles(ax.patches) for island, ax in _axes_by_title(grid).items()}
    finally:
        plt.close(grid.figure)
    tops = []
    for island, tid in ids.items():
        sidecar = read_sidecar(str(tmp_path / f"{tid}.json"))
        table = read_shard(str(tmp_path / f"{tid}.arrow"))
        fig, ax = plt.subplots()
        try:
            hist.draw(ax, table, sidecar, _options("hist", **options))
            mine = _rectangles(ax.patches)
        finally:
            plt.close(fig)
        assert mine.shape == seaborn[island].shape, island
        assert np.allclose(mine, seaborn[island], rtol=1e-9, atol=1e-9), island
        tops.append(mine[:, 3].max())
        lim = sidecar["y"]["lim"]
    if multiple == "fill":
        assert lim == [0.0, 1.0]
    else:
        assert max(tops) <= lim[1] <= 1.06 * max(tops)


# ---------------------------------------------------------------- count


@pytest.mark.parametrize("stat", ["count", "percent", "proportion"])
def test_count_bars_equal_catplots(penguins, penguins_parquet, tmp_path, stat):
    """Penguins per species and sex, by island: every bar's position and height equal
    catplot(kind="count")'s (1e-12; shares of all the figure's rows, as catplot's),
    and the shared y limit holds the tallest."""
    from tilegrid.kinds import count

    options = {"stat": stat}
    spec = {"col": "island", "kind": "count", "x": "species", "hue": "sex"}
    ids = _split(penguins_parquet, tmp_path, options=options, **spec)
    kept = penguins.dropna(subset=["sex"])  # a row of no hue level is dropped by both
    grid = sns.catplot(kept, x="species", hue="sex", col="island", kind="count", stat=stat)
    try:
        seaborn = {
            island: sorted(
                (round(p.get_x() + p.get_width() / 2, 9), p.get_height())
                for p in ax.patches
                if p.get_height() > 0
            )
            for island, ax in _axes_by_title(grid).items()
        }
    finally:
        plt.close(grid.figure)
    for island, tid in ids.items():
        sidecar = read_sidecar(str(tmp_path / f"{tid}.json"))
        fig, ax = plt.subplots()
        try:
            count.draw(
                ax,
                read_shard(str(tmp_path / f"{tid}.arrow")),
                sidecar,
                _options("count", **options),
            )
            mine = sorted(
                (round(p.get_x() + p.get_width() / 2, 9), p.get_height()) for p in ax.patches
            )
        finally:
            plt.close(fig)
        assert len(mine) == len(seaborn[island]), island
        assert np.allclose(mine, seaborn[island], rtol=1e-12, atol=1e-12), island
        assert (
            max(h for _, h in mine)
            <= sidecar["y"]["lim"][1]
            <= 1.06 * max(h for values in seaborn.values() for _, h in values)
        )


# ---------------------------------------------------------------- violin inner


def _sticks(ax) -> np.ndarray:
    """Every inner stick as (centre, value, half-width), sorted."""
    from matplotlib.collections import LineCollection

    rows = []
    for collection in ax.collections:
        if isinstance(collection, LineCollection):
            for (x0, y0), (x1, _) in collection.get_segments():
                rows.append((round((x0 + x1) / 2, 9), y0, abs(x1 - x0) / 2))
    return np.array(sorted(rows))


@pytest.mark.parametrize("inner", ["stick", "point"])
def test_violin_inner_sticks_and_points_equal_catplots(penguins, penguins_parquet, tmp_path, inner):
    """inner "stick": a line at every value across the violin (its ends within 2% of
    the violin's half-width of seaborn's: the binned KDE is within 1% of the peak);
    "point": a dot at every value on the centre line, exactly."""
    from matplotlib.collections import PathCollection
    from tilegrid.kinds import violin

    options = {"inner": inner}
    spec = {"col": "island", "kind": "violin", "x": "species", "y": "body_mass_g"}
    ids = _split(penguins_parquet, tmp_path, options=options, **spec)
    grid = sns.catplot(
        penguins, x="species", y="body_mass_g", col="island", kind="violin", inner=inner
    )

    def points(ax):
        dots = [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)]
        return np.array(sorted(map(tuple, np.concatenate(dots))))

    read = _sticks if inner == "stick" else points
    try:
        seaborn = {island: read(ax) for island, ax in _axes_by_title(grid).items()}
    finally:
        plt.close(grid.figure)
    for island, tid in ids.items():
        sidecar = read_sidecar(str(tmp_path / f"{tid}.json"))
        fig, ax = plt.subplots()
        try:
            table = read_shard(str(tmp_path / f"{tid}.arrow"))
            violin.draw(ax, table, sidecar, _options("violin", **options))
            mine = read(ax)
        finally:
            plt.close(fig)
        assert mine.shape == seaborn[island].shape and len(mine) > 40, island
        assert np.array_equal(mine[:, 1], seaborn[island][:, 1]), island  # the values
        assert np.allclose(mine[:, 0], seaborn[island][:, 0], rtol=0, atol=1e-12), island
        if inner == "stick":
            assert np.abs(mine[:, 2] - seaborn[island][:, 2]).max() <= 0.02 * 0.4, island


# ---------------------------------------------------------------- strip and swarm


def _points_by_slot(ax, centres) -> dict[float, np.ndarray]:
    """{slot centre: [(x offset from it, value)]} of every point drawn, each point in the
    slot whose centre is nearest."""
    from matplotlib.collections import PathCollection

    xy = np.concatenate([c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)])
    slot = np.abs(xy[:, :1] - np.asarray(centres)[None, :]).argmin(axis=1)
    return {
        float(c): np.array(sorted(zip(xy[slot == k, 0] - c, xy[slot == k, 1])))
        for k, c in enumerate(centres)
        if (slot == k).any()
    }


@pytest.mark.parametrize("dodge", [False, True])
def test_strip_points_equal_catplots(penguins, penguins_parquet, tmp_path, dodge):
    """Every value a point in its category (and, dodged, its hue level's slot), the
    same values as catplot(kind="strip") draws; the jitter uniform within the same
    half-width (seaborn's 0.1, divided by the hue levels when dodged): both reach
    within 5% of it, and the standard deviation of all offsets is a uniform's
    (half-width / sqrt(3)) within 10% for both (333 points: 3 of its own errors)."""
    from tilegrid.kinds import strip

    options = {"dodge": dodge}
    spec = {"col": "island", "kind": "strip", "x": "species", "y": "body_mass_g", "hue": "sex"}
    ids = _split(penguins_parquet, tmp_path, options=options, **spec)
    kept = penguins.dropna(subset=["sex"])
    centres = [i + d for i in range(3) for d in ((-0.2, 0.2) if dodge else (0.0,))]
    grid = sns.catplot(
        kept, x="species", y="body_mass_g", hue="sex", col="island", kind="strip", dodge=dodge
    )
    try:
        seaborn = {isl: _points_by_slot(ax, centres) for isl, ax in _axes_by_title(grid).items()}
    finally:
        plt.close(grid.figure)
    half = 0.05 if dodge else 0.1
    offsets = {"mine": [], "seaborn": []}
    for island, tid in ids.items():
        sidecar = read_sidecar(str(tmp_path / f"{tid}.json"))
        fig, ax = plt.subplots()
        try:
            table = read_shard(str(tmp_path / f"{tid}.arrow"))
            strip.draw(ax, table, sidecar, _options("strip", **options))
            mine = _points_by_slot(ax, centres)
        finally:
            plt.close(fig)
        assert set(mine) == set(seaborn[island]), island
        for centre, points in mine.items():
            theirs = seaborn[island][centre]
            assert np.array_equal(np.sort(points[:, 1]), np.sort(theirs[:, 1])), centre
            for found in (points[:, 0], theirs[:, 0]):
                assert np.abs(found).max() <= half + 1e-12
            offsets["mine"].append(points[:, 0])
            offsets["seaborn"].append(theirs[:, 0])
    for found in offsets.values():
        assert np.abs(np.concatenate(found)).max() >= 0.95 * half
        assert np.concatenate(found).std() == pytest.approx(half / np.sqrt(3), rel=0.1)


@pytest.mark.parametrize("dodge", [False, True])
def test_swarm_points_equal_swarmplots(penguins, penguins_parquet, tmp_path, dodge):
    """Every point where seaborn's swarmplot puts it (1e-9), on axes of the tile's size
    and limits: the same beeswarm, in the same pixels (all 333 penguins fit)."""
    from matplotlib.collections import PathCollection
    from tilegrid.kinds import swarm

    options = {"dodge": dodge}
    spec = {"col": "island", "kind": "swarm", "x": "species", "y": "body_mass_g", "hue": "sex"}
    ids = _split(penguins_parquet, tmp_path, options=options, **spec)
    for island, tid in ids.items():
        sidecar = read_sidecar(str(tmp_path / f"{tid}.json"))
        rows = penguins[(penguins.island == island)].dropna(subset=["sex"])
        placed = []
        for draw_with in ("seaborn", "tilegrid"):
            fig = plt.figure(figsize=(6, 4), dpi=100)
            ax = fig.add_axes((0, 0, 1, 1))
            try:
                if draw_with == "seaborn":
                    sns.swarmplot(
                        rows, x="species", y="body_mass_g", hue="sex", dodge=dodge, ax=ax,
                        order=sidecar["x"]["categories"], hue_order=sidecar["hue"]["levels"],
                    )  # fmt: skip
                    ax.set_ylim(*sidecar["y"]["lim"])
                    fig.canvas.draw()  # seaborn swarms when drawn
                else:
                    table = read_shard(str(tmp_path / f"{tid}.arrow"))
                    swarm.draw(ax, table, sidecar, _options("swarm", **options))
                xy = np.concatenate(
                    [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)]
                )
                placed.append(np.array(sorted((y, x) for x, y in xy)))
            finally:
                plt.close(fig)
        assert placed[0].shape == placed[1].shape == (len(rows), 2), island
        assert np.allclose(placed[0], placed[1], rtol=0, atol=1e-9), island


# ---------------------------------------------------------------- log_scale


def _tile_and_seaborn(
    penguins, penguins_parquet, tmp_path, kind, read, seaborn_only=None, **options
):
    """{island: (tilegrid's numbers, seaborn's, the tile's sidecar)} read by ``read(ax)``
    from each island's tile drawn by kind ``kind`` and from catplot's facet with the same
    options (and ``seaborn_only``)."""
    from tilegrid.kinds import get_kind

    spec = {"col": "island", "kind": kind, "x": "species", "y": "body_mass_g"}
    ids = _split(penguins_parquet, tmp_path, options=options, **spec)
    seaborn_kws = {k: v for k, v in options.items() if k != "log_scale"}
    seaborn_kws.update(seaborn_only or {})
    grid = sns.catplot(
        penguins, x="species", y="body_mass_g", col="island", kind=kind, seed=0,
        log_scale=options.get("log_scale"), **seaborn_kws,
    )  # fmt: skip
    try:
        seaborn = {island: read(ax) for island, ax in _axes_by_title(grid).items()}
    finally:
        plt.close(grid.figure)
    out = {}
    for island, tid in ids.items():
        sidecar = read_sidecar(str(tmp_path / f"{tid}.json"))
        fig, ax = plt.subplots()
        try:
            table = read_shard(str(tmp_path / f"{tid}.arrow"))
            get_kind(kind).draw(ax, table, sidecar, _options(kind, **options))
            out[island] = (read(ax), seaborn[island], sidecar)
        finally:
            plt.close(fig)
    return out


def _bar_tops(ax) -> np.ndarray:
    return np.array(
        sorted((round(p.get_x() + p.get_width() / 2), p.get_height()) for p in ax.patches)
    )


def _error_bars(ax) -> np.ndarray:
    """Each vertical error bar's (x, low, high), from lines (seaborn) or collections."""
    rows = [
        (round(float(line.get_xdata()[0])), *sorted(line.get_ydata()))
        for line in ax.lines
        if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]
    ]
    for collection in ax.collections:
        for (x0, y0), (_, y1) in getattr(collection, "get_segments", lambda: [])():
            rows.append((round(float(x0)), min(y0, y1), max(y0, y1)))
    return np.array(sorted(row for row in rows if np.isfinite(row).all()))


@pytest.mark.parametrize("kind", ["bar", "point"])
def test_bar_and_point_on_a_log_axis_aggregate_the_logs_as_catplot(
    penguins, penguins_parquet, tmp_path, kind
):
    """log_scale: the estimate is 10 to the mean of the logs (the geometric mean, 1e-9),
    the 95% interval that of the logs' (Student's t from 30 values, within 10% of its
    half-width in logs of seaborn's bootstrap of 10,000), and the shared log axis holds
    them."""

    def read(ax):
        tops = _bar_tops(ax) if kind == "bar" else np.array(
            [(round(x), y) for line in ax.lines if line.get_marker() == "o"
             for x, y in zip(line.get_xdata(), line.get_ydata()) if np.isfinite(y)]
        )  # fmt: skip
        return tops, _error_bars(ax)

    found = _tile_and_seaborn(
        penguins, penguins_parquet, tmp_path, kind, read, {"n_boot": 10000}, log_scale=True
    )
    for island, ((tops, bars), (sns_tops, sns_bars), sidecar) in found.items():
        assert np.allclose(tops, sns_tops, rtol=1e-9), island
        assert bars.shape == sns_bars.shape, island
        half = np.log10(sns_bars[:, 2] / sns_bars[:, 1]) / 2
        for end in (1, 2):
            error = np.abs(np.log10(bars[:, end] / sns_bars[:, end]))
            assert (error <= 0.1 * half).all(), (island, bars, sns_bars)
        lo, hi = sidecar["y"]["lim"]
        assert sidecar["y"]["scale"] == "log" and 0 < lo <= bars[:, 1].min()
        assert bars[:, 2].max() <= hi


def test_box_on_a_log_axis_has_the_logs_quartiles_as_catplot(penguins, penguins_parquet, tmp_path):
    """log_scale: quartiles and whiskers of log10 of the values (1.5 IQR of the logs),
    drawn at 10 to their power, as catplot's (1e-9); the shared log axis holds them."""

    def read(ax):
        rows = []
        for line in ax.lines:
            ys = line.get_ydata()
            if len(ys) == 2:
                rows.append(tuple(sorted(ys)))
        for patch in ax.patches:
            ys = patch.get_path().transformed(patch.get_patch_transform()).vertices[:, 1]
            rows.append((ys.min(), ys.max()))
        return np.array(sorted(rows))

    found = _tile_and_seaborn(penguins, penguins_parquet, tmp_path, "box", read, log_scale=True)
    for island, (mine, seaborn, sidecar) in found.items():
        assert mine.shape == seaborn.shape, island
        assert np.allclose(mine, seaborn, rtol=1e-9), island
        lo, hi = sidecar["y"]["lim"]
        assert sidecar["y"]["scale"] == "log" and 0 < lo <= mine.min() and mine.max() <= hi


def _vertical_spans(ax) -> np.ndarray:
    """Every vertical line's (x, low, high), drawn as a Line2D or in a LineCollection."""
    from matplotlib.collections import LineCollection

    rows = [
        (round(float(line.get_xdata()[0]), 6), *sorted(line.get_ydata()))
        for line in ax.lines
        if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]
    ]
    for collection in ax.collections:
        if isinstance(collection, LineCollection):
            for (x0, y0), (x1, y1) in collection.get_segments():
                if x0 == x1:
                    rows.append((round(float(x0), 6), min(y0, y1), max(y0, y1)))
    return np.array(sorted(rows))


def _bodies(ax) -> np.ndarray:
    """Each filled body's (centre, lowest, highest point)."""
    from matplotlib.collections import PolyCollection

    rows = []
    for collection in ax.collections:
        if isinstance(collection, PolyCollection):
            for path in collection.get_paths():
                xs, ys = path.vertices.T
                rows.append((round(float(np.mean([xs.min(), xs.max()]))), ys.min(), ys.max()))
    return np.array(sorted(rows))


def test_violin_on_a_log_axis_is_the_logs_violin_as_catplot(penguins, penguins_parquet, tmp_path):
    """log_scale: each violin is the KDE of log10 of the values (its ends, the data's
    extremes -+ cut bandwidths of the logs, within 1e-9 of catplot's in logs) and its box
    the logs' quartiles and 1.5 IQR whiskers (1e-9); the shared log axis holds them."""

    def read(ax):
        return _bodies(ax), _vertical_spans(ax)

    found = _tile_and_seaborn(penguins, penguins_parquet, tmp_path, "violin", read, log_scale=True)
    for island, ((bodies, boxes), (sns_bodies, sns_boxes), sidecar) in found.items():
        assert bodies.shape == sns_bodies.shape and boxes.shape == sns_boxes.shape, island
        assert np.allclose(np.log10(bodies[:, 1:]), np.log10(sns_bodies[:, 1:]), atol=1e-9)
        assert np.allclose(boxes, sns_boxes, rtol=1e-9), island
        lo, hi = sidecar["y"]["lim"]
        assert sidecar["y"]["scale"] == "log" and 0 < lo <= bodies[:, 1].min()
        assert bodies[:, 2].max() <= hi


def test_boxen_on_a_log_axis_has_the_logs_letter_values_as_catplot(
    penguins, penguins_parquet, tmp_path
):
    """log_scale: every box edge and median is a letter value of log10 of the values,
    drawn at 10 to its power, as catplot's (1e-9); the shared log axis holds them."""
    from matplotlib.collections import PatchCollection

    def read(ax):
        paths = [p for c in ax.collections if isinstance(c, PatchCollection) for p in c.get_paths()]
        edges = [
            (round(float(p.vertices[:, 0].mean())), p.vertices[:, 1].min(), p.vertices[:, 1].max())
            for p in paths
        ]
        medians = sorted(line.get_ydata()[0] for line in ax.lines)
        return np.array(sorted(edges)), np.array(medians)

    found = _tile_and_seaborn(penguins, penguins_parquet, tmp_path, "boxen", read, log_scale=True)
    for island, ((boxes, medians), (sns_boxes, sns_medians), sidecar) in found.items():
        assert boxes.shape == sns_boxes.shape and len(boxes) >= 3, island
        assert np.allclose(boxes, sns_boxes, rtol=1e-9), island
        assert np.allclose(medians, sns_medians, rtol=1e-9), island
        lo, hi = sidecar["y"]["lim"]
        assert sidecar["y"]["scale"] == "log" and 0 < lo <= boxes[:, 1].min()
        assert boxes[:, 2].max() <= hi


def test_kde_on_a_log_axis_is_the_logs_density_as_displot(penguins, penguins_parquet, tmp_path):
    """log_scale: the KDE of log10 of the values, a density per unit of log10: its peak
    within 1% of displot's, its ends within 1e-9 in logs; the shared x limits (from the
    split's pass over the shards) hold every curve and are positive."""
    ids = _split(
        penguins_parquet, tmp_path, col="island", kind="kde", x="body_mass_g",
        options={"log_scale": True},
    )  # fmt: skip
    grid = sns.displot(penguins, x="body_mass_g", col="island", kind="kde", log_scale=True)
    try:
        seaborn = {
            island: (ax.lines[0].get_xdata(), ax.lines[0].get_ydata())
            for island, ax in _axes_by_title(grid).items()
        }
    finally:
        plt.close(grid.figure)
    for island, tid in ids.items():
        sidecar = read_sidecar(str(tmp_path / f"{tid}.json"))
        table = read_shard(str(tmp_path / f"{tid}.arrow"))
        ((_, xs, density),) = curves(table, sidecar, _options("kde", log_scale=True))
        sns_xs, sns_density = seaborn[island]
        assert density.max() == pytest.approx(sns_density.max(), rel=0.01), island
        assert np.allclose(np.log10([xs[0], xs[-1]]), np.log10([sns_xs[0], sns_xs[-1]]))
        lo, hi = sidecar["x"]["lim"]
        assert sidecar["x"]["scale"] == "log" and 0 < lo <= xs[0] and xs[-1] <= hi


def test_line_on_a_log_axis_aggregates_the_logs_as_lineplot(tmp_path):
    """GDP per capita by year and continent on a log y axis: each year's estimate is
    the geometric mean, as lineplot draws it (1e-9), and its band seaborn's interval of
    the logs (below 30 countries its seeded bootstrap, 1e-9; from 30 Student's t,
    within 15% of its half-width in logs of seaborn's bootstrap of 10,000: 13%
    measured, Europe's 30 skewed values a year)."""
    gapminder = public_tables.gapminder()
    from seaborn._statistics import EstimateAggregator
    from tilegrid.kinds import line as line_kind

    path = tmp_path / "gapminder.parquet"
    pq.write_table(pa.Table.from_pandas(gapminder, preserve_index=False), path)
    options = {"log_scale": [False, True]}
    spec = {"col": "continent", "kind": "line", "x": "year", "y": "gdpPercap"}
    ids = _split(str(path), tmp_path / "o", options=options, **spec)
    grid = sns.FacetGrid(gapminder, col="continent")  # lineplot aggregates in the logs
    for ax in grid.axes.flat:  # of an axis that is already log (it takes no log_scale)
        ax.set_yscale("log")
    grid.map_dataframe(sns.lineplot, x="year", y="gdpPercap", seed=0)
    try:
        drawn = {c: ax.lines[0].get_ydata() for c, ax in _axes_by_title(grid).items()}
    finally:
        plt.close(grid.figure)
    logs = gapminder.assign(gdpPercap=np.log10(gapminder["gdpPercap"]))
    for continent, tid in ids.items():
        sidecar = read_sidecar(str(tmp_path / "o" / f"{tid}.json"))
        table = read_shard(str(tmp_path / "o" / f"{tid}.arrow"))
        ((_, _, est, lo, hi, n),) = line_kind.bands(
            table, sidecar, _options("line", **options), 400
        )
        assert np.allclose(est, drawn[continent], rtol=1e-9), continent
        rows = logs[logs.continent == continent]
        boots = 1000 if n.max() < 30 else 10000
        aggregate = EstimateAggregator("mean", ("ci", 95), n_boot=boots, seed=0)
        expected = rows.groupby("year").apply(
            lambda g, aggregate=aggregate: aggregate(g, "gdpPercap"), include_groups=False
        )
        ends = np.log10(np.c_[lo, hi])
        theirs = expected[["gdpPercapmin", "gdpPercapmax"]].to_numpy()
        tolerance = 1e-9 if n.max() < 30 else 0.15 * (theirs[:, 1:] - theirs[:, :1]) / 2
        assert (np.abs(ends - theirs) <= tolerance).all(), continent
        assert sidecar["y"]["lim"][0] > 0 and sidecar["y"]["lim"][1] >= hi.max()


# ---------------------------------------------------------------- hue_norm


def test_hue_norm_colours_a_numeric_hue_as_relplot(penguins, penguins_parquet, tmp_path):
    """hue_norm (3500, 5000) g: every marker's colour is relplot's, masses beyond the
    range the colormap's ends (within 2/255: 1.1/255 measured, the colormap's own
    sampling of seaborn's cubehelix); the legend's colorbar spans the range."""
    from matplotlib.colors import to_rgba_array
    from tilegrid.kinds import scatter

    spec = {"col": "island", "kind": "scatter", "x": "bill_length_mm", "y": "bill_depth_mm"}
    ids = _split(penguins_parquet, tmp_path, hue="body_mass_g", hue_norm=[3500, 5000], **spec)
    grid = sns.relplot(
        penguins, x="bill_length_mm", y="bill_depth_mm", hue="body_mass_g", col="island",
        hue_norm=(3500, 5000),
    )  # fmt: skip

    def points(ax):
        collection = ax.collections[0]
        xy = collection.get_offsets()
        colors = to_rgba_array(collection.get_facecolors())
        return np.array(sorted(map(tuple, np.c_[xy, colors[:, :3]])))

    try:
        seaborn = {island: points(ax) for island, ax in _axes_by_title(grid).items()}
    finally:
        plt.close(grid.figure)
    for island, tid in ids.items():
        sidecar = read_sidecar(str(tmp_path / f"{tid}.json"))
        fig, ax = plt.subplots()
        try:
            scatter.draw(
                ax, read_shard(str(tmp_path / f"{tid}.arrow")), sidecar, _options("scatter")
            )
            mine = points(ax)
        finally:
            plt.close(fig)
        assert mine.shape == seaborn[island].shape, island
        assert np.allclose(mine, seaborn[island], rtol=0, atol=2 / 255), island
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["legend"]["lim"] == [3500.0, 5000.0]


@pytest.mark.parametrize("kind", ["bar", "point"])
@pytest.mark.parametrize(
    "estimator, errorbar", [("median", ["pi", 50]), (["quantile", 0.9], None), ("mean", "pi")]
)
def test_a_median_or_percentile_axis_fits_what_is_drawn_as_catplots(
    penguins, penguins_parquet, tmp_path, kind, estimator, errorbar
):
    """Moments bound a median, a quantile or a percentile interval only by the data's
    range: the split measures what is drawn on the shards, so the shared y axis is
    catplot's autoscaled one (bars from 0, 5% margins), not the body masses' range; the
    estimates and intervals are seaborn's (exact: no bootstrap), and no interval is drawn
    without an errorbar."""

    def read(ax):
        tops = _bar_tops(ax) if kind == "bar" else np.array(
            [(round(x), y) for line in ax.lines if line.get_marker() == "o"
             for x, y in zip(line.get_xdata(), line.get_ydata()) if np.isfinite(y)]
        )  # fmt: skip
        return tops, _error_bars(ax), ax.get_ylim()

    seaborn_estimator = _seaborn_estimator(estimator)
    found = _tile_and_seaborn(
        penguins, penguins_parquet, tmp_path, kind, read,
        {"estimator": seaborn_estimator,
         "errorbar": tuple(errorbar) if isinstance(errorbar, list) else errorbar},
        estimator=estimator, errorbar=errorbar,
    )  # fmt: skip
    for island, ((tops, bars, _), (sns_tops, sns_bars, sns_lim), sidecar) in found.items():
        assert np.allclose(tops, sns_tops, rtol=1e-9), island
        assert np.allclose(bars, sns_bars, rtol=1e-9), island
        assert np.allclose(sidecar["y"]["lim"], sns_lim, rtol=1e-6), (island, sns_lim)
