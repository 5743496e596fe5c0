"""The PNG mosaic composited from its cached canvas is the full draw's, byte for byte,
and a damaged cache is found before it is used."""

from __future__ import annotations

import json
import logging
import os
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import (
    SMALL_CONFIG,
    assert_names_damaged_tile,
    render_tiles,
    repaint_tile,
    small_table,
    truncate_tile,
)
from PIL import Image
from tilegrid.core.code import file_digest
from tilegrid.core.manifest import read_manifest
from tilegrid.core.tilemeta import read_tile_meta
from tilegrid.mosaic.cache import CACHE_DIR
from tilegrid.mosaic.figure import build_mosaic, write_mosaic
from tilegrid.mosaic.png import plan_png
from tilegrid.render.figures import tilegrid_style
from tilegrid.split.job import SplitSpec, run_split

# alongside (conftest.py): runs in another process next to the others; nothing timed
pytestmark = pytest.mark.alongside

TILE = {"height": 0.8, "aspect": 1.25, "dpi": 50}
#: kinds with what their mosaic draws besides axes: a legend, a shared colorbar
KINDS = {
    "box": {"x": "group", "y": "value", "hue": "group"},
    "hexbin": {"x": "u", "y": "value"},
}


def _table() -> pa.Table:
    table = small_table(rows_per_cell=60)
    rng = np.random.default_rng(5)
    return table.append_column("u", pa.array(rng.uniform(0, 10, table.num_rows)))


@pytest.fixture(scope="module")
def grid(request, tmp_path_factory):
    """A 2 x 3 grid of one kind, split and rendered in this process: (folder, tile ids)."""
    root = tmp_path_factory.mktemp(request.param)
    pq.write_table(_table(), root / "data.parquet")
    spec = SplitSpec(
        data=str(root / "data.parquet"),
        row="site",
        col="season",
        kind=request.param,
        **KINDS[request.param],
    )
    result = run_split(spec, str(root / "shards"))
    (root / "tiles").mkdir()
    render_tiles(
        root / "shards", root / "tiles", result.tiles, {"kind": request.param, "options": {}}, TILE
    )
    return root, [t["id"] for t in result.tiles]


@pytest.fixture
def tiles(grid, tmp_path):
    """A copy of the grid's tiles to change: (manifest, tiles folder, tile ids)."""
    root, ids = grid
    shutil.copytree(root / "tiles", tmp_path / "tiles")
    return str(root / "shards" / "manifest.json"), tmp_path / "tiles", ids


def _draw(tiles, out, **settings) -> str:
    """Write the mosaic at ``out`` (title "t" unless ``settings`` say otherwise); its bytes."""
    manifest, folder, ids = tiles
    out.parent.mkdir(parents=True, exist_ok=True)
    write_mosaic(
        manifest,
        [str(folder / f"{i}.png") for i in ids],
        [str(out)],
        {"title": "t", "margin_titles": True, **settings},
    )
    return out.read_bytes()


def _paint(path, rows: slice, cols: slice, rgb=(200, 30, 90), tile: bool = True) -> None:
    """Repaint a block of a tile PNG (a tile whose data changed and whose axes did not),
    or with ``tile`` False of another PNG."""
    with Image.open(path) as img:
        pixels = np.array(img.convert("RGBA"))
    pixels[rows, cols, :3] = rgb
    if tile:
        repaint_tile(path, Image.fromarray(pixels))
    else:
        Image.fromarray(pixels).save(path)


def _messages(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "tilegrid.mosaic")


@pytest.mark.parametrize("grid", sorted(KINDS), indirect=True)
def test_a_changed_tile_is_composited_into_the_canvas_as_a_full_draw_draws_it(
    tiles, tmp_path, caplog
):
    _draw(tiles, tmp_path / "a" / "mosaic.png")
    _paint(tiles[1] / f"{tiles[2][4]}.png", slice(10, 20), slice(12, 30))
    caplog.clear()
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        composited = _draw(tiles, tmp_path / "a" / "mosaic.png")
    assert "composited 1 changed cell into the cached canvas" in _messages(caplog)
    assert composited == _draw(tiles, tmp_path / "fresh" / "mosaic.png")
    for name in ("record.json", "canvas.png"):  # the cache is a fresh draw's too
        cached = (tmp_path / "a" / CACHE_DIR / name).read_bytes()
        assert cached == (tmp_path / "fresh" / CACHE_DIR / name).read_bytes(), name


@pytest.mark.parametrize("grid", ["box"], indirect=True)
def test_nothing_changed_gives_the_canvas_itself(tiles, tmp_path, caplog):
    first = _draw(tiles, tmp_path / "mosaic.png")
    (tmp_path / "mosaic.png").unlink()
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        assert _draw(tiles, tmp_path / "mosaic.png") == first
    assert "composited 0 changed cells" in _messages(caplog)


@pytest.mark.parametrize("grid", sorted(KINDS), indirect=True)
def test_a_tile_repainted_under_its_axes_lines_is_composited_as_a_full_draw_draws_it(
    tiles, tmp_path, caplog
):
    _draw(tiles, tmp_path / "a" / "mosaic.png")
    _paint(tiles[1] / f"{tiles[2][0]}.png", slice(None), slice(0, 1))  # under the left spine
    _paint(tiles[1] / f"{tiles[2][5]}.png", slice(-2, None), slice(None))  # the bottom one
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        composited = _draw(tiles, tmp_path / "a" / "mosaic.png")
    assert "composited 2 changed cells into the cached canvas" in _messages(caplog)
    assert composited == _draw(tiles, tmp_path / "fresh" / "mosaic.png")


@pytest.mark.parametrize("grid", ["box"], indirect=True)
def test_a_tile_that_is_not_opaque_is_composited_as_a_full_draw_draws_it(tiles, tmp_path, caplog):
    _draw(tiles, tmp_path / "a" / "mosaic.png")
    path = tiles[1] / f"{tiles[2][2]}.png"
    with Image.open(path) as img:
        pixels = np.array(img.convert("RGBA"))
    pixels[10:20, 12:30, 3] = 128
    repaint_tile(path, Image.fromarray(pixels))
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        composited = _draw(tiles, tmp_path / "a" / "mosaic.png")
    assert "composited 1 changed cell into the cached canvas" in _messages(caplog)
    assert composited == _draw(tiles, tmp_path / "fresh" / "mosaic.png")


@pytest.mark.parametrize("grid", ["box"], indirect=True)
def test_another_title_of_the_same_height_redraws_the_header_only(tiles, tmp_path, caplog):
    _draw(tiles, tmp_path / "a" / "mosaic.png")
    _paint(tiles[1] / f"{tiles[2][1]}.png", slice(10, 20), slice(12, 30))
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        composited = _draw(tiles, tmp_path / "a" / "mosaic.png", title="another")
    assert "composited 1 changed cell and the header into" in _messages(caplog)
    assert composited == _draw(tiles, tmp_path / "fresh" / "mosaic.png", title="another")


@pytest.mark.parametrize("grid", ["box"], indirect=True)
def test_a_title_of_two_lines_lays_the_mosaic_out_again_in_full(tiles, tmp_path, caplog):
    _draw(tiles, tmp_path / "a" / "mosaic.png")
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        redrawn = _draw(tiles, tmp_path / "a" / "mosaic.png", title="two\nlines")
    assert "drawing the mosaic in full: the layout changed (now" in _messages(caplog)
    assert redrawn == _draw(tiles, tmp_path / "fresh" / "mosaic.png", title="two\nlines")


def _write_in_place(path, at: float = 0.5, data: bytes = b"tilegrid") -> None:
    """Overwrite bytes of ``path`` where they are (the same file, no new one)."""
    with open(path, "r+b") as handle:
        handle.seek(int(path.stat().st_size * at))
        handle.write(data)


def _edit_record(cache, edit) -> None:
    """Rewrite the cache record as valid JSON, ``edit(record)`` applied to it."""
    record = json.loads((cache / "record.json").read_text())
    edit(record)
    (cache / "record.json").write_text(json.dumps(record, sort_keys=True, indent=1) + "\n")


def _shift_origin(record, tile) -> None:
    record["layout"]["origins"][tile][0] += 3


def _grow(record, tile) -> None:
    record["layout"]["size"][1] += 1


def _other_canvas_digest(record) -> None:
    record["canvas"] = "0" * 64


def _new_tile_digest(record, tile, folder) -> None:
    """The changed tile's digest as its new PNG's: it looks unchanged."""
    record["cells"][tile]["png"] = file_digest(str(folder / f"{tile}.png"))


def _other_band(record) -> None:
    """A band's Adler-32 changed (its bytes would be the copy's but another stream's)."""
    record["bands"][1][1] ^= 1


def _wider_gutter(record) -> None:
    record["layout"]["cols"][0][0] += 10


def _garbage(path) -> None:
    path.write_bytes(np.random.default_rng(9).bytes(path.stat().st_size))


def _truncate(path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _replace(path, file: bool) -> None:
    """Put a file where the folder ``path`` is, or a folder where the file is."""
    if file:
        shutil.rmtree(path)
        path.write_text("not a folder")
    else:
        path.unlink()
        (path / "in").mkdir(parents=True)


#: why the next run draws in full, as its log says
CANVAS_NOT_RECORDED = "the cached canvas is not the one recorded"
RECORD_DAMAGED = "the cache record is damaged"
RECORD_CHANGED = "the cache record does not match its digest"
#: how the cache is damaged, ``damage(cache folder, changed tile, tiles folder)``, and why
#: the next run draws in full
DAMAGES = {
    "canvas written in place": (
        lambda c, t, f: _write_in_place(c / "canvas.png"),
        CANVAS_NOT_RECORDED,
    ),
    "canvas truncated": (lambda c, t, f: _truncate(c / "canvas.png"), CANVAS_NOT_RECORDED),
    "canvas garbage": (lambda c, t, f: _garbage(c / "canvas.png"), CANVAS_NOT_RECORDED),
    "canvas another png": (
        lambda c, t, f: _paint(c / "canvas.png", slice(0, 5), slice(0, 5), tile=False),
        CANVAS_NOT_RECORDED,
    ),
    "record truncated": (lambda c, t, f: _truncate(c / "record.json"), RECORD_DAMAGED),
    "record garbage": (lambda c, t, f: _garbage(c / "record.json"), RECORD_DAMAGED),
    "record origin edited": (
        lambda c, t, f: _edit_record(c, lambda r: _shift_origin(r, t)),
        RECORD_CHANGED,
    ),
    "record size edited": (lambda c, t, f: _edit_record(c, lambda r: _grow(r, t)), RECORD_CHANGED),
    "record canvas digest edited": (
        lambda c, t, f: _edit_record(c, _other_canvas_digest),
        RECORD_CHANGED,
    ),
    "record tile digest edited": (
        lambda c, t, f: _edit_record(c, lambda r: _new_tile_digest(r, t, f)),
        RECORD_CHANGED,
    ),
    "record band edited": (lambda c, t, f: _edit_record(c, _other_band), RECORD_CHANGED),
    "record gutter edited": (lambda c, t, f: _edit_record(c, _wider_gutter), RECORD_CHANGED),
    "cache deleted": (lambda c, t, f: shutil.rmtree(c), "no cached canvas"),
    "cache a file": (lambda c, t, f: _replace(c, file=True), "no cached canvas"),
    "canvas a folder": (
        lambda c, t, f: _replace(c / "canvas.png", file=False),
        "the cached canvas cannot be read",
    ),
}


@pytest.fixture(scope="module")
def painted(grid, tmp_path_factory):
    """The grid with one tile repainted, drawn in full once: (tiles, changed tile, the
    mosaic's bytes, its cache's files' bytes)."""
    root, ids = grid
    folder = tmp_path_factory.mktemp("painted")
    shutil.copytree(root / "tiles", folder / "tiles")
    tiles = (str(root / "shards" / "manifest.json"), folder / "tiles", ids)
    _paint(folder / "tiles" / f"{ids[4]}.png", slice(10, 20), slice(12, 30))
    mosaic = _draw(tiles, folder / "fresh" / "mosaic.png")
    cache = {p.name: p.read_bytes() for p in (folder / "fresh" / CACHE_DIR).iterdir()}
    return tiles, ids[4], mosaic, cache


@pytest.mark.parametrize("grid", ["box"], indirect=True)
@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_cache_is_drawn_in_full_and_never_changes_the_mosaic(
    tiles, painted, tmp_path, caplog, damage
):
    first = _draw(tiles, tmp_path / "mosaic.png")
    cache = tmp_path / CACHE_DIR
    tile = painted[1]
    shutil.copy(painted[0][1] / f"{tile}.png", tiles[1] / f"{tile}.png")  # one tile changes
    harm, why = DAMAGES[damage]
    harm(cache, tile, tiles[1])
    assert (tmp_path / "mosaic.png").read_bytes() == first  # the damage is the cache's only
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        assert _draw(tiles, tmp_path / "mosaic.png") == painted[2]
    assert f"drawing the mosaic in full: {why}" in _messages(caplog)
    assert "drew the mosaic" in _messages(caplog)
    assert {p.name: p.read_bytes() for p in cache.iterdir()} == painted[3]  # a fresh cache


@pytest.mark.parametrize("grid", ["box"], indirect=True)
def test_the_cached_canvas_is_a_copy_of_the_mosaic_not_the_same_file(tiles, tmp_path, caplog):
    first = _draw(tiles, tmp_path / "mosaic.png")
    canvas = tmp_path / CACHE_DIR / "canvas.png"
    assert canvas.read_bytes() == first
    assert not os.path.samefile(canvas, tmp_path / "mosaic.png")
    _write_in_place(canvas)
    assert (tmp_path / "mosaic.png").read_bytes() == first
    (tmp_path / "mosaic.png").unlink()  # nothing changed: the canvas would be the mosaic
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        assert _draw(tiles, tmp_path / "mosaic.png") == first
    assert f"drawing the mosaic in full: {CANVAS_NOT_RECORDED}" in _messages(caplog)


@pytest.mark.parametrize("grid", ["box"], indirect=True)
@pytest.mark.parametrize("cut", ["header", "pixels"])
def test_a_damaged_tile_stops_the_composite_naming_it_and_the_cache_stays(
    tiles, tmp_path, caplog, cut
):
    _draw(tiles, tmp_path / "mosaic.png")
    cache = {p.name: p.read_bytes() for p in (tmp_path / CACHE_DIR).iterdir()}
    damaged = tiles[1] / f"{tiles[2][3]}.png"
    truncate_tile(damaged, cut)
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"), pytest.raises(Exception) as info:
        _draw(tiles, tmp_path / "mosaic.png")
    assert_names_damaged_tile(info.value, damaged)
    assert "drawing the mosaic in full" not in _messages(caplog)  # no fault of the cache
    assert {p.name: p.read_bytes() for p in (tmp_path / CACHE_DIR).iterdir()} == cache


@pytest.mark.parametrize("grid", ["box"], indirect=True)
def test_a_pdf_beside_the_png_is_drawn_in_full_and_the_png_composited(tiles, tmp_path, caplog):
    manifest, folder, ids = tiles
    png = _draw(tiles, tmp_path / "mosaic.png")
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        write_mosaic(
            manifest,
            [str(folder / f"{i}.png") for i in ids],
            [str(tmp_path / "mosaic.png"), str(tmp_path / "mosaic.pdf")],
            {"title": "t", "margin_titles": True},
        )
    assert "composited 0 changed cells" in _messages(caplog)
    assert "drew mosaic.pdf in full" in _messages(caplog)
    assert (tmp_path / "mosaic.png").read_bytes() == png


@pytest.mark.parametrize("grid", sorted(KINDS), indirect=True)
@pytest.mark.parametrize(
    "settings", [{"title": "t", "margin_titles": True}, {"title": None, "margin_titles": False}]
)
def test_the_png_pieces_are_the_one_figure_of_the_pdf_and_svg_drawn_with_agg(
    tiles, tmp_path, settings
):
    """The PDF and SVG mosaics' one figure is laid out as the PNG, and drawn with Agg it
    is the PNG's pixels: every tile in place, its decorations the same, but where
    Agg snaps a tick on a half pixel to the other side (a figure-fraction position
    lands a few ulps beside its pixel, differently on a figure of another size)."""
    manifest, folder, ids = tiles
    _draw(tiles, tmp_path / "mosaic.png", **settings)
    paths = {i: str(folder / f"{i}.png") for i in ids}
    metas = {i: read_tile_meta(p) for i, p in paths.items()}
    with tilegrid_style():
        fig, layout = build_mosaic(read_manifest(manifest), metas, paths, settings, True, True)
        fig.canvas.draw()
        whole = np.asarray(fig.canvas.buffer_rgba())
    with Image.open(tmp_path / "mosaic.png") as img:
        png = np.asarray(img)
    assert png.shape == whole.shape
    differ = (png != whole).any(axis=2)
    assert differ.mean() < 0.002, differ.sum()
    for tile, (x0, y0) in layout.origins.items():
        width, height = metas[tile]["size_px"]
        top = layout.height - y0 - height
        assert not differ[top + 3 : top + height - 3, x0 + 3 : x0 + width - 3].any(), tile


def test_a_cells_key_ignores_its_row_count_but_not_what_it_draws():
    axis = {"lim": [0.0, 1.0], "scale": "linear", "label": "v", "ticks": None, "ticklabels": None}
    meta = {"x": axis, "y": axis, "title": "", "size_px": [10, 8], "dpi": 72, "rows": 4}
    tile = {"row_index": 0, "facets": {"col": {"var": "c", "value": 1}}, "rows": 4}
    manifest = {"row": None, "col": {"var": "c", "levels": [1, 2]}, "shape": [1, 2], "kind": "box"}
    manifest |= {"input_rows": 9, "dropped": {}}

    def keys(metas, settings=None, sharey=False, slots=(0, 1)):
        tiles = [{"id": t, **tile, "col_index": c} for t, c in zip("ab", slots)]
        plan = plan_png({**manifest, "tiles": tiles}, metas, {}, settings or {}, False, sharey)
        return plan.keys

    metas = {t: {**meta, "tile": t} for t in "ab"}
    base = keys(metas)
    assert keys({t: {**m, "rows": 5} for t, m in metas.items()}) == base
    assert keys(metas, slots=(1, 0))["a"] != base["a"]  # right of b: no y label
    moved = {**metas, "b": {**metas["b"], "y": {**axis, "lim": [0.0, 2.0]}}}
    assert keys(moved)["a"] == base["a"] and keys(moved)["b"] != base["b"]
    assert keys(metas, {"col_template": "{col_name}"}) != base
    assert keys(metas, sharey=True)["b"] != base["b"]  # its y tick labels are the left tile's


# ---------------------------------------------------------------- the workflow


def box_workflow(wf) -> None:
    """The small 2 x 3 data set as boxes on shared axes (whose limits are the data's range)."""
    pq.write_table(small_table(rows_per_cell=100), wf.path("data.parquet"))
    wf.write_config(
        {
            **SMALL_CONFIG,
            "plot": {"kind": "box", "x": "group", "y": "value"},
            "sharex": True,
            "sharey": True,
            "tile": {"height": 1.0, "aspect": 1.2, "dpi": 50},
        }
    )


def _squeeze_cell(path, site: str, season: str, factor: float) -> None:
    """Scale one facet cell's values about their mean, but its smallest and largest:
    within the cell's range if ``factor`` < 1 (the grid's limits stay), beyond if > 1."""
    table = pq.read_table(path)
    mask = pc.and_(pc.equal(table["site"], site), pc.equal(table["season"], season))
    values = table["value"].to_numpy().copy()
    cell = values[mask.to_numpy(zero_copy_only=False)]
    inner = (cell > cell.min()) & (cell < cell.max())
    cell[inner] = cell.mean() + factor * (cell[inner] - cell.mean())
    values[mask.to_numpy(zero_copy_only=False)] = cell
    pq.write_table(table.set_column(3, "value", pa.array(values)), path)


def _redrawn_in_full(wf) -> bytes:
    """The mosaic as a run without the cache draws it (the run after deleting both)."""
    shutil.rmtree(wf.path("results", CACHE_DIR))
    wf.path("results", "mosaic.png").unlink()
    run = wf.run_ok()
    assert run.jobs("mosaic") == 1 and run.jobs("render") == 0
    assert "drew the mosaic" in wf.path("logs", "mosaic.log").read_text()
    return wf.path("results", "mosaic.png").read_bytes()


@pytest.mark.workflow
def test_a_run_changing_one_tile_composites_it_as_a_full_draw_would(built_copy, tmp_path):
    wf = built_copy(box_workflow, tmp_path / "wf")
    _squeeze_cell(wf.path("data.parquet"), "south", "summer", 0.8)
    run = wf.run_ok()
    assert run.jobs("render") == 1 and run.jobs("mosaic") == 1
    assert "composited 1 changed cell" in wf.path("logs", "mosaic.log").read_text()
    composited = wf.path("results", "mosaic.png").read_bytes()
    record = wf.path("results", CACHE_DIR, "record.json").read_bytes()
    assert composited == _redrawn_in_full(wf)
    assert record == wf.path("results", CACHE_DIR, "record.json").read_bytes()


@pytest.mark.workflow
def test_a_run_changing_the_shared_limits_draws_in_full(built_copy, tmp_path):
    wf = built_copy(box_workflow, tmp_path / "wf")
    # one cell's range beyond the others': every tile's y axis changes
    _squeeze_cell(wf.path("data.parquet"), "south", "summer", 3.0)
    run = wf.run_ok()
    assert run.jobs("render") == 6
    log = wf.path("logs", "mosaic.log").read_text()
    assert "drawing the mosaic in full: 6 of 6 cells changed" in log, log
    assert wf.path("results", "mosaic.png").read_bytes() == _redrawn_in_full(wf)


def _log_of_run(wf) -> str:
    """Run the workflow after one cell's data changed; the mosaic's log."""
    run = wf.run_ok()
    assert run.jobs("render") == 1 and run.jobs("mosaic") == 1
    return wf.path("logs", "mosaic.log").read_text()


@pytest.mark.workflow
def test_a_write_into_the_cached_canvas_leaves_the_mosaic_and_the_next_run_draws_in_full(
    built_copy, tmp_path
):
    wf = built_copy(box_workflow, tmp_path / "wf")
    _squeeze_cell(wf.path("data.parquet"), "south", "summer", 0.8)
    assert "composited 1 changed cell" in _log_of_run(wf)  # the cache as a run leaves it
    mosaic = wf.path("results", "mosaic.png")
    before = mosaic.read_bytes(), mosaic.stat().st_mtime_ns
    _write_in_place(wf.path("results", CACHE_DIR, "canvas.png"))
    assert (mosaic.read_bytes(), mosaic.stat().st_mtime_ns) == before
    _squeeze_cell(wf.path("data.parquet"), "north", "spring", 0.8)
    log = _log_of_run(wf)
    assert f"drawing the mosaic in full: {CANVAS_NOT_RECORDED}" in log, log
    assert mosaic.read_bytes() == _redrawn_in_full(wf)
