"""How the rules name their inputs: by time or by content, local or in storage.

Three ways a run keeps its files decide how an input is named:

- the package's own files and the data are *local* files of this machine (Snakemake's
  ``local()``): with results in a storage provider (``--default-storage-provider``)
  they are not uploaded; there no job has a local input at all (a job with one would
  run where Snakemake does), and the code goes in as a digest parameter instead;
- data files are judged by content (``ancient()``: their digests are a parameter,
  :mod:`tilegrid.workflow.data`), the example table, which a rule makes, by time;
- the split's files, with results in storage, by content too (``ancient()``: the
  digests of :class:`tilegrid.workflow.stored.StoredTiles`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from snakemake.io import ancient, local

from ..core.code import files_digest, job_files
from .paths import relative


@dataclass(frozen=True)
class JobInputs:
    """The inputs of the workflow's jobs, for one run."""

    #: results go to a storage provider (``--default-storage-provider``)
    stored: bool
    #: the split's folder (``results/shards``)
    shards: str
    #: the render entry point (``scripts/render.py``), relative to the working folder
    render_entry: str
    #: the user's files a tile depends on (:func:`tilegrid.workflow.specs.user_modules`)
    user_modules: tuple[str, ...] = ()
    #: the run's data (:class:`tilegrid.workflow.data.DataInputs`)
    data: Any = None
    #: remote data's storage (:class:`tilegrid.workflow.remote.RemoteStorage`), else None
    remote: Any = None
    #: the configured plot kind: the only kind module in the jobs' code (None: every kind)
    kind: str | None = None

    def local_files(self, paths: Iterable[Any]) -> list[Any]:
        """Files of this machine as inputs, by time (none with results in storage)."""
        return [] if self.stored else [local(str(path)) for path in paths]

    def code_files(self, job: str) -> list[Any]:
        """The package files ``job``'s output depends on: inputs, so a change reruns it."""
        return self.local_files(relative(f) for f in self._files(job))

    def code_digest(self, job: str, others: Iterable[str] = ()) -> str | None:
        """With results in storage, ``job``'s code (and ``others``) as a parameter instead."""
        return files_digest(self._files(job) + list(others)) if self.stored else None

    def render_code_digest(self) -> str:
        """The render code as one parameter (not ~30 inputs in each of 1000 render jobs)."""
        entry = [self.render_entry] if self.stored else []  # else an input
        return files_digest(self._files("render_json") + list(self.user_modules) + entry)

    def _files(self, job: str) -> list[Any]:
        """``job``'s package files, of the configured kind alone among the kinds."""
        return job_files(job, kind=self.kind)

    def data_file(self, path: str) -> Any:
        """A data file by content (``ancient``: its digest is a parameter), the example by
        time; a remote one through its storage plugin, by its version (a parameter too)."""
        if self.data.is_remote(path):
            return ancient(self.remote.input(path))
        return local(path) if self.data.by_time else ancient(local(path))

    def shard(self, name: str) -> str:
        """A file of the split's folder; in storage, judged by content (its digest)."""
        path = f"{self.shards}/{name}"
        return ancient(path) if self.stored else path
