"""Percentiles found in their histogram bins are np.percentile's, to the last bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from tilegrid.kinds import _kde as kde
from tilegrid.kinds._select import percentiles, value_bins

QS = [0, 5, 25, 50, 75, 95, 100]
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=64)
groups = st.one_of(
    arrays(np.float64, st.integers(1, 300), elements=finite),
    # many ties: whole numbers of a small range
    arrays(np.float64, st.integers(1, 300), elements=st.integers(-3, 3).map(float)),
)


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(values=groups)
def test_percentiles_in_value_bins_are_numpys(values):
    expected = np.percentile(values, QS)
    assert np.array_equal(percentiles(values, QS), expected)
    assert np.array_equal(percentiles(values, QS, *value_bins(values)), expected)


@settings(max_examples=100, derandomize=True, database=None, deadline=None)
@given(values=groups, bw=st.floats(0.01, 10.0))
def test_percentiles_in_the_kdes_grid_cells_are_numpys(values, bw):
    lo, hi = float(values.min()) - 2 * bw, float(values.max()) + 2 * bw
    m, delta = kde.grid_size(bw, lo, hi)
    cells, _ = kde.grid_cells(values, lo, delta, m)
    assert np.array_equal(
        percentiles(values, [25, 50, 75], cells, m), np.percentile(values, [25, 50, 75])
    )


@pytest.mark.parametrize("n", [1_000_003, 10])
def test_a_large_group_with_outliers_gives_numpys_quartiles(n):
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(0, 1, n), [1e9, -1e9]])
    assert np.array_equal(percentiles(values, [25, 50, 75]), np.percentile(values, [25, 50, 75]))


def test_the_values_are_left_as_they_were():
    values = np.array([3.0, 1.0, 2.0, 5.0, 4.0])
    percentiles(values, [50])
    assert values.tolist() == [3.0, 1.0, 2.0, 5.0, 4.0]
