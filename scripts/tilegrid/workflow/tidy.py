"""Clean-up steps, named and logged: what a run must not build on, and what killed jobs
or an older tilegrid left.

Each says what it removes on one line of stderr (the run's console or the job's log);
in a dry run it only says what it would remove.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from ..core.manifest import DIGESTS
from ..core.outputs import sweep, sweep_folder
from ..core.tilemeta import TileMetaError, prune_stale_tiles, read_tile_meta


def _say(message: str, log: str | None = None) -> None:
    """One line to ``log`` (a job's log file) or, without one, to stderr."""
    if log is None:
        print(message, file=sys.stderr)
        return
    with open(log, "a", encoding="utf-8") as handle:
        print(message, file=handle)


@dataclass
class ResultsTidy:
    """The tidying before the split's files are read, once a run, while the DAG is built
    (where a dry run is known, and the folders as the rules name them): an incomplete
    split, a storage run's leftover copy, the tiles an earlier tilegrid drew."""

    #: Snakemake's main process (a cluster job's own Snakemake may share the copy)
    main_process: bool
    done: bool = False

    def __call__(self, shards: str, tile_patterns: Iterable[str], dry: bool) -> None:
        """Tidy ``shards`` (the split's folder) and the folders of ``tile_patterns``; in a
        ``dry`` run (known only once the DAG is built, not when the Snakefile is read),
        say what would be removed and remove nothing."""
        if self.done:
            return
        remove_incomplete_split(shards, dry)
        self.done = True
        if self.main_process:  # never under jobs that may share the copy
            remove_storage_leftover(shards, dry)
        for pattern in tile_patterns:
            remove_old_tiles(os.path.dirname(pattern), dry)


def remove_incomplete_split(shards: str, dry: bool) -> bool:
    """Remove the split's output folder ``shards`` when a file it lists is missing; whether
    it is (or, with ``dry``, would be) removed.

    The checkpoint's output is the shards folder: while the folder exists, Snakemake
    takes it as complete, and a render job would wait for a shard that nothing makes
    (a shard or sidecar deleted by hand).  Removing the folder makes the split run
    again; it rewrites every shard anyway, and tiles whose shard did not change are not
    drawn again.
    """
    missing = missing_split_files(shards)
    if not missing:
        return False
    return _remove_folder(shards, f"{missing[0]} is missing: the split runs again", dry)


def remove_storage_leftover(shards, dry: bool) -> bool:
    """Remove the local copy of the split's folder ``shards`` (an IOFile) when the folder
    lives in storage (``--default-storage-provider``); whether it is (or, with ``dry``,
    would be) removed.

    Reading the manifest retrieves the folder
    (:func:`tilegrid.workflow.remote.checkpoint_file`), and Snakemake removes local
    copies only after a run that ran jobs: a run that ran none leaves the copy.  If
    the next run must make the folder again, Snakemake removes the copy itself but its
    I/O cache still sees it, and the split stops with ``ProtectedOutputException``.
    Nothing is lost: the files are in storage, and the folder is retrieved again when
    the manifest is read.
    """
    if not getattr(shards, "is_storage", False) or not os.path.isdir(shards):
        return False
    why = f"{shards} is a local copy an earlier run left (its files are in storage): removed"
    return _remove_folder(shards, why, dry)


def _remove_folder(folder: str, why: str, dry: bool) -> bool:
    """Say ``why`` on one line and remove ``folder`` (only say it in a dry run); True."""
    _say(f"tilegrid: {why}" + (" (not in a dry run)" if dry else ""))
    if not dry:
        shutil.rmtree(folder)
    return True


def missing_split_files(shards: str) -> list[str]:
    """The files of the split's folder ``shards`` that its manifest lists, and its
    digests, that are missing (the manifest itself when it cannot be read); none
    without the folder."""
    manifest = os.path.join(shards, "manifest.json")
    if not os.path.isdir(shards):
        return []
    try:
        with open(manifest, encoding="utf-8") as handle:
            ids = [t["id"] for t in json.load(handle)["tiles"]]
    except (OSError, ValueError, KeyError, TypeError):
        return [manifest]
    files = [f"{shards}/{i}.{ext}" for i in ids for ext in ("arrow", "json")]
    return [path for path in [*files, f"{shards}/{DIGESTS}"] if not os.path.exists(path)]


def remove_old_tiles(tiles: str, dry: bool) -> list[str]:
    """Remove the tiles an earlier tilegrid drew in the folder ``tiles``, and every
    ``<id>.json`` there; with ``dry``, say so only.  Returns the old tiles' ids.

    Such a tile is an ``<id>.png`` without metadata inside, next to the ``<id>.json``
    that held it.  Snakemake redraws it when its record of the render job says the
    command changed, but not when ``.snakemake/`` was deleted, and the mosaic cannot
    use it: removing it makes it a missing output in every case.  The ``<id>.json``
    goes too (no job's output).
    """
    try:
        stems = [n[: -len(".json")] for n in sorted(os.listdir(tiles)) if n.endswith(".json")]
    except OSError:
        return []
    pngs = {stem: os.path.join(tiles, f"{stem}.png") for stem in stems}
    old = [s for s, png in pngs.items() if os.path.exists(png) and not has_tile_meta(png)]
    if old:
        _say(
            f"tilegrid: {len(old)} tiles in {tiles} were drawn by an earlier tilegrid"
            " (their metadata in <tile>.json): they are drawn again"
            + (" (not in a dry run)" if dry else "")
        )
    if not dry:
        for path in [os.path.join(tiles, f"{s}.json") for s in stems] + [pngs[s] for s in old]:
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
    return old


def has_tile_meta(png: str) -> bool:
    """Whether the tile ``png`` holds its metadata (a tile this tilegrid drew)."""
    try:
        read_tile_meta(png)
    except (OSError, TileMetaError):
        return False
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
