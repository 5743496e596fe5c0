"""The split: stream a table into one shard per tile plus what tiles must agree on.

Streaming passes over the needed columns, so memory does not grow with rows:

1. *levels* (:mod:`tilegrid.grid`): the values of the facet columns and of the
   kind's categorical roles (x, hue, ...), in seaborn's order, and the grid;
2. *partition* (:mod:`tilegrid.partition`): every row is routed to its tile's
   buffer, flushed to the tile's shard (Arrow IPC) in batches of exactly
   ``ROW_GROUP`` rows, while count/mean/variance/min/max of each numeric role
   are merged per tile and category, from which each kind derives the extents
   its axes need (:mod:`tilegrid.sidecars`, :mod:`tilegrid.sharing`);
3. only for kinds with bins of the whole grid (hist): passes over every
   shard's x for the bins (:func:`tilegrid.sidecars.share_bins`, exact
   quantiles by :mod:`tilegrid.binning`: two passes on most data);
4. only for binned kinds whose drawn statistics set a shared limit (histogram
   heights, KDE peaks, 2-D counts, the scatter raster's pixel counts, line's
   estimates and bands): one pass over each tile's own shard.

The spec is resolved against the table once, into a :class:`~tilegrid.plan.SplitPlan`
that every pass reads.  A shard's bytes depend only on its own rows (in file
order) and the shared levels its categories are coded against: batch
boundaries are counted in the tile's own rows, never in input batches.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from . import tableio
from .contracts import (
    DROP_REASONS,
    MANIFEST,
    TILE_DROP_REASONS,
    ManifestTile,
    manifest_path,
    sidecar_path,
    write_manifest,
    write_sidecar,
)
from .grid import Grid, collect_levels, explicit_orders, make_grid
from .partition import Partitioner, route_table, shard_layout, shard_writer, warn_inexact
from .plan import CATEGORICAL_ROLES, SplitError, SplitPlan, SplitSpec, make_plan
from .sidecars import make_manifest, make_sidecars, manifest_tiles, refine_binned, share_bins

__all__ = [
    "CATEGORICAL_ROLES",
    "DROP_REASONS",
    "MANIFEST",
    "ROW_GROUP",
    "Grid",
    "SplitError",
    "SplitPlan",
    "SplitResult",
    "SplitSpec",
    "check_conservation",
    "collect_levels",
    "explicit_orders",
    "make_grid",
    "run_split",
    "split_from_params",
]

log = logging.getLogger("tilegrid.split")

ROW_GROUP = 1 << 16  # rows per shard row group; bounds the split's buffers per tile


@dataclass
class SplitResult:
    """What the split wrote, for logging and tests."""

    tiles: list[ManifestTile]
    dropped: dict[str, int]
    input_rows: int = 0


def run_split(spec: SplitSpec, out_dir: str) -> SplitResult:
    """Split ``spec.data`` into ``out_dir``: shards, sidecars and the manifest."""
    schema = tableio.read_schema(spec.data, spec.source_column)
    plan = make_plan(spec, schema)
    levels, total = collect_levels(plan.spec, plan.level_columns, schema)
    if total == 0 and not tableio.has_rows(spec.data):
        raise SplitError(f"{tableio.describe(spec.data)}: the table has no rows")
    grid = make_grid(plan.spec, levels)
    os.makedirs(out_dir, exist_ok=True)
    columns = shard_layout(plan, schema, levels)
    # total: the table's row count, for facet.chunks; shards' row groups of ROW_GROUP rows
    with shard_writer(plan, grid, levels, columns, total, out_dir, ROW_GROUP) as part:
        route_table(part)
    return finish_split(plan, grid, levels, part, out_dir)


def finish_split(
    plan: SplitPlan, grid: Grid, levels: dict[str, Any], part: Partitioner, out_dir: str
) -> SplitResult:
    """After every shard is written: bins, sidecars and the manifest, rows accounted for."""
    warn_inexact(part.inexact)
    stats = [part.tile_stats(t) for t in range(len(grid.ids))]
    sidecars = make_sidecars(plan, grid, levels, stats)
    if plan.kind.shared_bins is not None:
        share_bins(plan, grid, sidecars, stats, out_dir)
    if plan.kind.binned_extents is not None:
        refine_binned(plan, grid, sidecars, out_dir)
    for tid, sidecar in zip(grid.ids, sidecars):
        write_sidecar(sidecar_path(out_dir, tid), sidecar)
    drops = [part.tile_drops(t) for t in range(len(grid.ids))]
    tiles = manifest_tiles(grid, sidecars, part.router.buffers.rows, drops)
    if part.input_rows == 0:
        raise SplitError(f"{tableio.describe(plan.spec.data)}: the table has no rows")
    check_conservation(part.input_rows, tiles, part.dropped)
    manifest = make_manifest(plan, grid, tiles, sidecars, stats, part.dropped, part.input_rows)
    write_manifest(manifest_path(out_dir), manifest)
    return SplitResult(tiles, part.dropped, part.input_rows)


def check_conservation(input_rows: int, tiles: list[ManifestTile], dropped: dict[str, int]):
    """Every input row is in one tile or dropped for a reason, and the rows dropped from
    each tile add up to the grid's count of each reason; anything else is a bug."""
    kept = sum(t["rows"] for t in tiles)
    if kept + sum(dropped.values()) != input_rows:
        raise AssertionError(
            f"tilegrid bug: {input_rows} input rows, but {kept} in tiles and "
            f"{sum(dropped.values())} dropped ({dropped}); please report it"
        )
    for reason in TILE_DROP_REASONS:
        in_tiles = sum(t.get("dropped", {}).get(reason, 0) for t in tiles)
        if in_tiles != dropped.get(reason, 0):
            raise AssertionError(
                f"tilegrid bug: {dropped.get(reason, 0)} rows dropped as {reason}, but "
                f"{in_tiles} counted in the tiles; please report it"
            )


def split_from_params(params: dict[str, Any], out_dir: str) -> SplitResult:
    """Run the split from the rule's ``params.spec`` and log what it wrote."""
    return log_result(run_split(SplitSpec(**params), out_dir))


def log_result(result: SplitResult) -> SplitResult:
    """Log what the split wrote: tiles, rows kept, rows dropped by reason."""
    rows = sum(t["rows"] for t in result.tiles)
    empty = sum(1 for t in result.tiles if t["rows"] == 0)
    log.info("%d tiles (%d empty), %d rows kept", len(result.tiles), empty, rows)
    log.info("%d input rows", result.input_rows)
    for reason, count in result.dropped.items():
        if count:
            log.info("dropped %d rows: %s", count, DROP_REASONS[reason])
    return result
