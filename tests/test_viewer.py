"""results/mosaic.html: the zoomable page, built incrementally and looked at in a real Chromium.

The browser tests need Debian's chromium and Playwright (requirements-test.txt).
Without /usr/bin/chromium they install it with apt-get when TILEGRID_BROWSER_TESTS=1
(as .ci/run sets) and skip otherwise, saying why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import Workflow
from PIL import Image, ImageOps
from tilegrid.viewer import BLOCK, block_image, level_count, level_size, write_block

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
GRID32_CONFIG = {
    "data": "data.parquet",
    "facet": {"row": "row", "col": "col", "max_tiles": 1024},
    "plot": {"kind": "violin", "x": "g", "y": "v"},
    "tile": {"height": 0.5, "aspect": 1.2, "dpi": 40},
    "mosaic": {"title": "32 x 32", "formats": ["png", "html"]},
}


def viewer_workflow(root: Path) -> Workflow:
    """A workflow copy whose config asks for the page (``mosaic.formats`` with html)."""
    wf = Workflow(root)
    wf.update_config(mosaic={"formats": ["png", "html"]})
    return wf


# --- the pyramid, without Snakemake -------------------------------------------------


def test_levels_halve_the_tile_down_to_a_few_pixels():
    assert level_count((300, 250)) == 3
    assert level_count((24, 20)) == 3
    assert level_count((16, 16)) == 3
    assert level_count((6, 5)) == 1
    assert level_size((300, 250), 3) == (38, 32)


def test_a_block_places_its_tiles_side_by_side_shrunk(tmp_path):
    colors = {(0, 0): "red", (0, 2): "blue", (1, 1): "green"}
    pngs = []
    for (r, c), color in colors.items():
        pngs.append(str(tmp_path / f"{r}{c}.png"))
        Image.new("RGB", (40, 20), color).save(pngs[-1])
    tile = {"height": 0.5, "aspect": 2.0, "dpi": 40}  # 40 x 20 px
    outs = [str(tmp_path / f"b.{k}.png") for k in (1, 2)]
    write_block(pngs, [list(k) for k in colors], tile, outs)
    level1 = Image.open(outs[0]).convert("RGB")
    assert level1.size == (3 * 20, 2 * 10)
    assert level1.getpixel((5, 5)) == (255, 0, 0)
    assert level1.getpixel((45, 5)) == (0, 0, 255)
    assert level1.getpixel((25, 15)) == (0, 128, 0)
    assert level1.getpixel((5, 15)) == (255, 255, 255)  # no tile in that slot
    assert Image.open(outs[1]).size == (3 * 10, 2 * 5)


def test_a_block_is_the_same_bytes_for_the_same_tiles(tmp_path):
    png = str(tmp_path / "t.png")
    Image.effect_noise((30, 20), 40).save(png)
    first = block_image([png], [[0, 0]], (30, 20), 1)
    second = block_image([png], [[0, 0]], (30, 20), 1)
    assert first.tobytes() == second.tobytes()


# --- a 32 x 32 grid: split by Snakemake, tiles drawn here, page by Snakemake ---------


def table_32x32(per_cell: int = 30, seed: int = 3) -> pa.Table:
    """32 x 32 facet cells of three small groups each."""
    rng = np.random.default_rng(seed)
    r, c, g = np.meshgrid(np.arange(32), np.arange(32), np.arange(3), indexing="ij")
    r, c, g = (np.repeat(a.ravel(), per_cell // 3) for a in (r, c, g))
    return pa.table(
        {
            "row": [f"r{i:02d}" for i in r],
            "col": [f"c{j:02d}" for j in c],
            "g": np.array(["a", "b", "c"])[g],
            "v": rng.normal(0.1 * r + 0.05 * c + g, 1.0),
        }
    )


def _render(args):
    from tilegrid.render import render_tile

    render_tile(*args)


def render_here(wf: Workflow, config: dict) -> None:
    """Draw every tile in this process's pool: the same function a render job runs.

    1024 render jobs cost Snakemake ~30 ms each on top of the drawing; the page
    only needs the tiles.  Snakemake keeps tiles without job records as they are.
    """
    import json

    manifest = json.loads(wf.path("results/shards/manifest.json").read_text())
    plot = {"function": None, "preprocess": None, "options": {}, **config["plot"]}
    wf.path("results/tiles").mkdir(exist_ok=True)
    jobs = [
        (
            str(wf.path(f"results/shards/{t['id']}.arrow")),
            str(wf.path(f"results/shards/{t['id']}.json")),
            plot,
            config["tile"],
            str(wf.path(f"results/tiles/{t['id']}.png")),
            str(wf.path(f"results/tiles/{t['id']}.json")),
        )
        for t in manifest["tiles"]
    ]
    with get_context("fork").Pool(2) as pool:
        pool.map(_render, jobs, chunksize=32)


@pytest.fixture(scope="module")
def grid32(tmp_path_factory) -> Workflow:
    wf = viewer_workflow(tmp_path_factory.mktemp("grid32") / "wf")
    pq.write_table(table_32x32(), wf.path("data.parquet"))
    wf.write_config(GRID32_CONFIG)
    wf.run_ok("results/shards")
    render_here(wf, GRID32_CONFIG)
    wf.run_ok("results/mosaic.html")
    return wf


def mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.iterdir())}


def test_the_32x32_pyramid_has_one_file_per_block_and_level(grid32):
    levels = level_count((24, 20))
    blocks = (32 // BLOCK) ** 2
    assert len(list(grid32.path("results/viewer").glob("*.png"))) == blocks * levels
    assert grid32.path("results/mosaic.html").stat().st_size < 5_000_000


def test_a_changed_tile_rewrites_only_its_blocks_pieces_and_equals_a_fresh_build(grid32):
    viewer = grid32.path("results/viewer")
    before = mtimes(viewer)
    tile = next(grid32.path("results/tiles").glob("r13-c21-*.png"))  # block 1-2
    time.sleep(0.01)
    ImageOps.invert(Image.open(tile).convert("RGB")).save(tile)
    run = grid32.run_ok("results/mosaic.html")
    assert (run.jobs("viewer_block"), run.jobs("viewer"), run.jobs("render")) == (1, 1, 0)
    after = mtimes(viewer)
    rewritten = sorted(name for name in after if after[name] != before.get(name))
    assert rewritten == [f"1-2.{k}.png" for k in range(1, level_count((24, 20)) + 1)]
    incremental = {p.name: p.read_bytes() for p in viewer.iterdir()}
    page = grid32.path("results/mosaic.html").read_bytes()
    shutil.rmtree(viewer)
    grid32.path("results/mosaic.html").unlink()
    grid32.run_ok("results/mosaic.html")
    assert {p.name: p.read_bytes() for p in viewer.iterdir()} == incremental
    assert grid32.path("results/mosaic.html").read_bytes() == page


def test_the_page_loads_nothing_from_outside():
    html = (Path(__file__).parent.parent / "scripts/tilegrid/viewer/viewer.html").read_text()
    js = (Path(__file__).parent.parent / "scripts/tilegrid/viewer/viewer.js").read_text()
    for text in (html, js):
        assert "http:" not in text and "https:" not in text and "//cdn" not in text


# --- in a real browser ----------------------------------------------------------------


def chromium() -> str:
    """Debian's chromium, installed when missing and allowed; else skip with the reason."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("TILEGRID_BROWSER_TESTS") != "1":
            pytest.skip(
                f"{CHROMIUM} is missing; TILEGRID_BROWSER_TESTS=1 installs it "
                "(apt-get install chromium)"
            )
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            pytest.skip(f"{CHROMIUM} is missing and apt-get cannot install it here (needs root)")
        for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
            subprocess.run(cmd, check=True, capture_output=True, timeout=900)
    return CHROMIUM


@pytest.fixture(scope="module")
def browser():
    path = chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser, path: Path):
    """Open the page from file://: the page, seconds until its first full view, URLs asked."""
    page = browser.new_page(viewport=VIEWPORT)
    asked, errors = [], []
    page.on("request", lambda request: asked.append(request.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    start = time.monotonic()
    page.goto(path.as_uri())
    page.wait_for_function("window.tilegridViewer && window.tilegridViewer.ready", timeout=10_000)
    seconds = time.monotonic() - start
    assert not errors, errors
    return page, seconds, asked


def jump_to(page, tile_id: str) -> dict:
    """Type the tile's name in the search box and press Enter; return the tile's screen box."""
    page.fill("#find", tile_id)
    page.press("#find", "Enter")
    page.wait_for_function("window.tilegridViewer.ready")
    return page.evaluate(f"window.tilegridViewer.tileBox({tile_id!r})")


def screen_matches_tile(page, box: dict, png: Path) -> None:
    """The screenshot of the tile's box is the tile's PNG, each pixel scaled up whole."""
    scale = round(box["w"] / Image.open(png).width)
    assert scale >= 1 and box["w"] == Image.open(png).width * scale
    page.mouse.move(0, 0)  # no hover box over the tile
    shot = page.screenshot(
        clip={"x": box["x"], "y": box["y"], "width": box["w"], "height": box["h"]}
    )
    shot_path = png.parent.parent.parent / "shot.png"
    shot_path.write_bytes(shot)
    seen = np.asarray(Image.open(shot_path).convert("RGB")).astype(int)
    tile = Image.open(png).convert("RGB")
    want = np.asarray(
        tile.resize((tile.width * scale, tile.height * scale), Image.Resampling.NEAREST)
    )
    assert seen.shape == want.shape
    assert np.abs(seen - want).max() <= 2, "the zoomed tile is not the tile's pixels"


def hover_text(page, box: dict) -> str:
    page.mouse.move(box["x"] + box["w"] / 2, box["y"] + box["h"] / 2)
    page.wait_for_selector("#hover:not([hidden])")
    return page.inner_text("#hover")


def test_32x32_page_loads_fast_offline_and_zooms_to_a_tiles_own_pixels(browser, grid32):
    page, seconds, asked = open_page(browser, grid32.path("results/mosaic.html"))
    assert seconds < 2, f"the 1024-tile page took {seconds:.2f} s to show"
    assert all(url.startswith(("file:", "data:")) for url in asked), asked
    tile = next(grid32.path("results/tiles").glob("r05-c07-*.png"))
    box = jump_to(page, tile.stem)
    screen_matches_tile(page, box, tile)
    text = hover_text(page, box)
    assert "row = r05" in text and "col = c07" in text and "rows: 30" in text, text
    page.fill("#find", "r05")
    assert page.inner_text("#count") == "32 of 1024 tiles"
    page.close()


@pytest.fixture(scope="module")
def default_grid(tmp_path_factory) -> Workflow:
    """The bundled example: its config and data, as a new user runs it."""
    wf = viewer_workflow(tmp_path_factory.mktemp("default") / "wf")
    wf.run_ok()
    return wf


def test_default_page_shows_a_tile_at_native_pixels_with_its_facts(browser, default_grid):
    page, seconds, _ = open_page(browser, default_grid.path("results/mosaic.html"))
    assert seconds < 2
    tile = next(default_grid.path("results/tiles").glob("mcf-7-24-h-*.png"))
    box = jump_to(page, tile.stem)
    screen_matches_tile(page, box, tile)
    text = hover_text(page, box)
    assert "cell_line = MCF-7" in text and "timepoint = 24 h" in text, text
    page.mouse.click(box["x"] + 5, box["y"] + 5)
    info = page.inner_text("#info")
    assert "rows drawn" in info and "dropped" in info
    links = page.eval_on_selector_all("#info a", "els => els.map(e => e.getAttribute('href'))")
    assert f"tiles/{tile.name}" in links and f"../logs/render/{tile.stem}.log" in links
    page.close()
