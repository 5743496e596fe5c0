"""tilegrid.render.tile: one shard and its sidecar into an opaque PNG of exact size."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import small_table
from PIL import Image
from tilegrid.core.tilemeta import read_tile_meta
from tilegrid.render.tile import drawn_size, render_tile, tile_pixels
from tilegrid.split.job import SplitSpec, run_split

PLOT = {"kind": "violin", "x": "group", "y": "value", "options": {}}
TILE = {"height": 1.5, "aspect": 1.3, "dpi": 72}


@pytest.mark.parametrize(
    ("tile", "expected"),
    [
        ({"height": 2.5, "aspect": 1.2, "dpi": 100}, (300, 250, 100)),
        ({"height": 1.5, "aspect": 1.3, "dpi": 72}, (140, 108, 72)),  # 140.4 and 108 px
        ({"height": 2.0, "aspect": 1.5, "dpi": 100, "print_dpi": 300}, (900, 600, 300)),
    ],
)
def test_a_tile_is_drawn_at_seaborns_height_and_aspect_and_a_print_tile_at_its_dpi(tile, expected):
    assert drawn_size(tile) == expected
    assert tile_pixels(tile["height"], tile["aspect"], tile["dpi"]) == (
        round(tile["height"] * tile["aspect"] * tile["dpi"]),
        round(tile["height"] * tile["dpi"]),
    )


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    pq.write_table(small_table(), folder / "t.parquet")
    spec = SplitSpec(data=str(folder / "t.parquet"), row="site", col="season", x="group", y="value")
    run_split(spec, str(folder / "shards"))
    return sorted(glob.glob(str(folder / "shards" / "*.arrow")))


def test_a_tile_is_an_opaque_png_of_its_exact_size_that_carries_its_metadata(shards, tmp_path):
    shard = shards[0]
    png = str(tmp_path / "tile.png")
    render_tile(shard, shard[: -len(".arrow")] + ".json", PLOT, TILE, png)
    with Image.open(png) as image:
        assert image.size == drawn_size(TILE)[:2]
        assert image.getchannel("A").getextrema() == (255, 255)  # opaque: nothing to blend
    meta = read_tile_meta(png)  # what the mosaic draws the axes from, read before the pixels
    sidecar = json.loads(Path(shard[: -len(".arrow")] + ".json").read_text())
    assert meta["tile"] == sidecar["tile"] and meta["size_px"] == list(drawn_size(TILE)[:2])
    assert meta["x"]["lim"] == sidecar["x"]["lim"]
    assert meta["x"]["ticklabels"] == sidecar["x"]["categories"] == ["a", "b", "c"]
    assert meta["y"]["lim"] == sidecar["y"]["lim"] and meta["rows"] == sidecar["rows"]


def test_drawing_a_tile_twice_gives_the_same_bytes(shards, tmp_path):
    shard = shards[-1]
    sidecar = shard[: -len(".arrow")] + ".json"
    render_tile(shard, sidecar, PLOT, TILE, str(tmp_path / "a.png"))
    render_tile(shard, sidecar, PLOT, TILE, str(tmp_path / "b.png"))
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
