"""Helpers shared by the plot kinds: category codes, hue colors, dodging, empty tiles."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.levels import plain, value_type
from ..core.sidecar import Sidecar
from ..core.stats import TileStats
from . import OptionError

NO_DATA = "no data"


def codes_of(table, column: str, categories: list[Any]) -> np.ndarray:
    """Index (int32) of each row's value in ``categories`` (-1 when absent).

    A dictionary-encoded column (the split writes categorical columns with the
    level list as dictionary) is looked up once per dictionary entry and then
    indexed by each row's dictionary index, instead of hashing every row.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column(column)
    dtype = value_type(col.type)
    if pa.types.is_floating(dtype):  # sidecars hold 2.5 as "2.5" next to 1.0 (ids.canonical_value)
        categories = [float(c) for c in categories]
    value_set = pa.array(categories).cast(dtype) if categories else pa.array([], dtype)
    if pa.types.is_dictionary(col.type):
        out = np.empty(len(col), np.int32)
        start = 0
        for chunk in col.chunks:
            _dictionary_codes(chunk, value_set, out[start : start + len(chunk)])
            start += len(chunk)
        return out
    values = plain(col)
    return pc.index_in(values, value_set=value_set).fill_null(-1).to_numpy(zero_copy_only=False)


def _dictionary_codes(chunk, value_set, out: np.ndarray) -> None:
    """Write the codes of one dictionary-encoded chunk into ``out``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def lookup(values):
        found = pc.index_in(plain(values), value_set=value_set).fill_null(-1)
        return found.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)

    indices = chunk.indices
    if indices.null_count:  # a null row gets what a null value gets: -1 unless null is a category
        np.take(lookup(chunk.dictionary), indices.fill_null(0).to_numpy(), out=out)
        out[indices.is_null().to_numpy(zero_copy_only=False)] = lookup(
            pa.nulls(1, chunk.dictionary.type)
        )[0]
    else:
        np.take(lookup(chunk.dictionary), indices.to_numpy(), out=out)


def numeric_of(table, column: str) -> np.ndarray:
    """A numeric column of the tile as float64 (NaN for nulls)."""
    import pyarrow as pa

    col = table.column(column)
    return col.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False)


def is_continuous(hue: dict[str, Any] | None) -> bool:
    """Whether a sidecar's hue mapping is a numeric one (colors by value, see palettes)."""
    return bool(hue) and hue.get("type") == "continuous"


def hue_of(table, sidecar: Sidecar) -> tuple[np.ndarray | None, list[str]]:
    """Each row's hue code and the grid's hue colors, or (None, []) without hue.

    A categorical hue's codes index its levels; a numeric hue's index its
    bounded groups (:func:`tilegrid.core.palettes.group_codes`), colored by value.
    Rows without a level or group get -1.
    """
    hue = sidecar.get("hue")
    if not hue:
        return None, []
    if is_continuous(hue):
        from ..core.palettes import group_codes

        edges = hue.get("edges") or []
        return group_codes(numeric_of(table, hue["column"]), edges), hue.get("colors") or []
    return codes_of(table, hue["column"], hue["levels"]), hue["colors"]


def hue_values(table, sidecar: Sidecar) -> np.ndarray | None:
    """Each row's numeric hue value, or None unless the hue is numeric."""
    hue = sidecar.get("hue")
    return numeric_of(table, hue["column"]) if is_continuous(hue) else None


def split_by(codes: np.ndarray, values: np.ndarray, n: int) -> list[np.ndarray]:
    """``values`` split into one array per code 0..n-1 (row order kept within each).

    Rows are grouped by a stable sort of their codes.  Codes that fit 8 or 16
    bits are sorted as such, which numpy does by radix sort in O(rows) (several
    times faster than a stable sort of wider integers); with at most one group
    present nothing is sorted.
    """
    counts = np.bincount(codes, minlength=n)  # raises for negative codes
    bounds = np.cumsum(counts)[:-1]
    if np.count_nonzero(counts) <= 1:
        return np.split(values, bounds)
    if counts.size <= 1 << 8:
        codes = codes.astype(np.uint8)
    elif counts.size <= 1 << 16:
        codes = codes.astype(np.uint16)
    return np.split(values[np.argsort(codes, kind="stable")], bounds)


def dodge(n_hue: int, width: float) -> tuple[np.ndarray, float]:
    """Offsets of each hue level within a category slot, and each element's width."""
    if n_hue <= 1:
        return np.zeros(1), width
    each = width / n_hue
    return (np.arange(n_hue) - (n_hue - 1) / 2) * each, each


def no_data(ax) -> None:
    """Mark an empty tile."""
    ax.text(0.5, 0.5, NO_DATA, transform=ax.transAxes, ha="center", va="center", color="0.5")


def categorical_groups(table, sidecar: Sidecar):
    """The y values of each (x category, hue level) group, in code order x * n_hue + hue.

    Returns ``(groups, n_x, n_hue, hue_colors)``; without x there is one category,
    without hue one level.
    """
    categories = (sidecar.get("x") or {}).get("categories") or []
    y = numeric_of(table, sidecar["y"]["column"])
    n_x = max(len(categories), 1)
    x_codes = (
        codes_of(table, sidecar["x"]["column"], categories)
        if categories
        else np.zeros(len(y), np.int64)
    )
    hue_codes, hue_colors = hue_of(table, sidecar)
    n_h = max(len(hue_colors), 1)
    combined = x_codes * n_h + (hue_codes if hue_codes is not None else 0)
    if hue_codes is not None and (hue_codes < 0).any():  # no hue group: in no group
        ok = hue_codes >= 0
        combined, y = combined[ok], y[ok]
    return split_by(combined, y, n_x * n_h), n_x, n_h, hue_colors


def by_hue(table, sidecar: Sidecar, *columns: str, codes: np.ndarray | None = None):
    """``[(color, arrays...)]`` per hue level present (one entry, ``color=None``, without hue);
    with ``codes`` (one per row, e.g. a style level), those rows' codes last."""
    arrays = [numeric_of(table, c) for c in columns] + ([] if codes is None else [codes])
    hue_codes, colors = hue_of(table, sidecar)
    if hue_codes is None:
        return [(None, *arrays)]
    out = []
    for level, color in enumerate(colors):
        mask = hue_codes == level
        if mask.any():
            out.append((color, *[a[mask] for a in arrays]))
    return out


def log_axes(options: dict[str, Any], default_axis: str = "x") -> dict[str, str]:
    """Scales from seaborn's ``log_scale``: true (the main axis), or [x, y] booleans."""
    value = options.get("log_scale")
    if not value:
        return {}
    if isinstance(value, (list, tuple)):
        return {a: "log" for a, on in zip(("x", "y"), value) if on}
    return {default_axis: "log"}


def log_scales(options: dict[str, Any]) -> dict[str, str]:
    """A kind's ``scales`` hook from seaborn's ``log_scale`` (true: x; or [x, y])."""
    return log_axes(options)


def check(options: dict[str, Any], rules: dict[str, tuple[Any, str]]) -> None:
    """Raise OptionError for the first option whose value fails its predicate."""

    for key, (ok, wanted) in rules.items():
        if key in options and not ok(options[key]):
            raise OptionError(f"plot.options.{key}: {options[key]!r} is not {wanted}")


def positive(v: Any) -> bool:
    """A positive number."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0


def in_range(lo: float, hi: float):
    """A number in [lo, hi]."""
    return lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and lo <= v <= hi


def data_ranges(
    stats: TileStats, axes: tuple[str, ...] = ("x", "y")
) -> dict[str, tuple[float, float]]:
    """The min-max range of each numeric role among ``axes`` in a tile's moments."""
    out = {}
    for axis in axes:
        ms = stats.all(axis)
        if ms:
            out[axis] = (min(m.min for m in ms), max(m.max for m in ms))
    return out


def norm_total(sidecar: Sidecar, tile_total: float, options: dict[str, Any]) -> float:
    """The row count heights are shares of: the whole figure's with ``common_norm:
    true`` (seaborn's displot: a small facet looks small), else the tile's.

    ``common_norm: "tile"`` normalises within the tile (as ``FacetGrid.map``);
    ``false`` leaves each hue layer on its own (the caller's job).
    """
    if options["common_norm"] is True and sidecar.get("norm_rows"):
        return float(sidecar["norm_rows"])
    return tile_total


def value_log(options: dict[str, Any]) -> bool:
    """Whether a categorical kind's value axis (y) is logarithmic (``log_scale: true``)."""
    return options.get("log_scale") is True


def value_scales(options: dict[str, Any]) -> dict[str, str]:
    """The ``scales`` hook of a categorical kind: ``log_scale: true`` makes y a log axis."""
    return {"y": "log"} if value_log(options) else {}


def log_pass(options: dict[str, Any]) -> bool:
    """The ``binned_pass`` hook of a kind whose limits on a log axis come from its shards."""
    return bool(log_axes(options))


def log10_positive(values: np.ndarray) -> np.ndarray:
    """log10 of the positive values, what seaborn computes on along a log axis (zero and
    negative values have no place there)."""
    return np.log10(values[values > 0])


def positive_range(table, sidecar: Sidecar, axis: str = "y") -> dict[str, tuple[float, float]]:
    """``{axis: (low, high)}``: the range of the tile's positive values of ``axis``, the
    extent of what a box or letter-value plot draws on a log axis (or ``{}``)."""
    values = numeric_of(table, sidecar[axis]["column"])
    values = values[values > 0]
    return {axis: (float(values.min()), float(values.max()))} if values.size else {}


#: the check of a categorical kind's ``log_scale`` (for :func:`check`)
LOG_SCALE_RULE = (lambda v: isinstance(v, bool), "true or false (a log y axis)")
