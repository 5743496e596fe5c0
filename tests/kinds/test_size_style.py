"""seaborn's size and style words (issue 29, item 2) against seaborn 0.13.2 itself.

scatter's ``size``/``sizes``/``size_norm`` and ``style``/``markers``, line's ``style``
with ``dashes`` and ``markers``: the numbers behind the drawing (each point's marker
area and marker path, each line's dash pattern, marker and estimates, the legend's
entries) compared with those of the artists seaborn's ``relplot`` draws on Palmer
penguins, facet by facet; hypothesis varies the shapes (nulls in the size or style
column, one level, many levels).  tests/kinds/test_size_style_run.py has the option
checks, the mosaic's legend, the raster's log line and a real ``snakemake`` run.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

sns = pytest.importorskip("seaborn")
palmerpenguins = pytest.importorskip("palmerpenguins")

from tilegrid.api.words import figure_config  # noqa: E402
from tilegrid.core import marks  # noqa: E402
from tilegrid.core.manifest import read_manifest  # noqa: E402
from tilegrid.core.shards import read_shard  # noqa: E402
from tilegrid.core.sidecar import read_sidecar  # noqa: E402
from tilegrid.kinds import line as line_kind  # noqa: E402
from tilegrid.kinds import resolve_options, scatter  # noqa: E402
from tilegrid.mosaic.legend import entries  # noqa: E402
from tilegrid.split.job import SplitError, SplitSpec, run_split  # noqa: E402

XY = {"x": "bill_length_mm", "y": "bill_depth_mm"}


@pytest.fixture(scope="module")
def penguins():
    return palmerpenguins.load_penguins()


@pytest.fixture(scope="module")
def penguins_parquet(penguins, tmp_path_factory):
    path = tmp_path_factory.mktemp("penguins") / "penguins.parquet"
    pq.write_table(pa.Table.from_pandas(penguins, preserve_index=False), path)
    return str(path)


def _split(path, out, kind="scatter", col="island", **spec):
    """Split ``path``; each facet value's ``(sidecar, shard table)``, and the manifest."""
    result = run_split(SplitSpec(data=path, kind=kind, col=col, **spec), str(out))
    tiles = {}
    for t in result.tiles:
        key = t["facets"]["col"]["value"] if col else None
        tiles[key] = (
            read_sidecar(str(out / f"{t['id']}.json")),
            read_shard(out / f"{t['id']}.arrow"),
        )
    return tiles, read_manifest(str(out / "manifest.json"))


def _scatter_points(sidecar, table, options):
    """The PathCollection tilegrid's scatter draws for a tile (markers, not raster)."""
    ax = Figure(figsize=(4, 3), dpi=100).add_axes((0, 0, 1, 1))
    scatter.draw(ax, table, sidecar, resolve_options("scatter", options))
    (points,) = ax.collections
    return points


def _relplot(data, **kwargs):
    """seaborn's relplot: per facet title value, its Axes; and the grid (closed by caller)."""
    grid = sns.relplot(data, **kwargs)
    axes = {ax.get_title().split(" = ")[-1]: ax for ax in grid.axes.flat}
    return grid, axes


def _same_paths(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert np.allclose(a.vertices, b.vertices, atol=1e-12)
        assert np.array_equal(
            np.asarray(a.codes if a.codes is not None else []),
            np.asarray(b.codes if b.codes is not None else []),
        )


# ---------------------------------------------------------------- scatter, penguins


def test_scatter_size_and_style_are_relplots_per_point_on_penguins(
    penguins, penguins_parquet, tmp_path
):
    """Every point's area (points²) and marker path, per island, as relplot draws them
    with hue=species, size=body_mass_g, style=sex (rows with a missing sex dropped, as
    seaborn drops them); the default range is (0.5, 2) * markersize² = (18, 72)."""
    options = {"size": "body_mass_g", "style": "sex"}
    tiles, manifest = _split(penguins_parquet, tmp_path, hue="species", options=options, **XY)
    grid, axes = _relplot(
        penguins, hue="species", palette="deep", size="body_mass_g", style="sex", col="island", **XY
    )
    try:
        for island, (sidecar, table) in tiles.items():
            assert sidecar["size"]["range"] == [18.0, 72.0]
            theirs = axes[island].collections[0]
            ours = _scatter_points(sidecar, table, options)
            assert np.allclose(ours.get_sizes(), theirs.get_sizes(), rtol=1e-12)
            _same_paths(ours.get_paths(), theirs.get_paths())
            assert np.allclose(ours.get_offsets(), theirs.get_offsets())
            assert np.allclose(ours.get_facecolors()[:, :3], theirs.get_facecolors()[:, :3])
        legend = [t.get_text() for t in grid.legend.texts]
        title, items = entries(manifest)
        assert title == "" and [str(label) for label, _ in items] == legend
        handles = grid.legend.legend_handles
        for (_, look), handle in zip(items, handles):
            if look and "s" in look:  # a size entry: the marker's area
                assert look["s"] == pytest.approx(handle.get_markersize() ** 2, rel=1e-9)
            if look and "marker" in look:
                assert look["marker"] == handle.get_marker()
    finally:
        plt.close(grid.figure)


@pytest.mark.filterwarnings("ignore:\\s*The markers list has fewer values")  # seaborn's; cycled
@pytest.mark.parametrize(
    "options",
    [
        {"size": "species"},
        {"size": "species", "sizes": [20, 200]},
        {"size": "species", "sizes": [10, 40, 90]},
        {"size": "species", "sizes": {"Adelie": 5, "Gentoo": 50, "Chinstrap": 150}},
        {"size": "flipper_length_mm", "sizes": [5, 300]},
        {"size": "flipper_length_mm", "size_norm": [190, 210]},
        {"size": "year"},
        {"style": "species", "markers": ["s", "D", "^"]},
        {"style": "species", "markers": {"Adelie": "v", "Gentoo": "o", "Chinstrap": "P"}},
        {"style": "island"},
        {"style": "year"},
        {"size": "sex", "style": "year", "markers": ["o", "s"]},
    ],
)
def test_scatter_mappings_are_seaborns_for_each_form_of_the_words(
    penguins, penguins_parquet, tmp_path, options
):
    """Categorical sizes (evenly spaced, largest first; a list; a dict), a numeric range,
    ``size_norm`` (clipped beyond it), an integer size column, style markers as a list
    or a dict: each point's area and marker as relplot's, per facet."""
    words = {
        k: tuple(v) if isinstance(v, list) and k == "sizes" and len(v) == 2 else v
        for k, v in options.items()
    }
    if "size_norm" in words:
        words["size_norm"] = tuple(words["size_norm"])
    tiles, _ = _split(penguins_parquet, tmp_path, options=options, **XY)
    grid, axes = _relplot(penguins, col="island", **XY, **words)
    try:
        for island, (sidecar, table) in tiles.items():
            theirs = axes[island].collections[0]
            ours = _scatter_points(sidecar, table, options)
            assert np.allclose(ours.get_offsets(), theirs.get_offsets())
            if "size" in options:
                assert np.allclose(ours.get_sizes(), theirs.get_sizes(), rtol=1e-12)
            if "style" in options:
                _same_paths(ours.get_paths(), theirs.get_paths())
    finally:
        plt.close(grid.figure)


def test_a_sizes_range_of_two_numbers_is_a_range_not_two_levels(penguins_parquet, tmp_path):
    """YAML has no tuples: ``sizes: [20, 200]`` is seaborn's (min, max), as the API's
    ``sizes=(20, 200)`` becomes; a list of three is one size per level."""
    config = figure_config("d.parquet", {"size": "species", "sizes": (20, 200), "style": "sex"})
    assert config["plot"]["options"] == {"size": "species", "sizes": [20, 200], "style": "sex"}
    tiles, _ = _split(
        penguins_parquet, tmp_path, col=None, options={"size": "species", "sizes": [20, 200]}, **XY
    )
    ((sidecar, _),) = tiles.values()
    assert sidecar["size"]["sizes"] == [200.0, 110.0, 20.0]


# ---------------------------------------------------------------- line, penguins


@pytest.mark.parametrize("markers", [False, True])
def test_line_style_dashes_and_markers_are_relplots_on_penguins(
    penguins, penguins_parquet, tmp_path, markers
):
    """relplot(kind="line", hue=species, style=sex): one line per species and sex, in
    seaborn's order, each with seaborn's dash pattern (solid, then (4, 1.5)), its marker
    when asked, and the same estimates."""
    options = {"style": "sex", "markers": markers, "errorbar": None}
    xy = {"x": "year", "y": "body_mass_g"}
    tiles, manifest = _split(
        penguins_parquet, tmp_path, kind="line", hue="species", options=options, **xy
    )
    grid, axes = _relplot(
        penguins,
        kind="line",
        hue="species",
        palette="deep",
        style="sex",
        col="island",
        markers=markers,
        errorbar=None,
        **xy,
    )
    try:
        for island, (sidecar, table) in tiles.items():
            ax = Figure(figsize=(4, 3), dpi=100).add_axes((0, 0, 1, 1))
            line_kind.draw(ax, table, sidecar, resolve_options("line", options))
            theirs = [line for line in axes[island].lines if len(line.get_xdata())]
            assert len(ax.lines) == len(theirs)
            for ours, line in zip(ax.lines, theirs):
                assert np.allclose(ours.get_xdata(), line.get_xdata())
                assert np.allclose(ours.get_ydata(), line.get_ydata())
                assert ours._dash_pattern == line._dash_pattern
                assert ours.get_marker() == line.get_marker()
                assert to_hex(ours.get_color()) == to_hex(line.get_color())
        legend = [t.get_text() for t in grid.legend.texts]
        assert [str(label) for label, _ in entries(manifest)[1]] == legend
    finally:
        plt.close(grid.figure)


def test_line_dashes_as_a_list_or_dict_and_many_levels(tmp_path, caplog):
    """Dashes from a list (cycled) or a dict; 12 style levels get seaborn's 12 patterns."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "x": np.tile(np.arange(5.0), 60),
            "y": rng.normal(size=300),
            "s": np.repeat([f"l{i:02d}" for i in range(12)], 25),
        }
    )
    path = tmp_path / "d.parquet"
    frame.to_parquet(path)
    tiles, _ = _split(
        str(path), tmp_path / "a", kind="line", col=None, x="x", y="y", options={"style": "s"}
    )
    ((sidecar, _),) = tiles.values()
    assert [marks.spec_of(d) for d in sidecar["style"]["dashes"]] == sns._base.unique_dashes(12)
    with caplog.at_level("WARNING", logger="tilegrid.split"):
        tiles, _ = _split(
            str(path),
            tmp_path / "b",
            kind="line",
            col=None,
            x="x",
            y="y",
            options={"style": "s", "dashes": [[2, 2], ""]},
        )
    ((sidecar, _),) = tiles.values()
    assert sidecar["style"]["dashes"][:3] == [[2, 2], "", [2, 2]]  # cycled, and logged:
    assert "plot.options.dashes: 2 values for 12 levels" in caplog.text
    with pytest.raises(SplitError, match="no value for level 'l01'"):
        _split(
            str(path),
            tmp_path / "c",
            kind="line",
            col=None,
            x="x",
            y="y",
            options={"style": "s", "dashes": {"l00": ""}},
        )


# ---------------------------------------------------------------- shapes (hypothesis)


@st.composite
def _tables(draw):
    n = draw(st.integers(1, 40))
    n_style = draw(st.integers(1, 12))
    sizes = draw(st.lists(st.one_of(st.none(), st.integers(-5, 50)), min_size=n, max_size=n))
    styles = draw(
        st.lists(st.one_of(st.none(), st.integers(0, n_style - 1)), min_size=n, max_size=n)
    )
    return pd.DataFrame(
        {
            "x": np.arange(n, dtype=float),
            "y": np.arange(n, dtype=float) % 7,
            "size": pd.array([None if v is None else float(v) for v in sizes], dtype="Float64"),
            "style": [None if v is None else f"s{v}" for v in styles],
        }
    )


@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a split per example: no shrinking
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(frame=_tables(), categorical=st.booleans())
def test_size_and_style_with_nulls_one_level_or_many_are_seaborns(
    tmp_path_factory, frame, categorical
):
    """Rows with a missing size or style are dropped (seaborn's dropna); one distinct
    size value gets the smallest area (matplotlib's Normalize of an empty range is 0);
    up to 12 style levels get seaborn's markers; areas and paths per point as
    scatterplot's, categorical sizes too."""
    tmp = tmp_path_factory.mktemp("shapes")
    frame = frame.copy()
    if categorical:
        frame["size"] = frame["size"].map(lambda v: None if pd.isna(v) else f"z{int(v)}")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp / "d.parquet")
    kept = frame.dropna(subset=["size", "style"])
    options = {"size": "size", "style": "style"}
    if kept.empty:
        return  # nothing to draw (seaborn draws nothing either)
    tiles, manifest = _split(
        str(tmp / "d.parquet"), tmp / "s", col=None, x="x", y="y", options=options
    )
    ((sidecar, table),) = tiles.values()
    assert table.num_rows == len(kept)
    ours = _scatter_points(sidecar, table, options)
    fig, ax = plt.subplots()
    try:
        # levels are every row's, as seaborn's; but seaborn's numeric norm is the range of
        # every row with a size, also those it then drops for a missing style, tilegrid's
        # the range of the rows drawn (README): seaborn is told that range
        norm = None if categorical else (kept["size"].min(), kept["size"].max())
        sns.scatterplot(
            frame, x="x", y="y", size="size", style="style", size_norm=norm, ax=ax, legend=False
        )
        theirs = ax.collections[0]
        assert np.allclose(ours.get_sizes(), theirs.get_sizes(), rtol=1e-12)
        _same_paths(ours.get_paths(), theirs.get_paths())
    finally:
        plt.close(fig)
    assert set(manifest["marks"]["style"]["labels"]) == set(kept["style"])
