"""Writing the PNG mosaic: composited into the cached copy when that gives the full
draw's bytes (:mod:`tilegrid.mosaic.composite`), else drawn in full
(:func:`tilegrid.mosaic.png.draw_png`); then the file and its cache
(:mod:`tilegrid.mosaic.cache`).  The log says which, and why."""

from __future__ import annotations

import logging
from dataclasses import astuple

from ..core.outputs import write_bytes
from ..core.tilemeta import TileMetaError
from .cache import NoComposite, drop_cache, keep_canvas, write_record
from .composite import composite
from .layout import Layout
from .pieces import CellImage
from .png import Drawn, Plan, draw_png

log = logging.getLogger("tilegrid.mosaic")


def store(png: str, plan: Plan, drawn: Drawn) -> None:
    """Write the PNG mosaic ``png``, then its cache: a copy and the record of how it was made."""
    write_bytes(png, drawn.data)
    canvas = keep_canvas(png, drawn.data)
    cells = {
        cell.tile: {
            "key": plan.keys[cell.tile],
            "png": plan.digests[cell.tile],
            "extents": list(astuple(drawn.extents[cell.tile])),
        }
        for cell in plan.cells
    }
    record = {
        "draw": plan.draw_key,
        "layout": drawn.layout.describe(),
        "dpi": plan.dpi,
        "cells": cells,
        "header": plan.header_key(),
        "side": plan.side_key(),
        "bands": [list(band) for band in drawn.bands],
        "canvas": canvas,
    }
    write_record(png, record)


def write_png(png: str, plan: Plan) -> Layout:
    """Write the PNG mosaic ``png`` of ``plan``: composited into the cached copy when that
    gives the full draw's bytes, else drawn in full; the log says which, and why."""
    pictures: dict[str, CellImage] = {}
    try:
        done = composite(png, plan, pictures)
    except NoComposite as why:
        log.info("drawing the mosaic in full: %s", why)
    except TileMetaError:  # a damaged tile, named: a full draw would stop on it too
        raise
    except (KeyError, TypeError, ValueError, IndexError, OSError) as exc:
        log.info("drawing the mosaic in full: the cache is damaged (%s)", type(exc).__name__)
    else:
        store(png, plan, done.drawn)
        log.info("%s", done.summary())
        return done.drawn.layout
    drawn = draw_png(plan, pictures)
    drop_cache(png)
    store(png, plan, drawn)
    log.info(
        "drew the mosaic of %d tiles: %d x %d px",
        len(plan.cells),
        drawn.layout.width,
        drawn.layout.height,
    )
    return drawn.layout
