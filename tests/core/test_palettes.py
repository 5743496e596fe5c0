"""Hue: a numeric column gets a colormap and one colorbar; a dict palette names every level.

Issue 10, cases 8 (numeric hue) and 9 (dict palette).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SPECS
from PIL import Image
from tilegrid.core.shards import read_shard
from tilegrid.kinds._common import categorical_groups
from tilegrid.mosaic.figure import build_mosaic
from tilegrid.render.tile import render_tile
from tilegrid.split.job import SplitError, SplitSpec, run_split
from tilegrid.workflow.config import ConfigError, check_config

REPO = Path(__file__).resolve().parent.parent.parent
TILE = {"height": 1.5, "aspect": 1.3, "dpi": 72}
DOSES = 94  # distinct values of the numeric hue column


def _table(n: int = 3000, seed: int = 5) -> pa.Table:
    """Facet f (2 values), group g (3), numbers u and v, and a numeric hue with 94 values."""
    rng = np.random.default_rng(seed)
    dose = np.arange(n) % DOSES / 10  # 0.0, 0.1, ..., 9.3
    rng.shuffle(dose)
    return pa.table(
        {
            "f": rng.choice(["p", "q"], n),
            "g": rng.choice(["a", "b", "c"], n),
            "u": rng.uniform(0, 10, n),
            "v": rng.normal(0, 1, n),
            "dose": dose,
        }
    )


def _split(tmp_path, table: pa.Table | None = None, **spec):
    """Split ``table`` (default :func:`_table`) and return (result, manifest, sidecars)."""
    pq.write_table(table if table is not None else _table(), tmp_path / "d.parquet")
    spec = {"col": "f", "kind": "violin", "x": "g", "y": "v", "hue": "dose", **spec}
    result = run_split(SplitSpec(data=str(tmp_path / "d.parquet"), **spec), str(tmp_path / "s"))
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    sidecars = {
        t["id"]: json.loads((tmp_path / "s" / f"{t['id']}.json").read_text()) for t in result.tiles
    }
    return result, manifest, sidecars


def _render(tmp_path, result, kind: str, options: dict | None = None):
    """Render every tile; return (metas, png paths) by tile id."""
    metas, paths = {}, {}
    for tile in result.tiles:
        tid = tile["id"]
        png = tmp_path / f"{tid}.png"
        metas[tid] = render_tile(
            str(tmp_path / "s" / f"{tid}.arrow"),
            str(tmp_path / "s" / f"{tid}.json"),
            {"kind": kind, "options": options or {}},
            TILE,
            str(png),
        )
        paths[tid] = str(png)
    return metas, paths


def _rgb(color: str) -> np.ndarray:
    from matplotlib.colors import to_rgb

    return np.round(np.array(to_rgb(color)) * 255)


# ---------------------------------------------------------------- numeric hue: which mapping


@pytest.mark.parametrize(
    ("dtype", "palette", "hue_order", "numeric"),
    [
        (pa.float64(), None, None, True),
        (pa.int32(), "viridis", None, True),
        (pa.bool_(), None, None, False),
        (pa.string(), None, None, False),
        (pa.dictionary(pa.int8(), pa.int64()), None, None, False),  # pandas "category"
        (pa.float64(), None, [1.0, 2.0], False),  # hue_order lists levels
        (pa.float64(), ["red", "blue"], None, False),  # seaborn: a list is categorical
        (pa.float64(), {"1.0": "red"}, None, False),  # ... and so is a dict
        (pa.int64(), "tab10", None, False),  # ... and a qualitative palette
    ],
)
def test_a_number_column_is_a_numeric_hue_as_seaborn_decides(dtype, palette, hue_order, numeric):
    from tilegrid.core.palettes import hue_is_numeric

    assert hue_is_numeric(dtype, palette, hue_order) is numeric


def test_a_numeric_hue_gives_one_colorbar_not_a_legend_entry_per_value(tmp_path):
    _, manifest, _ = _split(tmp_path)
    legend = manifest["legend"]
    assert legend["type"] == "colorbar" and legend["title"] == "dose"
    assert "labels" not in legend
    assert 1 < len(legend["colors"]) <= 6 and len(legend["edges"]) == len(legend["colors"]) + 1


def test_every_tile_colors_the_hue_over_the_grid_wide_range(tmp_path):
    table = _table()
    dose = table.column("dose").to_numpy()
    f = np.where(dose < 5, "p", "q")  # each tile holds its own part of the range
    table = table.set_column(0, "f", pa.array(f))
    _, _, sidecars = _split(tmp_path, table)
    hues = [sc["hue"] for sc in sidecars.values()]
    assert all(h == hues[0] for h in hues)
    assert hues[0]["type"] == "continuous" and hues[0]["lim"] == [0.0, 9.3]


def test_rows_without_a_numeric_hue_are_dropped_and_counted(tmp_path):
    table = _table()
    dose = table.column("dose").to_numpy().copy()
    dose[:7] = np.nan
    table = table.set_column(4, "dose", pa.array(dose, mask=np.arange(dose.size) < 3))
    result, manifest, sidecars = _split(tmp_path, table)
    kept = sum(t["rows"] for t in result.tiles)
    assert kept == table.num_rows - 7
    assert sum(manifest["dropped"].values()) == 7
    assert next(iter(sidecars.values()))["hue"]["lim"] == [
        float(np.nanmin(dose[7:])),
        float(np.nanmax(dose[7:])),
    ]


@pytest.mark.parametrize("kind", ["violin", "box", "bar", "point"])
def test_categorical_kinds_draw_a_bounded_number_of_hue_groups(tmp_path, kind):
    result, _, sidecars = _split(tmp_path, kind=kind)
    for tile in result.tiles:
        table = read_shard(str(tmp_path / "s" / f"{tile['id']}.arrow"))
        groups, n_x, n_h, colors = categorical_groups(table, sidecars[tile["id"]])
        assert n_h == len(colors) <= 6
        assert sum(g.size for g in groups) == tile["rows"]


def test_an_integer_hue_with_few_values_gets_one_group_per_value(tmp_path):
    from matplotlib.colors import to_hex
    from tilegrid.core.palettes import colormap

    table = _table()
    table = table.set_column(4, "dose", pa.array(np.arange(table.num_rows) % 4 + 1))
    _, manifest, sidecars = _split(tmp_path, table)
    hue = next(iter(sidecars.values()))["hue"]
    assert hue["edges"] == [0.5, 1.5, 2.5, 3.5, 4.5]
    cmap = colormap(None)
    assert hue["colors"] == [to_hex(cmap((v - 1) / 3)) for v in (1, 2, 3, 4)]
    assert manifest["legend"]["ticks"] == [1.0, 2.0, 3.0, 4.0]


def test_colors_are_a_function_of_the_value_not_of_the_level_index(tmp_path):
    table = _table()
    dose = table.column("dose").to_numpy()
    (tmp_path / "all").mkdir()
    (tmp_path / "ends").mkdir()
    _, _, all_values = _split(tmp_path / "all", table)
    ends = table.filter(pa.array((dose == dose.min()) | (dose == dose.max())))
    _, _, only_ends = _split(tmp_path / "ends", ends)
    a, b = next(iter(all_values.values()))["hue"], next(iter(only_ends.values()))["hue"]
    assert a["colors"][0] == b["colors"][0] and a["colors"][-1] == b["colors"][-1]


def test_scatter_colors_each_point_by_its_value(tmp_path):
    from tilegrid.core.palettes import colormap

    # one big marker per tile and value, far apart, on a grid-wide range 0..100
    table = pa.table(
        {
            "f": ["p", "p", "q", "q"],
            "u": [2.0, 8.0, 2.0, 8.0],
            "v": [2.0, 8.0, 8.0, 2.0],
            "dose": [0.0, 25.0, 25.0, 100.0],
        }
    )
    result, _, sidecars = _split(tmp_path, table, kind="scatter", x="u", y="v")
    metas, paths = _render(tmp_path, result, "scatter", {"s": 300.0, "alpha": 1.0})
    cmap = colormap(None)
    for tile in result.tiles:
        tid = tile["id"]
        pixels = np.asarray(Image.open(paths[tid]).convert("RGB")).astype(float)
        (x0, x1), (y0, y1) = metas[tid]["x"]["lim"], metas[tid]["y"]["lim"]
        width, height = metas[tid]["size_px"]
        rows = table.filter(
            pa.array([f == tile["facets"]["col"]["value"] for f in ["p", "p", "q", "q"]])
        )
        for u, v, dose in zip(*(rows.column(c).to_pylist() for c in ("u", "v", "dose"))):
            px = int((u - x0) / (x1 - x0) * width)
            py = int(height - (v - y0) / (y1 - y0) * height)
            expected = np.round(np.array(cmap(dose / 100.0)[:3]) * 255)
            assert np.abs(pixels[py, px] - expected).max() <= 2, (tid, dose)


def test_scatter_above_max_points_colors_pixels_by_value(tmp_path):
    result, _, _ = _split(tmp_path, kind="scatter", x="u", y="v")
    _, paths = _render(tmp_path, result, "scatter", {"max_points": 0})
    for path in paths.values():
        pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
        drawn = pixels[(pixels != 255).any(axis=1)]
        assert len(drawn) > 100


@pytest.mark.parametrize("kind", ["violin", "scatter"])
def test_the_mosaic_draws_one_colorbar_for_a_numeric_hue(tmp_path, kind):
    spec = {"x": "u", "y": "v"} if kind == "scatter" else {}
    result, manifest, _ = _split(tmp_path, kind=kind, **spec)
    metas, paths = _render(tmp_path, result, kind)
    fig, layout = build_mosaic(manifest, metas, paths, {"title": kind})
    assert not fig.legends
    assert len(fig.axes) == 1 and len(layout.cells) == len(result.tiles)
    colorbar = fig.axes[-1]
    assert colorbar.get_ylabel() == "dose"
    assert colorbar.get_position().x0 * layout.width > max(
        layout.axes(tile).get_position().x1 * layout.width for tile in layout.cells
    )


KIND_SPECS = {k: v for k, v in SPECS.items() if k != "heatmap"}  # heatmap has no hue


@pytest.mark.parametrize("kind", sorted(KIND_SPECS))
def test_every_kind_draws_a_numeric_hue_with_one_hue_colorbar(tmp_path, kind):
    spec = {"x": None, "y": None, **KIND_SPECS[kind]}
    result, manifest, _ = _split(tmp_path, kind=kind, **spec)
    metas, paths = _render(tmp_path, result, kind)
    fig, layout = build_mosaic(manifest, metas, paths, {"title": kind})
    count_colorbars = 1 if kind in ("density", "hexbin") else 0
    assert len(fig.axes) == count_colorbars + 1 and len(layout.cells) == len(result.tiles)
    assert not fig.legends


def test_a_float_hue_order_mixing_whole_and_fractional_values_renders(tmp_path):
    table = _table().set_column(4, "dose", pa.array(np.arange(3000) % 3 * 0.75 + 1))
    result, manifest, _ = _split(tmp_path, table, hue_order=[1.0, 1.75, 2.5])
    assert len(manifest["legend"]["labels"]) == 3
    _render(tmp_path, result, "violin")
    for tile in result.tiles:
        table = read_shard(str(tmp_path / "s" / f"{tile['id']}.arrow"))
        sidecar = json.loads((tmp_path / "s" / f"{tile['id']}.json").read_text())
        groups, _, n_h, _ = categorical_groups(table, sidecar)
        assert n_h == 3 and sum(g.size for g in groups) == tile["rows"]


# ---------------------------------------------------------------- dict palette

PALETTE = {"a": "#ff0000", "b": "#00ff00", "c": "#0000ff"}


def test_a_dict_palette_colors_each_level_with_its_color(tmp_path):
    _, manifest, sidecars = _split(tmp_path, hue="g", palette=PALETTE)
    hue = next(iter(sidecars.values()))["hue"]
    assert dict(zip(hue["levels"], hue["colors"])) == PALETTE
    assert manifest["legend"]["colors"] == [
        PALETTE[level] for level in manifest["legend"]["labels"]
    ]


def test_a_dict_palette_matches_numeric_levels_by_value(tmp_path):
    table = _table().set_column(1, "g", pa.array(np.arange(3000) % 3 + 1))  # 1, 2, 3
    _, _, sidecars = _split(tmp_path, table, hue="g", palette={1: "red", "2": "green", 3.0: "b"})
    hue = next(iter(sidecars.values()))["hue"]
    assert hue["colors"] == ["#ff0000", "#008000", "#0000ff"]


def test_a_dict_palette_without_a_level_stops_the_split_naming_it(tmp_path):
    with pytest.raises(SplitError) as info:
        _split(tmp_path, hue="g", palette={"a": "red", "b": "blue"})
    assert str(info.value) == "plot.palette: no colour for hue level 'c'"


def _config(**plot) -> dict:
    from snakemake.utils import validate

    config = {"data": "d.parquet", "plot": {"kind": "violin", "y": "v", **plot}}
    validate(config, str(REPO / "schemas" / "config.schema.yaml"))
    return config


def test_a_dict_palette_without_a_hue_order_level_is_a_config_error():
    config = _config(hue="g", hue_order=["a", "b", "c"], palette={"a": "red", "b": "blue"})
    with pytest.raises(ConfigError) as info:
        check_config(config, check_data=False)
    assert str(info.value) == "plot.palette: no colour for hue level 'c'"


@pytest.mark.parametrize(
    ("palette", "message"),
    [
        ("virdis", "plot.palette: 'virdis' is not a palette or matplotlib colormap name"),
        (["red", "blu"], "plot.palette: 'blu' is not a colour"),
        ({"a": "red", "b": "nope"}, "plot.palette: 'nope' (hue level 'b') is not a colour"),
    ],
)
def test_a_palette_that_cannot_color_is_a_config_error(palette, message):
    with pytest.raises(ConfigError) as info:
        check_config(_config(hue="g", palette=palette), check_data=False)
    assert str(info.value) == message


def test_seaborn_cubehelix_strings_are_palettes():
    from matplotlib.colors import to_hex
    from tilegrid.core.palettes import colormap

    default = colormap(None)
    assert to_hex(default(0.0)) == "#edd1cb" and to_hex(default(1.0)) == "#2d1e3e"  # seaborn's
    assert to_hex(colormap("ch:_r")(0.0)) == "#2d1e3e"
    assert to_hex(colormap("ch:s=.25,rot=-.25")(1.0)) != to_hex(default(1.0))
    check_config(_config(hue="g", palette="ch:s=.25,rot=-.25"), check_data=False)


# ---------------------------------------------------------------- end to end (snakemake CLI)


def _numeric_hue_data(path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 1200
    pq.write_table(
        pa.table(
            {
                "season": rng.choice(["spring", "summer"], n),
                "x": rng.uniform(0, 10, n),
                "y": rng.normal(0, 1, n),
                "dose": np.arange(n) % DOSES / 10,
            }
        ),
        path,
    )


@pytest.mark.workflow
def test_end_to_end_a_numeric_hue_draws_one_colorbar_beside_the_grid(workflow):
    _numeric_hue_data(workflow.path("data.parquet"))
    workflow.update_config(
        facet={"row": None, "col": "season"},
        plot={"kind": "scatter", "x": "x", "y": "y", "hue": "dose"},
        sharex=True,
        sharey=True,
    )
    workflow.run_ok()
    manifest = json.loads(workflow.path("results", "shards", "manifest.json").read_text())
    legend = manifest["legend"]
    assert legend["type"] == "colorbar" and legend["lim"] == [0.0, 9.3]
    mosaic = np.asarray(Image.open(workflow.path("results", "mosaic.png")).convert("RGB"))
    bar = colorbar_columns(mosaic, legend["colors"])
    assert bar, "no colorbar in the mosaic"
    assert max(bar) - min(bar) <= 0.15 * 60 + 2  # one narrow bar (dpi 60)
    assert min(bar) > 0.75 * mosaic.shape[1]  # right of the grid
    shades = bar[min(bar)]
    assert shades[0] > shades[-1]  # high values (dark) at the top


def colorbar_columns(image: np.ndarray, colors: list[str]) -> dict[int, list[int]]:
    """Columns of ``image`` mostly painted with ``colors``: the index of each pixel's color.

    A column counts when at least a third of its pixels are within 3 of a color
    of the colormap; its list follows the pixels from top to bottom.
    """
    samples = np.array([_rgb(c) for c in colors])
    out = {}
    for x in range(image.shape[1]):
        distance = np.abs(image[:, x, None, :].astype(float) - samples[None]).max(axis=2)
        nearest = distance.argmin(axis=1)
        close = distance[np.arange(image.shape[0]), nearest] <= 3
        if close.sum() >= image.shape[0] / 3:
            out[x] = nearest[close].tolist()
    return out


@pytest.mark.workflow
def test_end_to_end_a_dict_palette_colors_the_levels(workflow):
    workflow.update_config(plot={"hue": "group", "palette": PALETTE})
    workflow.run_ok()
    manifest = json.loads(workflow.path("results", "shards", "manifest.json").read_text())
    assert dict(zip(manifest["legend"]["labels"], manifest["legend"]["colors"])) == PALETTE
    mosaic = np.asarray(Image.open(workflow.path("results", "mosaic.png")).convert("RGB"))
    for color in PALETTE.values():
        assert (mosaic == _rgb(color)).all(axis=2).any(), color


@pytest.mark.workflow
def test_end_to_end_a_dict_palette_without_a_level_fails_with_one_line(workflow):
    workflow.update_config(plot={"hue": "group", "palette": {"a": "red", "b": "blue"}})
    run = workflow.snakemake()
    assert run.returncode != 0
    errors = [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")]
    assert len(errors) == 1, run.output
    assert errors[0].startswith("tilegrid: error: plot.palette: no colour for hue level 'c' ")
    assert not list(workflow.path("results").glob("tiles/*.png"))
