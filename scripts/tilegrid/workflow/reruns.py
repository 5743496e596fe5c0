"""What a run must make again that Snakemake cannot see, found as the DAG is built
(before the split's files are read) and forced as Snakemake forces the outputs it
finds incomplete (``--rerun-incomplete``: ``DAG.check_incomplete`` adds them to the
DAG's ``forcefiles``).  Nothing is written or removed then (but with ``--touch``,
which only records: :func:`accept_reads`): a dry run shows the jobs with the reason
"forced", and Snakemake removes a forced job's old output itself, as the job starts.

- **A job that read other data** (:func:`changed_reads`): the split, or a scan, whose
  output exists but whose record of what it read (written by the job as it ends,
  :func:`tilegrid.table.contents.record_content`) is not the data's content now, or is
  missing.  Snakemake compares a job's parameters (the digests) only with its records
  in ``.snakemake/``: without them (deleted to clear a lock, say) it would keep outputs
  made from other data.
- **An incomplete split** (:func:`incomplete_split`): a file the split's manifest lists
  is missing (a shard deleted by hand, a split killed without Snakemake's records).
  Snakemake takes a checkpoint's folder that exists as complete, and a render job
  would wait for a shard that nothing makes.  The split rewrites every shard, and a
  tile whose shard did not change is not drawn again (:mod:`tilegrid.split.filetimes`).
- **Tiles an earlier tilegrid drew** (:func:`old_tiles`): an ``<id>.png`` without
  metadata inside, beside the ``<id>.json`` that held it.  Snakemake redraws it when
  its record of the render job says the command changed, but not without
  ``.snakemake/``, and the mosaic cannot use it.  The ``<id>.json`` files go with the
  mosaic's last step (:func:`tilegrid.workflow.tidy.tidy_after_mosaic`).

Each but a change of data (Snakemake gives that reason itself when it has its records)
is said on one line.  Only Snakemake's main process asks: a cluster job's own Snakemake
runs the jobs it is given.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.manifest import DIGESTS, manifest_path, read_manifest
from ..core.tilemeta import TileMetaError, read_tile_meta
from ..table.contents import record_content, recorded_content
from .paths import tile_ids
from .startup import unwritable
from .stored import unrecorded


@dataclass(frozen=True)
class Rerun:
    """Outputs Snakemake makes again, and the line that says why (None: none)."""

    files: tuple[str, ...]
    why: str | None = None


def changed_reads(reads: Mapping[str, Any]) -> Rerun | None:
    """The outputs among ``reads`` (output -> the digests of what its job reads now) that
    exist but were made from other data, or whose job left no record of it."""
    changed = tuple(
        out for out, content in reads.items() if exists(out) and not recorded_content(out, content)
    )
    return Rerun(files=changed) if changed else None


def incomplete_split(shards: str) -> Rerun | None:
    """The split's folder ``shards`` when a file its manifest lists, its digests or the
    manifest itself are missing."""
    if missing := missing_split_files(shards):
        return Rerun(files=(str(shards),), why=f"{missing[0]} is missing: the split runs again")
    return None


def missing_split_files(shards: str) -> list[str]:
    """The files of the split's folder ``shards`` that its manifest lists, and its
    digests, that are missing (the manifest itself when it cannot be read); none
    without the folder."""
    if not os.path.isdir(shards):
        return []
    ids = listed_tiles(shards)
    if ids is None:
        return [manifest_path(shards)]
    files = [f"{shards}/{i}.{ext}" for i in ids for ext in ("arrow", "json")]
    return [path for path in [*files, f"{shards}/{DIGESTS}"] if not exists(path)]


def listed_tiles(shards: str) -> list[str] | None:
    """The tile ids the split's manifest in ``shards`` lists; None when it cannot be read."""
    try:
        return tile_ids(read_manifest(manifest_path(shards)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def old_tiles(pattern: str) -> Rerun | None:
    """The tiles an earlier tilegrid drew in the folder of ``pattern`` (a render rule's
    output, ``{tile}`` in it)."""
    folder = os.path.dirname(pattern)
    try:
        stems = [n[: -len(".json")] for n in sorted(os.listdir(folder)) if n.endswith(".json")]
    except OSError:
        return None
    old = [png for png in (pattern.replace("{tile}", s) for s in stems) if is_old_tile(png)]
    if not old:
        return None
    why = (
        f"{len(old)} tiles in {folder} were drawn by an earlier tilegrid"
        " (their metadata in <tile>.json): they are drawn again"
    )
    return Rerun(files=tuple(old), why=why)


def is_old_tile(png: str) -> bool:
    """Whether ``png`` exists and holds no tile metadata (an earlier tilegrid drew it)."""
    if not exists(png):
        return False
    try:
        read_tile_meta(png)
    except (OSError, TileMetaError):
        return True
    return False


def exists(path: str) -> bool:
    return os.path.exists(str(path))


def ask(dag: Any, reruns: Iterable[Rerun | None]) -> list[str]:
    """Force the outputs of ``reruns`` in Snakemake's ``dag`` (as it forces incomplete
    ones), saying each reason on one line of stderr; the outputs forced."""
    forced: list[str] = []
    for rerun in filter(None, reruns):
        if rerun.why:
            print(f"tilegrid: {rerun.why}", file=sys.stderr)
        forced += rerun.files
    dag.forcefiles.update(forced)
    return forced


def force_reruns(dag: Any, rules: Any, data: Any) -> list[str]:
    """Force in Snakemake's ``dag`` what it cannot see, in the folders its ``rules`` name
    (a module's prefix included): the split's or the scans' outputs whose reads of the
    ``data`` (:class:`tilegrid.workflow.data.DataInputs`) changed, the split's folder if
    incomplete, the old tiles of each render rule."""
    shards = str(rules.split.output.shards)
    reads = _reads(rules, data)
    tiles = [old_tiles(str(render.output.png)) for render in (rules.render, rules.render_print)]
    return ask(dag, [changed_reads(reads), incomplete_split(shards), *tiles])


def accept_reads(rules: Any, data: Any) -> list[str]:
    """With ``--touch``: record that the split's or the scans' outputs that exist were
    made from the ``data`` now, as Snakemake records their parameters; those recorded."""
    reads = _reads(rules, data)
    done = [out for out, content in reads.items() if exists(out) and content is not None]
    for out in done:
        record_content(out, reads[out])
    return done


def _reads(rules: Any, data: Any) -> dict[str, Any]:
    return data.reads(str(rules.split.output.shards), str(rules.scan.output.scan))


@dataclass
class DagStart:
    """What a run does once, as its DAG is built, before the split's files are read
    (a dry run and ``--forceall`` are known only then, not when the Snakefile is read):
    in Snakemake's main process, force what it cannot see (:func:`force_reruns`; with
    ``--touch``, which marks outputs as made from the inputs now, :func:`accept_reads`), then
    stop in ``folders`` it cannot write (not in a dry run) or, with results in storage
    (``stored``), without Snakemake's records (:func:`tilegrid.workflow.stored.unrecorded`).
    ``workflow`` is Snakemake's, ``data`` the run's
    (:class:`tilegrid.workflow.data.DataInputs`)."""

    workflow: Any
    stored: bool
    data: Any
    folders: list[str]
    #: the split folders done (one per figure of a config of many)
    done: set[str] = field(default_factory=set)

    def __call__(self, rules: Any) -> str | None:
        """Do it for the figure whose rules are ``rules`` (once); the one line that says
        why the run must stop, else None."""
        shards = rules.split.output.shards
        if str(shards) in self.done:
            return None
        self.done.add(str(shards))
        main = self.workflow.is_main_process
        if main and not self.stored and self.workflow.touch:
            accept_reads(rules, self.data)
        elif main and not self.stored:
            force_reruns(self.workflow.dag, rules, self.data)
        if not self.workflow.dryrun and (problem := unwritable(self.folders)):
            return problem
        return unrecorded(self.workflow, shards) if self.stored and main else None
