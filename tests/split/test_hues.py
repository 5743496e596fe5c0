"""tilegrid.split.hues: a numeric hue's groups, fixed by the split for the whole grid."""

from __future__ import annotations

import numpy as np
import pytest
from tilegrid.core.palettes import group_codes
from tilegrid.split.hues import HUE_BINS, hue_edges


@pytest.mark.parametrize(
    ("lo", "hi", "integer"),
    [
        (0.0, 9.3, False),
        (0.3, 9.7, False),
        (-3.2, 2.9, False),
        (1e-9, 3e-9, False),
        (1e12, 1e12 + 7e10, False),
        (2.5, 2.5, False),
        (0.0, 93.0, True),
        (-40.0, 17.0, True),
        (7.0, 7.0, True),
        (3.0, 8.0, True),
    ],
)
def test_hue_groups_cover_the_range_in_at_most_six_equal_bins(lo, hi, integer):
    edges = hue_edges(lo, hi, integer)
    widths = np.diff(edges)
    assert 1 <= widths.size <= HUE_BINS
    assert np.allclose(widths, widths[0])
    assert edges[0] <= lo and hi <= edges[-1]
    values = np.linspace(lo, hi, 101)
    codes = group_codes(values, edges)
    assert codes.min() >= 0 and codes.max() < widths.size
    assert (np.diff(codes) >= 0).all()  # groups follow the values
    if integer:  # a bin [a, b) holds the same number of integers as any other
        assert widths[0] == int(widths[0]) and edges[-1] > hi
