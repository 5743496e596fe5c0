"""What the parse knows of remote tables' objects: each object's URL, size and version
(:class:`RemoteObject`), the objects learnt so far, and the storage plugins' providers
handed over by :func:`use`.  Both the dispatch (:mod:`tilegrid.table.remote`) and
the access of each scheme (:mod:`~tilegrid.table.s3access`,
:mod:`~tilegrid.table.httpaccess`) read them here, so neither imports the other back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import TableError


@dataclass(frozen=True)
class RemoteObject:
    """One remote file: its URL, its size and its version (an ETag, or the time and
    size the server gives when it sends none)."""

    url: str
    size: int
    version: str


#: the plugins' providers by scheme (``s3``, ``http``), set by :func:`use`
_PROVIDERS: dict[str, Callable[[], Any]] = {}
#: what the parse learnt of each object, by URL (listings, versions)
_KNOWN: dict[str, RemoteObject] = {}
#: the objects each ``data`` entry names, listed once a parse
_ENTRIES: dict[str, list[RemoteObject]] = {}


def use(providers: dict[str, Callable[[], Any]]) -> None:
    """Read remote data with the storage plugins' providers (each a callable giving
    the plugin's ``StorageProvider``, made when first needed: its settings)."""
    _PROVIDERS.clear()
    _PROVIDERS.update(providers)
    _KNOWN.clear()
    _ENTRIES.clear()


def provider(kind: str) -> Any:
    """The storage plugin's provider for ``kind`` (``s3``, ``http``)."""
    if kind not in _PROVIDERS:
        raise TableError(
            f"{kind}:// data is read by Snakemake's storage plugins, which the workflow "
            "was not given; run it with snakemake (the plugins: pip install -r "
            "requirements-remote.txt)"
        )
    return _PROVIDERS[kind]()


def known(url: str) -> RemoteObject | None:
    """What the parse learnt of the object ``url`` (None: not listed)."""
    return _KNOWN.get(url)


def listed(entry: str) -> list[RemoteObject] | None:
    """The objects the ``data`` entry named when it was listed this parse (None: not yet)."""
    return _ENTRIES.get(entry)


def remember(entry: str, objects: list[RemoteObject]) -> None:
    """Keep the objects the ``data`` entry names, each known by its URL from now on."""
    _ENTRIES[entry] = objects
    for obj in objects:
        _KNOWN[obj.url] = obj


def known_under(prefix: str) -> list[RemoteObject]:
    """The objects known under ``prefix`` (a folder's URL ending in ``/``), sorted."""
    return sorted((o for u, o in _KNOWN.items() if u.startswith(prefix)), key=lambda o: o.url)
