"""seaborn's bootstrap confidence interval of an estimator, for a large group, in O(n).

From :data:`~tilegrid.kinds._estimate.BOOTSTRAP_BELOW` values up a bootstrap would
cost ``n_boot`` times the group's rows; the percentile interval of the bootstrap
distribution is found from the values instead:

- median and quantiles: order statistics, a resample's order statistics having
  binomial ranks among the data's;
- max and min: the bootstrap distribution of an extreme exactly: a resample's
  largest value is at most the ``k``-th smallest with probability ``(k / n) ** n``;
- var and std: the bootstrap distribution of ``np.var`` by its first three
  cumulants, from the values' central moments, through a Cornish-Fisher expansion
  (its skew term bounded), std its square root (a percentile interval follows a
  monotone function);
- count: none, every resample has ``n`` values (seaborn's own bootstrap fails there).

Mean and sum are Student's t (:func:`tilegrid.kinds._estimate.from_moments`).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from ..core.stats import Moments

#: the Cornish-Fisher skew term is kept within this share of ``|z|`` standard deviations
SKEW_TERM = 0.5


def z_of(level: float) -> float:
    """The standard normal quantile of the upper end of a central ``level`` % interval."""
    return NormalDist().inv_cdf(min(0.5 + level / 200, 1 - 1e-16))


def large_sample(values: np.ndarray, name: str, q: float, level: float) -> tuple[float, float]:
    """The bootstrap interval of estimator ``name`` (``q``: a quantile's probability)."""
    if name in ("median", "quantile"):
        return quantile_interval(values, q, level)
    if name == "max":
        return extreme_interval(values, level)
    if name == "min":
        lo, hi = extreme_interval(-values, level)
        return -hi, -lo
    if name in ("var", "std"):
        lo, hi = variance_interval(values, level)
        return (math.sqrt(lo), math.sqrt(hi)) if name == "std" else (lo, hi)
    n = float(values.size)
    return n, n  # count


def quantile_interval(values: np.ndarray, q: float, level: float) -> tuple[float, float]:
    """The bootstrap interval of ``np.quantile(resample, q)`` from order statistics.

    A resample's ``j``-th smallest value (from 0) is at most the data's ``k``-th
    smallest (from 1) when at least ``j + 1`` of its ``n`` draws are, a binomial count
    of ``n`` draws at ``k / n``: each end is the first ``k`` whose probability reaches
    the end's share.  The quantile interpolates between the resample's ranks ``j``
    and ``j + 1`` around ``(n - 1) q``, and so do the ends.
    """
    n = values.size
    virtual = (n - 1) * q
    j = min(int(math.floor(virtual)), n - 1)
    frac = virtual - j
    shares = (0.5 - level / 200, 0.5 + level / 200)
    ranks = [rank_reaching(rank, n, share) for rank in (j, min(j + 1, n - 1)) for share in shares]
    found = np.partition(values, sorted(set(ranks)))
    lo_j, hi_j, lo_next, hi_next = (float(found[r]) for r in ranks)
    return lo_j + frac * (lo_next - lo_j), hi_j + frac * (hi_next - hi_j)


def rank_reaching(rank: int, n: int, share: float) -> int:
    """The index (from 0) of the first data value, the ``k``-th smallest, at which a
    resample's ``rank``-th value is at most it with probability ``share`` or more."""
    lo, hi = 1, n  # at k = n the probability is 1
    while lo < hi:
        k = (lo + hi) // 2
        if binomial_at_least(n, k / n, rank + 1) >= share:
            hi = k
        else:
            lo = k + 1
    return lo - 1


def binomial_at_least(n: int, p: float, m: int) -> float:
    """``P(Binomial(n, p) >= m)``, from the probabilities within 12 standard deviations
    of the mean (the rest is below 1e-30), summed in log space."""
    if m <= 0 or p >= 1:
        return 1.0
    if m > n or p <= 0:
        return 0.0
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    first = max(0, int(mean - 12 * sd) - 1)
    last = min(n, int(mean + 12 * sd) + 2)
    counts = np.arange(first, last + 1, dtype=float)
    steps = np.log((n - counts[:-1]) / (counts[1:])) + math.log(p / (1 - p))
    log_pmf = np.concatenate(([0.0], np.cumsum(steps)))
    weights = np.exp(log_pmf - log_pmf.max())
    return float(weights[counts >= m].sum() / weights.sum())


def extreme_interval(values: np.ndarray, level: float) -> tuple[float, float]:
    """The percentile interval of a resample's largest value, exactly: the ``k``-th
    smallest (1-based) is the first whose ``(k / n) ** n`` reaches each end's share."""
    n = values.size
    ranks = []
    for share in (0.5 - level / 200, 0.5 + level / 200):
        k = math.ceil(n * share ** (1 / n)) if share > 0 else 1
        ranks.append(min(max(k, 1), n) - 1)
    ends = np.partition(values, ranks)
    return float(ends[ranks[0]]), float(ends[ranks[1]])


def variance_interval(values: np.ndarray, level: float) -> tuple[float, float]:
    """The bootstrap interval of ``np.var`` (ddof 0), Cornish-Fisher from three cumulants.

    Of a resample's variance: mean ``m2 (n - 1) / n``, variance ``(m4 - m2^2) / n`` and
    third cumulant ``(m6 - 3 m4 m2 - 6 m3^2 + 2 m2^3) / n^2`` to leading order, with
    ``mk`` the values' central moments; kept within [0, range^2 / 4], where every
    resample's variance lies.
    """
    n = values.size
    dev = values - values.mean()
    sq = dev * dev
    m2, m3, m4, m6 = sq.mean(), (sq * dev).mean(), (sq * sq).mean(), (sq * sq * sq).mean()
    center = m2 * (n - 1) / n
    sd = math.sqrt(max(m4 - m2 * m2, 0.0) / n)
    k3 = (m6 - 3 * m4 * m2 - 6 * m3 * m3 + 2 * m2**3) / (n * n)
    skew = k3 / sd**3 if sd > 0 else 0.0
    top = (float(values.max()) - float(values.min())) ** 2 / 4
    ends = []
    for z in (-z_of(level), z_of(level)):
        term = min(max((z * z - 1) * skew / 6, -SKEW_TERM * abs(z)), SKEW_TERM * abs(z))
        ends.append(min(max(center + sd * (z + term), 0.0), top))
    return ends[0], ends[1]


def spread_bound(m: Moments, level: float, bootstrap: bool) -> tuple[float, float]:
    """An interval holding the drawn interval of a group's variance, from its moments.

    A resample's variance lies in [0, range^2 / 4] (the bound of a small group's
    bootstrap).  For a large group, ``m4 <= D^2 m2`` with ``D`` the furthest value from
    the mean bounds the standard deviation of :func:`variance_interval`, whose ends lie
    within ``(1 + SKEW_TERM) |z|`` of them from its centre.
    """
    top = (m.max - m.min) ** 2 / 4
    if bootstrap:
        return 0.0, top
    m2 = m.pop_sd**2
    far = max(m.max - m.mean, m.mean - m.min)
    sd = math.sqrt(max(m2 * (far * far - m2), 0.0) / m.n)
    center = m2 * (m.n - 1) / m.n
    reach = (1 + SKEW_TERM) * z_of(level) * sd
    return max(center - reach, 0.0), min(center + reach, top)
