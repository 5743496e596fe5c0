"""Kind boxen: letter values, depth, box edges, widths and colours against seaborn 0.13.2.

tilegrid's numbers come from ``tilegrid.kinds.boxen``; seaborn's from its
``LetterValues`` statistic and from the artists ``sns.boxenplot`` draws, on the
Palmer penguins table (``palmerpenguins``: body mass by species, 342 values).
Tolerances, stated per test: letter values, median and outliers are exact
quantiles computed as seaborn computes them (numpy's linear interpolation), so
they must agree to 1e-9 relative; widths to 1e-12; colours to 1e-3 of a channel
(seaborn's HUSL conversion uses older rounded constants than ours).
"""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PatchCollection, PathCollection  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from PIL import Image  # noqa: E402
from tilegrid.core.shards import read_shard  # noqa: E402
from tilegrid.core.sidecar import read_sidecar  # noqa: E402
from tilegrid.core.tilemeta import read_tile_meta  # noqa: E402
from tilegrid.kinds import OptionError, boxen, resolve_options  # noqa: E402
from tilegrid.kinds._common import categorical_groups  # noqa: E402
from tilegrid.render.figures import new_figure  # noqa: E402
from tilegrid.split.job import SplitSpec, run_split  # noqa: E402

sns = pytest.importorskip("seaborn")
palmerpenguins = pytest.importorskip("palmerpenguins")
from seaborn._statistics import LetterValues as SeabornLetterValues  # noqa: E402

SPECIES = ["Adelie", "Chinstrap", "Gentoo"]
RTOL = 1e-9  # letter values: the same quantile definition, so equal but for rounding
COLOR_TOL = 1e-3  # colour channels in [0, 1]


@pytest.fixture(scope="module")
def masses():
    """Body mass (g) of each species, missing values dropped."""
    df = palmerpenguins.load_penguins().dropna(subset=["body_mass_g"])
    return {s: df.loc[df.species == s, "body_mass_g"].to_numpy(float) for s in SPECIES}


def _options(**given):
    return resolve_options("boxen", given)


def _seaborn(k_depth="tukey"):
    return SeabornLetterValues(k_depth, outlier_prop=0.007, trust_alpha=0.05)


# ---------------------------------------------------------------- statistics


@pytest.mark.parametrize("k_depth", ["tukey", "proportion", "trustworthy", "full", 2])
def test_letter_values_of_penguin_body_mass_are_seaborns(masses, k_depth):
    for species, values in masses.items():
        ours = boxen.letter_values(values, _options(k_depth=k_depth))
        ref = _seaborn(k_depth)(values)
        assert ours.k == ref["k"], species
        assert np.array_equal(ours.levels, ref["levels"])
        np.testing.assert_allclose(ours.percentiles, ref["percs"], rtol=RTOL)
        np.testing.assert_allclose(ours.values, ref["values"], rtol=RTOL)
        assert ours.median == pytest.approx(ref["median"], rel=RTOL)
        np.testing.assert_array_equal(ours.fliers, np.sort(ref["fliers"]))
        assert ours.n_fliers == ref["fliers"].size


@pytest.mark.parametrize("k_depth", ["tukey", "proportion", "trustworthy", "full", 5])
@pytest.mark.parametrize("n", [1, 2, 7, 8, 15, 16, 17, 100, 342, 1023, 1024, 10**6, 3 * 10**8])
def test_depth_follows_seaborns_rule_for_every_size(k_depth, n):
    ours = boxen.letter_depth(n, k_depth, 0.007, 0.05)
    assert ours == _seaborn(k_depth)._compute_k(n)


def test_full_depth_reaches_the_extremes_and_leaves_no_outliers(masses):
    values = masses["Gentoo"]
    lv = boxen.letter_values(values, _options(k_depth="full"))
    assert (lv.values[0], lv.values[-1]) == (values.min(), values.max())
    assert lv.n_fliers == 0 and lv.fliers.size == 0


def test_tukey_depth_leaves_fewer_than_eight_outliers_a_tail_on_continuous_data():
    values = np.random.default_rng(0).standard_t(3, 200_000)
    lv = boxen.letter_values(values, _options())
    assert lv.k == int(np.log2(values.size)) - 3
    assert 0 < np.count_nonzero(lv.fliers < lv.median) <= 8
    assert 0 < np.count_nonzero(lv.fliers > lv.median) <= 8


def test_outliers_are_bounded_by_max_fliers_keeping_both_extremes():
    values = np.random.default_rng(1).normal(0, 1, 100_000)
    lv = boxen.letter_values(values, _options(k_depth=1, max_fliers=50))
    beyond = values[(values < lv.values[0]) | (values > lv.values[-1])]
    assert lv.n_fliers == beyond.size > 40_000
    assert lv.fliers.size == 50
    assert np.all(np.diff(lv.fliers) >= 0)
    assert (lv.fliers[0], lv.fliers[-1]) == (values.min(), values.max())
    assert set(lv.fliers) <= set(beyond)


def test_max_fliers_zero_draws_no_outliers():
    values = np.random.default_rng(2).normal(0, 1, 5000)
    lv = boxen.letter_values(values, _options(k_depth=1, max_fliers=0))
    assert lv.fliers.size == 0 and lv.n_fliers > 0


@pytest.mark.parametrize("width_method", ["exponential", "linear", "area"])
def test_tied_and_constant_groups_get_finite_widths(width_method):
    for values in (np.full(500, 3.0), np.repeat([1.0, 2.0, 2.0, 2.0, 9.0], 200)):
        lv = boxen.letter_values(values, _options())
        widths = boxen.box_widths(lv, 0.8, width_method)
        assert np.all(np.isfinite(widths)) and widths.max() == pytest.approx(0.8)
        assert np.all(widths >= 0)


# ---------------------------------------------------------------- drawn like seaborn


def _seaborn_boxes(masses, **kws):
    """seaborn's drawn boxes per species: (edges, widths, facecolors, edgecolor), medians."""
    values = np.concatenate([masses[s] for s in SPECIES])
    labels = np.repeat(SPECIES, [masses[s].size for s in SPECIES])
    fig, ax = plt.subplots()
    try:
        sns.boxenplot(x=labels, y=values, order=SPECIES, ax=ax, **kws)
        out = []
        for coll in (c for c in ax.collections if isinstance(c, PatchCollection)):
            verts = [p.vertices for p in coll.get_paths()]
            y0 = np.array([v[:, 1].min() for v in verts])
            y1 = np.array([v[:, 1].max() for v in verts])
            widths = np.array([np.ptp(v[:, 0]) for v in verts])
            out.append((np.append(y0, y1[-1]), widths, coll.get_facecolors(), coll.get_edgecolor()))
        medians = [line.get_ydata()[0] for line in ax.lines]
        fliers = [c.get_offsets()[:, 1] for c in ax.collections if isinstance(c, PathCollection)]
        return out, medians, fliers
    finally:
        plt.close(fig)


@pytest.mark.parametrize("width_method", ["exponential", "linear", "area"])
def test_box_edges_widths_and_medians_are_those_seaborn_draws(masses, width_method):
    drawn, medians, _ = _seaborn_boxes(masses, width_method=width_method)
    assert len(drawn) == len(SPECIES)
    for species, (edges, widths, _, _), median in zip(SPECIES, drawn, medians):
        lv = boxen.letter_values(masses[species], _options())
        np.testing.assert_allclose(lv.values, edges, rtol=RTOL)
        ours = boxen.box_widths(lv, 0.8, width_method)
        np.testing.assert_allclose(ours, widths, rtol=0, atol=1e-12)
        assert lv.median == pytest.approx(median, rel=RTOL)


def test_outliers_drawn_are_those_seaborn_draws(masses):
    _, _, fliers = _seaborn_boxes(masses)
    for species, theirs in zip(SPECIES, fliers):
        ours = boxen.letter_values(masses[species], _options()).fliers
        np.testing.assert_array_equal(ours, np.sort(theirs))


@pytest.mark.parametrize("color", ["#4c72b0", "#dd8452", "#55a868", "#8c8c8c", "#000000"])
def test_each_level_lightens_as_in_seaborn(masses, color):
    drawn, _, _ = _seaborn_boxes(masses, color=color, saturation=1)
    for species, (_, _, faces, edge) in zip(SPECIES, drawn):
        lv = boxen.letter_values(masses[species], _options())
        np.testing.assert_allclose(boxen.level_colors(color, lv), faces, atol=COLOR_TOL)
        np.testing.assert_allclose(boxen.auto_linecolor([color]), edge[0][:3], atol=COLOR_TOL)


def test_the_light_tint_is_seaborns_light_palette_end():
    for color in ["#4c72b0", "#c44e52", "#ff0000", "#00ff00", "#0000ff", "#ffffff", "#777777"]:
        theirs = sns.light_palette(color, as_cmap=True)(0.0)[:3]
        np.testing.assert_allclose(boxen.light_tint(color), theirs, atol=COLOR_TOL)


def test_the_quartile_box_has_the_main_colour_and_the_outer_ones_are_lighter(masses):
    lv = boxen.letter_values(masses["Adelie"], _options())
    colors = boxen.level_colors("#4c72b0", lv)[:, :3]
    inner = lv.k - 1
    np.testing.assert_allclose(colors[inner], to_rgb("#4c72b0"), atol=1 / 255)
    lightness = colors.sum(axis=1)
    assert np.all(np.diff(lightness[: inner + 1]) < 0)  # darker towards the middle


def test_options_out_of_range_are_refused_naming_the_option():
    for bad, message in [
        ({"k_depth": "deep"}, "plot.options.k_depth: 'deep' is not one of tukey"),
        ({"k_depth": 0}, "plot.options.k_depth: 0 is not one of"),
        ({"k_depth": True}, "plot.options.k_depth: True is not"),
        ({"width_method": "log"}, "plot.options.width_method: 'log' is not one of"),
        ({"outlier_prop": 1.5}, "plot.options.outlier_prop: 1.5 is not a number in (0, 1)"),
        ({"max_fliers": -1}, "plot.options.max_fliers: -1 is not an integer >= 0"),
        ({"linecolor": "grey-ish"}, "plot.options.linecolor: 'grey-ish' is not a colour"),
        ({"color": 3}, "plot.options.color: 3 is not a colour"),
    ]:
        with pytest.raises(OptionError, match=message.replace("(", r"\(").replace(")", r"\)")):
            _options(**bad)


# ---------------------------------------------------------------- tiles


def _penguin_split(tmp_path, **spec):
    df = palmerpenguins.load_penguins()
    path = tmp_path / "penguins.parquet"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)
    spec = {"kind": "boxen", "x": "species", "y": "body_mass_g", **spec}
    result = run_split(SplitSpec(data=str(path), **spec), str(tmp_path / "s"))
    return [
        (
            read_shard(str(tmp_path / "s" / f"{t['id']}.arrow")),
            read_sidecar(str(tmp_path / "s" / f"{t['id']}.json")),
        )
        for t in result.tiles
    ]


def test_draw_dodges_hue_levels_and_colours_each_from_its_hue(tmp_path):
    options = _options()
    for table, sidecar in _penguin_split(tmp_path, col="island", hue="sex"):
        fig = new_figure(200, 150, 100)
        ax = fig.add_axes((0, 0, 1, 1))
        boxen.draw(ax, table, sidecar, options)
        groups, _, n_h, colors = categorical_groups(table, sidecar)
        present = [(g, v) for g, v in enumerate(groups) if v.size]
        patches = [c for c in ax.collections if isinstance(c, PatchCollection)]
        assert n_h == 2 and len(patches) == len(present) == len(ax.lines)
        for (g, values), coll in zip(present, patches):
            i, j = divmod(g, n_h)
            verts = [p.vertices for p in coll.get_paths()]
            centre = (verts[0][:, 0].min() + verts[0][:, 0].max()) / 2
            assert centre == pytest.approx(i + (j - 0.5) * 0.4)
            lv = boxen.letter_values(values, options)
            np.testing.assert_allclose(coll.get_facecolors(), boxen.level_colors(colors[j], lv))


def test_shared_y_limits_hold_every_box_and_outlier(tmp_path):
    tiles = _penguin_split(tmp_path, col="island")
    options = _options()
    limits = {tuple(sidecar["y"]["lim"]) for _, sidecar in tiles}
    assert len(limits) == 1
    lo, hi = limits.pop()
    drawn = []
    for table, sidecar in tiles:
        groups, *_ = categorical_groups(table, sidecar)
        for values in filter(len, groups):
            lv = boxen.letter_values(values, options)
            drawn += [lv.values.min(), lv.values.max(), *lv.fliers]
    assert lo < min(drawn) and max(drawn) < hi
    # the margin is matplotlib's 5 % of the drawn range, as seaborn's autoscale
    span = max(drawn) - min(drawn)
    assert (min(drawn) - lo, hi - max(drawn)) == pytest.approx((0.05 * span, 0.05 * span))


@pytest.mark.workflow
def test_workflow_renders_a_boxen_grid(workflow):
    workflow.update_config(
        plot={"kind": "boxen", "x": "group", "y": "value", "options": {"max_fliers": 4}},
        sharey=True,
    )
    workflow.run_ok()
    manifest = json.loads(workflow.path("results", "shards", "manifest.json").read_text())
    assert manifest["kind"] == "boxen" and len(manifest["tiles"]) == 6
    ylims = set()
    main = np.array([int("4c72b0"[i : i + 2], 16) for i in (0, 2, 4)])
    for tile in manifest["tiles"]:
        meta = read_tile_meta(str(workflow.path("results", "tiles", f"{tile['id']}.png")))
        ylims.add(tuple(meta["y"]["lim"]))
        assert meta["x"]["ticklabels"] == ["a", "b", "c"]
        with Image.open(workflow.path("results", "tiles", f"{tile['id']}.png")) as img:
            pixels = np.asarray(img.convert("RGB")).reshape(-1, 3).astype(int)
        # the quartile boxes are filled with the main colour
        assert np.count_nonzero(np.abs(pixels - main).max(axis=1) <= 2) > 50
    assert len(ylims) == 1
    with Image.open(workflow.path("results", "mosaic.png")) as img:
        assert img.width > 3 * 108 and img.height > 2 * 90


@pytest.mark.workflow
def test_a_bad_boxen_option_stops_the_run_with_one_line_before_any_job(workflow):
    workflow.update_config(plot={"kind": "boxen", "options": {"k_depth": "deep"}})
    run = workflow.snakemake()
    assert run.returncode != 0
    errors = [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")]
    assert len(errors) == 1 and "plot.options.k_depth: 'deep' is not one of tukey" in errors[0]
    assert "Traceback" not in run.output
    assert not workflow.path("results").exists()


def test_unfilled_boxes_are_outlined_in_the_main_colour(tmp_path):
    options = _options(fill=False, color="#c44e52")
    (table, sidecar), *_ = _penguin_split(tmp_path)
    fig = new_figure(200, 150, 100)
    ax = fig.add_axes((0, 0, 1, 1))
    boxen.draw(ax, table, sidecar, options)
    patches = [c for c in ax.collections if isinstance(c, PatchCollection)]
    assert len(patches) == 3
    for coll in patches:
        assert not np.any(coll.get_facecolors()[..., 3:])  # no fill (or a transparent one)
        np.testing.assert_allclose(coll.get_edgecolors()[0][:3], to_rgb("#c44e52"))
    for line in ax.lines:
        assert line.get_color() == "#c44e52"
