"""Runs with results in storage (``--default-storage-provider``): every job judged by
parameters, none kept on this machine by a local input.

Where no file system is shared (``--shared-fs-usage none``, which the Kubernetes and
Google Batch executors imply), Snakemake runs any job with a local input where
Snakemake itself runs.  So with results in storage tilegrid gives no job a local input
but the data files of this machine: a job's code is a parameter (its files' digest)
instead of inputs, and the jobs' records of the data they read, which carry a data
change past a deleted ``.snakemake/`` (:mod:`tilegrid.workflow.reruns`), are not read.
Parameters are compared with Snakemake's records only; :func:`missing_records` stops a
run that has none while results are stored.

Locally the split gives each file it writes again with the same bytes the time it had
(:mod:`tilegrid.split.filetimes`), so a render job reruns exactly when its shard or
sidecar changed.  Through storage the split's whole folder is uploaded anew and every
object gets a new time: each render job would rerun after any data change.  There the
shard and sidecar are inputs by time in name only (``ancient``), and the job has their
digests, from the split's ``digests.json``, as its parameter ``content``
(:class:`StoredTiles`); locally the rules have no such parameter.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ..core.manifest import MANIFEST, read_digests
from .startup import StartError

#: Snakemake's records of the jobs it ran, parameters among them
RECORDS = os.path.join(".snakemake", "metadata")


class StoredTiles:
    """The render jobs' parameter ``content``: ``stored`` when the split's folder lives in
    storage, ``planning`` in Snakemake's main process (a job's own Snakemake, on a
    cluster node or in a container, has no copy of the folder; the main process records
    the job's parameters after it), ``digests`` the local path of the split's
    ``digests.json`` (waits for the checkpoint)."""

    def __init__(self, stored: bool, planning: bool, digests: Callable[[], str]):
        self.judged = stored and planning
        self._digests_path = digests
        self._read: tuple[tuple[str, int], dict[str, str]] | None = None

    def params(self) -> dict[str, Callable]:
        """The render rules' parameter ``content`` where it is judged (none elsewhere: a
        function parameter costs each of a thousand jobs its call, twice a run)."""
        return {"content": lambda wildcards: self.content(wildcards.tile)} if self.judged else {}

    def content(self, tile: str) -> list[str | None] | None:
        """The digests of ``tile``'s shard and sidecar (None where time decides)."""
        if not self.judged:
            return None
        digests = self._digests()
        return [digests.get(f"{tile}.arrow"), digests.get(f"{tile}.json")]

    def _digests(self) -> dict[str, str]:
        """The split's digests, read once per version of the file."""
        path = self._digests_path()
        key = (path, os.stat(path).st_mtime_ns)
        if self._read is None or self._read[0] != key:
            self._read = (key, read_digests(path))
        return self._read[1]


def has_records(records: str = RECORDS) -> bool:
    """Whether Snakemake holds records of jobs here (``.snakemake/metadata``, not empty)."""
    try:
        with os.scandir(records) as entries:
            return any(True for _ in entries)
    except OSError:
        return False


def missing_records(stored: Callable[[], bool], where: str, forced: bool) -> str | None:
    """One line when results are in storage (``stored()``: the split's manifest is there,
    under the prefix ``where``) but Snakemake holds no record of the jobs that made them
    (``.snakemake/`` deleted, or a run from another folder or machine): their parameters
    cannot be compared, so a changed table or code would leave them as they are.  None
    when there are records, nothing is stored yet, or everything is made again
    (``forced``: ``--forceall``)."""
    if forced or has_records() or not stored():
        return None
    return (
        f"results are stored under {where}, but Snakemake holds no record of the jobs "
        "that made them here (.snakemake/ was deleted, or they were made from another "
        "folder): run once with --forceall to make them again from the current data"
    )


def stored(provider: Any, query: str) -> bool:
    """Whether ``query`` is in storage, asked of the default storage ``provider``; a
    refusal (credentials, a missing bucket) stops the run with one line, as the data's
    own checks do."""
    try:
        return bool(provider.object(query).exists())
    except Exception as exc:  # the plugin's own errors: boto3's, requests', ...
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StartError(f"cannot check {query} in storage: {text}") from None


def unrecorded(workflow: Any, shards: Any) -> str | None:
    """:func:`missing_records` of a run with results in storage (``workflow``: Snakemake's),
    whose split writes the folder ``shards`` (its rule's output, in storage: a module's
    prefix included); a refusal from storage is one line too."""
    provider = workflow.storage_registry.default_storage_provider
    folder = shards.storage_object.query.rstrip("/")
    forced = workflow.dag_settings.forceall
    try:
        return missing_records(lambda: stored(provider, f"{folder}/{MANIFEST}"), folder, forced)
    except StartError as exc:
        return str(exc)
