"""The PNG mosaic after any edit is a fresh draw's, byte for byte, however it was made.

Grids of synthetic tiles (small PNGs with their TileMeta, drawn here without a
split or a render) with shared or free axes, rows or wrapped columns, margin
titles, a legend, a shared colorbar or one per tile are edited at random (a
tile's pixels, its limits, its title, the grid's title, the legend, a colour
scale); after each edit the mosaic drawn next to its cache (composited where it
can be) is compared with one drawn from scratch.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from tilegrid.core.tilemeta import tile_meta_text
from tilegrid.mosaic.figure import write_mosaic

TILE_PX = (48, 36)
DPI = 40


@dataclass(frozen=True)
class Tile:
    """One synthetic tile: its y limit, title, colour scale, pixels (a seed) and how many
    categories its x axis has (3 short ones, or many long-ish ones that must thin)."""

    ylim: float = 4.0
    title: str = ""
    clim: float = 10.0
    seed: int = 0
    categories: int = 3


@dataclass(frozen=True)
class Grid:
    """A synthetic grid: its shape, sharing, settings and tiles."""

    wrap: bool = False  # a col-only grid of 5 tiles wrapped after 3, else 2 x 2
    shared: bool = False
    margin_titles: bool = False
    legend: int = 0  # hue levels in the legend (0: none)
    colorbar: str = ""  # "", "shared" or "own"
    title: str | None = "grid"
    tiles: tuple[Tile, ...] = field(default_factory=lambda: (Tile(),) * 4)

    def ids(self) -> list[str]:
        return [f"t{i}" for i in range(len(self.tiles))]

    def slots(self) -> list[tuple[int | None, int]]:
        if self.wrap:
            return [(None, i) for i in range(len(self.tiles))]
        return [(i // 2, i % 2) for i in range(len(self.tiles))]


def tile_meta(grid: Grid, index: int) -> dict:
    """The TileMeta of tile ``index``: categorical x, numeric y, maybe a colour scale."""
    tile = grid.tiles[index]
    n = tile.categories
    x = {"lim": [-0.5, n - 0.5], "scale": "linear", "label": "group", "ticks": list(range(n))}
    x["ticklabels"] = ["a", "bb", "c"] if n == 3 else [f"carrier {i:02d}" for i in range(n)]
    y = {"lim": [-1.0, tile.ylim], "scale": "linear", "label": "value", "ticks": None}
    y["ticklabels"] = None
    meta = {"x": x, "y": y, "title": tile.title, "tile": grid.ids()[index]}
    meta |= {"size_px": list(TILE_PX), "dpi": DPI, "rows": 10}
    if grid.colorbar:
        shared = grid.colorbar == "shared"
        meta["colorbar"] = {"lim": [0.0, tile.clim], "shared": shared, "cmap": "viridis"}
        meta["colorbar"] |= {"norm": "linear", "label": "n"}
    return meta


def write_tile(path: Path, meta: dict, seed: int) -> None:
    """A tile PNG: a flat background and a block of noise, its metadata inside."""
    rng = np.random.default_rng(seed)
    pixels = np.full((TILE_PX[1], TILE_PX[0], 4), 255, np.uint8)
    pixels[..., :3] = rng.integers(150, 256, 3, dtype=np.uint8)
    pixels[5:25, 8:30, :3] = rng.integers(0, 256, (20, 22, 3), dtype=np.uint8)
    info = PngInfo()
    for key, value in tile_meta_text(meta).items():
        info.add_text(key, value)
    Image.fromarray(pixels).save(path, pnginfo=info)


def manifest(grid: Grid) -> dict:
    """The manifest of ``grid``."""
    tiles = []
    for tid, (row, col) in zip(grid.ids(), grid.slots()):
        facets = {"col": {"var": "c", "value": f"c{col}"}}
        if row is not None:
            facets["row"] = {"var": "r", "value": f"r{row}"}
        tiles.append({"id": tid, "row_index": row, "col_index": col, "facets": facets, "rows": 10})
    ncols = max(c for _, c in grid.slots()) + 1
    rows = None if grid.wrap else {"var": "r", "levels": ["r0", "r1"]}
    out = {"row": rows, "col": {"var": "c", "levels": [f"c{i}" for i in range(ncols)]}}
    out |= {"shape": [1 if grid.wrap else 2, ncols], "kind": "box", "dropped": {}}
    out |= {"tiles": tiles, "input_rows": 10 * len(tiles)}
    if grid.legend:
        colors = ["#4c72b0", "#dd8452", "#55a868", "#c44e52"][: grid.legend]
        out["legend"] = {"title": "hue", "labels": [f"h{i}" for i in range(grid.legend)]}
        out["legend"]["colors"] = colors
    return out


def draw(grid: Grid, folder: Path, out: Path) -> bytes:
    """Write ``grid``'s tiles and manifest into ``folder`` and its PNG mosaic at ``out``."""
    (folder / "tiles").mkdir(parents=True, exist_ok=True)
    for index, tid in enumerate(grid.ids()):
        write_tile(folder / "tiles" / f"{tid}.png", tile_meta(grid, index), grid.tiles[index].seed)
    (folder / "manifest.json").write_text(json.dumps(manifest(grid)))
    out.parent.mkdir(parents=True, exist_ok=True)
    write_mosaic(
        str(folder / "manifest.json"),
        [str(folder / "tiles" / f"{tid}.png") for tid in grid.ids()],
        [str(out)],
        {
            "title": grid.title,
            "margin_titles": grid.margin_titles,
            "col_wrap": 3 if grid.wrap else None,
        },
        sharex=grid.shared,
        sharey=grid.shared,
    )
    return out.read_bytes()


def _messages(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "tilegrid.mosaic")


def _notices(caplog) -> list[str]:
    """What the mosaic said it hid, shortened or wrapped (not how it was drawn)."""
    said = _messages(caplog).splitlines()
    return [line for line in said if any(w in line for w in ("hidden", "shortened", "wrapped"))]


def cache_files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out.parent / ".mosaic-cache").iterdir())}


# ---------------------------------------------------------------- edits


def edit(grid: Grid, change: tuple) -> Grid:
    """``grid`` after one change: (what, tile index, value)."""
    what, index, value = change
    tiles = list(grid.tiles)
    index %= len(tiles)
    if what == "pixels":
        tiles[index] = replace(tiles[index], seed=value)
    elif what == "limits":  # shared axes: every tile's limit moves with it
        targets = range(len(tiles)) if grid.shared else [index]
        for i in targets:
            tiles[i] = replace(tiles[i], ylim=value)
    elif what == "colour":
        targets = range(len(tiles)) if grid.colorbar == "shared" else [index]
        for i in targets:
            tiles[i] = replace(tiles[i], clim=value)
    elif what == "title":
        tiles[index] = replace(tiles[index], title=value)
    elif what == "categories":
        tiles[index] = replace(tiles[index], categories=value)
    elif what == "suptitle":
        return replace(grid, title=value)
    elif what == "legend":
        return replace(grid, legend=value)
    return replace(grid, tiles=tuple(tiles))


#: a title reaching further beyond its tile than a cell's figure usually does
LONG_TITLE = "a title much longer than its tile, reaching far beyond it on either side"
#: a mosaic title several times as wide as any grid here: it wraps
LONG_SUPTITLE = " ".join(["a mosaic title far wider than the grid it stands above"] * 3)
CHANGES = st.one_of(
    st.tuples(st.just("pixels"), st.integers(0, 4), st.integers(1, 50)),
    st.tuples(st.just("limits"), st.integers(0, 4), st.sampled_from([3.0, 4.0, 12.0, 150.0])),
    st.tuples(st.just("colour"), st.integers(0, 4), st.sampled_from([10.0, 20.0, 1000.0])),
    st.tuples(st.just("title"), st.integers(0, 4), st.sampled_from(["", "a tile", LONG_TITLE])),
    st.tuples(st.just("categories"), st.integers(0, 4), st.sampled_from([3, 16])),
    st.tuples(
        st.just("suptitle"), st.just(0), st.sampled_from([None, "grid", "another", LONG_SUPTITLE])
    ),
    st.tuples(st.just("legend"), st.just(0), st.integers(0, 4)),
)


@st.composite
def grids(draw_) -> Grid:
    wrap = draw_(st.booleans())
    return Grid(
        wrap=wrap,
        shared=draw_(st.booleans()),
        margin_titles=not wrap and draw_(st.booleans()),
        legend=draw_(st.integers(0, 3)),
        colorbar=draw_(st.sampled_from(["", "shared", "own"])),
        tiles=(Tile(),) * (5 if wrap else 4),
    )


@settings(
    derandomize=True,
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(grid=grids(), changes=st.lists(CHANGES, min_size=1, max_size=3))
@example(grid=Grid(shared=False, colorbar="own", legend=2), changes=[("limits", 1, 150.0)])
@example(grid=Grid(wrap=True, tiles=(Tile(),) * 5, colorbar="shared"), changes=[("pixels", 4, 7)])
@example(grid=Grid(margin_titles=True, legend=3), changes=[("title", 3, "a tile")])
@example(grid=Grid(shared=True), changes=[("suptitle", 0, "another"), ("limits", 0, 150.0)])
@example(grid=Grid(), changes=[("title", 1, LONG_TITLE), ("pixels", 1, 9)])
@example(grid=Grid(shared=True), changes=[("categories", 2, 16), ("suptitle", 0, LONG_SUPTITLE)])
def test_an_edited_mosaic_is_a_fresh_draws_byte_for_byte(tmp_path_factory, caplog, grid, changes):
    """Each edit is composited unless the layout changed or most cells did, and the mosaic
    and its cache are a fresh draw's."""
    root = tmp_path_factory.mktemp("edits")
    draw(grid, root / "kept", root / "kept" / "out" / "mosaic.png")
    for step, change in enumerate(changes):
        grid = edit(grid, change)
        caplog.clear()
        with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
            kept = draw(grid, root / "kept", root / "kept" / "out" / "mosaic.png")
        said, noticed = _messages(caplog), _notices(caplog)
        redrawn = ("in full: the layout changed (", "cells changed")  # most, or all
        assert "composited" in said or any(why in said for why in redrawn), said
        fresh_out = root / f"fresh{step}" / "out" / "mosaic.png"
        caplog.clear()
        with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
            assert kept == draw(grid, root / f"fresh{step}", fresh_out), (change, grid)
        assert noticed == _notices(caplog)  # it says what it hid as a fresh draw says it
        assert cache_files(root / "kept" / "out" / "mosaic.png") == cache_files(fresh_out)
    shutil.rmtree(root)


# ---------------------------------------------------------------- free axes, one tile


@pytest.mark.parametrize("wrap", [False, True])
def test_free_axes_one_changed_tile_redraws_one_cell_into_the_canvas(
    tmp_path, caplog, monkeypatch, wrap
):
    import tilegrid.mosaic.pieces as pieces

    grid = Grid(wrap=wrap, tiles=(Tile(),) * (5 if wrap else 4), colorbar="own", legend=2)
    out = tmp_path / "kept" / "mosaic.png"
    draw(grid, tmp_path / "kept", out)
    drawn = []
    look_figure = pieces.LookFigure

    class Counting(look_figure):
        def draw(self, cell, extents, path):
            drawn.append(cell.tile)
            return super().draw(cell, extents, path)

    monkeypatch.setattr(pieces, "LookFigure", Counting)
    grid = edit(grid, ("limits", 2, 3.0))  # its own ticks, labels and colorbar change
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        kept = draw(grid, tmp_path / "kept", out)
    assert "composited 1 changed cell into the cached canvas" in _messages(caplog)
    assert drawn == ["t2"]
    assert kept == draw(grid, tmp_path / "fresh", tmp_path / "fresh" / "mosaic.png")
    grid = edit(grid, ("colour", 0, 20.0))  # its own colorbar: not the side's legend
    caplog.clear()
    drawn.clear()
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        kept = draw(grid, tmp_path / "kept", out)
    assert "composited 1 changed cell into the cached canvas" in _messages(caplog)
    assert drawn == ["t0"]
    assert kept == draw(grid, tmp_path / "fresh2", tmp_path / "fresh2" / "mosaic.png")


def test_a_cells_picture_is_the_same_wherever_the_cell_is(tmp_path):
    """A cell is drawn at one place of one figure, whatever its place in the grid, and
    only its pixels are moved: Agg is not invariant under whole-pixel moves."""
    from tilegrid.mosaic.cells import Cell
    from tilegrid.mosaic.pieces import render_cells
    from tilegrid.render.figures import tilegrid_style

    grid = Grid()
    write_tile(tmp_path / "t.png", tile_meta(grid, 0), 3)
    meta, facets = tile_meta(grid, 0), {}
    cells = [Cell(f"t{i}", i // 3, i % 3, meta, facets, title="t") for i in range(5)]
    paths = {c.tile: str(tmp_path / "t.png") for c in cells}
    with tilegrid_style():
        together = list(render_cells(cells, paths).values())
        alone = [render_cells([cell], paths)[cell.tile] for cell in cells]
    first = together[0].pixels()
    assert all(np.array_equal(p.pixels(), first) for p in together + alone)


# ---------------------------------------------------------------- drawn in parallel


@pytest.fixture
def in_parallel(monkeypatch):
    """Draw every full mosaic's cells in two forked processes, however few."""
    import tilegrid.mosaic.pieces as pieces
    import tilegrid.mosaic.png as pngmosaic

    monkeypatch.setattr(pieces, "PARALLEL_CELLS", 0)
    monkeypatch.setattr(pngmosaic, "processes", lambda: 2)


def test_cells_drawn_in_other_processes_are_the_same(tmp_path, in_parallel):
    grid = Grid(colorbar="own", legend=2, margin_titles=True)
    parallel = draw(grid, tmp_path / "a", tmp_path / "a" / "mosaic.png")
    import tilegrid.mosaic.png as pngmosaic

    pngmosaic.processes = lambda: 1  # restored by monkeypatch
    assert parallel == draw(grid, tmp_path / "b", tmp_path / "b" / "mosaic.png")


def test_a_damaged_tile_drawn_in_another_process_is_named(tmp_path, in_parallel):
    from conftest import assert_names_damaged_tile, truncate_tile

    grid = Grid()
    draw(grid, tmp_path, tmp_path / "out" / "mosaic.png")
    damaged = tmp_path / "tiles" / "t1.png"
    truncate_tile(damaged, "pixels")
    with pytest.raises(Exception) as info:
        write_mosaic(
            str(tmp_path / "manifest.json"),
            [str(tmp_path / "tiles" / f"{tid}.png") for tid in grid.ids()],
            [str(tmp_path / "fresh" / "mosaic.png")],
            {"title": "grid"},
        )
    assert_names_damaged_tile(info.value, damaged)
