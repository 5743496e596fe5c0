"""Binned Gaussian kernel density estimates in O(n) time.

The values are spread onto a fine regular grid by linear binning (two weights
per value), then the grid counts are convolved with a sampled Gaussian kernel
through the FFT.  Cost: O(n + M log M) for M grid points, independent of the
number of points the density is evaluated at, instead of O(n * M) for a direct
kernel sum such as :class:`scipy.stats.gaussian_kde`.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.stats import Moments

#: grid spacing of the binning grid, as a fraction of the bandwidth
BIN_FRACTION = 1 / 16
#: bounds on the binning grid size
MIN_BINS = 512
MAX_BINS = 1 << 18
#: the kernel is truncated this many bandwidths from its centre
KERNEL_SIGMAS = 6.0


def bandwidth(moments: Moments, method: str | float = "scott", adjust: float = 1.0) -> float:
    """Kernel standard deviation as :class:`scipy.stats.gaussian_kde` chooses it.

    ``method`` is ``"scott"`` (n**-1/5), ``"silverman"`` ((3n/4)**-1/5) or a
    number used as the factor directly; the factor multiplies the sample's
    standard deviation (ddof=1).  Returns 0.0 where it is undefined (fewer than
    two values, or no spread).
    """
    n = moments.n
    std = moments.std
    if std == 0.0:
        return 0.0
    if method == "scott":
        factor = n ** (-1 / 5)
    elif method == "silverman":
        factor = (n * 3 / 4) ** (-1 / 5)
    else:
        factor = float(method)
    return factor * std * adjust


def support(moments: Moments, bw: float, cut: float) -> tuple[float, float]:
    """Interval the density is drawn over: the data range extended by ``cut`` bandwidths."""
    return moments.min - cut * bw, moments.max + cut * bw


def linear_binning(values: np.ndarray, lo: float, delta: float, m: int) -> np.ndarray:
    """Spread each value over its two nearest grid points, weighted by distance."""
    return spread(*grid_cells(values, lo, delta, m), m)


def grid_cells(
    values: np.ndarray, lo: float, delta: float, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each value's grid cell (the grid point at or below it, in ``0..m-1``: a larger
    value is never in a smaller cell) and its fraction of the way to the next point."""
    pos = values - lo
    pos /= delta
    floor = np.floor(pos)
    np.clip(floor, 0, m - 1, out=floor)
    left = floor.astype(np.intp)
    frac = np.subtract(pos, floor, out=pos)  # pos is not needed any more
    np.clip(frac, 0.0, 1.0, out=frac)
    return left, frac


def spread(left: np.ndarray, frac: np.ndarray, m: int) -> np.ndarray:
    """The grid counts of values in cells ``left`` at fractions ``frac`` (linear binning)."""
    counts = np.bincount(left, weights=1.0 - frac, minlength=m)
    right = left + 1
    np.minimum(right, m - 1, out=right)
    counts += np.bincount(right, weights=frac, minlength=m)
    return counts[:m]


def grid_size(bw: float, lo: float, hi: float) -> tuple[int, float]:
    """The binning grid over ``[lo, hi]`` for bandwidth ``bw``: points and spacing."""
    span = hi - lo
    m = int(min(MAX_BINS, max(MIN_BINS, math.ceil(span / (bw * BIN_FRACTION)) + 1)))
    return m, span / (m - 1)


def _fft_convolve_same(signal: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Linear convolution of ``signal`` with an odd-length centred ``kernel``."""
    n = signal.size + kernel.size - 1
    size = 1 << (n - 1).bit_length()
    full = np.fft.irfft(np.fft.rfft(signal, size) * np.fft.rfft(kernel, size), size)[:n]
    half = kernel.size // 2
    return full[half : half + signal.size]


def binned_kde(
    values: np.ndarray, bw: float, lo: float, hi: float, gridsize: int
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian KDE of ``values`` with kernel sd ``bw``, evaluated on ``gridsize`` points.

    Returns ``(coords, density)``; the density integrates to one over the real
    line (not over ``[lo, hi]``).  ``values`` must lie in ``[lo, hi]`` and
    ``bw`` must be positive.
    """
    m, delta = grid_size(bw, lo, hi)
    return kde_of_counts(linear_binning(values, lo, delta, m), values.size, bw, lo, hi, gridsize)


def kde_of_counts(
    counts: np.ndarray, n: int, bw: float, lo: float, hi: float, gridsize: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`binned_kde` from the grid ``counts`` of ``n`` values (:func:`spread`)."""
    m = counts.size
    delta = (hi - lo) / (m - 1)
    half = int(min(m - 1, math.ceil(KERNEL_SIGMAS * bw / delta)))
    offsets = np.arange(-half, half + 1) * delta
    kernel = np.exp(-0.5 * (offsets / bw) ** 2) / (bw * math.sqrt(2 * math.pi))
    density = np.maximum(_fft_convolve_same(counts, kernel), 0.0) / n
    grid = lo + np.arange(m) * delta
    coords = np.linspace(lo, hi, gridsize)
    return coords, np.interp(coords, grid, density)
