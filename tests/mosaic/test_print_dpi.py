"""Print tiles: a PDF or SVG mosaic embeds every tile drawn at ``mosaic.print_dpi``.

The small workflow's tiles are 108 x 90 px at 60 dpi (``SMALL_CONFIG``); at the
default print_dpi of 300 their print versions are exactly 5 times that, 540 x
450 px, embedded unresampled on exactly the tile's data area (in points: pixels
* 72 / 60).  A PNG-only run draws none of them; a one-cell change redraws one.
"""

from __future__ import annotations

import base64
import io
import re
import zlib

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import render_tiles, small_table, small_workflow
from PIL import Image
from tilegrid.core.manifest import read_manifest
from tilegrid.core.tilemeta import read_tile_meta
from tilegrid.mosaic.figure import build_mosaic
from tilegrid.render.figures import tilegrid_style
from tilegrid.workflow.config import ConfigError, check_print_size

# alongside (conftest.py): real runs, none timed, in another process next to the others
pytestmark = [pytest.mark.workflow, pytest.mark.alongside]

SCREEN_PX = (108, 90)  # SMALL_CONFIG's tile: 1.5 in x 1.2 at 60 dpi
DPI, PRINT_DPI = 60, 300
PRINT_PX = (540, 450)  # 300 / 60 = 5 times
TILES_IN_GRID = 6  # 2 sites x 3 seasons


# ---------------------------------------------------------------- reading the outputs


def pdf_objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Every ``N 0 obj << dict >>`` of a PDF, with its raw stream if it has one."""
    objects = {}
    pattern = rb"(\d+) 0 obj\s*(<<.*?>>)\s*(stream\r?\n)?"
    for match in re.finditer(pattern, data, re.S):
        stream = None
        if match.group(3):
            stream = data[match.end() : data.index(b"endstream", match.end())]
        objects[int(match.group(1))] = (match.group(2), stream)
    return objects


def pdf_images(data: bytes) -> dict[str, tuple[int, int]]:
    """Each image XObject's resource name (``I1``) -> its /Width and /Height in pixels."""
    objects = pdf_objects(data)
    sizes = {}
    for number, (head, _) in objects.items():
        if b"/Subtype /Image" in head and b"/SMask" not in head:
            width = int(re.search(rb"/Width (\d+)", head).group(1))
            height = int(re.search(rb"/Height (\d+)", head).group(1))
            sizes[number] = (width, height)
    names = {}
    for head, _ in objects.values():  # the XObject resource dictionary: /I1 13 0 R ...
        for name, number in re.findall(rb"/(I\d+) (\d+) 0 R", head):
            if int(number) in sizes:
                names[name.decode()] = sizes[int(number)]
    return names


TOKEN = re.compile(
    rb"\((?:\\.|[^\\)])*\)|<[0-9a-fA-F\s]*>|/[^\s/\[\]()<>{}%]+"
    rb"|[-+]?(?:\d+\.?\d*|\.\d+)|[A-Za-z'\"*]+|\[|\]"
)


def image_placements(content: bytes) -> list[tuple[str, tuple[float, ...]]]:
    """``(name, ctm)`` for each ``/Name Do`` of a page content stream.

    The current transformation matrix (q/Q, cm) maps an image's unit square
    onto the page, in points.
    """
    ctm, stack, numbers, name, placed = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), [], [], None, []
    for token in TOKEN.findall(content):
        if token[:1].isdigit() or token[:1] in b"-+.":
            numbers.append(float(token))
            continue
        if token.startswith(b"/"):
            name = token[1:].decode()
            continue
        if token in (b"[", b"]") or token[:1] in b"(<":
            continue
        if token == b"q":
            stack.append(ctm)
        elif token == b"Q":
            ctm = stack.pop()
        elif token == b"cm":
            a, b, c, d, e, f = numbers[-6:]
            A, B, C, D, E, F = ctm  # noqa: N806 - the matrix it is multiplied with
            ctm = (
                a * A + b * C,
                a * B + b * D,
                c * A + d * C,
                c * B + d * D,
                e * A + f * C + E,
                e * B + f * D + F,
            )
        elif token == b"Do":
            placed.append((name, ctm))
        numbers = []
    return placed


def pdf_placed_images(path) -> list[tuple[tuple[int, int], tuple[float, float, float, float]]]:
    """Each image drawn on the PDF's page: its pixel size and its box (x, y, w, h) in points."""
    data = path.read_bytes()
    sizes = pdf_images(data)
    placed = []
    for head, stream in pdf_objects(data).values():
        if stream is None or b"/Subtype" in head or b"/FlateDecode" not in head:
            continue
        for name, (a, b, c, d, e, f) in image_placements(zlib.decompressobj().decompress(stream)):
            if name in sizes:
                assert b == 0 and c == 0, "a tile is not rotated or sheared"
                placed.append((sizes[name], (e, min(f, f + d), abs(a), abs(d))))
    return placed


def svg_images(path) -> list[tuple[np.ndarray, tuple[float, ...]]]:
    """Each ``<image>`` of an SVG: its decoded RGB pixels and its transform matrix."""
    text = path.read_text()
    found = []
    pattern = r'<image xlink:href="data:image/png;base64,\s*([A-Za-z0-9+/=\s]+)"([^>]*)/>'
    for encoded, attrs in re.findall(pattern, text):
        png = Image.open(io.BytesIO(base64.b64decode("".join(encoded.split()))))
        matrix = re.search(r'transform="matrix\(([^)]*)\)"', attrs).group(1)
        found.append((np.asarray(png.convert("RGB")), tuple(map(float, matrix.split()))))
    return found


def rgb(path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def data_areas_in_points(wf) -> dict[str, tuple[float, float, float, float]]:
    """Each tile's data area (x, y, w, h) in points, from the mosaic's layout.

    The layout is the one the PNG mosaic was drawn with: every screen tile is
    checked to sit at its origin there, byte for byte inside its spines.
    """
    manifest = read_manifest(str(wf.path("results", "shards", "manifest.json")))
    ids = [t["id"] for t in manifest["tiles"]]
    metas = {i: read_tile_meta(str(wf.path("results", "tiles", f"{i}.png"))) for i in ids}
    paths = {i: str(wf.path("results", "tiles", f"{i}.png")) for i in ids}
    settings = {"title": "small", "col_wrap": None}
    with tilegrid_style():
        _, layout = build_mosaic(manifest, metas, paths, settings, sharex=False, sharey=False)
    mosaic = rgb(wf.path("results", "mosaic.png"))
    assert mosaic.shape[:2] == (layout.height, layout.width)
    width, height = SCREEN_PX
    boxes = {}
    for tile, (x0, y0) in layout.origins.items():
        top = layout.height - y0 - height
        placed = mosaic[top : top + height, x0 : x0 + width]
        inside = (slice(2, -2), slice(2, -2))  # the spines are drawn over the edges
        assert (placed[inside] == rgb(paths[tile])[inside]).all(), f"{tile} is not at its origin"
        boxes[tile] = tuple(v * 72 / DPI for v in (x0, y0, width, height))
    return boxes


def print_tiles(wf) -> dict[str, object]:
    """The print tile PNGs on disk, by tile id."""
    folder = wf.path("results", "tiles", "print")
    return {p.stem: p for p in sorted(folder.glob("*.png"))} if folder.exists() else {}


def close(a, b, tol=1e-3) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


# ---------------------------------------------------------------- the vector mosaics


def png_and_pdf(wf) -> None:
    """The small workflow asking for a png and a pdf mosaic."""
    small_workflow(wf)
    wf.update_config(mosaic={"formats": ["png", "pdf"]})


@pytest.fixture
def with_pdf(built_copy, tmp_path):
    """The small workflow after one complete png + pdf run (a copy of a run made once)."""
    return built_copy(png_and_pdf, tmp_path / "wf")


def test_the_pdf_embeds_print_resolution_tiles_on_exactly_their_data_areas(with_pdf):
    workflow = with_pdf
    assert len(print_tiles(workflow)) == TILES_IN_GRID
    placed = pdf_placed_images(workflow.path("results", "mosaic.pdf"))
    assert [size for size, _ in placed] == [PRINT_PX] * TILES_IN_GRID
    expected = sorted(data_areas_in_points(workflow).values())
    boxes = sorted(box for _, box in placed)
    assert all(close(box, want) for box, want in zip(boxes, expected, strict=True)), (
        boxes,
        expected,
    )


def test_the_svg_embeds_each_print_tile_pixel_for_pixel_on_its_data_area(built):
    workflow = built  # a png-only run made: asking for an svg draws the print tiles
    workflow.update_config(mosaic={"formats": ["png", "svg"]})  # the png gives the layout
    run = workflow.run_ok()
    assert run.jobs("render") == 0 and run.jobs("render_print") == TILES_IN_GRID
    prints = {tile: rgb(path) for tile, path in print_tiles(workflow).items()}
    assert len(prints) == TILES_IN_GRID
    areas = data_areas_in_points(workflow)
    svg = workflow.path("results", "mosaic.svg")
    page_height = float(re.search(r'viewBox="0 0 [\d.]+ ([\d.]+)"', svg.read_text()).group(1))
    images = svg_images(svg)
    assert len(images) == TILES_IN_GRID
    seen = set()
    for pixels, (a, b, c, d, e, f) in images:
        tile = next(t for t, p in prints.items() if p.shape == pixels.shape and (p == pixels).all())
        seen.add(tile)
        x, y, w, h = areas[tile]
        assert pixels.shape[:2] == PRINT_PX[::-1]
        assert (b, c) == (0, 0)
        # an SVG's y runs down from the top of the page
        assert close((a * PRINT_PX[0], d * PRINT_PX[1], e, f), (w, h, x, page_height - y - h))
    assert seen == set(prints)


def test_a_print_tile_is_its_tile_at_print_resolution(with_pdf):
    workflow = with_pdf
    scale = PRINT_DPI // DPI
    for tile, path in print_tiles(workflow).items():
        screen = read_tile_meta(str(workflow.path("results", "tiles", f"{tile}.png")))
        printed = read_tile_meta(str(path))
        assert printed["size_px"] == list(PRINT_PX) and printed["dpi"] == PRINT_DPI
        # the same data area: limits, scales, ticks, labels, title, rows
        same = {k: v for k, v in printed.items() if k not in ("size_px", "dpi")}
        assert same == {k: v for k, v in screen.items() if k not in ("size_px", "dpi")}
        # and the same picture: text and lines are sized in points, so they are
        # `scale` times as many pixels, and averaged back down the print tile is
        # the tile (within antialiasing).  Its darkness (255 - the brightest
        # channel: lines, outlines, fills) matches within 3 %; lines left at the
        # tile's pixel widths would make it ~30 % lighter.
        big = rgb(path).astype(float)
        small = big.reshape(SCREEN_PX[1], scale, SCREEN_PX[0], scale, 3).mean(axis=(1, 3))
        screen_px = rgb(workflow.path("results", "tiles", f"{tile}.png")).astype(float)
        assert np.abs(small - screen_px).mean() < 5.0, tile

        def darkness(pixels):
            return (255 - pixels.max(axis=2)).mean()

        assert abs(darkness(small) - darkness(screen_px)) < 0.03 * darkness(screen_px), tile


@pytest.mark.parametrize(
    "plot",
    [
        {"kind": "box", "x": "group", "y": "value"},
        {"kind": "hist", "x": "value", "y": None},
        {"kind": "kde", "x": "value", "y": None},
        {"kind": "density", "x": "value", "y": "value"},
        {"kind": "line", "x": "value", "y": "value"},
        {"kind": "scatter", "x": "value", "y": "value"},
    ],
    ids=lambda plot: plot["kind"],
)
def test_print_tiles_of_other_kinds_have_their_tiles_axes_and_colorbar(tmp_path, plot):
    """Each tile drawn in this process at the tile dpi and at print_dpi: the same axes
    and colorbar (the mosaic refuses a print tile whose axes differ)."""
    from tilegrid.kinds import resolve_options
    from tilegrid.split.job import SplitSpec, run_split

    pq.write_table(small_table(rows_per_cell=60), tmp_path / "d.parquet")
    roles = {k: v for k, v in plot.items() if k in ("x", "y") and v}
    result = run_split(
        SplitSpec(
            data=str(tmp_path / "d.parquet"), row="site", col="season", kind=plot["kind"], **roles
        ),
        str(tmp_path / "s"),
    )
    drawn = {"kind": plot["kind"], "options": resolve_options(plot["kind"], {})}
    (tmp_path / "print").mkdir()
    screen, _ = render_tiles(tmp_path / "s", tmp_path, result.tiles, drawn, TILE)
    printed, _ = render_tiles(
        tmp_path / "s", tmp_path / "print", result.tiles, drawn, {**TILE, "print_dpi": PRINT_DPI}
    )
    assert len(printed) == TILES_IN_GRID
    for tile, meta in printed.items():
        assert meta["size_px"] == list(PRINT_PX)
        assert (meta["x"], meta["y"]) == (screen[tile]["x"], screen[tile]["y"]), tile
        assert meta.get("colorbar") == screen[tile].get("colorbar"), tile


# ---------------------------------------------------------------- caching


def test_a_png_only_run_renders_no_print_tiles(built, built_copy):
    run = built_copy.runs[small_workflow]  # the complete png-only run that made ``built``
    assert run.jobs("render") == TILES_IN_GRID and run.jobs("render_print") == 0
    assert not built.path("results", "tiles", "print").exists()


def test_dropping_pdf_removes_the_print_tiles_as_a_fresh_png_only_run_has_none(with_pdf):
    workflow = with_pdf
    assert len(print_tiles(workflow)) == TILES_IN_GRID
    workflow.update_config(mosaic={"formats": ["png"]})
    run = workflow.run_ok()
    assert run.jobs("render") == 0 and run.jobs("render_print") == 0 and run.jobs("mosaic") == 1
    assert not workflow.path("results", "tiles", "print").exists()


def test_a_one_cell_change_redraws_one_print_tile(with_pdf):
    workflow = with_pdf
    before = workflow.path("results", "mosaic.pdf").read_bytes()
    table = small_table()
    values = table.column("value").to_numpy().copy()
    values[0] += 0.5  # the first row: site north, season spring (sharey is off)
    pq.write_table(table.set_column(3, "value", pa.array(values)), workflow.path("data.parquet"))
    run = workflow.run_ok()
    assert run.jobs("split") == 1 and run.jobs("mosaic") == 1
    assert run.jobs("render") == 1 and run.jobs("render_print") == 1
    assert workflow.path("results", "mosaic.pdf").read_bytes() != before
    assert "Nothing to be done" in workflow.run_ok().output


def test_a_new_print_dpi_redraws_only_the_print_tiles(with_pdf):
    workflow = with_pdf
    png = workflow.path("results", "mosaic.png").read_bytes()
    workflow.update_config(mosaic={"print_dpi": 120})
    run = workflow.run_ok()
    assert run.jobs("render") == 0 and run.jobs("render_print") == TILES_IN_GRID
    assert {size for size, _ in pdf_placed_images(workflow.path("results", "mosaic.pdf"))} == {
        (216, 180)
    }
    assert workflow.path("results", "mosaic.png").read_bytes() == png


def test_print_dpi_changes_nothing_in_a_png_only_run(built):
    workflow = built  # the small workflow after a complete png-only run
    workflow.update_config(mosaic={"print_dpi": 120})
    assert "Nothing to be done" in workflow.run_ok().output


# ---------------------------------------------------------------- config


TILE = {"height": 1.5, "aspect": 1.2, "dpi": 60}


@pytest.mark.parametrize("print_dpi", [60, 100, 120, 300, 600])
def test_print_dpis_that_make_whole_pixels_are_accepted(print_dpi):
    check_print_size(TILE, {"formats": ["pdf"], "print_dpi": print_dpi})


def test_a_print_dpi_that_makes_part_pixels_is_refused_naming_the_key():
    with pytest.raises(ConfigError, match=r"'mosaic.print_dpi': 72 at tile.dpi 60 makes print"):
        check_print_size(TILE, {"formats": ["svg"], "print_dpi": 72})  # 108 * 72 / 60 = 129.6


def test_print_tiles_above_the_pixel_limit_are_refused():
    with pytest.raises(ConfigError, match="each side must be 16-8192 px"):
        check_print_size(TILE, {"formats": ["pdf"], "print_dpi": 6000})


def test_print_dpi_is_not_checked_without_pdf_or_svg():
    check_print_size(TILE, {"formats": ["png", "html"], "print_dpi": 100})


def test_a_bad_print_dpi_stops_the_run_with_one_line(workflow):
    workflow.update_config(mosaic={"formats": ["png", "pdf"], "print_dpi": 72})
    run = workflow.snakemake()
    assert run.returncode != 0
    errors = [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")]
    assert len(errors) == 1 and "'mosaic.print_dpi': 72 at tile.dpi 60" in errors[0], run.output
    assert not workflow.path("results").exists()
