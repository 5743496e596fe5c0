"""The end of the split, once every shard is written: bins, sidecars, the manifest,
every row accounted for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.manifest import TILE_DROP_REASONS, ManifestTile, manifest_path, write_manifest
from ..core.sidecar import sidecar_path, write_sidecar
from ..table import describe
from .drops import warn_inexact
from .grid import Grid
from .marks import marks_legend, note_rasters
from .sidecars import make_manifest, make_sidecars, manifest_tiles, refine_binned, share_bins
from .spec import SplitError, SplitPlan
from .writer import Partitioner


@dataclass
class SplitResult:
    """What the split wrote, for logging and tests."""

    tiles: list[ManifestTile]
    dropped: dict[str, int]
    input_rows: int = 0


def finish_split(
    plan: SplitPlan, grid: Grid, levels: dict[str, Any], part: Partitioner, out_dir: str
) -> SplitResult:
    """After every shard is written: bins, sidecars and the manifest, rows accounted for."""
    warn_inexact(part.inexact)
    stats = [part.tile_stats(t) for t in range(len(grid.ids))]
    sidecars = make_sidecars(plan, grid, levels, stats)
    if plan.kind.shared_bins is not None:
        share_bins(plan, grid, sidecars, stats, out_dir)
    if plan.kind.binned_extents is not None and plan.kind.binned_pass(plan.spec.options):
        refine_binned(plan, grid, sidecars, out_dir)
    for tid, sidecar in zip(grid.ids, sidecars):
        write_sidecar(sidecar_path(out_dir, tid), sidecar)
    drops = [part.tile_drops(t) for t in range(len(grid.ids))]
    tiles = manifest_tiles(grid, sidecars, part.router.buffers.rows, drops)
    if part.input_rows == 0:
        raise SplitError(f"{describe(plan.spec.data)}: the table has no rows")
    check_conservation(part.input_rows, tiles, part.dropped)
    marks = marks_legend(plan, sidecars[0], stats, out_dir, grid.ids) if sidecars else None
    note_rasters(plan, grid.ids, stats)
    manifest = make_manifest(
        plan, grid, tiles, sidecars, stats, part.dropped, part.input_rows, marks
    )
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
