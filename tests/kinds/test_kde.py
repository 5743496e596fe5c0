"""The binned KDE against scipy's exact Gaussian KDE."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from tilegrid.kinds import _kde as kde

RNG = np.random.default_rng(0)
DISTRIBUTIONS = {
    "normal": RNG.normal(0, 1, 3000),
    "bimodal": np.concatenate([RNG.normal(-2, 0.5, 2000), RNG.normal(3, 1.0, 1000)]),
    "exponential": RNG.exponential(2.0, 3000),
    "uniform": RNG.uniform(-1, 1, 3000),
    "lognormal": RNG.lognormal(0, 0.8, 3000),
    "heavy_tailed": RNG.standard_t(2, 3000),
    "small_n": RNG.normal(10, 3, 12),
}


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
@pytest.mark.parametrize("method", ["scott", "silverman"])
def test_binned_kde_is_within_one_percent_of_peak_of_scipy(name, method):
    values = DISTRIBUTIONS[name]
    moments = kde.Moments.of(values)
    bw = kde.bandwidth(moments, method)
    lo, hi = kde.support(moments, bw, cut=2)
    coords, density = kde.binned_kde(values, bw, lo, hi, gridsize=400)
    exact = stats.gaussian_kde(values, bw_method=method)(coords)
    assert np.max(np.abs(density - exact)) <= 0.01 * exact.max()


def test_bandwidth_matches_scipy_factor_times_sample_std():
    values = DISTRIBUTIONS["bimodal"]
    reference = stats.gaussian_kde(values)
    expected = reference.factor * np.std(values, ddof=1)
    assert kde.bandwidth(kde.Moments.of(values)) == pytest.approx(expected, rel=1e-12)


def test_bandwidth_adjust_scales_the_bandwidth():
    moments = kde.Moments.of(DISTRIBUTIONS["normal"])
    assert kde.bandwidth(moments, adjust=0.5) == pytest.approx(kde.bandwidth(moments) / 2)


@pytest.mark.parametrize("values", [np.full(100, 3.0), np.array([1.5])])
def test_bandwidth_is_zero_without_spread(values):
    assert kde.bandwidth(kde.Moments.of(values)) == 0.0


def test_density_integrates_to_one_when_the_support_covers_the_tails():
    values = DISTRIBUTIONS["normal"]
    moments = kde.Moments.of(values)
    bw = kde.bandwidth(moments)
    lo, hi = kde.support(moments, bw, cut=6)
    coords, density = kde.binned_kde(values, bw, lo, hi, gridsize=2000)
    assert np.trapezoid(density, coords) == pytest.approx(1.0, abs=1e-3)


def test_linear_binning_keeps_the_total_weight():
    values = RNG.uniform(0, 10, 1000)
    counts = kde.linear_binning(values, 0.0, 10 / 99, 100)
    assert counts.sum() == pytest.approx(1000)
