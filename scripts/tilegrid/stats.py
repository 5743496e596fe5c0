"""Mergeable summary statistics: count, mean, variance, min and max."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Moments:
    """Count, mean, (population) variance, min and max of a sample."""

    n: int
    mean: float
    var: float
    min: float
    max: float

    @classmethod
    def of(cls, values: np.ndarray) -> Moments:
        """Moments of ``values`` (finite floats); values near the float limits are scaled."""
        n = int(values.size)
        if n == 0:
            return cls(0, math.nan, math.nan, math.nan, math.nan)
        lo, hi = float(values.min()), float(values.max())
        scale = max(abs(lo), abs(hi))
        if scale > 1e150:  # squares would overflow: compute on scaled values
            scaled = values / scale
            return cls(n, float(scaled.mean()) * scale, float(scaled.var()) * scale**2, lo, hi)
        return cls(n, float(values.mean()), float(values.var()), lo, hi)

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof=1); 0.0 below two values."""
        if self.n < 2 or not self.var > 0:
            return 0.0
        return math.sqrt(self.var * self.n / (self.n - 1))

    def merge(self, other: Moments) -> Moments:
        """Moments of both samples together (Chan et al.'s parallel update)."""
        if self.n == 0:
            return other
        if other.n == 0:
            return self
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * other.n / n
        m2 = self.var * self.n + other.var * other.n + delta * delta * self.n * other.n / n
        return Moments(n, mean, m2 / n, min(self.min, other.min), max(self.max, other.max))


class MomentTable:
    """Moments of one numeric column per (tile, group code), merged across batches."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], Moments] = {}

    def add(self, tiles: np.ndarray, groups: np.ndarray, values: np.ndarray) -> None:
        """Merge one batch's finite values, grouped by tile and group code."""
        if values.size == 0:
            return
        table = pa.table({"t": tiles, "g": groups, "v": values})
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
            new = Moments(n, mean, var, lo, hi)
            old = self.cells.get((t, g))
            self.cells[(t, g)] = new if old is None else old.merge(new)

    def for_tile(self, tile: int) -> dict[int, Moments]:
        """The moments of each group present in ``tile``."""
        return {g: m for (t, g), m in self.cells.items() if t == tile}
