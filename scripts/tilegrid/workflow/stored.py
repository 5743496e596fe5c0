"""Render jobs whose shards live in storage (``--default-storage-provider``): judged by
the shards' content, as they are locally by time.

Locally the split gives each file it writes again with the same bytes the time it had
(:mod:`tilegrid.split.filetimes`), so a render job reruns exactly when its shard or
sidecar changed.  Through storage the split's whole folder is uploaded anew and every
object gets a new time: each render job would rerun after any data change.  There the
shard and sidecar are inputs by time in name only (``ancient``), and the job has their
digests, from the split's ``digests.json``, as its parameter ``content``; its content
stamp (:func:`tilegrid.table.contents.content_stamp`), an input by time, carries a
change where Snakemake holds no record of the job's parameters (``.snakemake/``
deleted).  Locally both are empty and nothing changes.

Only where jobs are planned (Snakemake's main process): a job's own Snakemake (a
cluster or Kubernetes job) has no copy of the folder and no record to compare with;
the main process records the job's parameters after it.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..core.manifest import read_digests
from ..table.contents import content_stamp


class StoredTiles:
    """The render jobs' content parameter and stamp; ``stored`` when the split's folder
    lives in storage, ``planning`` in Snakemake's main process, ``digests`` the local
    path of the split's ``digests.json`` (waits for the checkpoint)."""

    def __init__(self, stored: bool, planning: bool, digests: Callable[[], str]):
        self.judged = stored and planning
        self._digests_path = digests
        self._read: tuple[tuple[str, int], dict[str, str]] | None = None

    def content(self, tile: str) -> list[str | None] | None:
        """The digests of ``tile``'s shard and sidecar (None where time decides)."""
        if not self.judged:
            return None
        digests = self._digests()
        return [digests.get(f"{tile}.arrow"), digests.get(f"{tile}.json")]

    def stamp(self, output: str, tile: str) -> list[str]:
        """The content stamp of the job writing ``output`` from ``tile``'s shard (none
        where time decides, or where it cannot be written: a dry run's read-only folder)."""
        if not self.judged:
            return []
        stamp = content_stamp(output, self.content(tile))
        return [stamp] if stamp else []

    def _digests(self) -> dict[str, str]:
        """The split's digests, read once per version of the file."""
        path = self._digests_path()
        key = (path, os.stat(path).st_mtime_ns)
        if self._read is None or self._read[0] != key:
            self._read = (key, read_digests(path))
        return self._read[1]
