"""seaborn's size and style words (issue 29, item 2): option checks, the legend's
entries and look in the mosaic, the log line of a raster scatter, and a real
``snakemake`` run of a size/style grid (tests/kinds/test_size_style.py compares the
mappings themselves with seaborn's)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import pytest  # noqa: E402

sns = pytest.importorskip("seaborn")
palmerpenguins = pytest.importorskip("palmerpenguins")

from tilegrid.core.manifest import read_manifest  # noqa: E402
from tilegrid.core.shards import read_shard  # noqa: E402
from tilegrid.core.sidecar import read_sidecar  # noqa: E402
from tilegrid.kinds import OptionError, resolve_options  # noqa: E402
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


# ---------------------------------------------------------------- options and limits


def test_option_values_are_checked():
    for bad in ({"sizes": "big"}, {"size_norm": [3, 1]}, {"markers": "o"}, {"legend": "most"}):
        with pytest.raises(OptionError, match=f"plot.options.{next(iter(bad))}"):
            resolve_options("scatter", bad)
    with pytest.raises(OptionError, match="plot.options.dashes"):
        resolve_options("line", {"dashes": 3})
    with pytest.raises(OptionError, match="not an option of kind 'line'"):
        resolve_options("line", {"size": "a"})
    with pytest.raises(OptionError, match="leaves scatter's style nothing to show"):
        resolve_options("scatter", {"style": "a", "markers": False})


def test_filled_and_line_art_markers_cannot_be_mixed(penguins_parquet, tmp_path):
    with pytest.raises(SplitError, match="cannot be mixed"):
        _split(penguins_parquet, tmp_path, options={"style": "sex", "markers": ["o", "x"]}, **XY)


def test_a_full_legend_lists_distinct_values_and_brief_ticks(penguins, penguins_parquet, tmp_path):
    """``legend: full`` lists a numeric size's distinct values (year: 2007-2009), ``auto``
    too when there are at most 6, ``brief`` seaborn's MaxNLocator ticks (as relplot's
    legend texts); ``false`` no legend at all."""
    for legend in ("auto", "full", "brief"):
        _, manifest = _split(
            penguins_parquet, tmp_path / legend, options={"size": "year", "legend": legend}, **XY
        )
        grid = sns.relplot(penguins, size="year", legend=legend, col="island", **XY)
        try:
            texts = [t.get_text() for t in grid.legend.texts]
            areas = [h.get_markersize() ** 2 for h in grid.legend.legend_handles]
        finally:
            plt.close(grid.figure)
        assert [str(v) for v in manifest["marks"]["size"]["labels"]] == texts
        assert np.allclose(manifest["marks"]["size"]["sizes"], areas)
    _, manifest = _split(
        penguins_parquet,
        tmp_path / "none",
        hue="species",
        options={"size": "year", "legend": False},
        **XY,
    )
    assert "marks" not in manifest and "legend" not in manifest


def test_a_raster_tile_says_it_shows_no_size_or_style(penguins_parquet, tmp_path, caplog):
    """Above max_points a scatter tile is a density raster: the split's log says which
    tiles show no size or style, never silently."""
    options = {"size": "body_mass_g", "style": "sex", "max_points": 100}
    with caplog.at_level("WARNING", logger="tilegrid.split"):
        _split(penguins_parquet, tmp_path, options=options, **XY)
    (message,) = [r.getMessage() for r in caplog.records if "density rasters" in r.getMessage()]
    assert (
        "2 scatter tile(s)" in message
    )  # Biscoe (163 rows), Dream (123) and "no size 'body_mass_g' and no style 'sex'" in message


# ---------------------------------------------------------------- the mosaic's legend


def test_a_legend_taller_than_the_grid_makes_the_mosaic_taller_not_cut(tmp_path):
    """One small tile and 30 style levels: the legend is far taller than the grid, so
    the mosaic grows to hold it whole (it was cut at the grid's height), in the figure
    and in the PNG drawn in pieces, which is that figure pixel for pixel."""
    from conftest import render_tiles
    from PIL import Image
    from tilegrid.mosaic.figure import build_mosaic, write_mosaic

    frame = pd.DataFrame(
        {"x": np.arange(60.0), "y": np.arange(60.0) % 5, "s": [f"level {i}" for i in range(30)] * 2}
    )
    frame.to_parquet(tmp_path / "d.parquet")
    options = {"style": "s", "markers": ["o", "s", "^", "v", "D"]}
    result = run_split(
        SplitSpec(data=str(tmp_path / "d.parquet"), kind="scatter", x="x", y="y", options=options),
        str(tmp_path / "s"),
    )
    plot, tile = {"kind": "scatter", "options": options}, {"height": 1.0, "aspect": 1.5, "dpi": 60}
    (tmp_path / "t").mkdir()
    metas, paths = render_tiles(tmp_path / "s", tmp_path / "t", result.tiles, plot, tile)
    manifest = read_manifest(str(tmp_path / "s" / "manifest.json"))
    assert len(manifest["marks"]["style"]["labels"]) == 30
    fig, layout = build_mosaic(manifest, metas, paths, {"title": None})
    fig.canvas.draw()
    (legend,) = fig.legends
    box = legend.get_window_extent()
    assert box.height > 2 * layout.tile_px[1]  # far taller than the grid
    assert box.y0 >= 0 and box.y1 <= layout.height  # and whole
    png = tmp_path / "m.png"
    write_mosaic(
        str(tmp_path / "s" / "manifest.json"), list(paths.values()), [str(png)], {"title": None}
    )
    assert Image.open(png).size == (layout.width, layout.height)


# ---------------------------------------------------------------- a real run


@pytest.mark.workflow
def test_workflow_draws_a_size_style_scatter_grid_with_one_legend(workflow, penguins):
    """``snakemake`` on penguins with ``options: {size, style}``: every sidecar holds
    the one size norm and style markers, the manifest the legend's entries, the mosaic
    is drawn; a bad sizes value stops the run with one line before any job, and a tile
    above max_points says in the split's log that it shows no size or style."""
    pq.write_table(
        pa.Table.from_pandas(penguins, preserve_index=False), workflow.path("data.parquet")
    )
    options = {"size": "body_mass_g", "style": "sex"}
    plot = {"kind": "scatter", "x": "bill_length_mm", "y": "bill_depth_mm", "hue": "species"}
    workflow.update_config(
        facet={"row": None, "col": "island"}, plot={**plot, "options": options}, mosaic={}
    )
    workflow.run_ok()
    shards = workflow.path("results", "shards")
    manifest = read_manifest(str(shards / "manifest.json"))
    sidecars = [read_sidecar(str(shards / f"{t['id']}.json")) for t in manifest["tiles"]]
    assert len(sidecars) == 3
    assert all(s["size"] == sidecars[0]["size"] for s in sidecars)
    assert sidecars[0]["size"]["norm"] == [2700.0, 6300.0]
    assert all(s["style"]["markers"] == ["o", "X"] for s in sidecars)
    assert manifest["marks"]["style"]["labels"] == ["male", "female"]
    assert workflow.path("results", "mosaic.png").stat().st_size > 0

    workflow.update_config(plot={**plot, "options": {**options, "sizes": "big"}})
    run = workflow.snakemake()
    errors = [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")]
    assert run.returncode != 0 and len(errors) == 1 and "plot.options.sizes" in errors[0]

    workflow.update_config(plot={**plot, "options": {**options, "max_points": 150}})
    run = workflow.run_ok()
    log = workflow.path("logs", "split.log").read_text()
    assert "1 scatter tile(s) have more than max_points (150)" in log  # Biscoe's 163 rows
    assert "tilegrid: warning:" in run.output


def test_strip_and_swarm_size_is_a_number_not_a_column(penguins_parquet, tmp_path):
    """strip's and swarm's ``size`` is seaborn's marker diameter: no column role (only
    the kinds whose ``COLUMN_OPTIONS`` name it read a column from it)."""
    for kind in ("strip", "swarm"):
        tiles, _ = _split(
            penguins_parquet, tmp_path / kind, kind=kind, col=None, x="species",
            y="body_mass_g", options={"size": 3},
        )  # fmt: skip
        ((sidecar, _),) = tiles.values()
        assert "size" not in sidecar


def test_distinct_size_values_stop_at_the_first_value_too_many(tmp_path):
    """The legend's pass over a numeric size column: the distinct values when few, None
    as soon as there are more than the limit (not a sort of every row)."""
    from tilegrid.core.shards import open_writer
    from tilegrid.split.marks import distinct_values

    paths = []
    for i, values in enumerate(([3.0, 1.0, np.nan, 3.0], [1.0, 2.0, 2.0])):
        batch = pa.record_batch({"s": pa.array(values)})
        paths.append(str(tmp_path / f"{i}.arrow"))
        with open_writer(paths[-1], batch.schema) as writer:
            writer.write_batch(batch)
    assert distinct_values(paths, "s", 6) == [1.0, 2.0, 3.0]
    assert distinct_values(paths, "s", 2) is None


def test_a_changed_size_or_style_legend_redraws_the_side_of_a_cached_mosaic(tmp_path):
    """The PNG mosaic's side (legend) is keyed by the size's and style's entries too: a
    change of markers alone, which redraws no tile's neighbours, gives the PNG a fresh
    draw gives, not the cached legend; and every page of a paged grid has them."""
    from conftest import render_tiles
    from tilegrid.core.manifest import write_manifest
    from tilegrid.core.pages import page_manifests
    from tilegrid.mosaic.figure import write_mosaic

    frame = pd.DataFrame({"x": np.arange(40.0), "y": np.arange(40.0) % 3, "s": ["a", "b"] * 20})
    frame.to_parquet(tmp_path / "d.parquet")
    options = {"style": "s"}
    result = run_split(
        SplitSpec(data=str(tmp_path / "d.parquet"), kind="scatter", x="x", y="y", options=options),
        str(tmp_path / "s"),
    )
    plot, tile = {"kind": "scatter", "options": options}, {"height": 1.0, "aspect": 1.5, "dpi": 60}
    (tmp_path / "t").mkdir()
    _, paths = render_tiles(tmp_path / "s", tmp_path / "t", result.tiles, plot, tile)
    manifest_path = tmp_path / "s" / "manifest.json"
    (tmp_path / "cached").mkdir()
    cached = tmp_path / "cached" / "m.png"
    write_mosaic(str(manifest_path), list(paths.values()), [str(cached)], {"title": None})
    manifest = read_manifest(str(manifest_path))
    manifest["marks"]["style"]["markers"] = ["s", "D"]
    write_manifest(str(manifest_path), manifest)
    write_mosaic(str(manifest_path), list(paths.values()), [str(cached)], {"title": None})
    (tmp_path / "fresh").mkdir()
    fresh = tmp_path / "fresh" / "m.png"
    write_mosaic(str(manifest_path), list(paths.values()), [str(fresh)], {"title": None})
    assert cached.read_bytes() == fresh.read_bytes()
    (page,) = page_manifests(manifest, None, {"rows": 1})
    assert page["marks"] == manifest["marks"]
