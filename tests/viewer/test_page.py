"""results/mosaic.html: the zoomable page, built incrementally and looked at in a real Chromium.

The browser tests need Debian's chromium and Playwright (requirements-test.txt).
Without /usr/bin/chromium they install it with apt-get when TILEGRID_BROWSER_TESTS=1
(as .ci/run sets) and skip otherwise, saying why.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import time
import zipfile
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import (
    SMALL_CONFIG,
    Workflow,
    assert_names_damaged_tile,
    bundled_example,
    repaint_tile,
    small_table,
    truncate_tile,
)
from PIL import Image, ImageOps
from PIL.PngImagePlugin import PngInfo
from tilegrid.core.tilemeta import read_tile_meta, tile_meta_text
from tilegrid.viewer.blocks import BLOCK, block_image, level_count, level_size, write_block
from tilegrid.viewer.colorbars import scale_colorbar
from tilegrid.viewer.page import (
    drop_summary,
    page_data,
    report_data_url_length,
    report_html_limit,
    write_page,
)

# The pyramid and page tests run the real snakemake: in the "waits" process, so the
# first process ends with the others (conftest.py).
pytestmark = pytest.mark.alongside("waits")

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
    # scatter: the cheapest kind to draw (1024 tiles; what the tests look at is the page)
    "plot": {"kind": "scatter", "x": "u", "y": "v"},
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


# --- the colorbars the page gets -------------------------------------------------------


def _axis(label: str) -> dict:
    return {"lim": [0.0, 1.0], "scale": "linear", "label": label, "ticks": None, "ticklabels": None}


def two_tiles(colorbars: list[dict | None], legend: dict | None = None):
    """A 1 x 2 manifest and its tiles' metadata, with these TileMeta colorbars."""
    tiles, metas = [], {}
    for i, bar in enumerate(colorbars):
        tiles.append(
            {
                "id": f"t{i}",
                "row_index": None,
                "col_index": i,
                "facets": {"col": {"var": "c", "value": f"v{i}"}},
                "rows": 10,
            }
        )
        metas[f"t{i}"] = {
            "x": _axis("u"),
            "y": _axis("v"),
            "title": "",
            **({"colorbar": bar} if bar else {}),
        }
    manifest = {
        "row": None,
        "col": {"var": "c", "levels": ["v0", "v1"]},
        "shape": [1, 2],
        "tiles": tiles,
    }
    if legend:
        manifest["legend"] = legend
    return manifest, metas


TILE = {"height": 0.5, "aspect": 1.0, "dpi": 40}


def test_a_shared_log_scale_is_one_colorbar_ticked_at_the_decades_where_matplotlib_puts_them():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import colormaps, pyplot
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import LogNorm, to_hex

    bar = {"lim": [1.0, 300.0], "shared": True, "cmap": "magma", "norm": "log", "label": "Count"}
    data = page_data(*two_tiles([bar, bar]), {}, TILE)
    (side,) = data["colorbars"]
    assert side["label"] == "Count" and side["norm"] == "log" and side["lim"] == [1.0, 300.0]
    assert [label for _, label in side["ticks"]] == ["10⁰", "10¹", "10²"]
    assert [f for f, _ in side["ticks"]] == pytest.approx(
        [0, 1 / np.log10(300), 2 / np.log10(300)], abs=1e-6
    )
    magma = colormaps["magma"]
    assert (side["colors"][0], side["colors"][-1]) == (to_hex(magma(0.0)), to_hex(magma(1.0)))
    assert len(side["colors"]) == 256 and data["cmaps"] == {}
    assert not any("colorbar" in t for t in data["tiles"])
    # the static mosaic's colorbar (the same norm) has its major ticks at these decades
    fig, cax = pyplot.subplots(figsize=(0.3, 3))
    fig.colorbar(ScalarMappable(norm=LogNorm(1, 300), cmap="magma"), cax=cax)
    fig.canvas.draw()
    shown = [v for v in cax.yaxis.get_majorticklocs() if 1 <= v <= 300]
    pyplot.close(fig)
    assert shown == pytest.approx([1, 10, 100])


def test_a_linear_scale_gets_round_ticks_as_plain_numbers_at_their_fraction():
    ticks = scale_colorbar({"lim": [0.0, 0.37], "norm": "linear", "label": "Density"})["ticks"]
    assert [label for _, label in ticks] == ["0.0", "0.1", "0.2", "0.3"]
    assert [f for f, _ in ticks] == pytest.approx([0, 0.1 / 0.37, 0.2 / 0.37, 0.3 / 0.37], abs=1e-6)
    negative = scale_colorbar({"lim": [-20.0, 20.0], "norm": "linear"})["ticks"]
    assert [label for _, label in negative][0] == "−20"  # matplotlib's minus sign
    for norm in ("linear", "log"):  # every tile empty: one value, one tick
        assert scale_colorbar({"lim": [0.0, 0.0], "norm": norm})["ticks"] == [[0.0, "0"]]


def test_tiles_with_scales_of_their_own_each_get_theirs_and_the_page_one_colormap():
    own = [
        {"lim": [0.0, 4.0], "shared": False, "cmap": "viridis", "norm": "linear", "label": "n"},
        {"lim": [0.0, 40.0], "shared": False, "cmap": "viridis", "norm": "linear", "label": "n"},
    ]
    data = page_data(*two_tiles(own), {}, TILE)
    assert data["colorbars"] == [] and list(data["cmaps"]) == ["viridis"]
    first, second = (t["colorbar"] for t in data["tiles"])
    assert [label for _, label in first["ticks"]] == ["0", "1", "2", "3", "4"]
    assert [label for _, label in second["ticks"]] == ["0", "10", "20", "30", "40"]
    assert first["cmap"] == "viridis" and first["label"] == "n"


def test_a_numeric_hue_is_a_colorbar_of_steps_or_of_the_colormap_over_its_range():
    steps = {
        "type": "colorbar",
        "title": "dose",
        "edges": [0.0, 10.0, 20.0, 40.0],
        "colors": ["#111111", "#555555", "#999999"],
        "ticks": [0.0, 10.0, 20.0, 40.0],
    }
    (bar,) = page_data(*two_tiles([None, None], steps), {}, TILE)["colorbars"]
    assert bar["label"] == "dose" and bar["colors"] == steps["colors"] and bar["norm"] == "steps"
    # matplotlib draws each step equally tall (uniform spacing): 40 is at the top
    assert bar["ticks"] == [
        [0.0, "0"],
        [pytest.approx(1 / 3), "10"],
        [pytest.approx(2 / 3), "20"],
        [1.0, "40"],
    ]
    continuous = {
        "type": "colorbar",
        "title": "w",
        "lim": [0.0, 50.0],
        "colors": ["#000000", "#ffffff"],
    }
    (bar,) = page_data(*two_tiles([None, None], continuous), {}, TILE)["colorbars"]
    assert [label for _, label in bar["ticks"]] == ["0", "10", "20", "30", "40", "50"]
    assert [f for f, _ in bar["ticks"]] == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1])
    labels = {"title": "g", "labels": ["a"], "colors": ["#000000"]}
    assert page_data(*two_tiles([None, None], labels), {}, TILE)["colorbars"] == []


def test_each_tile_says_how_many_of_its_rows_were_dropped_and_why_in_plain_words():
    manifest, metas = two_tiles([None, None])
    manifest["tiles"][1]["dropped"] = {
        "missing_category": 1,
        "category_not_in_order": 2,
        "non_finite": 1200,
    }
    manifest["dropped"] = {"missing_facet": 5, "non_finite": 1200, "missing_category": 1}
    clean, dirty = page_data(manifest, metas, {}, TILE)["tiles"]
    assert "dropped" not in clean
    assert dirty["dropped"] == (
        "1,203: 1 missing category, 2 category not in order, 1,200 missing or non-finite number"
    )
    assert drop_summary({"non_finite": 0}) is None and drop_summary(None) is None


def test_a_page_too_big_for_report_html_says_so_and_how_to_open_it(tmp_path, caplog):
    manifest, metas = two_tiles([None, None])
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    pages = {}
    for name, side in (("small", 20), ("big", 800)):  # noise: about 3 bytes a pixel
        pngs = {t: str(tmp_path / f"{t}.png") for t in metas}
        for tile_id, png in pngs.items():
            text = PngInfo()
            for key, value in tile_meta_text(metas[tile_id]).items():
                text.add_text(key, value)
            Image.effect_noise((side, side), 90).convert("RGB").save(png, pnginfo=text)
        pages[name] = str(tmp_path / f"{name}.html")
        caplog.clear()
        write_page(
            str(tmp_path / "manifest.json"),
            list(pngs.values()),
            [],
            {},
            TILE,
            pages[name],
        )
        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        if name == "small":
            assert warnings == []
        else:
            assert Path(pages[name]).stat().st_size > report_html_limit()
            (line,) = warnings
            assert pages[name] in line and "report.zip" in line and "1.50 MiB" in line, line


TILE_40x20 = {"height": 0.5, "aspect": 2.0, "dpi": 40}
#: the viewer's readers of tile PNGs, each called on a folder of two tiles
TILE_READERS = {
    "block_image": lambda paths, folder: block_image(paths, [[0, 0], [0, 1]], (40, 20), 1),
    "write_block": lambda paths, folder: write_block(
        paths, [[0, 0], [0, 1]], TILE_40x20, [str(folder / "b.1.png")]
    ),
    "write_page": lambda paths, folder: write_page(
        str(folder / "manifest.json"), paths, [], {}, TILE_40x20, str(folder / "m.html")
    ),
}


@pytest.mark.parametrize("cut", ["header", "pixels"])
@pytest.mark.parametrize("reader", sorted(TILE_READERS))
def test_a_damaged_tile_stops_its_block_and_the_page_naming_the_tile(tmp_path, cut, reader):
    manifest, metas = two_tiles([None, None])
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    pngs = {t: tmp_path / f"{t}.png" for t in metas}
    for tile_id, png in pngs.items():
        text = PngInfo()
        for key, value in tile_meta_text(metas[tile_id]).items():
            text.add_text(key, value)
        Image.effect_noise((40, 20), 90).convert("RGB").save(png, pnginfo=text)
    truncate_tile(pngs["t1"], cut)
    with pytest.raises(Exception) as info:
        TILE_READERS[reader]([str(p) for p in pngs.values()], tmp_path)
    assert_names_damaged_tile(info.value, pngs["t1"])
    assert not (tmp_path / "b.1.png").exists() and not (tmp_path / "m.html").exists()


# --- a 32 x 32 grid: split by Snakemake, tiles drawn here, page by Snakemake ---------


def table_32x32(per_cell: int = 30, seed: int = 3) -> pa.Table:
    """32 x 32 facet cells of three small groups each (``u``: an x for the scatter)."""
    rng = np.random.default_rng(seed)
    r, c, g = np.meshgrid(np.arange(32), np.arange(32), np.arange(3), indexing="ij")
    r, c, g = (np.repeat(a.ravel(), per_cell // 3) for a in (r, c, g))
    return pa.table(
        {
            "row": [f"r{i:02d}" for i in r],
            "col": [f"c{j:02d}" for j in c],
            "g": np.array(["a", "b", "c"])[g],
            "v": rng.normal(0.1 * r + 0.05 * c + g, 1.0),
            "u": rng.uniform(0.0, 1.0, r.size),
        }
    )


def _render(args):
    from tilegrid.render.tile import render_tile

    render_tile(*args)


def render_here(wf: Workflow, config: dict) -> None:
    """Draw every tile in this process's pool: the same function a render job runs.

    1024 render jobs cost Snakemake ~30 ms each on top of the drawing; the page
    only needs the tiles.  Snakemake keeps tiles without job records as they are.
    """

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
    with Image.open(tile) as img:
        repaint_tile(tile, ImageOps.invert(img.convert("RGB")))
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
    html = (
        Path(__file__).parent.parent.parent / "scripts/tilegrid/viewer/assets/viewer.html"
    ).read_text()
    js = (
        Path(__file__).parent.parent.parent / "scripts/tilegrid/viewer/assets/viewer.js"
    ).read_text()
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
    # ~2 s on an idle 2-core machine; the bound is a backstop against a page that hangs
    # or loads what it should not, not a benchmark (a loaded CI machine is slower)
    assert seconds < 15, f"the 1024-tile page took {seconds:.2f} s to show"
    assert all(url.startswith(("file:", "data:")) for url in asked), asked
    tile = next(grid32.path("results/tiles").glob("r05-c07-*.png"))
    box = jump_to(page, tile.stem)
    screen_matches_tile(page, box, tile)
    text = hover_text(page, box)
    assert "row = r05" in text and "col = c07" in text and "rows drawn: 30" in text, text
    assert "dropped" not in text, text  # nothing dropped: nothing said
    page.fill("#find", "r05")
    assert page.inner_text("#count") == "32 of 1024 tiles"
    page.close()


@pytest.fixture(scope="module")
def default_grid(built_copy, tmp_path_factory) -> Workflow:
    """The bundled example: its config and data, as a new user runs it, then asked for the
    page (its tiles are those of the session's run of the example, test_workflow's too)."""
    wf = built_copy(bundled_example, tmp_path_factory.mktemp("default") / "wf")
    wf.update_config(mosaic={"formats": ["png", "html"]})
    run = wf.run_ok()
    assert run.jobs("viewer") == 1 and run.jobs("render") == 0
    return wf


def test_default_page_shows_a_tile_at_native_pixels_with_its_facts(browser, default_grid):
    page, seconds, _ = open_page(browser, default_grid.path("results/mosaic.html"))
    assert seconds < 15  # a backstop: what makes the page fast is checked on the 32 x 32 grid
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


# --- a shared color scale, on the page and inside `snakemake --report` -----------------


def hexbin_workflow(root: Path, drops: dict | None = None, **config) -> Workflow:
    """A 2 x 3 hexbin grid (log color scales) with its page, run by Snakemake.

    ``drops``: {(site, season): (n, m)} makes the first ``n`` rows of that cell's
    ``u`` NaN and its next ``m`` rows' ``value`` infinite (rows the split drops).
    """
    wf = viewer_workflow(root)
    table = small_table()
    u = np.random.default_rng(5).normal(size=table.num_rows)
    value = table["value"].to_numpy().copy()
    site, season = (np.asarray(table[c].to_pylist()) for c in ("site", "season"))
    for (s, c), (n, m) in (drops or {}).items():
        rows = np.flatnonzero((site == s) & (season == c))
        u[rows[:n]], value[rows[n : n + m]] = np.nan, np.inf
    table = table.set_column(table.schema.get_field_index("value"), "value", pa.array(value))
    pq.write_table(table.append_column("u", pa.array(u)), wf.path("data.parquet"))
    wf.write_config(
        {
            **SMALL_CONFIG,
            "plot": {"kind": "hexbin", "x": "u", "y": "value"},
            "mosaic": {"title": "hexbin", "formats": ["png", "html"]},
            **config,
        }
    )
    wf.run_ok()
    return wf


@pytest.fixture(scope="module")
def hexbin_grid(tmp_path_factory) -> Workflow:
    """The tiles share one color scale (sharec, the default), so one colorbar."""
    return hexbin_workflow(tmp_path_factory.mktemp("hexbin") / "wf")


def decade_labels(lim: list[float]) -> list[str]:
    """The powers of ten inside a log color scale's limits, written as 10⁰, 10¹, ..."""
    lo, hi = max(lim[0], lim[1] * 1e-6), lim[1]
    exponents = range(int(np.ceil(np.log10(lo))), int(np.floor(np.log10(hi))) + 1)
    return ["10" + str(k).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")) for k in exponents]


def check_colorbar(frame, scale: dict) -> None:
    """The grid's one colorbar on the page in ``frame``: its label, its ticks' labels at
    their place on the bar, viridis from bottom to top, and beside the grid, not over it."""
    from matplotlib import colormaps

    assert frame.inner_text("#colorbars figcaption") == scale["label"]
    ticks = frame.query_selector_all("#colorbars .tick")
    labels = [tick.text_content() for tick in ticks]
    assert labels == decade_labels(scale["lim"]), labels
    strip = frame.query_selector("#colorbars .strip")
    bar = strip.bounding_box()
    lo, hi = max(scale["lim"][0], scale["lim"][1] * 1e-6), scale["lim"][1]
    first = np.ceil(np.log10(lo))
    for i, tick in enumerate(ticks):
        fraction = (first + i - np.log10(lo)) / np.log10(hi / lo)
        t = tick.bounding_box()
        assert abs(t["y"] + t["height"] / 2 - (bar["y"] + bar["height"] * (1 - fraction))) < 2
    pixels = np.asarray(Image.open(io.BytesIO(strip.screenshot())).convert("RGB")).astype(int)
    inner = pixels[1:-1, pixels.shape[1] // 2]  # inside the bar's 1 px border, top down
    for row in (1, len(inner) // 2, len(inner) - 2):
        want = np.round(np.asarray(colormaps["viridis"](1 - (row + 0.5) / len(inner))[:3]) * 255)
        assert np.abs(inner[row] - want).max() <= 4, (row, inner[row], want)
    frame.evaluate("window.tilegridViewer.fitAll()")
    frame.wait_for_function("window.tilegridViewer.ready")
    right = frame.evaluate(
        "Math.max(...[...document.querySelectorAll('#names option')]"
        ".map(o => { const b = window.tilegridViewer.tileBox(o.value); return b.x + b.w; }))"
    )
    assert right < frame.query_selector("#colorbars").bounding_box()["x"]


def tile_scale(wf: Workflow) -> dict:
    """The color scale the tiles were drawn with (each tile's metadata holds it)."""
    metas = list(wf.tile_metas().values())
    assert all(m["colorbar"] == metas[0]["colorbar"] for m in metas)
    return metas[0]["colorbar"]


def test_a_shared_color_scale_is_one_colorbar_beside_the_grid(browser, hexbin_grid):
    page, _, _ = open_page(browser, hexbin_grid.path("results/mosaic.html"))
    scale = tile_scale(hexbin_grid)
    assert scale["norm"] == "log" and scale["cmap"] == "viridis" and scale["shared"]
    check_colorbar(page.main_frame, scale)
    page.close()


def test_tiles_with_scales_of_their_own_show_theirs_beside_them_and_in_their_details(
    browser, tmp_path
):
    from matplotlib import colormaps

    # and each tile's facts: rows drawn, and the rows dropped from it and why
    wf = hexbin_workflow(tmp_path / "wf", drops={("north", "summer"): (7, 3)}, sharec=False)
    page, _, _ = open_page(browser, wf.path("results/mosaic.html"))
    assert page.is_hidden("#colorbars")
    tile = next(wf.path("results/tiles").glob("north-summer-*.png"))
    scale = read_tile_meta(str(tile))["colorbar"]
    assert not scale["shared"]
    box = jump_to(page, tile.stem)  # the tile's details are open
    labels = page.eval_on_selector_all(
        "#info .colorbar .tick", "els => els.map(e => e.textContent)"
    )
    assert labels == decade_labels(scale["lim"]) and page.inner_text("#info figcaption") == "Count"
    facts = page.inner_text("#info table")
    assert (
        "rows drawn\t1,301" in facts
        and "dropped here\t10: 10 missing or non-finite number" in facts
    )
    page.click("#info .close")  # the details box would cover part of the tile
    text = hover_text(page, box)
    assert "rows drawn: 1,301\ndropped 10: 10 missing or non-finite number\n" in text, text
    other = next(wf.path("results/tiles").glob("south-summer-*.png")).stem
    page.evaluate("window.tilegridViewer.fitAll()")  # the whole grid in view
    page.wait_for_function("window.tilegridViewer.ready")
    text = hover_text(page, page.evaluate(f"window.tilegridViewer.tileBox({other!r})"))
    assert "rows drawn: 1,311\ntile: " in text and "dropped" not in text, text
    page.evaluate(f"window.tilegridViewer.showTile({tile.stem!r}, 3)")  # room in the gap
    page.wait_for_function("window.tilegridViewer.ready")
    box = page.evaluate(f"window.tilegridViewer.tileBox({tile.stem!r})")
    page.mouse.move(0, 0)
    shot = page.screenshot(
        clip={"x": box["x"] + box["w"] + 6, "y": box["y"], "width": 6, "height": box["h"]}
    )
    bar = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB")).astype(int)[:, 3]
    for row, fraction in ((2, 1.0), (len(bar) - 3, 0.0)):
        want = np.round(np.asarray(colormaps["viridis"](fraction)[:3]) * 255)
        assert np.abs(bar[row] - want).max() <= 8, (row, bar[row], want)
    page.close()


def open_from_report(browser, report: Path):
    """Open ``report`` and show the mosaic page as a user does: Mosaic in the menu, then
    the eye beside results/mosaic.html.  The report's page and the mosaic page's frame."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = browser.new_page(viewport=VIEWPORT)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(report.as_uri())
    page.get_by_text("Mosaic", exact=True).click()
    row = page.locator("tr", has_text="results/mosaic.html")
    frame = None
    for attempt in range(3):  # a click before the report's app listens opens nothing (seen
        row.locator("a[iconname=eye]").click()  # once in CI, under load): click again
        try:
            frame = page.wait_for_selector("iframe", timeout=30_000).content_frame()
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    frame.wait_for_function("window.tilegridViewer && window.tilegridViewer.ready", timeout=10_000)
    assert not errors, errors
    return page, frame


def in_page(page, frame, box: dict) -> dict:
    """A box in the frame's pixels, in the report's page pixels."""
    at = page.query_selector("iframe").bounding_box()
    return {**box, "x": box["x"] + at["x"], "y": box["y"] + at["y"]}


def test_the_page_works_inside_snakemake_report_html_and_zip(browser, hexbin_grid, tmp_path):
    hexbin_grid.run_ok("--report", "report.html")
    page, frame = open_from_report(browser, hexbin_grid.path("report.html"))
    # report.html carries the page inside itself, as a data: URL shown in an iframe
    assert frame.url.startswith("data:text/html")
    view = "window.tilegridViewer.view()"
    whole = frame.evaluate(view)
    frame_box = page.query_selector("iframe").bounding_box()
    x, y = frame_box["x"] + frame_box["width"] / 2, frame_box["y"] + frame_box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.wheel(0, -600)  # the wheel zooms the page, not the report
    frame.wait_for_function(f"{view}.s > {whole['s']} * 2")
    zoomed = frame.evaluate(view)
    page.mouse.down()
    page.mouse.move(x - 100, y - 50, steps=4)  # and a drag pans it
    page.mouse.up()
    panned = frame.evaluate(view)
    assert (panned["x"], panned["y"]) == pytest.approx((zoomed["x"] - 100, zoomed["y"] - 50))
    tile = next(hexbin_grid.path("results/tiles").glob("south-summer-*.png"))
    box = in_page(page, frame, jump_to(frame, tile.stem))
    frame.click("#info .close")  # the details box would cover part of the tile
    screen_matches_tile(page, box, tile)
    page.mouse.move(box["x"] + box["w"] / 2, box["y"] + box["h"] / 2)
    frame.wait_for_selector("#hover:not([hidden])")
    text = frame.inner_text("#hover")
    assert "site = south" in text and "season = summer" in text, text
    page.mouse.click(box["x"] + 5, box["y"] + 5)
    links = frame.eval_on_selector_all("#info a", "els => els.map(e => e.getAttribute('href'))")
    # no links to results/ from inside the report: only the tile's own PNG, to save
    assert len(links) == 1 and links[0].startswith("data:image/png;base64,"), links
    with page.expect_download() as download:
        frame.click("#info a")
    assert download.value.suggested_filename == tile.name
    assert Path(download.value.path()).read_bytes() == tile.read_bytes()
    frame.click("#info .close")
    check_colorbar(frame, tile_scale(hexbin_grid))
    page.close()

    hexbin_grid.run_ok("--report", "report.zip")
    with zipfile.ZipFile(hexbin_grid.path("report.zip")) as archive:
        archive.extractall(tmp_path)
    page, frame = open_from_report(browser, tmp_path / "report" / "report.html")
    # report.zip keeps the page as a file of its own beside report.html
    assert frame.url.startswith("file:") and frame.url.endswith("/mosaic.html")
    check_colorbar(frame, tile_scale(hexbin_grid))
    box = in_page(page, frame, jump_to(frame, tile.stem))
    frame.click("#info .close")
    screen_matches_tile(page, box, tile)
    page.close()


def test_report_html_holds_pages_up_to_the_size_the_viewer_warns_beyond(browser, tmp_path):
    """report.html shows the page as a data: URL (Snakemake's data_uri_from_file) in a
    frame, and Chromium loads such URLs only up to 2 MiB: pages up to
    report_html_limit() bytes show there, one byte more does not (report.zip then)."""
    from snakemake.report.common import data_uri_from_file

    limit = report_html_limit()
    assert 1_500_000 < limit < 1_600_000  # as the README says: about 1.5 MB
    shown = {}
    for size in (limit, limit + 1):
        path = tmp_path / str(size) / "mosaic.html"
        path.parent.mkdir()
        head = b"<!DOCTYPE html><script>window.shown = true</script><!--"
        path.write_bytes(head + b"x" * (size - len(head) - 3) + b"-->")
        uri = data_uri_from_file(str(path))
        assert len(uri) == report_data_url_length(size)
        outer = tmp_path / f"{size}.html"
        outer.write_text(f'<!DOCTYPE html><iframe src="{uri}"></iframe>')
        page = browser.new_page()
        page.goto(outer.as_uri())
        shown[size] = page.frames[-1].evaluate("window.shown === true")
        page.close()
    assert shown == {limit: True, limit + 1: False}
