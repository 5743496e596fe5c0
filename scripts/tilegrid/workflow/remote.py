"""Remote data (``s3://``, ``http(s)://``) through Snakemake's storage plugins: each
remote file an input of the jobs that read it (downloaded into a local copy before
they run), and the parse's own reads (:mod:`tilegrid.table.remote`) made with the
plugins' settings, from wherever Snakemake gave them (``--storage-s3-*`` options,
their ``SNAKEMAKE_STORAGE_*`` variables, a profile).

The plugins are an optional install (``requirements-remote.txt``); without them a
remote ``data`` stops with one line saying so.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ..table import Data, objects, remote
from .startup import StartError

#: what a run without the storage plugins is told
INSTALL = "pip install -r requirements-remote.txt"


def entries(data: Data) -> list[str]:
    """The remote entries of ``data``."""
    return [e for e in ([data] if isinstance(data, str) else list(data)) if remote.is_remote(e)]


class RemoteStorage:
    """Snakemake's storage plugins as this run set them up (``storage``: the Snakefile's
    storage registry), for the remote entries of ``data``."""

    def __init__(self, storage: Callable[..., Any], data: Data):
        self.storage = storage
        urls = entries(data)
        first = {remote.scheme(url): url for url in reversed(urls)}
        objects.use({kind: self._provider_of(url) for kind, url in first.items()})

    def _provider_of(self, url: str) -> Callable[[], Any]:
        return lambda: self.object(url).provider

    def input(self, url: str):
        """``url`` as an input file of a rule: its plugin downloads it for the job."""
        try:
            return self.storage(url)
        except Exception as exc:  # no plugin for it, or one that refuses the URL
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StartError(
                f"config key 'data': {url!r} cannot be read through Snakemake's storage "
                f"plugins ({text}); install them: {INSTALL}"
            ) from None

    def object(self, url: str):
        """The plugin's storage object of ``url``."""
        return self.input(url).flags["storage_object"]

    def local_copy(self, url: str) -> str:
        """Where the plugin puts ``url``'s local copy (a prefix: the folder of its files)."""
        return str(self.object(url).local_path())


def checkpoint_file(folder: Any, name: str) -> str:
    """The local copy of ``name`` in a checkpoint's output ``folder`` (an IOFile).

    With ``--default-storage-provider`` the folder lives in storage, and Snakemake
    removes its local copy once the run that made it ends; a later run that reads it
    while building the DAG would find nothing.  Then Snakemake's own signal is raised
    (the one :meth:`snakemake.io._IOFile.open` raises for a file): it retrieves the
    folder from storage and evaluates the rule again.
    """
    path = f"{folder}/{name}"
    if getattr(folder, "is_storage", False) and not os.path.exists(path):
        from snakemake.exceptions import InputOpenException

        raise InputOpenException(folder)
    return path
