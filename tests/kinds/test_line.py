"""kind line: the shared y limits hold exactly the drawn estimates and bands.

The split aggregates each tile's rows as the tile draws them (per x value, or
per pixel column of the tile's width above ``max_vertices``), so the limits are
neither the raw range of y (far wider than a narrow band) nor narrower than a
wide band (which would be clipped).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from matplotlib.figure import Figure
from scipy import stats
from tilegrid.core.manifest import DIGESTS, MANIFEST
from tilegrid.core.sidecar import read_sidecar
from tilegrid.core.tilemeta import read_tile_meta
from tilegrid.kinds import line, resolve_options
from tilegrid.render.tile import render_tile
from tilegrid.split.job import SplitSpec, run_split
from tilegrid.split.sharing import MARGIN

TILE = {"height": 1.5, "aspect": 1.5, "dpi": 60}


def _outliers_table(seed: int = 0) -> pa.Table:
    """Two facets; 20 x values with 500 rows each near 10, and a few rows far out.

    The raw y values span -1000..1000; the means and their 95 % bands stay near 10.
    """
    rng = np.random.default_rng(seed)
    f, x, y = [], [], []
    for facet, shift in (("p", 0.0), ("q", 2.0)):
        xs = np.repeat(np.arange(20.0), 500)
        ys = 10 + shift + np.sin(xs / 3) + rng.normal(0, 1, xs.size)
        ys[::997] = 1000.0
        ys[5::1009] = -1000.0
        f += [facet] * xs.size
        x.append(xs)
        y.append(ys)
    return pa.table({"f": f, "x": np.concatenate(x), "y": np.concatenate(y)})


def _pairs_table() -> pa.Table:
    """Each x value has two rows, 0 and 1 apart: a t band (n = 2) far beyond the data range."""
    x = np.repeat(np.arange(10.0), 2)
    y = np.tile([0.0, 1.0], 10) + x / 10
    return pa.table({"x": x, "y": y})


def _expected_band(frame: pd.DataFrame, level: float = 95) -> tuple[float, float]:
    """Lowest band edge and highest, per x value: mean -+ t * sd / sqrt(n) (pandas, scipy)."""
    g = frame.groupby("x")["y"]
    mean, sd, n = g.mean(), g.std(ddof=1), g.count()
    half = stats.t.ppf(0.5 + level / 200, n - 1) * sd / np.sqrt(n)
    return float((mean - half).min()), float((mean + half).max())


def _split(tmp_path, table: pa.Table, **spec) -> list[dict]:
    pq.write_table(table, tmp_path / "d.parquet")
    result = run_split(
        SplitSpec(data=str(tmp_path / "d.parquet"), kind="line", x="x", y="y", **spec),
        str(tmp_path / "s"),
    )
    return [read_sidecar(str(tmp_path / "s" / f"{t['id']}.json")) for t in result.tiles]


def _render(tmp_path, sidecar: dict, options: dict | None = None) -> dict:
    tid = sidecar["tile"]
    render_tile(
        str(tmp_path / "s" / f"{tid}.arrow"),
        str(tmp_path / "s" / f"{tid}.json"),
        {"kind": "line", "x": "x", "y": "y", "options": options or {}},
        TILE,
        str(tmp_path / f"{tid}.png"),
    )
    return read_tile_meta(str(tmp_path / f"{tid}.png"))


def _drawn_y(tmp_path, sidecar: dict, options: dict | None = None) -> tuple[float, float]:
    """The y interval of every line vertex and band vertex line.draw puts on an Axes."""
    table = pq.read_table(tmp_path / "d.parquet")
    if "f" in table.column_names:
        facet = sidecar["facets"]["col"]["value"]
        table = table.filter(pa.compute.equal(table["f"], facet))
    ax = Figure(figsize=(3, 2), dpi=60).add_axes((0, 0, 1, 1))
    line.draw(ax, table, sidecar, resolve_options("line", options))
    ys = [ln.get_ydata() for ln in ax.lines]
    ys += [p.vertices[:, 1] for c in ax.collections for p in c.get_paths()]
    ys = np.concatenate([np.asarray(v, float) for v in ys])
    return float(ys.min()), float(ys.max())


def _margin_around(lo: float, hi: float) -> list[float]:
    span = hi - lo
    return [lo - MARGIN * span, hi + MARGIN * span]


def test_shared_y_limits_are_the_bands_not_the_raw_range(tmp_path):
    sidecars = _split(tmp_path, _outliers_table(), col="f")
    frame = _outliers_table().to_pandas()
    lows, highs = zip(*(_expected_band(frame[frame.f == f]) for f in ("p", "q")))
    want = _margin_around(min(lows), max(highs))
    for sidecar in sidecars:
        meta = _render(tmp_path, sidecar)
        assert meta["y"]["lim"] == pytest.approx(want, rel=1e-6)
        assert sidecar["y"]["extent"] == pytest.approx([min(lows), max(highs)], rel=1e-6)
        assert meta["y"]["lim"][1] - meta["y"]["lim"][0] < 50  # raw values span 2000


def test_a_band_of_two_values_is_seaborns_bootstrap_and_the_limits_hold_it(tmp_path):
    """Two rows an x value: seaborn's bootstrap band is their range (a resampled mean of
    two values is one of them or their mean), not the t band of one degree of freedom,
    which reaches far beyond the data; the limits hold exactly the band drawn."""
    (sidecar,) = _split(tmp_path, _pairs_table())
    t_lo, t_hi = _expected_band(_pairs_table().to_pandas())
    assert t_lo < -5 and t_hi > 6  # what the t interval would have drawn
    meta = _render(tmp_path, sidecar)
    assert meta["y"]["lim"] == pytest.approx(_margin_around(0.0, 1.9), rel=1e-6)


@pytest.mark.parametrize("errorbar", [["ci", 95], "sd", None])
def test_limits_hold_what_draw_draws_with_pixel_columns(tmp_path, errorbar):
    """Above max_vertices distinct x values the line is aggregated per pixel column of
    the tile's width, written by the split in the sidecar: the limits still fit exactly."""
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 100, 40_000)
    y = np.cos(x / 10) + rng.standard_t(2, x.size)
    table = pa.table({"x": x, "y": y})
    options = {"max_vertices": 500, "errorbar": errorbar}
    (sidecar,) = _split(tmp_path, table, options=options, tile_px=[137, 80])
    assert sidecar["tile_px"] == [137, 80]
    lo, hi = _drawn_y(tmp_path, sidecar, options)
    assert sidecar["y"]["extent"] == pytest.approx([lo, hi], rel=1e-9)
    assert sidecar["y"]["lim"] == pytest.approx(_margin_around(lo, hi), rel=1e-6)
    assert hi - lo < np.ptp(y) / 5  # the raw range is set by heavy tails


def test_unshared_y_holds_each_tiles_own_band(tmp_path):
    sidecars = _split(tmp_path, _outliers_table(), col="f", sharey=False)
    frame = _outliers_table().to_pandas()
    for sidecar in sidecars:
        part = frame[frame.f == sidecar["facets"]["col"]["value"]]
        assert sidecar["y"]["lim"] == pytest.approx(_margin_around(*_expected_band(part)), rel=1e-6)


def test_workflow_tells_the_split_the_tile_size(workflow):
    """The split gets the tile's size in pixels from the config (for line and scatter)."""
    pq.write_table(_outliers_table(), workflow.path("data.parquet"))
    workflow.update_config(
        facet={"row": None, "col": "f"},
        plot={"kind": "line", "x": "x", "y": "y"},
        sharey=True,
        tile={"height": 1.5, "aspect": 1.2, "dpi": 60},
    )
    workflow.run_ok()
    metas = workflow.tile_metas().values()
    sidecars = [
        json.loads(p.read_text())
        for p in workflow.path("results", "shards").glob("*.json")
        if p.name not in (MANIFEST, DIGESTS)
    ]
    assert [s["tile_px"] for s in sidecars] == [[round(1.5 * 1.2 * 60), 90]] * 2
    frame = _outliers_table().to_pandas()
    lows, highs = zip(*(_expected_band(frame[frame.f == f]) for f in ("p", "q")))
    for meta in metas:
        assert meta["y"]["lim"] == pytest.approx(_margin_around(min(lows), max(highs)), rel=1e-6)
    workflow.update_config(tile={"height": 1.2})  # new pixel columns: the split reruns
    run = workflow.run_ok()
    assert run.jobs("split") == 1 and run.jobs("render") == 2
    sidecar = next(
        p
        for p in workflow.path("results", "shards").glob("*.json")
        if p.name not in (MANIFEST, DIGESTS)
    )
    assert json.loads(sidecar.read_text())["tile_px"] == [round(1.2 * 1.2 * 60), 72]
