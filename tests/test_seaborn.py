"""The numbers tilegrid draws against the numbers seaborn computes, on a real table.

The table is Palmer penguins (the ``palmerpenguins`` package: 344 rows, 3
islands, 3 species, missing values). tilegrid's numbers come from its split
(shards and sidecars) and its kinds' own functions; seaborn's from the artists
its figure-level functions draw. Tolerances are stated per test; the README's
"Differences from seaborn" lists what differs on purpose.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import pytest  # noqa: E402

sns = pytest.importorskip("seaborn")
palmerpenguins = pytest.importorskip("palmerpenguins")

from tilegrid.contracts import read_sidecar  # noqa: E402
from tilegrid.kinds import point as point_kind  # noqa: E402
from tilegrid.kinds.kde import curves  # noqa: E402
from tilegrid.shardio import read_shard  # noqa: E402
from tilegrid.split import SplitSpec, run_split  # noqa: E402


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
    """seaborn's displot(kind="kde") shares one total over all facets (common_norm)."""
    ids = _split(penguins_parquet, tmp_path, col="island", kind="kde", x="flipper_length_mm")
    grid = sns.displot(penguins, x="flipper_length_mm", col="island", kind="kde")
    try:
        seaborn_peaks = {
            ax.get_title().split(" = ")[1]: ax.lines[0].get_ydata().max() for ax in grid.axes.flat
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
        ((_, _, density),) = curves(read_shard(str(tmp_path / f"{tid}.arrow")), sidecar, options)
        # the binned KDE is within 1% of seaborn's exact one
        assert density.max() == pytest.approx(seaborn_peaks[island], rel=0.01), island


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
