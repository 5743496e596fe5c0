"""The workflow end to end with the real `snakemake` CLI: outputs and incremental reruns."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import small_table, strip_tile_meta
from PIL import Image
from tilegrid.core.tilemeta import read_tile_meta

# alongside (conftest.py): real runs, none timed, in another process next to the others
pytestmark = [pytest.mark.workflow, pytest.mark.alongside("waits")]


def _change_cell(path, site: str, season: str, shift: float = 3.0) -> None:
    """Shift the values of one facet cell's rows, in place."""
    table = pq.read_table(path)
    mask = pc.and_(pc.equal(table["site"], site), pc.equal(table["season"], season))
    values = np.where(
        mask.to_numpy(zero_copy_only=False),
        table["value"].to_numpy() + shift,
        table["value"].to_numpy(),
    )
    table = table.set_column(table.schema.get_field_index("value"), "value", pa.array(values))
    pq.write_table(table, path)


def _tile_of(wf, site: str, season: str) -> str:
    manifest = json.loads(wf.path("results", "shards", "manifest.json").read_text())
    for tile in manifest["tiles"]:
        facets = tile["facets"]
        if facets["row"]["value"] == site and facets["col"]["value"] == season:
            return tile["id"]
    raise AssertionError(f"no tile for {site}/{season}")


def _changed(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {t for t in after if before.get(t) != after[t]}


def test_full_run_renders_one_png_per_tile_and_the_mosaic(built):
    tiles = sorted(built.path("results", "tiles").glob("*.png"))
    manifest = json.loads(built.path("results", "shards", "manifest.json").read_text())
    assert [t["id"] for t in manifest["tiles"]] and len(tiles) == len(manifest["tiles"]) == 6
    assert {p.stem for p in tiles} == {t["id"] for t in manifest["tiles"]}
    with Image.open(built.path("results", "mosaic.png")) as img:
        assert img.width > 3 * 108 and img.height > 2 * 90


def test_each_tile_is_one_file_that_the_mosaic_and_the_page_read(built):
    manifest = json.loads(built.path("results", "shards", "manifest.json").read_text())
    ids = [t["id"] for t in manifest["tiles"]]
    run = built.run_ok("results/mosaic.html")
    assert run.jobs("render") == 0 and run.jobs("viewer") == 1
    tiles = built.path("results", "tiles")
    assert sorted(p.name for p in tiles.iterdir()) == sorted(f"{i}.png" for i in ids)
    assert {i: m["tile"] for i, m in built.tile_metas().items()} == {i: i for i in ids}
    page = built.path("results", "mosaic.html").read_text(encoding="utf-8")
    assert all(f'"0/{i}"' in page for i in ids)


def test_tiles_an_earlier_tilegrid_drew_are_drawn_again_without_snakemakes_records(built):
    tiles = built.path("results", "tiles")
    reference = {p.name: p.read_bytes() for p in tiles.iterdir()}
    mosaic = built.path("results", "mosaic.png").read_bytes()
    old = sorted(tiles.glob("*.png"))[0]
    meta = read_tile_meta(str(old))
    strip_tile_meta(old)  # the same pixels, its metadata beside it: an earlier tilegrid's
    old.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    # no record says the render command changed (tilegrid's own records kept: deleting
    # the whole .snakemake/ splits and draws everything again, see test_contents.py)
    shutil.rmtree(built.path(".snakemake", "metadata"))
    dry = built.run_ok("-n")
    said = "tilegrid: 1 tiles in results/tiles were drawn by an earlier tilegrid"
    assert said in dry.output and dry.jobs("render") == 1, dry.output[-3000:]
    assert old.with_suffix(".json").exists() and old.read_bytes() != reference[old.name]
    run = built.run_ok()
    assert said in run.output and run.jobs("render") == 1 and run.jobs("mosaic") == 1
    assert {p.name: p.read_bytes() for p in tiles.iterdir()} == reference
    assert built.path("results", "mosaic.png").read_bytes() == mosaic


def test_rerun_with_nothing_changed_does_nothing(built):
    run = built.run_ok()
    assert "Nothing to be done" in run.output


def test_changing_one_cell_rerenders_only_that_tile_and_the_mosaic(built):
    before = built.tile_mtimes()
    mosaic_before = built.path("results", "mosaic.png").stat().st_mtime_ns
    _change_cell(built.path("data.parquet"), "south", "summer")
    run = built.run_ok()
    assert _changed(before, built.tile_mtimes()) == {_tile_of(built, "south", "summer")}
    assert run.jobs("render") == 1 and run.jobs("mosaic") == 1
    assert built.path("results", "mosaic.png").stat().st_mtime_ns != mosaic_before


def test_a_run_ends_with_its_jobs_not_with_the_job_rate_limiters_timer(built):
    # after each pick of jobs the limiter arms a timer of its timespan (1 s by default),
    # which the interpreter waits for as it exits; an hour here, so a run that waited
    # for it would be killed at the timeout (tilegrid.workflow.ending)
    _change_cell(built.path("data.parquet"), "south", "summer")
    run = built.run_ok("--max-jobs-per-timespan", "100/1h", timeout=180)
    assert run.jobs("render") == 1 and run.jobs("mosaic") == 1


def test_changing_only_the_title_rerenders_no_tile(built):
    before = built.tile_mtimes()
    built.update_config(mosaic={"title": "a new title"})
    run = built.run_ok()
    assert run.jobs("render") == 0 and run.jobs("mosaic") == 1
    assert _changed(before, built.tile_mtimes()) == set()


def test_rewrapping_the_grid_rerenders_no_tile(built):
    built.update_config(facet={"row": None, "col": "season", "col_wrap": 2})
    built.run_ok()  # the grid changes from 2 x 3 to one row of 3 wrapped: new tiles
    before = built.tile_mtimes()
    built.update_config(facet={"col_wrap": 1})
    run = built.run_ok()
    assert run.jobs("render") == 0 and run.jobs("mosaic") == 1
    assert _changed(before, built.tile_mtimes()) == set()


def test_changing_plot_options_rerenders_every_tile(built):
    before = built.tile_mtimes()
    built.update_config(plot={"options": {"bw_adjust": 0.5}})
    run = built.run_ok()
    assert run.jobs("render") == 6
    assert _changed(before, built.tile_mtimes()) == set(before)


def test_changing_the_plotting_code_rerenders_every_tile(built):
    before = built.tile_mtimes()
    violin = built.path("scripts", "tilegrid", "kinds", "violin.py")
    violin.write_text(violin.read_text() + "\n# a change to the plotting code\n")
    run = built.run_ok()
    assert run.jobs("render") == 6
    assert _changed(before, built.tile_mtimes()) == set(before)


def test_a_new_facet_value_renders_only_the_new_tiles(built):
    before = built.tile_mtimes()
    extra = small_table(rows_per_cell=50, seed=9)
    extra = extra.filter(pc.equal(extra["site"], "north"))
    extra = extra.set_column(0, "site", pa.array(["east"] * extra.num_rows))
    table = pa.concat_tables([pq.read_table(built.path("data.parquet")), extra])
    pq.write_table(table, built.path("data.parquet"))
    run = built.run_ok()
    new = {_tile_of(built, "east", s) for s in ("spring", "summer", "autumn")}
    assert _changed(before, built.tile_mtimes()) == new
    assert run.jobs("render") == 3


def test_a_removed_facet_value_leaves_no_stale_tile(built):
    table = pq.read_table(built.path("data.parquet"))
    pq.write_table(table.filter(pc.not_equal(table["site"], "south")), built.path("data.parquet"))
    built.run_ok()
    assert len(list(built.path("results", "tiles").glob("*.png"))) == 3


def test_mosaic_formats_pdf_and_svg(built):
    built.update_config(mosaic={"formats": ["png", "pdf", "svg"]})
    run = built.run_ok()
    assert run.jobs("render") == 0
    assert built.path("results", "mosaic.pdf").read_bytes().startswith(b"%PDF")
    assert b"<svg" in built.path("results", "mosaic.svg").read_bytes()[:2000]


def test_csv_input_gives_the_same_shards_as_parquet(built):
    import pyarrow.csv as pacsv

    workflow = built  # split from data.parquet
    pacsv.write_csv(pq.read_table(workflow.path("data.parquet")), workflow.path("data.csv"))
    shards = {p.name: p.read_bytes() for p in workflow.path("results", "shards").glob("*.json")}
    workflow.update_config(data="data.csv")
    assert workflow.run_ok("results/shards").jobs("split") == 1  # only the split is compared
    again = {p.name: p.read_bytes() for p in workflow.path("results", "shards").glob("*.json")}
    assert shards == again


def test_custom_kind_calls_the_users_function_on_each_tile(workflow):
    workflow.path("myplot.py").write_text(
        "def draw(ax, data, color='k'):\n"
        "    ax.hist(data['value'], bins=20, color=color)\n"
        "    ax.set_xlabel('my value')\n"
    )
    workflow.update_config(
        plot={
            "kind": "custom",
            "x": None,
            "y": None,
            "function": "myplot.py:draw",
            "options": {"color": "tab:red"},
        }
    )
    workflow.run_ok()
    metas = workflow.tile_metas().values()
    assert len(metas) == 6 and {m["x"]["label"] for m in metas} == {"my value"}


def test_the_default_config_makes_the_example_mosaic(built_copy, tmp_path):
    from conftest import bundled_example

    # the complete run of the bundled example, made once per session (test_viewer's too)
    wf = built_copy(bundled_example, tmp_path / "default")
    assert built_copy.runs[bundled_example].jobs("example_data") == 1
    manifest = json.loads(wf.path("results", "shards", "manifest.json").read_text())
    assert manifest["shape"] == [3, 4]
    assert len(list(wf.path("results", "tiles").glob("*.png"))) == 12
    assert wf.path("results", "mosaic.png").stat().st_size > 50_000


def test_without_snakemakes_records_the_next_run_makes_everything_again(built_copy, tmp_path):
    from conftest import bundled_example

    # Snakemake sees a changed parameter (here the mosaic's title) only in its records:
    # with .snakemake/ deleted, the split has no record of what it read and every job
    # runs again
    wf = built_copy(bundled_example, tmp_path / "default")
    before = wf.path("results", "mosaic.png").read_bytes()
    shutil.rmtree(wf.path(".snakemake"))
    config = wf.path("config.yaml")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('title: "Expression', 'title: "Gene expression'), "utf-8")
    run = wf.run_ok()
    assert (run.jobs("split"), run.jobs("render"), run.jobs("mosaic")) == (1, 12, 1)
    assert wf.path("results", "mosaic.png").read_bytes() != before
    assert "Nothing to be done" in wf.run_ok().output


def test_with_shared_limits_only_tiles_whose_limits_change_rerender(workflow):
    _change_cell(workflow.path("data.parquet"), "south", "autumn", shift=20.0)  # the widest
    workflow.update_config(sharex=True, sharey=True)
    workflow.run_ok()
    before = workflow.tile_mtimes()
    _change_cell(workflow.path("data.parquet"), "north", "summer", shift=0.5)  # limits unmoved
    run = workflow.run_ok()
    assert _changed(before, workflow.tile_mtimes()) == {_tile_of(workflow, "north", "summer")}
    assert run.jobs("render") == 1
    before = workflow.tile_mtimes()
    _change_cell(workflow.path("data.parquet"), "south", "autumn", shift=20.0)  # moves the limits
    run = workflow.run_ok()
    assert run.jobs("render") == 6 and _changed(before, workflow.tile_mtimes()) == set(before)


def _cell_rows(cols: dict, site: str, season: str) -> list[int]:
    """The indices of one facet cell's rows."""
    return [
        i for i, (s, c) in enumerate(zip(cols["site"], cols["season"])) if (s, c) == (site, season)
    ]


def _tile_drops(wf) -> dict[tuple[str, str], dict[str, int]]:
    """Each tile's dropped rows by reason, from the manifest (tiles with any only)."""
    manifest = json.loads(wf.path("results", "shards", "manifest.json").read_text())
    return {
        (t["facets"]["row"]["value"], t["facets"]["col"]["value"]): t["dropped"]
        for t in manifest["tiles"]
        if "dropped" in t
    }


def test_each_tiles_dropped_rows_are_in_the_manifest_and_redraw_no_other_tile(workflow):
    cols = small_table().to_pydict()
    north_spring = _cell_rows(cols, "north", "spring")
    for i in north_spring[:3]:
        cols["value"][i] = float("nan")
    for i in north_spring[3:5]:
        cols["group"][i] = "d"  # not in options.order
    cols["group"][north_spring[5]] = None
    south_summer = _cell_rows(cols, "south", "summer")
    for i, v in zip(south_summer, [float("nan"), float("nan"), float("inf"), None]):
        cols["value"][i] = v
    for name, values in {"site": [None] * 2, "season": ["spring"] * 2, "group": ["a"] * 2}.items():
        cols[name] += values  # rows of no tile
    cols["value"] += [1.0, 2.0]
    pq.write_table(pa.table(cols), workflow.path("data.parquet"))
    workflow.update_config(plot={"options": {"order": ["a", "b", "c"]}})
    workflow.run_ok()
    manifest = json.loads(workflow.path("results", "shards", "manifest.json").read_text())
    assert manifest["dropped"] == {
        "missing_facet": 2,
        "facet_not_in_order": 0,
        "missing_category": 1,
        "category_not_in_order": 2,
        "non_finite": 7,
    }
    assert _tile_drops(workflow) == {
        ("north", "spring"): {"missing_category": 1, "category_not_in_order": 2, "non_finite": 3},
        ("south", "summer"): {"non_finite": 4},
    }
    before = workflow.tile_mtimes()
    # two more of south/summer's values are NaN (its shard changes), and three new rows
    # of north/autumn have none (its rows, so its shard, stay as they were)
    for i in south_summer[10:12]:
        cols["value"][i] = float("nan")
    for name, values in {
        "site": ["north"] * 3,
        "season": ["autumn"] * 3,
        "group": ["b"] * 3,
    }.items():
        cols[name] += values
    cols["value"] += [float("nan")] * 3
    pq.write_table(pa.table(cols), workflow.path("data.parquet"))
    run = workflow.run_ok()
    assert _tile_drops(workflow) == {
        ("north", "spring"): {"missing_category": 1, "category_not_in_order": 2, "non_finite": 3},
        ("north", "autumn"): {"non_finite": 3},
        ("south", "summer"): {"non_finite": 6},
    }
    assert _changed(before, workflow.tile_mtimes()) == {_tile_of(workflow, "south", "summer")}
    assert run.jobs("render") == 1 and run.jobs("mosaic") == 1


def test_the_report_shows_the_mosaic_and_every_tile(built):
    built.run_ok("--report", "report.html")
    html = built.path("report.html").read_text(errors="replace")
    assert "mosaic.png" in html
    tiles = json.loads(built.path("results", "shards", "manifest.json").read_text())["tiles"]
    assert all(t["id"] in html for t in tiles)
    built.run_ok("--report", "report.zip")
    assert built.path("report.zip").stat().st_size > 10_000


def test_preprocess_runs_on_each_tiles_rows_before_drawing(workflow):
    workflow.path("prep.py").write_text(
        "def center(data):\n"
        "    data['value'] = data['value'] - data['value'].mean()\n"
        "    return data\n"
    )
    workflow.update_config(plot={"preprocess": "prep.py:center"})
    workflow.run_ok()
    metas = workflow.tile_metas().values()
    assert len(metas) == 6
    shards = json.loads(
        next(workflow.path("results", "shards").glob("north-spring-*.json")).read_text()
    )
    assert shards["y"]["lim"] is None  # the user's code moves values: render autoscales
    assert all(m["y"]["lim"][0] < 0 < m["y"]["lim"][1] for m in metas)
