"""Histogram bins agreed over the whole table: numpy's rules, computed by streaming.

seaborn's ``displot(kind="hist")`` bins all the plot's data at once with
``np.histogram_bin_edges(all_data, "auto")``.  That rule needs the data's count,
range and interquartile range (IQR).  Count and range merge trivially; the IQR
needs two order statistics of the whole column, which this module finds
**exactly**, in a few streamed passes over the values and flat memory:

1. a pass counts the values in ``FINE`` equal cells over ``[min, max]``; the
   cell holding each wanted rank is known from the running counts;
2. a pass collects the values of that cell (at most ``COLLECT`` of them) and
   sorts them; a fuller cell (values piled up in a narrow range: heavy tails,
   ties) is split again into ``FINE`` cells instead, and so on.  A cell whose
   values are all equal is done at once; a cell whose values all fell into one
   sub-cell is split again over its own min-max range, so each pass narrows
   the range ``FINE``-fold or leaves fewer values.

Up to ``COLLECT`` values in all, one pass collects them; most larger columns
take two passes, a pile-up in a huge range (Cauchy-like tails) three or four.
Memory: the cells' counts (0.5 MB each) and at most ``COLLECT`` collected
values (2 MB) per wanted rank, whatever the number of values.

Each pass is a mergeable statistic (:class:`RankSearch`: ``update(values)``,
``merge(other)``, ``result()``): counts add and collected values are sorted at
the end, so the answer does not depend on how the values are batched or in
which order partial results merge.  With the exact order statistics,
:func:`percentile` interpolates as ``np.percentile`` (method "linear") does, so
the IQR, the bin width and the bin count equal numpy's.

**Tolerance** against ``np.histogram_bin_edges(all_data, "auto")`` on float64
data: the same number of bins and the same edges (0 in the arithmetic: the
same order statistics, the same float operations; ``tests/test_hist_bins.py``
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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

#: cells each level of the search splits a range into
FINE = 1 << 16
#: a cell holding at most this many values is collected and sorted
COLLECT = 1 << 18
#: levels of cells before a cell is collected whatever its size (values packed
#: closer than float64 can split further; real data stops within ~5 levels)
MAX_LEVELS = 64
#: rules whose width needs only the count, range and IQR (``np.histogram_bin_edges``)
RULES = ("auto", "fd", "sturges", "sqrt")
#: the most bins a rule may ask for (numpy's "auto" stays below 2 sqrt(n))
MAX_BINS = 100_000


class BinsError(ValueError):
    """Bins that cannot be drawn (too many), worded for the user."""


#: one level of a cell's address: (start, cells per unit, cell index)
Level = tuple[float, float, int]


# ---------------------------------------------------------------- numpy's arithmetic


def percentile_ranks(n: int, q: float) -> tuple[int, int, float]:
    """The 0-based ranks below and above the ``q`` quantile of ``n`` values, and the weight.

    As ``np.percentile(..., method="linear")``: virtual index ``(n - 1) q``.
    """
    virtual = (n - 1) * q
    below = math.floor(virtual)
    if virtual >= n - 1:
        return n - 1, n - 1, 0.0
    return below, below + 1, virtual - below


def lerp(a: float, b: float, t: float) -> float:
    """numpy's interpolation between two order statistics (``_lerp``, to the bit)."""
    diff = b - a
    return float(b - diff * (1 - t)) if t >= 0.5 else float(a + diff * t)


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


# ---------------------------------------------------------------- the streamed statistics


@dataclass
class Span:
    """Count, min and max of a stream of values (mergeable)."""

    n: int = 0
    lo: float = math.inf
    hi: float = -math.inf

    def update(self, values: np.ndarray) -> None:
        """Add a batch of finite values."""
        if values.size:
            self.n += int(values.size)
            self.lo = min(self.lo, float(values.min()))
            self.hi = max(self.hi, float(values.max()))

    def merge(self, other: Span) -> Span:
        """Both streams together."""
        return Span(self.n + other.n, min(self.lo, other.lo), max(self.hi, other.hi))

    def result(self) -> tuple[int, float, float]:
        """``(n, min, max)``; min and max are NaN without values."""
        return (self.n, self.lo, self.hi) if self.n else (0, math.nan, math.nan)


def cell_index(values: np.ndarray, start: float, per_unit: float) -> np.ndarray:
    """Each value's cell among ``FINE`` cells from ``start`` (the ends hold any stray value)."""
    scaled = (values - start) * per_unit
    np.clip(scaled, 0, FINE - 1, out=scaled)
    return scaled.astype(np.intp)  # truncation: the floor of a non-negative number


def members(values: np.ndarray, chain: tuple[Level, ...]) -> np.ndarray:
    """The values in the cell addressed by ``chain`` (level by level)."""
    for start, per_unit, index in chain:
        if values.size == 0:
            break
        values = values[cell_index(values, start, per_unit) == index]
    return values


@dataclass
class Cell:
    """What a pass learns about one cell: its values (collected) or its sub-cells' counts."""

    collect: bool
    counts: np.ndarray | None = None
    values: list[np.ndarray] = field(default_factory=list)
    lo: float = math.inf
    hi: float = -math.inf

    def merge(self, other: Cell) -> Cell:
        """Both partial cells together (counts add, collected values concatenate)."""
        counts = None if self.counts is None else self.counts + other.counts
        return Cell(
            self.collect,
            counts,
            self.values + other.values,
            min(self.lo, other.lo),
            max(self.hi, other.hi),
        )


@dataclass(frozen=True)
class Probe:
    """A wanted rank, the cell known to hold it, and how to split that cell next.

    ``below`` values of the whole stream lie before the cell, ``count`` in it;
    ``level`` is ``(start, cells per unit)`` of the ``FINE`` sub-cells to count
    the cell's values in.
    """

    rank: int
    chain: tuple[Level, ...]
    below: int
    count: int
    level: tuple[float, float]

    @property
    def collect(self) -> bool:
        """Whether the next pass collects the cell's values instead of counting them."""
        return (
            self.count <= COLLECT
            or len(self.chain) >= MAX_LEVELS
            or not math.isfinite(self.level[1])
        )


def first_level(lo: float, hi: float) -> tuple[float, float]:
    """``FINE`` cells over ``[lo, hi]``."""
    return (float(lo), FINE / (float(hi) - float(lo)))


class RankSearch:
    """One pass of the exact search for order statistics (a mergeable statistic).

    ``probes`` are the open searches: a probe whose cell holds at most
    ``COLLECT`` values has them collected, any other has its cell counted in
    ``FINE`` sub-cells.  ``update`` each batch of values (any order, any
    batching), ``merge`` partial passes, then ``result`` gives the ranks found
    and the probes for the next pass.
    """

    def __init__(self, probes: Sequence[Probe]):
        self.probes = list(probes)
        self.cells: dict[tuple, Cell] = {}
        for p in self.probes:
            if self.key(p) not in self.cells:
                counts = None if p.collect else np.zeros(FINE, np.int64)
                self.cells[self.key(p)] = Cell(p.collect, counts)

    @staticmethod
    def key(probe: Probe) -> tuple:
        """Probes of the same cell, split the same way, share one cell."""
        return (probe.chain, probe.level, probe.collect)

    def update(self, values: np.ndarray) -> None:
        """Count or collect the batch's values (finite float64) in each open cell."""
        if values.size == 0:
            return
        top: dict[Level, np.ndarray] = {}  # first-level members, shared by the probes
        for (chain, level, _), cell in self.cells.items():
            if chain:
                if chain[0] not in top:
                    top[chain[0]] = members(values, chain[:1])
                inside = members(top[chain[0]], chain[1:])
            else:
                inside = values
            if inside.size == 0:
                continue
            cell.lo = min(cell.lo, float(inside.min()))
            cell.hi = max(cell.hi, float(inside.max()))
            if cell.collect:
                cell.values.append(inside.copy())
            else:
                cell.counts += np.bincount(cell_index(inside, *level), minlength=FINE)

    def merge(self, other: RankSearch) -> RankSearch:
        """Both partial passes together (same probes)."""
        out = RankSearch(self.probes)
        out.cells = {c: self.cells[c].merge(other.cells[c]) for c in self.cells}
        return out

    def result(self) -> tuple[dict[int, float], list[Probe]]:
        """Ranks found (rank -> value), and the probes still open for the next pass."""
        found: dict[int, float] = {}
        open_probes: list[Probe] = []
        for p in self.probes:
            cell = self.cells[self.key(p)]
            if cell.lo == cell.hi:  # every value in the cell is the same
                found[p.rank] = cell.lo
            elif cell.collect:
                values = np.sort(np.concatenate(cell.values))
                found[p.rank] = float(values[p.rank - p.below])
            else:
                open_probes.append(_narrow(p, cell))
        return found, open_probes


def _narrow(probe: Probe, cell: Cell) -> Probe:
    """The probe moved into the sub-cell holding its rank.

    The sub-cell is split next over its nominal range, ``FINE`` times finer.
    When every value fell into one sub-cell (a pile-up much narrower than the
    cell), the same values are split again over their own min-max range
    instead, which sends the min and the max to different sub-cells: each pass
    narrows the range ``FINE``-fold or leaves fewer values in the cell.
    """
    counts = cell.counts
    ends = np.cumsum(counts)
    index = int(np.searchsorted(ends, probe.rank - probe.below, side="right"))
    if counts[index] == probe.count:
        return replace(probe, level=first_level(cell.lo, cell.hi))
    start, per_unit = probe.level
    before = int(ends[index - 1]) if index else 0
    return Probe(
        probe.rank,
        (*probe.chain, (start, per_unit, index)),
        probe.below + before,
        int(counts[index]),
        (start + index / per_unit, per_unit * FINE),
    )


def order_statistics(
    passes: Callable[[], Iterable[np.ndarray]], n: int, lo: float, hi: float, ranks: Iterable[int]
) -> dict[int, float]:
    """The exact values at 0-based ``ranks`` of the ``n`` values ``passes()`` streams.

    ``passes()`` yields the values (finite float64 batches) anew on each call;
    ``lo``/``hi`` are their min and max.  One pass per level of the search.
    """
    ranks = sorted(set(ranks))
    if lo == hi:
        return dict.fromkeys(ranks, lo)
    found = {r: lo for r in ranks if r == 0}
    found.update({r: hi for r in ranks if r == n - 1})
    probes = [Probe(r, (), 0, n, first_level(lo, hi)) for r in ranks if r not in found]
    while probes:
        search = RankSearch(probes)
        for values in passes():
            search.update(values)
        done, probes = search.result()
        found.update(done)
    return found


def percentile(
    passes: Callable[[], Iterable[np.ndarray]], n: int, lo: float, hi: float, qs: Sequence[float]
) -> list[float]:
    """``np.percentile(all_values, 100 * q)`` for each q, streamed and exact."""
    places = [percentile_ranks(n, q) for q in qs]
    stats = order_statistics(passes, n, lo, hi, [r for a, b, _ in places for r in (a, b)])
    return [lerp(stats[a], stats[b], t) for a, b, t in places]


# ---------------------------------------------------------------- values as the split streams them


class ValueSource:
    """The values a histogram bins, streamed anew on each pass, with their span.

    ``batches()`` yields float64 arrays; non-finite values are left out (as the
    split drops them), and on a log axis (``log``) the values' base-10 logs,
    positive values only (as seaborn bins a log axis).  ``span``, when the
    caller knows it (``(n, min, max)`` of the plain values), saves a pass.
    ``integer``: the column's type holds integers (True), or not, in which case
    :meth:`whole` looks at the values (None).
    """

    def __init__(
        self,
        batches: Callable[[], Iterator[np.ndarray]],
        log: bool = False,
        integer: bool | None = False,
        span: tuple[int, float, float] | None = None,
    ):
        self.batches, self.log, self.integer = batches, log, integer
        self._span = None if log else span

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
