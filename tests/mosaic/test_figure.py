"""The mosaic: tiles placed pixel-exactly, axes decorated once, seaborn's conventions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import assert_names_damaged_tile, small_table, strip_tile_meta, truncate_tile
from PIL import Image
from tilegrid.core.tilemeta import TileMetaError, read_tile_meta
from tilegrid.mosaic.cells import Cell, grid_shape_and_positions, outer_flags
from tilegrid.mosaic.figure import load_tile, tile_size, write_mosaic
from tilegrid.render.tile import render_tile
from tilegrid.split.job import SplitSpec, run_split

TILE = {"height": 1.5, "aspect": 1.3, "dpi": 72}
BORDER = 3


@pytest.fixture(scope="module")
def tiles(tmp_path_factory):
    """A 2 x 3 grid split and rendered without Snakemake."""
    root = tmp_path_factory.mktemp("mosaic")
    pq.write_table(small_table(), root / "data.parquet")
    spec = SplitSpec(
        data=str(root / "data.parquet"), row="site", col="season", x="group", y="value"
    )
    result = run_split(spec, str(root / "shards"))
    (root / "tiles").mkdir()
    for tile in result.tiles:
        render_tile(
            str(root / "shards" / f"{tile['id']}.arrow"),
            str(root / "shards" / f"{tile['id']}.json"),
            {"kind": "violin", "options": {}},
            TILE,
            str(root / "tiles" / f"{tile['id']}.png"),
        )
    return root, [t["id"] for t in result.tiles]


def _mosaic(root, ids, out, **settings):
    return write_mosaic(
        str(root / "shards" / "manifest.json"),
        [str(root / "tiles" / f"{i}.png") for i in ids],
        [str(out)],
        {"title": "t", **settings},
    )


def _pixels(path):
    with Image.open(path) as img:
        return np.asarray(img.convert("RGBA"))


@pytest.mark.parametrize("settings", [{}, {"margin_titles": True}])
def test_every_tile_pixel_appears_unchanged_in_the_mosaic(tiles, tmp_path, settings):
    root, ids = tiles
    layout = _mosaic(root, ids, tmp_path / "m.png", **settings)
    mosaic = _pixels(tmp_path / "m.png")
    assert mosaic.shape[:2] == (layout.height, layout.width)
    for tile in ids:
        pixels = _pixels(root / "tiles" / f"{tile}.png")
        h, w = pixels.shape[:2]
        x0, y0 = layout.origins[tile]
        top = layout.height - y0 - h
        placed = mosaic[top : top + h, x0 : x0 + w]
        inner = (slice(BORDER, -BORDER), slice(BORDER, -BORDER))
        assert np.array_equal(placed[inner], pixels[inner]), tile


def test_tiles_are_opaque_and_of_the_configured_size(tiles):
    root, ids = tiles
    pixels = _pixels(root / "tiles" / f"{ids[0]}.png")
    assert pixels.shape[:2] == (round(1.5 * 72), round(1.5 * 1.3 * 72))
    assert (pixels[..., 3] == 255).all()


def test_tiles_are_aligned_in_rows_and_columns(tiles, tmp_path):
    root, ids = tiles
    layout = _mosaic(root, ids, tmp_path / "m.png")
    xs = [layout.origins[i][0] for i in ids]
    ys = [layout.origins[i][1] for i in ids]
    assert xs[:3] == xs[3:] and len(set(ys[:3])) == 1 and len(set(ys[3:])) == 1


def test_tile_metadata_records_the_axes_the_mosaic_draws(tiles):
    root, ids = tiles
    meta = read_tile_meta(str(root / "tiles" / f"{ids[0]}.png"))
    assert meta["x"]["ticklabels"] == ["a", "b", "c"] and meta["x"]["label"] == "group"
    assert meta["y"]["ticks"] is None and meta["y"]["label"] == "value"


def test_a_tile_without_its_metadata_stops_the_mosaic_naming_the_tile(tiles, tmp_path):
    root, ids = tiles
    folder = tmp_path / "tiles"
    shutil.copytree(root / "tiles", folder)
    strip_tile_meta(folder / f"{ids[2]}.png")  # a tile as a tilegrid before drew it
    with pytest.raises(TileMetaError, match="holds no tilegrid metadata") as info:
        write_mosaic(
            str(root / "shards" / "manifest.json"),
            [str(folder / f"{i}.png") for i in ids],
            [str(tmp_path / "m.png")],
            {"title": "t"},
        )
    assert f"tile {folder / ids[2]}.png " in str(info.value)
    assert not (tmp_path / "m.png").exists()


@pytest.mark.parametrize("cut", ["header", "pixels"])
def test_a_damaged_tile_stops_the_mosaic_naming_the_tile(tiles, tmp_path, cut):
    root, ids = tiles
    folder = tmp_path / "tiles"
    shutil.copytree(root / "tiles", folder)
    damaged = folder / f"{ids[2]}.png"
    truncate_tile(damaged, cut)
    with pytest.raises(Exception) as info:
        write_mosaic(
            str(root / "shards" / "manifest.json"),
            [str(folder / f"{i}.png") for i in ids],
            [str(tmp_path / "m.png")],
            {"title": "t"},
        )
    assert_names_damaged_tile(info.value, damaged)
    assert not (tmp_path / "m.png").exists()
    readers = [load_tile] + ([tile_size, read_tile_meta] if cut == "header" else [])
    for read in readers:
        with pytest.raises(Exception) as info:
            read(str(damaged))
        assert_names_damaged_tile(info.value, damaged)


def _cells(slots, lim=(0, 1)):
    axis = {"lim": list(lim), "scale": "linear", "ticks": None, "ticklabels": None}
    return [Cell(f"t{i}", r, c, {"x": axis, "y": axis}, {}) for i, (r, c) in enumerate(slots)]


def test_tick_labels_only_on_outer_axes_when_shared():
    cells = _cells([(r, c) for r in range(2) for c in range(2)])
    outer_flags(cells, True, True)
    assert [c.show_xticklabels for c in cells] == [False, False, True, True]
    assert [c.show_yticklabels for c in cells] == [True, False, True, False]


def test_every_axis_labelled_when_not_shared():
    cells = _cells([(r, c) for r in range(2) for c in range(2)])
    outer_flags(cells, False, False)
    assert all(c.show_xticklabels and c.show_yticklabels for c in cells)


def test_a_tile_above_an_empty_slot_is_a_bottom_tile():
    cells = _cells([(0, 0), (0, 1), (0, 2), (1, 0)])  # col_wrap=3 with 4 tiles
    outer_flags(cells, True, True)
    assert [c.show_xticklabels for c in cells] == [False, True, True, True]


def test_col_wrap_wraps_a_column_only_grid():
    manifest = {
        "row": None,
        "col": {"var": "c"},
        "shape": [1, 5],
        "tiles": [{"row_index": None, "col_index": i} for i in range(5)],
    }
    shape, slots = grid_shape_and_positions(manifest, 2)
    assert shape == (3, 2) and slots == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)]


def test_decorations_stay_inside_the_figure_and_apart(tiles, tmp_path):
    from tilegrid.mosaic.figure import build_mosaic

    root, ids = tiles
    manifest = json.loads((root / "shards" / "manifest.json").read_text())
    metas = {i: read_tile_meta(str(root / "tiles" / f"{i}.png")) for i in ids}
    paths = {i: str(root / "tiles" / f"{i}.png") for i in ids}
    for settings in ({"title": "A title"}, {"margin_titles": True}):
        fig, layout = build_mosaic(manifest, metas, paths, settings, sharey=False)
        renderer = fig.canvas.get_renderer()
        boxes = [layout.axes(tile).get_tightbbox(renderer) for tile in ids]
        assert len(boxes) == len(ids)
        for box in boxes:
            assert box.x0 >= 0 and box.y0 >= 0
            assert box.x1 <= layout.width and box.y1 <= layout.height
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not a.overlaps(b)


def test_equal_tiles_get_equal_ticks(tiles):
    from tilegrid.mosaic.figure import build_mosaic

    root, ids = tiles
    manifest = json.loads((root / "shards" / "manifest.json").read_text())
    metas = {i: read_tile_meta(str(root / "tiles" / f"{i}.png")) for i in ids}
    paths = {i: str(root / "tiles" / f"{i}.png") for i in ids}
    fig, layout = build_mosaic(manifest, metas, paths, {"title": "t"})
    fig.canvas.draw()
    assert len({tuple(layout.axes(tile).get_yticks()) for tile in ids}) == 1


@pytest.mark.parametrize("fmt", ["png", "svg"])
@pytest.mark.parametrize(
    ("settings", "looks"),
    [({"title": "t"}, 4), ({"sharey": False}, 4), ({"margin_titles": True}, 6)],
    ids=str,
)
def test_tiles_that_look_alike_share_one_axes_and_draw_as_their_own_axes_would(
    tiles, tmp_path, monkeypatch, fmt, settings, looks
):
    """The fast path (one Axes per look) against the plain one (one Axes per tile).

    2 x 3 tiles look four ways (y label or not, x label or not; the title is
    each tile's own), six with margin titles (the right column's row names).  The
    PNG draws each look's cells with one Axes, the SVG's figure holds one per look.
    """
    import tilegrid.mosaic.figure as mosaic
    import tilegrid.mosaic.pieces as pieces
    from tilegrid.mosaic.cells import make_cells

    root, ids = tiles
    settings = dict(settings)
    sharey = settings.pop("sharey", True)
    shared = tmp_path / "shared" / f"m.{fmt}"
    own = tmp_path / "own" / f"m.{fmt}"
    for path in (shared, own):
        path.parent.mkdir()
    pngs = [str(root / "tiles" / f"{i}.png") for i in ids]
    manifest = str(root / "shards" / "manifest.json")
    layout = write_mosaic(manifest, pngs, [str(shared)], settings, sharey=sharey)
    for module in (mosaic, pieces):
        monkeypatch.setattr(module, "look", lambda cell: cell.tile)
    write_mosaic(manifest, pngs, [str(own)], settings, sharey=sharey)
    assert shared.read_bytes() == own.read_bytes()
    monkeypatch.undo()
    metas = {i: read_tile_meta(p) for i, p in zip(ids, pngs)}
    _, cells = make_cells(json.loads(Path(manifest).read_text()), metas, settings, True, sharey)
    assert len(pieces.look_groups(cells)) == looks
    if fmt == "svg":
        assert len(layout.cells) == len(ids) == 6
        assert len({id(cell.ax) for cell in layout.cells.values()}) == looks


def test_a_tile_on_agg_is_what_figimage_draws(tiles):
    """An opaque tile goes to Agg's buffer as it is, as ``figimage`` would draw it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from tilegrid.mosaic.tileimages import place_tile
    from tilegrid.render.figures import new_figure

    root, ids = tiles
    path = str(root / "tiles" / f"{ids[1]}.png")
    drawn = []
    for place in (True, False):
        fig = new_figure(160, 130, 72)
        FigureCanvasAgg(fig)
        if place:
            place_tile(fig, path, 7, 5)
        else:
            fig.figimage(load_tile(path), 7, 5, origin="upper")
        fig.canvas.draw()
        drawn.append(np.array(fig.canvas.buffer_rgba()))
    assert np.array_equal(*drawn)
