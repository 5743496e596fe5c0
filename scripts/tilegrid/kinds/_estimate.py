"""Estimates with error bars, shared by bar and point.

Confidence intervals of a mean or sum are analytic (Student's t, from the
moments the split merges) from ``BOOTSTRAP_BELOW`` values up: right, O(rows),
and within a few percent of seaborn's bootstrap there.  Below it, where the t
interval is wide (n = 2: +-12.7 standard deviations) and seaborn's bootstrap
stays inside the data, the interval is seaborn's: a percentile bootstrap of
``N_BOOT`` resamples with a fixed seed, so a tile's pixels do not change from run
to run.  The split bounds such a group's interval by the group's data range.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..stats import Moments, TileStats

ESTIMATORS = ("mean", "median", "sum")
#: groups with fewer values get seaborn's bootstrap interval, not the t interval
BOOTSTRAP_BELOW = 30
N_BOOT = 1000
SEED = 0


def _t(level: float, n: int) -> float:
    """Student-t quantile for a two-sided ``level`` % interval of ``n`` values."""
    if n < 2:
        return math.nan
    return _t_ppf(0.5 + level / 200, n - 1)


def _t_ppf(q: float, df: int) -> float:
    """Student-t quantile by bisection on its CDF (regularised incomplete beta)."""
    lo, hi = 0.0, 1e4
    for _ in range(100):
        mid = (lo + hi) / 2
        if _t_cdf(mid, df) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _t_cdf(t: float, df: int) -> float:
    x = df / (df + t * t)
    return 1 - 0.5 * _betainc(df / 2, 0.5, x)


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b) (Lentz's continued fraction)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    if x > (a + 1) / (a + b + 2):
        return 1 - _betainc(b, a, 1 - x)
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    front = math.exp(log_front + a * math.log(x) + b * math.log1p(-x))
    return front * _betacf(a, b, x) / a


def _tiny(v: float) -> float:
    return v if abs(v) > 1e-300 else 1e-300


def _betacf(a: float, b: float, x: float) -> float:
    c, d = 1.0, 1 / _tiny(1 - (a + b) * x / (a + 1))
    h = d
    for m in range(1, 500):
        even = m * (b - m) * x / ((a - 1 + 2 * m) * (a + 2 * m))
        d = 1 / _tiny(1 + even * d)
        c = _tiny(1 + even / c)
        h *= d * c
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1 + 2 * m))
        d = 1 / _tiny(1 + odd * d)
        c = _tiny(1 + odd / c)
        h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h


def parse_errorbar(value: Any) -> tuple[str | None, float]:
    """seaborn's ``errorbar``: "ci"/"se"/"sd"/"pi", (method, level) or None."""
    if value is None:
        return None, 0.0
    if isinstance(value, str):
        return value, {"ci": 95.0, "pi": 95.0, "se": 1.0, "sd": 1.0}[value]
    return str(value[0]), float(value[1])


def valid_errorbar(value: Any) -> bool:
    """Whether ``value`` is an errorbar spec this module computes."""
    try:
        method, level = parse_errorbar(value)
    except (KeyError, TypeError, ValueError, IndexError):
        return False
    return method in (None, "ci", "se", "sd", "pi") and level >= 0


def from_moments(m: Moments, estimator: str, errorbar: Any) -> tuple[float, float, float]:
    """(estimate, low, high) from moments alone (mean and sum; median needs the values)."""
    method, level = parse_errorbar(errorbar)
    scale = m.n if estimator == "sum" else 1
    est = m.mean * scale
    if method is None or m.n < 2:
        return est, est, est
    if method == "ci":
        half = _t(level, m.n) * m.std / math.sqrt(m.n)
    elif method == "se":
        half = level * m.std / math.sqrt(m.n)
    elif method == "sd":
        half = level * m.std
    else:  # "pi" needs the values: bound it by the data range
        return est, m.min * scale, m.max * scale
    return est, est - half * scale, est + half * scale


def estimate(values: np.ndarray, estimator: str, errorbar: Any) -> tuple[float, float, float]:
    """(estimate, low, high) of one group's values, all O(n)."""
    method, level = parse_errorbar(errorbar)
    if method == "pi":
        lo, hi = np.percentile(values, [50 - level / 2, 50 + level / 2])
        est = estimate(values, estimator, None)[0]
        return est, float(lo), float(hi)
    if estimator != "median":
        if method == "ci" and 2 <= values.size < BOOTSTRAP_BELOW:
            return bootstrap(values, estimator, level)
        return from_moments(Moments.of(values), estimator, errorbar)
    med = float(np.median(values))
    n = values.size
    if method is None or n < 2:
        return med, med, med
    if method == "ci":  # distribution-free CI of the median from order statistics
        from statistics import NormalDist

        z = NormalDist().inv_cdf(0.5 + level / 200)
        k = max(0, int(math.floor(n / 2 - z * math.sqrt(n) / 2)))
        lo_hi = np.partition(values, (k, n - 1 - k))
        return med, float(lo_hi[k]), float(lo_hi[n - 1 - k])
    spread = float(values.std(ddof=1)) * level
    if method == "se":
        spread *= 1.2533 / math.sqrt(n)  # standard error of the median (normal data)
    return med, med - spread, med + spread


def bootstrap(values: np.ndarray, estimator: str, level: float) -> tuple[float, float, float]:
    """(estimate, low, high): seaborn's percentile bootstrap of a mean or sum, fixed seed."""
    n = values.size
    resamples = values[np.random.default_rng(SEED).integers(0, n, (N_BOOT, n))]
    boots = resamples.sum(axis=1) if estimator == "sum" else resamples.mean(axis=1)
    lo, hi = np.percentile(boots, [50 - level / 2, 50 + level / 2])
    est = float(values.sum()) if estimator == "sum" else float(values.mean())
    return est, float(lo), float(hi)


def bootstrap_bound(m: Moments, estimator: str, errorbar: Any) -> tuple[float, float]:
    """An interval that holds a small group's bootstrap interval, from its moments alone.

    A resampled mean stays inside the data's range; and the percentile bootstrap
    interval, whose spread is below the sample's (by (n-1)/n), stays inside the
    Student-t interval, here widened by a tenth for skewed samples.  The shared
    limit uses the narrower of the two.
    """
    scale = m.n if estimator == "sum" else 1
    _, lo, hi = from_moments(m, estimator, errorbar)
    pad = 0.1 * (hi - lo) / 2
    return max(m.min * scale, lo - pad), min(m.max * scale, hi + pad)


def extent(stats: TileStats, estimator: str, errorbar: Any) -> tuple[float, float] | None:
    """y interval of every group's error bar (data range for the median)."""
    method, _ = parse_errorbar(errorbar)
    spans = []
    for m in stats.all("y"):
        if estimator == "median":
            spans.append((m.min, m.max))
        elif method == "ci" and 2 <= m.n < BOOTSTRAP_BELOW:
            spans.append(bootstrap_bound(m, estimator, errorbar))
        else:
            _, lo, hi = from_moments(m, estimator, errorbar)
            spans.append((lo, hi))
    if not spans:
        return None
    return min(s[0] for s in spans), max(s[1] for s in spans)


#: option checks shared by the kinds that draw estimates (for _common.check)
OPTION_RULES = {
    "estimator": (lambda v: v in ESTIMATORS, "one of mean, median, sum"),
    "errorbar": (valid_errorbar, 'null, "ci", "se", "sd", "pi" or [method, level]'),
}
