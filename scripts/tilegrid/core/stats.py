"""Mergeable summary statistics: count, mean, variance, min and max."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: the numeric role of no column whose moments count rows (kinds with ``COUNTS_ROWS``)
ROWS = "rows"


def _scale_of(lo: float, hi: float) -> float:
    """A power of two that brings values near the float limits down to about 1."""
    top = max(abs(lo), abs(hi))
    return 2.0 ** math.floor(math.log2(top)) if top > 1e150 else 1.0


@dataclass(frozen=True)
class Moments:
    """Count, mean, (population) variance, min and max of a sample.

    ``sd`` is the population standard deviation, kept exactly even where its
    square ``var`` overflows (values near 1e300).
    """

    n: int
    mean: float
    var: float
    min: float
    max: float
    sd: float | None = None

    @classmethod
    def of(cls, values: np.ndarray) -> Moments:
        """Moments of ``values`` (finite floats)."""
        n = int(values.size)
        if n == 0:
            return cls(0, math.nan, math.nan, math.nan, math.nan)
        lo, hi = float(values.min()), float(values.max())
        scale = _scale_of(lo, hi)
        scaled = values / scale if scale != 1.0 else values
        return cls.from_scaled(n, float(scaled.mean()), float(scaled.var()), lo, hi, scale)

    @classmethod
    def from_scaled(cls, n, mean, var, lo, hi, scale: float = 1.0) -> Moments:
        """Moments from those of ``values / scale``."""
        sd = math.sqrt(max(var, 0.0)) * scale
        return cls(n, mean * scale, sd * sd, lo, hi, sd)

    @property
    def pop_sd(self) -> float:
        """Population standard deviation (ddof=0)."""
        return self.sd if self.sd is not None else math.sqrt(max(self.var, 0.0))

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof=1); 0.0 below two values."""
        if self.n < 2 or not self.pop_sd > 0:
            return 0.0
        return self.pop_sd * math.sqrt(self.n / (self.n - 1))

    def merge(self, other: Moments) -> Moments:
        """Moments of both samples together (Chan et al.'s parallel update, scaled)."""
        if self.n == 0:
            return other
        if other.n == 0:
            return self
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.n / n)
        s = max(self.pop_sd, other.pop_sd, abs(delta)) or 1.0
        a, b, d = self.pop_sd / s, other.pop_sd / s, delta / s
        sd = s * math.sqrt((a * a * self.n + b * b * other.n + d * d * self.n * other.n / n) / n)
        return Moments(n, mean, sd * sd, min(self.min, other.min), max(self.max, other.max), sd)


@dataclass(frozen=True)
class BatchMoments:
    """Moments of one batch per cell key (tile * groups + group), as arrays."""

    keys: np.ndarray
    count: np.ndarray
    mean: np.ndarray  # of the scaled values
    m2: np.ndarray  # sum of squared deviations from ``mean``, scaled
    lo: np.ndarray
    hi: np.ndarray
    scale: float


def batch_moments(keys: np.ndarray, values: np.ndarray) -> BatchMoments | None:
    """Moments of ``values`` (finite) per non-negative integer key, in two exact passes.

    Sums, then squared deviations from each key's mean, by ``np.bincount``; the
    values are scaled down by a power of two near the float limits so that
    squares cannot overflow.  None for no values.
    """
    if values.size == 0:
        return None
    size = int(keys.max()) + 1
    count = np.bincount(keys, minlength=size)
    lo = np.full(size, np.inf)
    hi = np.full(size, -np.inf)
    np.minimum.at(lo, keys, values)
    np.maximum.at(hi, keys, values)
    present = np.flatnonzero(count)
    scale = _scale_of(float(lo[present].min()), float(hi[present].max()))
    scaled = values / scale if scale != 1.0 else values
    mean = np.bincount(keys, weights=scaled, minlength=size) / np.maximum(count, 1)
    dev = scaled - mean[keys]
    m2 = np.bincount(keys, weights=dev * dev, minlength=size)
    return BatchMoments(
        present, count[present], mean[present], m2[present], lo[present], hi[present], scale
    )


class MomentTable:
    """Moments of one numeric column per (tile, group code), merged across batches."""

    def __init__(self, groups: int = 1) -> None:
        self.groups = groups
        self.cells: dict[int, dict[int, Moments]] = {}

    def keys(self, tiles: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """The cell key of each row: tile * groups + group."""
        if self.groups == 1:
            return tiles.astype(np.int64)
        return tiles.astype(np.int64) * self.groups + groups

    def merge(self, batch: BatchMoments | None) -> None:
        """Merge one batch's moments (batches in file order give reproducible sums)."""
        if batch is None:
            return
        for k, n, mean, m2, lo, hi in zip(
            batch.keys.tolist(),
            batch.count.tolist(),
            batch.mean.tolist(),
            batch.m2.tolist(),
            batch.lo.tolist(),
            batch.hi.tolist(),
        ):
            new = Moments.from_scaled(n, mean, m2 / n, lo, hi, batch.scale)
            tile, group = divmod(k, self.groups)
            cells = self.cells.setdefault(tile, {})
            cells[group] = cells[group].merge(new) if group in cells else new

    def for_tile(self, tile: int) -> dict[int, Moments]:
        """The moments of each group present in ``tile``."""
        return dict(sorted(self.cells.get(tile, {}).items()))


@dataclass
class TileStats:
    """Merged moments of one tile: per numeric role, per category combination.

    ``moments[role][codes]`` holds the moments of ``role`` over the tile's rows
    whose categorical roles (``cat_roles``, in that order) have ``codes``.  The
    split hands these to each kind's ``extents`` before any tile is drawn.
    """

    rows: int
    cat_roles: list[str]
    moments: dict[str, dict[tuple[int, ...], Moments]]

    def all(self, role: str) -> list[Moments]:
        """Moments of every group of ``role``."""
        return list(self.moments.get(role, {}).values())

    def by(self, role: str, category_role: str) -> dict[int, Moments]:
        """Moments of ``role`` merged per category of ``category_role``."""
        pos = self.cat_roles.index(category_role)
        out: dict[int, Moments] = {}
        for key, m in self.moments.get(role, {}).items():
            out[key[pos]] = out[key[pos]].merge(m) if key[pos] in out else m
        return out
