"""The gather: every part's scan into the split's outputs, byte for byte one split's.

:func:`gather` reads the scans of :func:`tilegrid.split.scan.scan_part`, in the order
the table reads its parts, and writes the shards, sidecars and manifest:

1. the levels: each part's learnt levels, concatenated in part order, ordered
   as seaborn orders them (:func:`tilegrid.split.grid.order_levels`), then the grid;
2. each part's routed batches, their local tiles, category codes and groups
   mapped to the table's, committed in file order to the shard writer
   (:func:`tilegrid.split.writer.shard_writer`): the same rows in the same order
   give the same row groups, and each batch's moments, merged in the same
   order, the same floats, however the table was cut into parts;
3. the rest of the split (:func:`tilegrid.split.finish.finish_split`): bins, binned
   passes over the shards, sidecars, manifest, rows accounted for.

Only reading and routing rows is per part; a part that did not change keeps
its scan.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

import numpy as np
import pyarrow as pa

from ..core.stats import BatchMoments
from ..table import describe
from .finish import SplitResult, finish_split
from .grid import explicit_levels, make_grid, order_levels
from .levels import LevelCollector, codes
from .scan import SCAN_INDEX, SCAN_MOMENTS, SCAN_ROWS, read_arrays
from .spec import SplitError, SplitPlan, SplitSpec, make_plan
from .writer import Column, Partitioner, Routed, _slice, group_radix, shard_layout, shard_writer

log = logging.getLogger("tilegrid.split")

ROW_GROUP = 1 << 16  # rows per shard row group; bounds the split's buffers per tile


def gather(spec: SplitSpec, scans: list[str], out_dir: str, schema: pa.Schema) -> SplitResult:
    """Write the split of ``spec.data`` into ``out_dir`` from the scan folders of its
    parts (``scans``, in the table's order); what it wrote."""
    plan = make_plan(spec, schema)
    indexes = [read_index(scan, plan) for scan in scans]
    levels = gathered_levels(plan, scans, indexes)
    if sum(index["input_rows"] for index in indexes) == 0:
        raise SplitError(f"{describe(spec.data)}: the table has no rows")
    grid = make_grid(plan.spec, levels)
    os.makedirs(out_dir, exist_ok=True)
    columns = shard_layout(plan, levels)
    started = time.perf_counter()
    with shard_writer(plan, grid, levels, columns, out_dir, ROW_GROUP) as part:
        for scan, index in zip(scans, indexes):
            replay_scan(part, scan, index)
    log.info(
        "gathered %d scans into %d shards in %.2f s",
        len(scans),
        len(grid.ids),
        time.perf_counter() - started,
    )
    started = time.perf_counter()
    result = finish_split(plan, grid, levels, part, out_dir)
    log.info("sidecars and manifest in %.2f s", time.perf_counter() - started)
    return result


def read_index(scan: str, plan: SplitPlan) -> dict[str, Any]:
    """A scan's index; a scan made for other columns is a bug of the caller."""
    with open(os.path.join(scan, SCAN_INDEX), encoding="utf-8") as handle:
        index = json.load(handle)
    if [level["column"] for level in index["levels"]] != plan.level_columns:
        raise ValueError(f"scan {scan!r} was made for another split (its level columns differ)")
    return index


def gathered_levels(
    plan: SplitPlan, scans: list[str], indexes: list[dict[str, Any]]
) -> dict[str, pa.Array]:
    """The table's levels: every part's, in part order, ordered as the split orders them."""
    fixed = explicit_levels(plan)
    if fixed is not None:
        return fixed
    collectors = {name: LevelCollector(name) for name in plan.level_columns}
    empty: dict[str, list] = {}  # levels of a scan none of whose rows was kept
    for scan, index in zip(scans, indexes):
        for i, level in enumerate(index["levels"]):
            collector = collectors[level["column"]]
            collector.categorical = collector.categorical or level["categorical"]
            learnt = read_arrays(os.path.join(scan, f"levels-{i}.arrow"))
            if _drops_empty(plan, level):  # only levels some kept row has
                unkept = sorted(set(range(len(learnt[0]))) - set(level["kept"]))
                gone = learnt[0].take(pa.array(unkept, pa.int64())).to_pylist()
                empty.setdefault(level["column"], []).extend(gone)
                learnt = [array.take(level["kept"]) for array in learnt]
            collector.chunks += learnt
    levels = order_levels(plan, collectors)
    log_left_out(levels, empty)
    return levels


def log_left_out(levels: dict[str, pa.Array], empty: dict[str, list]) -> None:
    """Say which values of a column are no category of the axes because none of their
    rows has a value drawn (a pivot's semantics; the rows are counted as dropped)."""
    for name, values in empty.items():
        shown = set(levels[name].to_pylist())
        gone = list(dict.fromkeys(v for v in values if v not in shown))
        if gone:
            listed = ", ".join(map(repr, gone[:20])) + (", ..." if len(gone) > 20 else "")
            log.info(
                "%s: %d value(s) left out of the axes, none of their rows has a value to "
                "draw (as pandas' pivot_table): %s",
                name,
                len(gone),
                listed,
            )


def _drops_empty(plan: SplitPlan, level: dict[str, Any]) -> bool:
    """Whether a level column's levels are only those some kept row has: a category
    column of a kind that asks for it (a pivot), not categorical, not ordered by the
    config (an explicit order is every level asked for)."""
    name = level["column"]
    return (
        plan.kind.drop_empty_categories
        and level.get("kept") is not None
        and name in plan.category_columns
        and not level["categorical"]
        and plan.orders.get(name) is None
    )


def replay_scan(part: Partitioner, scan: str, index: dict[str, Any]) -> None:
    """Commit one part's routed batches to ``part``, mapped to the table's levels, in order."""
    maps = LevelMaps(part, scan, index)
    with (
        pa.memory_map(os.path.join(scan, SCAN_ROWS)) as rows_file,
        pa.memory_map(os.path.join(scan, SCAN_MOMENTS)) as moments_file,
    ):
        rows = pa.ipc.open_file(rows_file)
        moments = pa.ipc.open_file(moments_file)
        n_rows = n_moments = 0
        for batch in index["batches"]:
            routed = Routed([], {}, {})
            if batch["pieces"]:
                routed.pieces = maps.pieces(rows.get_batch(n_rows), batch["pieces"])
                n_rows += 1
            for role in part.plan.numeric_roles:
                scale = batch["scales"][role]
                if scale is not None:
                    routed.moments[role] = maps.moments(moments.get_batch(n_moments), scale)
                    n_moments += 1
            part.commit(routed)
    part.commit(
        Routed(
            [],
            {},
            dict(index["dropped"]),
            input_rows=index["input_rows"],
            tile_dropped=maps.tile_drops(index["tile_dropped"]),
            inexact=index["inexact"],
        )
    )


class LevelMaps:
    """One part's local tiles, category codes and groups as the table's (gather's) codes."""

    def __init__(self, part: Partitioner, scan: str, index: dict[str, Any]):
        plan, levels = part.plan, part.levels
        local = {
            name: read_arrays(os.path.join(scan, f"levels-{i}.arrow"))[0]
            for i, name in enumerate(plan.level_columns)
        }
        self.part = part
        self.code = {name: _code_map(local[name], levels[name]) for name in plan.level_columns}
        self.tile = self._tiles(index["tiles"])
        self.group = _group_map(
            index["groups"],
            [self.code[name] for name in plan.category_columns],
            group_radix(plan, levels),
        )
        self.groups = int(np.prod(group_radix(plan, levels)))

    def _tiles(self, keys: list[list[int]] | None) -> np.ndarray:
        """The table's tile of each local tile (its facet codes mapped; chunks: itself)."""
        grid, spec = self.part.grid, self.part.plan.spec
        if keys is None:
            return np.arange(grid.n_rows * grid.n_cols, dtype=np.int64)
        maps = [self.code[name] for name in spec.facets]
        tiles = np.zeros(len(keys), dtype=np.int64)
        for k, key in enumerate(keys):
            codes_ = [int(m[c]) for m, c in zip(maps, key)]
            row = codes_[0] if spec.row else 0
            col = codes_[-1] if spec.col else 0
            tiles[k] = row * grid.n_cols + col
        return tiles

    def tile_drops(self, local: list[list[int]]) -> np.ndarray | None:
        """A part's rows dropped per local tile (scan index) as the table's tiles x reasons."""
        if not local:
            return None
        counts = np.zeros_like(self.part.tile_dropped)
        for tile, *by_reason in local:
            counts[self.tile[tile]] += by_reason
        return counts

    def pieces(self, record: pa.RecordBatch, pieces: list[list[int]]) -> list:
        """The batch's rows as routed pieces of the table's tiles, codes mapped."""
        data = [self._source(c, record.column(i)) for i, c in enumerate(self.part.columns)]
        out, start = [], 0
        for tid, n in pieces:
            out.append((int(self.tile[tid]), [_slice(a, start, start + n) for a in data], n))
            start += n
        return out

    def moments(self, record: pa.RecordBatch, scale: float) -> BatchMoments:
        """The batch's moments, keyed by the table's (tile, group) cells."""
        tile = self.tile[record.column(0).to_numpy()]
        # a table of one group keys moments by tile alone (MomentTable.keys)
        if self.groups == 1:
            keys = tile
        else:
            keys = tile * self.groups + self.group[record.column(1).to_numpy()]
        return BatchMoments(keys, *(record.column(i).to_numpy() for i in range(2, 7)), scale=scale)

    def _source(self, column: Column, array: pa.Array) -> Any:
        if column.mode == "codes":
            return self.code[column.name][array.to_numpy()]
        if column.mode == "float":
            return array.to_numpy(zero_copy_only=False)
        return array


def _code_map(local: pa.Array, levels: pa.Array) -> np.ndarray:
    """The table's code of each of a part's levels (-1: a level no kept row has, left out
    of the table's: no routed row has it)."""
    mapped = codes(local, levels) if len(local) else np.zeros(0, np.int32)
    return mapped.astype(np.int32, copy=False)


def _group_map(keys: list[list[int]], maps: list[np.ndarray], radix: list[int]) -> np.ndarray:
    """The table's group of each of a part's local groups.

    A local group's key holds each category column's local code plus one (0: a
    missing value, which a custom kind keeps and the split counts under the first
    level); the table's group is those codes mapped, in the radix of its levels.
    """
    out = np.zeros(len(keys), dtype=np.int64)
    for g, key in enumerate(keys):
        value = 0
        for digit, code_map, base in zip(key, maps, radix):
            code = int(code_map[digit - 1]) if digit > 0 else 0
            value = value * base + max(code, 0)
        out[g] = value
    return out
