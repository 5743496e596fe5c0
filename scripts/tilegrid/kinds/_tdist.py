"""Student's t quantiles without scipy: bisection on the CDF, a regularised
incomplete beta by Lentz's continued fraction (enough for error bars)."""

from __future__ import annotations

import math


def t_quantile(level: float, n: int) -> float:
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
