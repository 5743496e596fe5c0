"""Estimates with error bars, shared by bar, point and line: seaborn's ``estimator``
and ``errorbar`` (its ``EstimateAggregator``), each in O(values).

``estimator``: a name of pandas' aggregations, "mean", "median", "sum", "max",
"min", "std", "var" (both with ddof 1) or "count", or ``["quantile", q]`` (pandas'
``quantile(q)``, numpy's linear interpolation).  ``errorbar``: null, a method or
``[method, level]``, as seaborn means them:

- ``sd`` / ``se``: the estimate plus and minus ``level`` standard deviations /
  standard errors of the values (whatever the estimator, as seaborn);
- ``pi``: the values' central ``level`` % percentile interval;
- ``ci``: the percentile bootstrap interval of the estimator (numpy's function of a
  resample, as seaborn's ``bootstrap``: ``np.std`` with ddof 0).  Below
  ``BOOTSTRAP_BELOW`` values it is seaborn's bootstrap itself: ``n_boot``
  resamples drawn from ``np.random.default_rng(seed)``, the very draws seaborn makes
  with that seed, so a tile's pixels never change from run to run.  From
  ``BOOTSTRAP_BELOW`` up, where a bootstrap would cost ``n_boot`` times the rows,
  the bootstrap distribution's interval is computed in O(values)
  (:mod:`tilegrid.kinds._intervals`).

The split bounds every drawn interval from the group's moments alone
(:func:`extent`); a quantile or median is bounded by the data range.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.stats import Moments, TileStats
from . import _intervals
from ._common import value_log
from ._tdist import t_quantile

ESTIMATORS = ("mean", "median", "sum", "max", "min", "std", "var", "count")
METHODS = ("ci", "pi", "se", "sd")
#: groups with fewer values get seaborn's bootstrap interval, larger ones its closed form
BOOTSTRAP_BELOW = 30
N_BOOT = 1000
SEED = 0
#: the most resamples ``n_boot`` may ask for (each a row of at most 29 values)
MAX_BOOT = 100_000


def parse_estimator(value: Any) -> tuple[str, float]:
    """``(name, q)``: the quantile's probability for "quantile" (0.5 for "median")."""
    if isinstance(value, str):
        return value, 0.5 if value == "median" else math.nan
    return "quantile", float(value[1])


def valid_estimator(value: Any) -> bool:
    """Whether ``value`` is an estimator this module computes."""
    if isinstance(value, str):
        return value in ESTIMATORS
    if isinstance(value, (list, tuple)) and len(value) == 2 and value[0] == "quantile":
        q = value[1]
        return isinstance(q, (int, float)) and not isinstance(q, bool) and 0 <= q <= 1
    return False


def parse_errorbar(value: Any) -> tuple[str | None, float]:
    """seaborn's ``errorbar``: "ci"/"se"/"sd"/"pi", (method, level) or None."""
    if value is None:
        return None, 0.0
    if isinstance(value, str):
        return value, {"ci": 95.0, "pi": 95.0, "se": 1.0, "sd": 1.0}[value]
    return str(value[0]), float(value[1])


def valid_errorbar(value: Any) -> bool:
    """Whether ``value`` is an errorbar spec this module computes."""
    if isinstance(value, (list, tuple)) and (len(value) != 2 or isinstance(value[1], bool)):
        return False
    try:
        method, level = parse_errorbar(value)
    except (KeyError, TypeError, ValueError, IndexError):
        return False
    if method in ("ci", "pi"):
        return 0 <= level <= 100
    return method in (None, "se", "sd") and level >= 0


def statistic(values: np.ndarray, estimator: Any) -> float:
    """The estimate of one group's values, as pandas aggregates them (O(n))."""
    name, q = parse_estimator(estimator)
    n = values.size
    if name == "mean":
        return float(values.mean())
    if name == "sum":
        return float(values.sum())
    if name == "median":
        return float(np.median(values))
    if name == "quantile":
        return float(np.quantile(values, q))
    if name == "max":
        return float(values.max())
    if name == "min":
        return float(values.min())
    if name == "count":
        return float(n)
    spread = float(values.var(ddof=1)) if n > 1 else math.nan
    return math.sqrt(spread) if name == "std" else spread


def estimate(
    values: np.ndarray, estimator: Any, errorbar: Any, n_boot: int = N_BOOT, seed: int = SEED
) -> tuple[float, float, float]:
    """(estimate, low, high) of one group's values (at least one), all O(n).

    Without an interval (``errorbar`` null, or a single value) low and high are
    the estimate.
    """
    name, q = parse_estimator(estimator)
    method, level = parse_errorbar(errorbar)
    n = values.size
    if name in ("mean", "sum") and method != "pi" and not (method == "ci" and n < BOOTSTRAP_BELOW):
        return from_moments(Moments.of(values), name, errorbar)
    est = statistic(values, estimator)
    if method is None or n < 2:
        return est, est, est
    if method == "pi":
        lo, hi = np.percentile(values, [50 - level / 2, 50 + level / 2])
    elif method in ("sd", "se"):
        half = level * float(values.std(ddof=1)) / (math.sqrt(n) if method == "se" else 1)
        lo, hi = est - half, est + half
    elif n < BOOTSTRAP_BELOW:
        lo, hi = bootstrap_interval(values, name, q, level, n_boot, seed)
    else:
        lo, hi = _intervals.large_sample(values, name, q, level)
    return est, float(lo), float(hi)


def from_moments(m: Moments, estimator: str, errorbar: Any) -> tuple[float, float, float]:
    """(estimate, low, high) of a mean or sum from moments alone (Student's t for "ci";
    "pi" needs the values: the data range, a bound)."""
    method, level = parse_errorbar(errorbar)
    scale = m.n if estimator == "sum" else 1
    est = m.mean * scale
    if method is None or m.n < 2:
        return est, est, est
    if method == "ci":
        half = t_quantile(level, m.n) * m.std / math.sqrt(m.n) * scale
    elif method == "se":
        half = level * m.std / math.sqrt(m.n)
    elif method == "sd":
        half = level * m.std
    else:
        return est, m.min, m.max
    return est, est - half, est + half


def resampled(samples: np.ndarray, name: str, q: float) -> np.ndarray:
    """The estimator of each row of ``samples`` (resamples), numpy's function as seaborn's
    bootstrap calls it (``np.std``, ``np.var``: ddof 0)."""
    if name == "mean":
        return samples.mean(axis=1)
    if name == "sum":
        return samples.sum(axis=1)
    if name == "median":
        return np.median(samples, axis=1)
    if name == "quantile":
        return np.quantile(samples, q, axis=1)
    if name in ("max", "min", "std", "var"):
        return getattr(samples, name)(axis=1)
    return np.full(samples.shape[0], float(samples.shape[1]))  # count: every resample's n


def bootstrap_interval(
    values: np.ndarray, name: str, q: float, level: float, n_boot: int, seed: int
) -> tuple[float, float]:
    """seaborn's percentile bootstrap interval: ``n_boot`` resamples, seeded."""
    n = values.size
    samples = values[np.random.default_rng(seed).integers(0, n, (n_boot, n))]
    lo, hi = np.percentile(resampled(samples, name, q), [50 - level / 2, 50 + level / 2])
    return float(lo), float(hi)


def bootstrap(values: np.ndarray, estimator: str, level: float) -> tuple[float, float, float]:
    """(estimate, low, high): seaborn's percentile bootstrap of a mean or sum, fixed seed."""
    lo, hi = bootstrap_interval(values, estimator, math.nan, level, N_BOOT, SEED)
    return statistic(values, estimator), lo, hi


def bootstrap_bound(m: Moments, estimator: str, errorbar: Any) -> tuple[float, float]:
    """An interval that holds a small group's bootstrap interval of a mean or sum, from
    its moments alone.

    A resampled mean stays inside the data's range; and the percentile bootstrap
    interval, whose spread is below the sample's (by (n-1)/n), stays inside the
    Student-t interval, here widened by a tenth for skewed samples.  The shared
    limit uses the narrower of the two.
    """
    scale = m.n if estimator == "sum" else 1
    _, lo, hi = from_moments(m, estimator, errorbar)
    pad = 0.1 * (hi - lo) / 2
    return max(m.min * scale, lo - pad), min(m.max * scale, hi + pad)


def estimate_range(m: Moments, name: str) -> tuple[float, float]:
    """Where a group's estimate lies, from its moments: exact, or the data range (median,
    quantile)."""
    exact = {
        "mean": m.mean,
        "sum": m.mean * m.n,
        "max": m.max,
        "min": m.min,
        "count": float(m.n),
        "std": m.std if m.n > 1 else math.nan,
        "var": m.std**2 if m.n > 1 else math.nan,
    }
    value = exact.get(name)
    return (m.min, m.max) if value is None else (value, value)


def interval_bound(m: Moments, estimator: Any, errorbar: Any) -> tuple[float, float]:
    """An interval holding a group's estimate and error bar, from its moments alone."""
    name, _ = parse_estimator(estimator)
    method, level = parse_errorbar(errorbar)
    lo, hi = estimate_range(m, name)
    if method is None or m.n < 2:
        return lo, hi
    if method in ("sd", "se"):
        half = level * m.std / (math.sqrt(m.n) if method == "se" else 1)
        return lo - half, hi + half
    if method == "pi":
        return min(lo, m.min), max(hi, m.max)
    if name in ("mean", "sum"):
        if m.n < BOOTSTRAP_BELOW:
            return bootstrap_bound(m, name, errorbar)
        return from_moments(m, name, errorbar)[1:]
    if name in ("std", "var"):
        b_lo, b_hi = _intervals.spread_bound(m, level, bootstrap=m.n < BOOTSTRAP_BELOW)
        if name == "std":
            b_lo, b_hi = math.sqrt(b_lo), math.sqrt(b_hi)
        return min(lo, b_lo), max(hi, b_hi)
    if name == "count":
        return lo, hi  # every resample has n values
    return min(lo, m.min), max(hi, m.max)  # median, quantile, max, min: inside the data


def bound_is_loose(options: dict[str, Any]) -> bool:
    """Whether the moments bound a group's estimate or interval only by its data range (a
    median or quantile, a percentile interval, a min's or max's bootstrap): the split
    then measures what is drawn on the shards, so the shared axis fits it as seaborn's
    autoscaled one does, not the whole range of the rows."""
    name, _ = parse_estimator(options["estimator"])
    method, _ = parse_errorbar(options["errorbar"])
    if method == "pi" or name in ("median", "quantile"):
        return True
    return name in ("max", "min") and method == "ci"


def binned_pass(options: dict[str, Any]) -> bool:
    """The ``binned_pass`` of bar and point: on a log axis, or where the moments bound
    what is drawn only loosely (:func:`bound_is_loose`)."""
    return value_log(options) or bound_is_loose(options)


def extent(stats: TileStats, estimator: Any, errorbar: Any) -> tuple[float, float] | None:
    """y interval of every group's estimate and error bar (data range for a quantile)."""
    spans = [interval_bound(m, estimator, errorbar) for m in stats.all("y")]
    spans = [s for s in spans if math.isfinite(s[0]) and math.isfinite(s[1])]
    if not spans:
        return None
    return min(s[0] for s in spans), max(s[1] for s in spans)


#: option checks shared by the kinds that draw estimates (for _common.check)
OPTION_RULES = {
    "estimator": (
        valid_estimator,
        f"one of {', '.join(ESTIMATORS)} or [quantile, q] with q in [0, 1]",
    ),
    "errorbar": (
        valid_errorbar,
        'null, "ci", "pi", "se", "sd" or [method, level] (ci, pi: level in [0, 100])',
    ),
    "n_boot": (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_BOOT,
        f"an integer in [1, {MAX_BOOT}]",
    ),
    "seed": (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "an integer >= 0",
    ),
}


def group_estimates(groups: list[np.ndarray], options: dict[str, Any], log: bool = False):
    """``(estimate, low, high)`` of each group as bar and point draw it (NaN: none).

    On a log axis (``log``) seaborn aggregates log10 of the values and draws 10 to the
    power of the estimate and its interval: a mean is the geometric mean, a standard
    deviation the geometric one; a count stays the rows counted.
    """
    name, _ = parse_estimator(options["estimator"])
    out = []
    for values in groups:
        if log:
            values = np.log10(values[values > 0])
        if not values.size:
            out.append((math.nan, math.nan, math.nan))
            continue
        found = estimate(
            values, options["estimator"], options["errorbar"], options["n_boot"], options["seed"]
        )
        if log and name != "count":
            found = tuple(10.0**v for v in found)
        out.append(found)
    return out


def drawn_extent(groups: list[np.ndarray], options: dict[str, Any], log: bool = False):
    """``{"y": (low, high)}``: what :func:`group_estimates` draws, for the shared limit
    (the split's pass over the shards, see :func:`binned_pass`); ``{}`` when nothing is
    drawn."""
    ends = np.array(group_estimates(groups, options, log), dtype=float).ravel()
    ends = ends[np.isfinite(ends) & (ends > 0)] if log else ends[np.isfinite(ends)]
    return {"y": (float(ends.min()), float(ends.max()))} if ends.size else {}
