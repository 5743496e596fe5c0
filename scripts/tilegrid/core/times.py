"""Time columns (dates, timestamps with or without a time zone, durations) as numbers.

A time column is drawn on a numeric axis, as matplotlib draws dates: a date or a
timestamp is the float number of days since matplotlib's default epoch
(1970-01-01T00:00:00 UTC), a timestamp with a time zone by its UTC instant (its
ticks are then labelled in that zone); a duration is a float number of seconds.
The split turns each value into that number once, so limits, bins and statistics
are those of numbers, and every tile sees the same numbers.  Ticks of a date axis
come from matplotlib's :class:`~matplotlib.dates.AutoDateLocator` on the shared
limits, labelled by its :class:`~matplotlib.dates.ConciseDateFormatter` (the
formatter's offset, e.g. the year, is added to the axis label), so every tile and
the mosaic agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: the kinds that accept a time column on a numeric role (seaborn's line, scatter,
#: hist and ecdf accept dates on x or y)
TIME_KINDS = ("line", "scatter", "hist", "ecdf")

SECONDS_PER_DAY = 86400.0
_UNIT_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def time_type(dtype: pa.DataType) -> str | None:
    """ "datetime" for dates and timestamps, "duration" for durations, else None."""
    dtype = dtype.value_type if pa.types.is_dictionary(dtype) else dtype
    if pa.types.is_date(dtype) or pa.types.is_timestamp(dtype):
        return "datetime"
    if pa.types.is_duration(dtype):
        return "duration"
    return None


def time_zone(dtype: pa.DataType) -> str | None:
    """The time zone a timestamp type names (None: naive, a date, or not a timestamp)."""
    dtype = dtype.value_type if pa.types.is_dictionary(dtype) else dtype
    return dtype.tz if pa.types.is_timestamp(dtype) else None


def time_numbers(column: pa.Array) -> np.ndarray:
    """A time column as float64 with NaN for nulls: days since 1970-01-01 (UTC) for dates
    and timestamps, seconds for durations.

    Timestamps are computed as matplotlib's ``date2num`` computes a ``datetime64``
    (whole seconds, plus the rest in seconds, over 86400), to the same float.
    """
    dtype = column.type
    if pa.types.is_date32(dtype):
        return (
            pc.cast(column, pa.int32())
            .cast(pa.float64())
            .fill_null(np.nan)
            .to_numpy(zero_copy_only=False)
        )
    if pa.types.is_date64(dtype):  # milliseconds since the epoch
        dtype = pa.timestamp("ms")
        column = column.cast(pa.int64()).cast(dtype)
    if not (pa.types.is_timestamp(dtype) or pa.types.is_duration(dtype)):
        raise TypeError(f"type {dtype} is not a date, timestamp or duration")
    ints = column.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
    per_second = round(1 / _UNIT_SECONDS[dtype.unit])
    seconds, rest = np.divmod(ints, per_second)
    values = seconds.astype(np.float64) + rest.astype(np.float64) / per_second
    if pa.types.is_timestamp(dtype):
        values = values / SECONDS_PER_DAY
    if column.null_count:
        values[column.is_null().to_numpy(zero_copy_only=False)] = np.nan
    return values


def axis_time(dtype: pa.DataType) -> dict[str, Any]:
    """What a sidecar's continuous axis says of a time column: ``time`` and ``tz``
    (nothing for a column that is not one)."""
    kind = time_type(dtype)
    if kind is None:
        return {}
    tz = time_zone(dtype)
    return {"time": kind, **({"tz": tz} if tz else {})}


def date_ticks(lim: list[float] | tuple[float, float], tz: str | None = None):
    """Ticks of a date axis over ``lim`` (days since the epoch): (ticks, labels, offset).

    matplotlib's AutoDateLocator and ConciseDateFormatter, in zone ``tz`` (UTC by
    default, as matplotlib); ``offset`` is what the formatter would show beside the
    axis (the year, or the day), "" when the labels say it all.
    """
    import matplotlib.dates as mdates

    lo, hi = sorted(float(v) for v in lim)
    locator = mdates.AutoDateLocator(tz=tz)
    formatter = mdates.ConciseDateFormatter(locator, tz=tz)
    ticks = [float(t) for t in locator.tick_values(mdates.num2date(lo), mdates.num2date(hi))]
    ticks = [t for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]
    labels = list(formatter.format_ticks(ticks)) if ticks else []
    offset = formatter.get_offset() if ticks else ""
    return ticks, labels, offset


def time_label(column: str, axis: dict[str, Any], offset: str = "") -> str:
    """The axis label of a time column: a duration's unit, a date axis's offset."""
    if axis.get("time") == "duration":
        return f"{column} (s)"
    return f"{column} ({offset})" if offset else column
