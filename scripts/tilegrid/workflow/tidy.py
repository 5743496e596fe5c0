"""Clean-up steps, named and logged: what killed jobs or an older tilegrid left among
the tiles (the mosaic's or the page table's last step), and the local copy of the
split's folder an earlier run with results in storage left (as the workflow is read).
None runs while the DAG is built: what Snakemake must make again is forced then
(:mod:`tilegrid.workflow.reruns`).

Each says what it removes on one line of stderr (the run's console or the job's log).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys

from ..core.outputs import sweep, sweep_folder
from ..core.tilemeta import prune_stale_tiles


def _say(message: str, log: str | None = None) -> None:
    """One line to ``log`` (a job's log file) or, without one, to stderr."""
    if log is None:
        print(message, file=sys.stderr)
        return
    with open(log, "a", encoding="utf-8") as handle:
        print(message, file=handle)


def remove_storage_copy(shards) -> bool:
    """Remove the local copy of the split's folder ``shards`` (an IOFile) when the folder
    lives in storage (``--default-storage-provider``); whether it was removed.  Run by
    Snakemake's main process as the workflow is read, before any copy is made.

    Reading the manifest retrieves the folder
    (:func:`tilegrid.workflow.remote.checkpoint_file`), and Snakemake removes local
    copies only after a run that ran jobs: a run that ran none, or was killed, leaves
    the copy.  If the next run must make the folder again, Snakemake removes the copy
    itself but its I/O cache still sees it, and the split stops with
    ``ProtectedOutputException``.  Nothing is lost: the files are in storage, and the
    folder is retrieved again when the manifest is read.
    """
    if not getattr(shards, "is_storage", False) or not os.path.isdir(shards):
        return False
    _say(f"tilegrid: removed {shards}, an earlier run's local copy of a folder in storage")
    shutil.rmtree(shards, ignore_errors=True)
    return True


def tidy_after_mosaic(
    pngs: list[str], print_pngs: list[str], figures: list[str], log: str | None = None
) -> None:
    """The mosaic job's last step: remove tiles of facet values no longer in the data
    (no job's output, so Snakemake never removes them), and the temporary files a killed
    writer left (which no rerun renames into place) in the tiles folders (every tile of
    this run is drawn: they are this job's inputs) and beside the mosaic, in every
    format (this job is their only writer).  What it removed is said in ``log`` (the
    job's log; stderr without one)."""
    left: list[str] = []
    if pngs:
        tiles = os.path.dirname(pngs[0])
        left += _prune(tiles, pngs, "stale tiles", log)
        # print tiles: those of the grid while a pdf or svg mosaic is asked for, else none
        prints = os.path.join(tiles, "print")
        if os.path.isdir(prints):
            left += _prune(prints, print_pngs, "print tiles", log)
            if not os.listdir(prints):
                os.rmdir(prints)
    stem = os.path.splitext(figures[0])[0]
    for fmt in ("png", "pdf", "svg"):
        left += sweep(f"{stem}.{fmt}")
    if left:
        _say(f"removed {len(left)} files killed jobs left: {', '.join(left)}", log)
    if pages := remove_pages(os.path.dirname(figures[0]), 0):
        _say(f"removed the pages of an earlier paged mosaic: {', '.join(pages)}", log)


def tidy_after_pages(pngs: list[str], print_pngs: list[str], results: str, pages: int) -> None:
    """The page table job's last step, with ``mosaic.page`` (it runs after every tile is
    drawn: they are its inputs): the tiles of facet values no longer in the data, the
    temporary files killed jobs left in the tiles folders, the pages beyond the last
    one (the grid shrank) and an earlier one-page mosaic's png, svg and cache."""
    left: list[str] = []
    if pngs:
        tiles = os.path.dirname(pngs[0])
        left += _prune(tiles, pngs, "stale tiles")
        prints = os.path.join(tiles, "print")
        if os.path.isdir(prints):
            left += _prune(prints, print_pngs, "print tiles")
            if not os.listdir(prints):
                os.rmdir(prints)
    if left:
        _say(f"removed {len(left)} files killed jobs left: {', '.join(left)}")
    gone = remove_pages(results, pages)
    cache = os.path.join(results, ".mosaic-cache")
    for path in [os.path.join(results, f"mosaic.{fmt}") for fmt in ("png", "svg")] + [
        os.path.join(cache, name) for name in ("record.json", "canvas.png")
    ]:
        if os.path.isfile(path):
            os.remove(path)
            gone.append(path)
    if gone:
        _say(f"removed what no longer is a page of this mosaic: {', '.join(gone)}")


def remove_pages(results: str, keep: int) -> list[str]:
    """Remove the pages (``mosaic-<n>.png``/``.svg``) and page caches (``.mosaic-cache/
    page-<n>``) numbered above ``keep`` in ``results`` (0: all, and ``pages.tsv``);
    what was removed."""
    import re

    gone = []
    try:
        names = sorted(os.listdir(results))
    except OSError:
        return gone
    for name in names:
        page = re.fullmatch(r"mosaic-(\d+)\.(png|svg)", name)
        if (page and int(page[1]) > keep) or (keep == 0 and name == "pages.tsv"):
            os.remove(os.path.join(results, name))
            gone.append(name)
    cache = os.path.join(results, ".mosaic-cache")
    with contextlib.suppress(OSError):
        for name in sorted(os.listdir(cache)):
            page = re.fullmatch(r"page-(\d+)", name)
            if page and int(page[1]) > keep:
                shutil.rmtree(os.path.join(cache, name))
                gone.append(f".mosaic-cache/{name}")
    return gone


def _prune(folder: str, keep: list[str], what: str, log: str | None = None) -> list[str]:
    """Remove the tiles in ``folder`` not among ``keep``; the temporary files swept there."""
    stale = prune_stale_tiles(folder, {os.path.splitext(os.path.basename(p))[0] for p in keep})
    if stale:
        _say(f"removed {len(stale)} {what}: {', '.join(stale)}", log)
    return sweep_folder(folder)
