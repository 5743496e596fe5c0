"""Exact order statistics and percentiles of a stream of values, in flat memory.

The IQR numpy's "auto" bin rule needs (:mod:`tilegrid.core.bins`) takes two order
statistics of a whole column; this module finds them **exactly**, in a few streamed
passes over the values and flat memory:

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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

#: cells each level of the search splits a range into
FINE = 1 << 16
#: a cell holding at most this many values is collected and sorted
COLLECT = 1 << 18
#: levels of cells before a cell is collected whatever its size (values packed
#: closer than float64 can split further; real data stops within ~5 levels)
MAX_LEVELS = 64


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
