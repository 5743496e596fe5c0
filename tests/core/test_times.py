"""Time columns (dates, timestamps with and without a zone, durations) on numeric axes.

The split turns a time value into matplotlib's date number (days since 1970-01-01
UTC) or a duration into seconds, once; every tile's date ticks are matplotlib's
AutoDateLocator and ConciseDateFormatter on the shared limits, fixed in its
TileMeta so that the mosaic draws the same date labels.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from tilegrid.core.bins import edges_of
from tilegrid.core.sidecar import read_sidecar
from tilegrid.core.times import axis_time, date_ticks, time_numbers
from tilegrid.kinds import get_kind
from tilegrid.split.drops import numeric
from tilegrid.split.job import SplitSpec, run_split
from tilegrid.workflow.config import ConfigError, check_columns

N = 240


def _time_table(n: int = N, seed: int = 0) -> pa.Table:
    """Three facets; a date32, timestamp[us], timestamp[ns, UTC] and duration column."""
    rng = np.random.default_rng(seed)
    day = np.datetime64("2024-01-01") + rng.integers(0, 365, n).astype("timedelta64[D]")
    stamp = day.astype("datetime64[us]") + rng.integers(0, 86_400_000_000, n).astype(
        "timedelta64[us]"
    )
    return pa.table(
        {
            "g": pa.array(np.array(["a", "b", "c"])[np.arange(n) % 3]),
            "day": pa.array(day, pa.date32()),
            "stamp": pa.array(stamp, pa.timestamp("us")),
            "utc": pa.array(stamp.astype("datetime64[ns]"), pa.timestamp("ns", tz="UTC")),
            "wait": pa.array(rng.integers(0, 3_600_000_000, n).astype("timedelta64[us]")),
            "v": rng.normal(size=n),
        }
    )


def _reference_days(series: pd.Series) -> np.ndarray:
    """Days since the epoch as matplotlib would plot the pandas column (NaN for NaT)."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    stamps = pd.to_datetime(series)
    out = np.full(len(series), np.nan)
    ok = stamps.notna().to_numpy()
    out[ok] = mdates.date2num(stamps[ok].dt.to_pydatetime())
    return out


# ---------------------------------------------------------------- pure conversion


def test_date32_is_days_since_1970():
    days = time_numbers(pa.array([dt.date(1970, 1, 1), dt.date(2024, 1, 2), None]))
    assert days[:2].tolist() == [0.0, float(mdates.date2num(dt.date(2024, 1, 2)))]
    assert np.isnan(days[2])


def test_zoned_timestamp_is_its_utc_instant_and_keeps_its_zone():
    paris = pa.timestamp("ns", tz="Europe/Paris")
    noon_utc = dt.datetime(2024, 1, 2, 12, tzinfo=dt.UTC)
    assert time_numbers(pa.array([noon_utc], paris))[0] == mdates.date2num(noon_utc)
    assert axis_time(paris) == {"time": "datetime", "tz": "Europe/Paris"}
    assert axis_time(pa.timestamp("us")) == {"time": "datetime"}


def test_duration_is_seconds():
    waits = pa.array([1_500_000, None], pa.duration("us"))
    assert time_numbers(waits)[0] == 1.5
    assert axis_time(waits.type) == {"time": "duration"}


def test_date_ticks_are_matplotlibs_on_an_axis_of_the_same_limits():
    lim = (mdates.date2num(dt.date(2024, 2, 3)), mdates.date2num(dt.date(2024, 9, 20)))
    ax = Figure().add_subplot()
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlim(*lim)
    ticks, labels, offset = date_ticks(lim)
    assert ticks == [t for t in ax.get_xticks() if lim[0] <= t <= lim[1]]
    assert labels == ax.xaxis.get_major_formatter().format_ticks(ticks)
    assert labels[:2] == ["Mar", "Apr"] and offset == "2024"


def test_a_box_plot_of_dates_says_which_kinds_draw_them(tmp_path):
    pq.write_table(_time_table(30), tmp_path / "t.parquet")
    config = {
        "data": str(tmp_path / "t.parquet"),
        "facet": {"row": None, "col": None},
        "plot": {"kind": "box", "x": "g", "y": "day", "options": {}},
    }
    with pytest.raises(ConfigError, match="drawn by line, scatter, hist, ecdf"):
        check_columns(config, get_kind("box"))


# ---------------------------------------------------------------- property: the split's numbers

_instants = st.one_of(
    st.none(),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(_instants, min_size=1, max_size=30),
    unit=st.sampled_from(["s", "ms", "us", "ns"]),
    tz=st.sampled_from([None, "UTC", "America/New_York", "Asia/Kolkata"]),
)
def test_the_split_draws_the_numbers_pandas_gives(values, unit, tz):
    """Timestamps of any unit and zone, with nulls: what the split stores for drawing is
    the pandas column's date numbers, NaN (then dropped) where it is missing."""
    dtype = pa.timestamp(unit, tz=tz)
    column = pa.array(
        [None if v is None else v.replace(tzinfo=dt.UTC) for v in values],
        pa.timestamp(unit, tz="UTC"),
    ).cast(dtype)
    expected = _reference_days(column.to_pandas())
    got = numeric(column, "t")
    np.testing.assert_array_equal(got, expected)  # the same floats as matplotlib
    assert np.array_equal(np.isnan(got), np.isnan(expected))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    days=st.lists(
        st.one_of(st.none(), st.dates(dt.date(1950, 1, 1), dt.date(2100, 1, 1))),
        min_size=1,
        max_size=25,
    ),
    facets=st.lists(st.sampled_from("pq"), min_size=25, max_size=25),
)
def test_the_shared_date_limits_hold_every_kept_date(tmp_path_factory, days, facets):
    """A grid of dates with nulls: rows without a date are dropped and counted; every
    tile's x extent is the grid's first and last date as pandas sees them."""
    out = tmp_path_factory.mktemp("s")
    n = len(days)
    table = pa.table({"f": facets[:n], "d": pa.array(days, pa.date32()), "v": [1.0] * n})
    pq.write_table(table, out / "t.parquet")
    result = run_split(
        SplitSpec(data=str(out / "t.parquet"), kind="scatter", x="d", y="v", col="f"),
        str(out / "s"),
    )
    manifest = json.loads((out / "s" / "manifest.json").read_text())
    frame = table.to_pandas()
    kept = frame["d"].notna()
    assert sum(t["rows"] for t in manifest["tiles"]) == int(kept.sum())
    assert manifest["dropped"].get("non_finite", 0) == int((~kept).sum())
    reference = _reference_days(pd.to_datetime(frame["d"][kept]))
    for tile in result.tiles:
        axis = read_sidecar(str(out / "s" / f"{tile['id']}.json"))["x"]
        assert axis["time"] == "datetime"
        if len(reference):
            assert axis["extent"] == [reference.min(), reference.max()]


# ---------------------------------------------------------------- hist: bins in time units


def _hist_bins(tmp_path, table: pa.Table, binwidth) -> dict:
    pq.write_table(table, tmp_path / "t.parquet")
    result = run_split(
        SplitSpec(
            data=str(tmp_path / "t.parquet"), kind="hist", x="x", options={"binwidth": binwidth}
        ),
        str(tmp_path / "s"),
    )
    return read_sidecar(str(tmp_path / "s" / f"{result.tiles[0]['id']}.json"))["bins"]


def test_auto_bins_of_zoned_timestamps_are_seaborns(tmp_path):
    """seaborn's histplot of a pandas datetime column: the same edges and bar heights."""
    import seaborn as sns
    from tilegrid.core.bins import counts

    table = _time_table().select(["utc"]).rename_columns(["x"])
    bins = _hist_bins(tmp_path, table, None)
    ax = Figure().add_subplot()
    sns.histplot(table.to_pandas(), x="x", ax=ax)
    lefts = [p.get_x() for p in ax.patches]
    right = ax.patches[-1].get_x() + ax.patches[-1].get_width()
    np.testing.assert_allclose(edges_of(bins), [*lefts, right], rtol=0, atol=1e-9)
    drawn = counts(numeric(table.column("x"), "x"), bins)
    assert drawn.tolist() == [p.get_height() for p in ax.patches]


def test_a_number_binwidth_gives_seaborns_edges(tmp_path):
    x = np.random.default_rng(1).normal(10, 3, 500)
    bins = _hist_bins(tmp_path, pa.table({"x": x}), 1.5)
    expected = np.arange(x.min(), x.max() + 1.5, 1.5)
    edges = np.linspace(bins["start"], bins["stop"], bins["count"] + 1)
    np.testing.assert_allclose(edges, expected, rtol=0, atol=1e-9)


def test_weekly_bins_of_timestamps_start_on_mondays_and_count_as_pandas(tmp_path):
    """binwidth "7D" on zoned timestamps: whole weeks from a Monday 00:00 UTC, and each
    bin's count is pandas' count of the rows of that week."""
    table = _time_table().select(["utc"]).rename_columns(["x"])
    bins = _hist_bins(tmp_path, table, "7D")
    start = mdates.num2date(bins["start"])
    assert (start.weekday(), start.hour, bins["stop"] - bins["start"]) == (0, 0, 7 * bins["count"])
    stamps = table.column("x").to_pandas()
    weeks = stamps.dt.tz_convert(None).dt.to_period("W-SUN").value_counts().sort_index()
    from tilegrid.core.bins import counts

    days = numeric(table.column("x"), "x")
    drawn = counts(days, bins)
    assert drawn[drawn > 0].tolist() == weeks.tolist()


def test_a_time_binwidth_on_a_number_axis_says_so(tmp_path):
    from tilegrid.split.spec import SplitError

    with pytest.raises(SplitError, match="x is not a time column"):
        _hist_bins(tmp_path, pa.table({"x": [1.0, 2.0]}), "1h")


# ---------------------------------------------------------------- the workflow, end to end


def _date_labels(meta: dict) -> bool:
    """Whether every tick label of a TileMeta axis is a month, a day or a year."""
    months = set(calendar.month_abbr[1:])
    labels = meta["ticklabels"]
    return bool(labels) and all(t in months or t.isdigit() for t in labels)


def test_zoned_timestamps_against_durations_share_date_ticks_in_every_tile(tmp_path):
    """A Parquet table: timestamp[ns, UTC] on x, a duration on y; every tile agrees on
    the x limits and fixes the same date ticks for the mosaic, y is in seconds."""
    from conftest import Workflow

    wf = Workflow(tmp_path / "wf")
    pq.write_table(_time_table(), wf.path("t.parquet"))
    wf.write_config(
        {
            "data": "t.parquet",
            "facet": {"row": None, "col": "g"},
            "plot": {"kind": "scatter", "x": "utc", "y": "wait"},
        }
    )
    wf.run_ok()
    metas = list(wf.tile_metas().values())
    assert len(metas) == 3 and wf.path("results/mosaic.png").exists()
    xs = [(m["x"]["lim"], m["x"]["ticks"], m["x"]["ticklabels"]) for m in metas]
    assert all(x == xs[0] for x in xs), xs
    assert _date_labels(metas[0]["x"]) and "2024" in metas[0]["x"]["ticklabels"]
    waits = _time_table().column("wait").to_pandas().dt.total_seconds()
    lo, hi = metas[0]["y"]["lim"]
    assert metas[0]["y"]["label"] == "wait (s)" and lo < waits.min() < waits.max() < hi < 4000


def test_iso_dates_of_a_csv_file_draw_a_line_over_dates(tmp_path):
    """A CSV column of ISO dates is read as dates and drawn on a date axis."""
    from conftest import Workflow

    wf = Workflow(tmp_path / "wf")
    frame = _time_table(60).to_pandas()[["g", "day", "v"]]
    frame.to_csv(wf.path("t.csv"), index=False)
    wf.write_config(
        {
            "data": "t.csv",
            "facet": {"row": None, "col": "g"},
            "plot": {"kind": "line", "x": "day", "y": "v", "options": {"errorbar": None}},
        }
    )
    wf.run_ok()
    metas = list(wf.tile_metas().values())
    expected = _reference_days(pd.to_datetime(frame["day"]))
    for meta in metas:
        lo, hi = meta["x"]["lim"]
        assert lo < expected.min() and hi > expected.max()
        assert _date_labels(meta["x"])
