"""Mergeable summary statistics: count, mean, variance, min and max."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


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
        scaled = values / scale
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


class MomentTable:
    """Moments of one numeric column per (tile, group code), merged across batches."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], Moments] = {}

    def add(self, tiles: np.ndarray, groups: np.ndarray, values: np.ndarray) -> None:
        """Merge one batch's finite values, grouped by tile and group code."""
        if values.size == 0:
            return
        scale = _scale_of(float(values.min()), float(values.max()))
        table = pa.table({"t": tiles, "g": groups, "v": values / scale})
        agg = (
            table.group_by(["t", "g"])
            .aggregate(
                [
                    ("v", "count"),
                    ("v", "mean"),
                    ("v", "variance", pc.VarianceOptions(ddof=0)),
                    ("v", "min"),
                    ("v", "max"),
                ]
            )
            .to_pydict()
        )
        for t, g, n, mean, var, lo, hi in zip(
            agg["t"],
            agg["g"],
            agg["v_count"],
            agg["v_mean"],
            agg["v_variance"],
            agg["v_min"],
            agg["v_max"],
        ):
            new = Moments.from_scaled(n, mean, var, lo * scale, hi * scale, scale)
            old = self.cells.get((t, g))
            self.cells[(t, g)] = new if old is None else old.merge(new)

    def for_tile(self, tile: int) -> dict[int, Moments]:
        """The moments of each group present in ``tile``."""
        return {g: m for (t, g), m in self.cells.items() if t == tile}
