"""The render job's entry (:data:`tilegrid.core.tasks.JOBS` ``render_json``): a tile from
the render command's JSON texts (:mod:`tilegrid.workflow.command` parses the command
line and hands them over, through the warm worker or in its own process)."""

from __future__ import annotations

import json

from .tile import render_tile


def render_from_json(shard: str, sidecar: str, plot: str, tile: str, png: str):
    """Render a tile whose plot and tile settings are the command line's JSON texts.

    The job hands the texts over as they are: parsing them here, in the worker
    (json is imported there already), spares every job importing json.
    """
    try:
        plot_settings, tile_settings = json.loads(plot), json.loads(tile)
    except ValueError as exc:
        raise ValueError(f"render_job: --plot/--tile is not JSON: {exc}") from None
    return render_tile(shard, sidecar, plot_settings, tile_settings, png)
