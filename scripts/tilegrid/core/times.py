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

import re
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


#: seconds in each time unit a bin width may be written in ("1h", "30min", "7D")
TIME_UNITS = {"ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "D": 86400.0, "W": 604800.0}
_WIDTH = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)?\s*(ms|s|min|h|D|W)\s*$")


def width_seconds(text: str) -> float | None:
    """Seconds in a time width such as "1h", "30min", "D" or "7D" (None: not one)."""
    match = _WIDTH.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    seconds = float(match.group(1) or 1) * TIME_UNITS[match.group(2)]
    return seconds if seconds > 0 else None


def axis_width(width: Any, axis_time: dict[str, Any] | None) -> float | None:
    """A bin width in the axis's numbers: days on a date axis, seconds on a duration
    axis; a number is taken as it is.  ValueError for a time width on an axis that is
    not a time."""
    if width is None or not isinstance(width, str):
        return width
    seconds = width_seconds(width)
    if seconds is None or not axis_time:
        raise ValueError(f"binwidth {width!r} is a time width; x is not a time column")
    return seconds / SECONDS_PER_DAY if axis_time["time"] == "datetime" else seconds


def time_origin(width: float, axis_time: dict[str, Any]) -> float:
    """Where bins of a time width start counting: the epoch (whole hours, days), or for
    whole weeks on a date axis a Monday (1970-01-05), as calendars count weeks."""
    weeks = axis_time["time"] == "datetime" and width >= 7 and width % 7 == 0
    return 4.0 if weeks else 0.0
