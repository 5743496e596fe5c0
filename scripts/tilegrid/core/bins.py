"""Histogram bins agreed over the whole table: numpy's rules, computed by streaming.

seaborn's ``displot(kind="hist")`` bins all the plot's data at once with
``np.histogram_bin_edges(all_data, "auto")``.  That rule needs the data's count,
range and interquartile range (IQR).  Count and range merge trivially; the IQR
needs two order statistics of the whole column, found exactly in a few streamed
passes by :mod:`tilegrid.core.quantiles`.  The values come from a
:class:`ValueSource`, which streams them anew on each pass.

**Tolerance** against ``np.histogram_bin_edges(all_data, "auto")`` on float64
data: the same number of bins and the same edges (0 in the arithmetic: the
same order statistics, the same float operations; ``tests/core/test_bins.py``
asserts the quartiles equal, the count equal and the edges to 1e-12 relative).
Two deliberate exceptions, where numpy's answer cannot be drawn: a rule asking
for more than ``MAX_BINS`` bins gets ``MAX_BINS`` (only "fd" on heavy tails,
or "auto" beyond 2.5e9 values), and a range only a few float steps wide, where
numpy raises "Too many bins for data range", gets fewer bins.

The rule is that of the pinned numpy (2.4): the smaller of the Sturges width,
``range / (log2 n + 1)``, and the Freedman-Diaconis width ``2 IQR n^(-1/3)``,
the latter held at or above half the square-root width ``range / sqrt(n)`` (so
an IQR of 0 or a heavy tail cannot ask for more than ``2 sqrt(n)`` bins; older
numpy releases skipped Freedman-Diaconis when the IQR was 0 instead).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .quantiles import Span, percentile

#: rules whose width needs only the count, range and IQR (``np.histogram_bin_edges``)
RULES = ("auto", "fd", "sturges", "sqrt")
#: the most bins a rule may ask for (numpy's "auto" stays below 2 sqrt(n))
MAX_BINS = 100_000


class BinsError(ValueError):
    """Bins that cannot be drawn (too many), worded for the user."""


# ---------------------------------------------------------------- numpy's rules


def rule_width(rule: str, n: int, lo: float, hi: float, iqr: float) -> float:
    """The bin width numpy's ``rule`` gives ``n`` values over ``[lo, hi]`` with ``iqr``."""
    ptp = float(np.subtract(hi, lo))
    sturges = ptp / (np.log2(n) + 1.0)
    sqrt = ptp / np.sqrt(n)
    fd = 2.0 * iqr * n ** (-1.0 / 3.0)
    widths = {
        "sturges": sturges,
        "sqrt": sqrt,
        "fd": fd,
        "auto": min(max(fd, sqrt / 2), sturges),
    }
    return float(widths[rule])


def outer_edges(lo: float, hi: float) -> tuple[float, float]:
    """numpy's outer edges: the data range, widened by 0.5 each side when it is a point.

    Beyond 2**53, where 0.5 is below float64's step, by one step instead (numpy
    refuses such a point).
    """
    if lo != hi:
        return lo, hi
    if lo - 0.5 == lo:
        return float(np.nextafter(lo, -np.inf)), float(np.nextafter(hi, np.inf))
    return lo - 0.5, hi + 0.5


def half_steps(lo: float, hi: float) -> bool:
    """Whether float64 holds the half-integers around ``[lo, hi]`` (below 2**52)."""
    return lo - 0.5 != lo and hi + 0.5 != hi


def bin_count(width: float, first: float, last: float) -> int:
    """Equal bins of about ``width`` over ``[first, last]``, as numpy counts them."""
    if not width:
        return 1
    return min(int(np.ceil(np.subtract(last, first) / width)), MAX_BINS)


# ---------------------------------------------------------------- values as the split streams them


class ValueSource:
    """The values a histogram bins, streamed anew on each pass, with their span.

    ``batches()`` yields float64 arrays; non-finite values are left out (as the
    split drops them), and on a log axis (``log``) the values' base-10 logs,
    positive values only (as seaborn bins a log axis).  ``span``, when the
    caller knows it (``(n, min, max)`` of the plain values), saves a pass.
    ``integer``: the column's type holds integers (True), or not, in which case
    :meth:`whole` looks at the values (None).  ``time``: what the x axis says of a
    time column (:func:`tilegrid.core.times.axis_time`), or None.
    """

    def __init__(
        self,
        batches: Callable[[], Iterator[np.ndarray]],
        log: bool = False,
        integer: bool | None = False,
        span: tuple[int, float, float] | None = None,
        time: dict[str, Any] | None = None,
    ):
        self.batches, self.log, self.integer = batches, log, integer
        self._span = None if log else span
        self.time = time

    def whole(self) -> bool:
        """Whether every value is a whole number: an integer column, or floats that are.

        A float column is read until its first fractional value (at once for
        most float data; one pass for whole numbers stored as floats, such as a
        pandas integer column with missing values).
        """
        if self.integer is None:
            self.integer = all(np.array_equal(b, np.floor(b)) for b in self.values())
        return bool(self.integer)

    def values(self) -> Iterator[np.ndarray]:
        """One pass over the values (finite; logs of the positive ones on a log axis)."""
        for batch in self.batches():
            if self.log:
                batch = np.log10(batch[batch > 0])
            finite = np.isfinite(batch)
            yield batch if finite.all() else batch[finite]

    def span(self) -> tuple[int, float, float]:
        """``(n, min, max)`` of the values (one pass unless known)."""
        if self._span is None:
            acc = Span()
            for batch in self.values():
                acc.update(batch)
            self._span = acc.result()
        return self._span

    def iqr(self) -> float:
        """The interquartile range, as ``np.subtract(*np.percentile(x, [75, 25]))``."""
        n, lo, hi = self.span()
        q75, q25 = percentile(self.values, n, lo, hi, (0.75, 0.25))
        return float(np.subtract(q75, q25))


# ---------------------------------------------------------------- bins


def rule_bins(source: ValueSource, rule: str | int) -> dict[str, Any]:
    """``np.histogram_bin_edges(values, rule)`` as ``{start, stop, count}`` (equal bins).

    ``rule`` is a number of bins or a name in :data:`RULES`.  Without values,
    one bin over [0, 1], as numpy.
    """
    n, lo, hi = source.span()
    if n == 0:
        return {"start": 0.0, "stop": 1.0, "count": 1}
    first, last = outer_edges(lo, hi)
    if isinstance(rule, int):
        count = rule
    else:
        iqr = source.iqr() if rule in ("auto", "fd") and hi > lo else 0.0
        count = bin_count(rule_width(rule, n, lo, hi, iqr), first, last)
    return {"start": float(first), "stop": float(last), "count": representable(first, last, count)}


def width_bins(source: ValueSource, width: float, origin: float | None = None) -> dict[str, Any]:
    """Bins ``width`` wide over the values, as seaborn's ``binwidth``: from the smallest
    value (``np.arange(lo, hi + width, width)``), or with ``origin`` from the multiple
    of ``width`` from ``origin`` at or below it (whole hours or days of a time axis)."""
    n, lo, hi = source.span()
    if n == 0:
        return {"start": 0.0, "stop": 1.0, "count": 1}
    start = lo if origin is None else origin + math.floor((lo - origin) / width) * width
    count = max(1, len(np.arange(start, hi + width, width)) - 1)
    if count > MAX_BINS:
        raise BinsError(
            f"plot.options.binwidth: {count} bins of {width:g} over [{lo:g}, {hi:g}]; "
            f"at most {MAX_BINS}: choose a wider bin"
        )
    return {"start": float(start), "stop": float(start + count * width), "count": count}


def representable(first: float, last: float, count: int) -> int:
    """``count``, halved until the equal bins over ``[first, last]`` have distinct edges.

    numpy refuses ("Too many bins for data range") a range only a few float
    steps wide (1e9 + 1e-6); tilegrid draws fewer bins there instead.
    """
    while count > 1 and np.any(np.diff(np.linspace(first, last, count + 1)) <= 0):
        count //= 2
    return int(count)


#: numpy's bins this many whole numbers wide or wider are kept as they are (seaborn's
#: edges): a bin holding 50 integers or 51 counts within 2%, no comb shows
COMB_FREE_WIDTH = 50


def integer_bins(source: ValueSource, rule: str) -> tuple[dict[str, Any], bool]:
    """Bins that never split an integer step, and whether they are one per integer.

    The width of numpy's ``rule`` rounded up to a whole number; bins then start
    half a step below the smallest value, so each integer sits inside a bin.
    Width 1 is one bin centred on each integer (seaborn's ``discrete=True``).  A
    rule's width of ``COMB_FREE_WIDTH`` or more keeps numpy's edges, as seaborn.
    """
    n, lo, hi = source.span()
    if n == 0:
        return {"start": 0.0, "stop": 1.0, "count": 1}, False
    if not half_steps(lo, hi):  # epoch nanoseconds: not integers any more as float64
        return rule_bins(source, rule), False
    iqr = source.iqr() if rule in ("auto", "fd") and hi > lo else 0.0
    steps = hi - lo + 1
    rule_step = rule_width(rule, n, lo, hi, iqr)
    if rule_step >= COMB_FREE_WIDTH:
        return rule_bins(source, rule), False
    width = max(1, math.ceil(rule_step), math.ceil(steps / MAX_BINS))
    count = math.ceil(steps / width)
    start = lo - 0.5
    return {"start": start, "stop": start + count * width, "count": int(count)}, width == 1


def discrete_bins(source: ValueSource) -> dict[str, Any]:
    """Bins of width 1 centred on the smallest value and each step up from it.

    As seaborn's ``discrete=True`` (``np.arange(min - .5, max + 1.5)``): on
    integers, one bin centred on each integer.
    """
    n, lo, hi = source.span()
    if n == 0:
        return {"start": -0.5, "stop": 0.5, "count": 1}
    if not half_steps(lo, hi):
        raise BinsError(
            f"plot.options.discrete: values up to {max(abs(lo), abs(hi)):g} are beyond "
            "2**52, where float64 has no half steps; set discrete: false (or auto)"
        )
    count = int(np.ceil(hi - lo + 2)) - 1  # np.arange(lo - .5, hi + 1.5)
    if count > MAX_BINS:
        raise BinsError(
            f"plot.options.discrete: one bin per step from {lo:g} to {hi:g} makes {count} "
            f"bins, more than {MAX_BINS}; set discrete: false (or auto) for this column"
        )
    return {"start": lo - 0.5, "stop": lo - 0.5 + count, "count": count}


def edges_of(bins: dict[str, Any]) -> np.ndarray:
    """A sidecar's bins as edges: explicit ``edges``, or equal bins (in log10 with ``log``)."""
    if bins.get("edges") is not None:
        return np.asarray(bins["edges"], dtype=float)
    edges = np.linspace(bins["start"], bins["stop"], bins["count"] + 1)
    return 10.0**edges if bins.get("log") else edges


def counts(values: np.ndarray, bins: dict[str, Any]) -> np.ndarray:
    """How many of ``values`` fall in each bin (``np.histogram``'s rules: the last bin is closed).

    Equal bins are counted as ``np.histogram(values, count, (start, stop))``
    counts them (seaborn's call; O(rows) whatever the count), in log10 of the
    positive values on a log axis; explicit edges by search.
    """
    if bins.get("edges") is not None:
        return np.histogram(values, np.asarray(bins["edges"], dtype=float))[0]
    if bins.get("log"):
        values = np.log10(values[values > 0])
    return np.histogram(values, bins["count"], (bins["start"], bins["stop"]))[0]
