"""Pages (``mosaic.page``): a grid too big for one figure, cut into pages, one job each.

Which tiles go on which page is a pure function of the manifest (``core/pages.py``),
tested on hand-made manifests; the workflow's pages, ``pages.tsv``, the multi-page PDF
and the reruns of a one-cell edit are tested with the real ``snakemake`` command.
"""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import Workflow
from tilegrid.core.pages import page_manifest, page_too_big, pages_table, paginate

#: in the process of the remote-data tests, which is otherwise idle after a minute or two
pytestmark = pytest.mark.alongside("remote")

SITES = ["north", "south", "east"]
SEASONS = ["s1", "s2", "s3", "s4", "s5"]
PAGE = {"rows": 2, "cols": 2}


def grid_manifest(rows: list | None, cols: list | None) -> dict:
    """A manifest of a full grid of ``rows`` x ``cols`` facet values (either may be None)."""
    tiles = []
    for r, row in enumerate(rows or [None]):
        for c, col in enumerate(cols or [None]):
            facets = {}
            if rows:
                facets["row"] = {"var": "r", "value": row}
            if cols:
                facets["col"] = {"var": "c", "value": col}
            tiles.append(
                {
                    "id": f"t{r}-{c}",
                    "row_index": r if rows else None,
                    "col_index": c if cols else None,
                    "facets": facets,
                }
            )
    return {
        "row": {"var": "r", "levels": rows} if rows else None,
        "col": {"var": "c", "levels": cols} if cols else None,
        "shape": [len(rows or [0]), len(cols or [0])],
        "kind": "violin",
        "tiles": tiles,
    }


def test_a_grid_is_cut_into_blocks_in_reading_order_with_partial_last_pages():
    pages = paginate(grid_manifest(SITES, SEASONS), None, PAGE)
    assert [p.shape for p in pages] == [(2, 2), (2, 2), (2, 1), (1, 2), (1, 2), (1, 1)]
    assert [i for _, r, c in pages[2].tiles for i in (r, c)] == [0, 0, 1, 0]
    placed = sorted(i for p in pages for i, _, _ in p.tiles)
    assert placed == list(range(15))  # every tile on exactly one page


def test_a_wrapped_grid_pages_hold_consecutive_facets_when_cols_is_left_out():
    manifest = grid_manifest(None, [f"v{i}" for i in range(7)])
    pages = paginate(manifest, 3, {"rows": 2})
    assert [p.shape for p in pages] == [(2, 3), (1, 3)]
    assert [i for i, _, _ in pages[0].tiles] == [0, 1, 2, 3, 4, 5]
    one = page_manifest(manifest, 3, {"rows": 2}, 2)
    assert one["shape"] == [1, 3]
    assert [(t["id"], t["row_index"], t["col_index"]) for t in one["tiles"]] == [("t0-6", 0, 0)]


def test_a_row_only_grid_is_paged_by_rows():
    pages = paginate(grid_manifest(list("abcde"), None), None, {"rows": 2, "cols": 4})
    assert [p.shape for p in pages] == [(2, 1), (2, 1), (1, 1)]


def test_a_page_manifest_holds_no_row_counts_so_other_pages_edits_leave_it_alone():
    manifest = grid_manifest(SITES, SEASONS)
    for tile in manifest["tiles"]:
        tile["rows"] = 10
    before = page_manifest(manifest, None, PAGE, 1)
    manifest["tiles"][-1]["rows"] = 11  # a tile of the last page
    assert page_manifest(manifest, None, PAGE, 1) == before
    assert "rows" not in before["tiles"][0]


def test_pages_table_lists_every_tile_once_with_its_page_and_place():
    manifest = grid_manifest(SITES, SEASONS)
    rows = list(csv.DictReader(io.StringIO(pages_table(manifest, None, PAGE)), delimiter="\t"))
    assert sorted(r["tile"] for r in rows) == sorted(t["id"] for t in manifest["tiles"])
    east_s5 = next(r for r in rows if r["row_name"] == "east" and r["col_name"] == "s5")
    assert (east_s5["page"], east_s5["row"], east_s5["col"]) == ("6", "1", "1")


def test_a_page_larger_than_max_tiles_is_refused_naming_the_key():
    assert page_too_big({"rows": 40, "cols": 30}, 1000).startswith("config key 'mosaic.page'")
    assert page_too_big({"rows": 4}, 10) is None  # the grid's columns are not known yet
    assert "4 x 5 = 20 tiles" in page_too_big({"rows": 4}, 10, (9, 5))
    assert page_too_big(None, 1) is None


# ------------------------------------------------------------------ the workflow


#: the workflow's grid: 3 x 3 in pages of 2 x 2, so pages of every shape (2 x 2, 2 x 1,
#: 1 x 2, 1 x 1) in few tiles
GRID_SEASONS = SEASONS[:3]


def paged_table(seed: int = 1) -> pa.Table:
    """A 3 x 3 grid (site x season), two violins per tile."""
    rng = np.random.default_rng(seed)
    cols = {"site": [], "season": [], "group": [], "value": []}
    for i, site in enumerate(SITES):
        for j, season in enumerate(GRID_SEASONS):
            for k, group in enumerate("ab"):
                cols["site"] += [site] * 60
                cols["season"] += [season] * 60
                cols["group"] += [group] * 60
                cols["value"] += list(rng.normal(i + j + k, 1, 60))
    return pa.table(cols)


PAGED_CONFIG = {
    "data": "data.parquet",
    "facet": {"row": "site", "col": "season"},
    "plot": {"kind": "violin", "x": "group", "y": "value"},
    "tile": {"height": 1.0, "aspect": 1.2, "dpi": 40},
    "mosaic": {
        "title": "paged",
        "margin_titles": True,
        "formats": ["png", "pdf"],
        "print_dpi": 80,
        "page": PAGE,
    },
}


def paged_workflow(wf: Workflow) -> None:
    """The 3 x 3 grid in pages of 2 x 2 (a ``make`` for ``built_copy``)."""
    pq.write_table(paged_table(), wf.path("data.parquet"))
    wf.write_config(PAGED_CONFIG)


@pytest.fixture
def paged(built_copy, tmp_path) -> Workflow:
    return built_copy(paged_workflow, tmp_path / "wf")


def results(wf: Workflow) -> dict[str, bytes]:
    root = wf.path("results")
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def pdf_pages(data: bytes) -> int:
    """How many pages a PDF matplotlib wrote has (its page objects)."""
    return len(re.findall(rb"/Type /Page\b(?!s)", data))


@pytest.mark.workflow
def test_pages_hold_every_tile_once_as_pages_tsv_says_and_the_pdf_has_a_page_each(paged):
    manifest = json.loads(paged.path("results/shards/manifest.json").read_text())
    with open(paged.path("results/pages.tsv"), newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    by_tile = {r["tile"]: r for r in rows}
    assert len(rows) == len(by_tile) == len(manifest["tiles"]) == 9
    for tile in manifest["tiles"]:
        row = by_tile[tile["id"]]
        assert (row["row_name"], row["col_name"]) == (
            tile["facets"]["row"]["value"],
            tile["facets"]["col"]["value"],
        )
    pages = sorted({int(r["page"]) for r in rows})
    assert pages == [1, 2, 3, 4]
    made = sorted(p.name for p in paged.path("results").glob("mosaic*"))
    assert made == sorted(["mosaic.pdf"] + [f"mosaic-{n}.png" for n in pages])
    assert pdf_pages(paged.path("results/mosaic.pdf").read_bytes()) == 4
    first = paged.path("results/mosaic-1.png").read_bytes()
    last = paged.path("results/mosaic-4.png").read_bytes()
    width, height = (int.from_bytes(first[16 + 4 * i : 20 + 4 * i], "big") for i in (0, 1))
    small = (int.from_bytes(last[16 + 4 * i : 20 + 4 * i], "big") for i in (0, 1))
    assert all(s < f for s, f in zip(small, (width, height)))  # a 1 x 1 last page


@pytest.mark.workflow
def test_a_one_cell_edit_redraws_one_page_and_equals_a_fresh_run(paged, tmp_path):
    table = pq.read_table(paged.path("data.parquet"))
    mask = pc.and_(pc.equal(table["site"], "north"), pc.equal(table["season"], "s3"))
    values = table["value"].to_numpy()
    edited = np.where(mask.to_numpy(zero_copy_only=False), values + 0.5, values)
    table = table.set_column(3, "value", pa.array(edited))
    pq.write_table(table, paged.path("data.parquet"))
    run = paged.run_ok()
    assert (run.jobs("render"), run.jobs("mosaic_page"), run.jobs("mosaic_document")) == (1, 1, 1)
    assert "composited 1 changed cell" in paged.path("logs/mosaic/page-2.log").read_text()
    fresh = Workflow(tmp_path / "fresh")
    fresh.write_config(PAGED_CONFIG)
    pq.write_table(table, fresh.path("data.parquet"))
    fresh.run_ok()
    mine, theirs = results(paged), results(fresh)
    assert sorted(mine) == sorted(theirs)
    assert [name for name in mine if mine[name] != theirs[name]] == []


@pytest.mark.workflow
def test_turning_pages_off_leaves_no_page_behind(paged):
    config = dict(PAGED_CONFIG, mosaic={**PAGED_CONFIG["mosaic"], "page": None})
    paged.write_config(config)
    run = paged.run_ok()
    assert (run.jobs("render"), run.jobs("mosaic")) == (0, 1)
    left = sorted(p.name for p in paged.path("results").iterdir() if p.is_file())
    assert left == ["mosaic.pdf", "mosaic.png"]
    assert sorted(p.name for p in paged.path("results/.mosaic-cache").iterdir()) == [
        "canvas.png",
        "record.json",
    ]
    assert pdf_pages(paged.path("results/mosaic.pdf").read_bytes()) == 1
