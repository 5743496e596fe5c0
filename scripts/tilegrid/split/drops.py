"""Which rows the split keeps: missing facet and category values, non-finite numbers.

Missing values are the same in every format (null, NaN, "": see
:mod:`tilegrid.core.levels`).  A dropped row is counted once, under the first reason
that applies (facets, then categories, then numbers), and in its tile when its
facet values are valid.
"""

from __future__ import annotations

import logging

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..core.levels import MISSING, plain
from ..core.manifest import TILE_DROP_REASONS
from ..core.times import time_numbers, time_type
from .spec import SplitError

log = logging.getLogger("tilegrid.split")


class TileDrops:
    """One batch's rows dropped per tile and reason: tiles x :data:`TILE_DROP_REASONS`.

    Only rows inside the grid are counted here (``tile`` holds their tile codes);
    ``counts`` stays None until a row is dropped, so a clean batch costs nothing.
    """

    def __init__(self, tile: np.ndarray, n_tiles: int):
        self.tile, self.n_tiles = tile, n_tiles
        self.counts: np.ndarray | None = None

    def add(self, reason: str, rows: np.ndarray) -> int:
        """Count ``rows`` (indices) in their tiles under ``reason``; how many they are."""
        tiles = self.tile.take(rows)
        if tiles.size:
            if self.counts is None:
                self.counts = np.zeros((self.n_tiles, len(TILE_DROP_REASONS)), np.int64)
            column = TILE_DROP_REASONS.index(reason)
            self.counts[:, column] += np.bincount(tiles, minlength=self.n_tiles)
        return int(tiles.size)


def drop(
    keep: np.ndarray | None,
    valid: np.ndarray,
    dropped: dict,
    reason: str,
    per_tile: TileDrops | None = None,
):
    """``keep`` narrowed to ``valid`` rows, counting in ``dropped`` (and in ``per_tile``,
    by the rows' tiles) the rows it removes."""
    if valid.all():
        return keep
    removed = ~valid if keep is None else keep & ~valid
    if per_tile is None:
        dropped[reason] += int(np.count_nonzero(removed))
    else:
        dropped[reason] += per_tile.add(reason, np.flatnonzero(removed))
    return valid if keep is None else keep & valid


def drop_codes(
    keep: np.ndarray | None,
    code: np.ndarray,
    dropped: dict,
    missing: str,
    absent: str,
    per_tile: TileDrops | None = None,
) -> np.ndarray | None:
    """``keep`` narrowed to rows with a level (``code >= 0``), counting the rows it removes
    in ``dropped`` (and in ``per_tile``, by the rows' tiles) as ``missing`` (null, NaN,
    "") or ``absent`` (not in the order)."""
    if not code.size or code.min() >= 0:  # no temporary array for the usual case
        return keep
    valid = code >= 0
    alive = ~valid if keep is None else keep & ~valid
    if per_tile is None:
        n_missing = int(np.count_nonzero(alive & (code == MISSING)))
        n_absent = int(np.count_nonzero(alive)) - n_missing
    else:
        rows = np.flatnonzero(alive)
        is_missing = code.take(rows) == MISSING
        n_missing = per_tile.add(missing, rows[is_missing])
        n_absent = per_tile.add(absent, rows[~is_missing])
    dropped[missing] = dropped.get(missing, 0) + n_missing
    dropped[absent] = dropped.get(absent, 0) + n_absent
    return valid if keep is None else keep & valid


def numeric(column: pa.Array, name: str) -> np.ndarray:
    """A numeric column as float64 with NaN for nulls (zero-copy for float64)."""
    column = plain(column)
    if pa.types.is_null(column.type):  # a column with no values at all (CSV)
        return np.full(len(column), np.nan)
    if time_type(column.type):  # days since the epoch, or seconds (core/times.py)
        return time_numbers(column)
    if pa.types.is_boolean(column.type) or not (
        pa.types.is_integer(column.type) or pa.types.is_floating(column.type)
    ):
        raise SplitError(f"column {name!r}: type {column.type} is not numeric")
    if pa.types.is_float64(column.type) and column.null_count == 0:
        return column.to_numpy()
    # unsafe: integers beyond 2**53 (epoch nanoseconds) round to the nearest float
    cast = pc.cast(column, pa.float64(), safe=False)
    return cast.fill_null(np.nan).to_numpy(zero_copy_only=False)


def inexact_integers(column: pa.Array) -> int | None:
    """The largest magnitude of an integer column when float64 cannot hold it exactly
    (beyond 2**53), else None."""
    column = plain(column)
    if not pa.types.is_integer(column.type) or len(column) == column.null_count:
        return None
    bounds = pc.min_max(column)
    big = max(abs(int(bounds["min"].as_py())), abs(int(bounds["max"].as_py())))
    return big if big > 2**53 else None


def merge_inexact(into: dict[str, int], other: dict[str, int]) -> None:
    """Merge the largest inexact integers per column of ``other`` into ``into``."""
    for name, big in other.items():
        into[name] = max(into.get(name, 0), big)


def warn_inexact(inexact: dict[str, int]) -> None:
    """Log once per column whose integers are too large for float64 to hold exactly."""
    for name, big in inexact.items():
        log.warning(
            "column %r: integers up to %d are drawn as float64, exact to 1 part in 2**53",
            name,
            big,
        )
