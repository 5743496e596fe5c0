"""Tables on object storage (``s3://``) and on web servers (``http(s)://``), as the
workflow's parse reads them: which objects a ``data`` entry names, what version of
each, and their bytes for the schemas, footers and row groups.

Jobs never read a remote object: Snakemake's storage plugins download each into a
local copy before the job that reads it runs (:mod:`tilegrid.workflow.remote`).
The parse uses the plugins' own settings (endpoint, keys, authentication), handed
over once by :func:`tilegrid.table.objects.use`: S3 through the plugin's boto3 client
(listing, versions) and pyarrow's ``S3FileSystem`` (bytes), HTTP through ``requests``.

An S3 entry is an object (``s3://bucket/key``), a prefix ending in ``/`` (every
data file under it, as a local folder: Parquet files, Hive partitions as columns)
or a glob within a bucket (``s3://bucket/runs/*.csv``); an HTTP entry is one file.
Every problem is a :class:`~tilegrid.table.errors.TableError` of one line.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pyarrow as pa

from .objects import RemoteObject, known, known_under, listed, remember

SCHEMES = ("s3://", "http://", "https://")


def is_remote(path: Any) -> bool:
    """Whether ``path`` is a URL the storage plugins read (``s3://``, ``http(s)://``)."""
    return isinstance(path, str) and path.lower().startswith(SCHEMES)


def scheme(url: str) -> str:
    """The storage plugin that reads ``url``: ``s3`` or ``http`` (also for https)."""
    return "s3" if url.lower().startswith("s3://") else "http"


def _access(url: str):
    if scheme(url) == "s3":
        from . import s3access

        return s3access
    from . import httpaccess

    return httpaccess


def entry_objects(entry: str, where: str) -> list[RemoteObject]:
    """The objects one ``data`` entry names, sorted (a prefix's or a glob's), each
    remembered for :func:`known`; none is a TableError naming the entry."""
    objects = listed(entry)
    if objects is None:
        objects = _access(entry).entry_objects(entry, where)
        remember(entry, objects)
    return objects


def is_folder(url: str) -> bool:
    """Whether ``url`` names a prefix read as a folder (it ends with ``/``)."""
    return scheme(url) == "s3" and url.endswith("/")


def content_digest(url: str, span: tuple[int, int] | None) -> str | None:
    """A digest of the object's version (and of a span of it): what a job that reads it
    depends on, in place of a local file's content digest."""
    obj = known(url)
    if obj is None:
        return None
    text = f"tilegrid-remote-1:{obj.url}:{obj.size}:{obj.version}:{span}"
    return hashlib.sha256(text.encode()).hexdigest()


def open_file(url: str) -> pa.NativeFile:
    """The object's bytes, random access (Parquet footers, Arrow files)."""
    return _access(url).open_file(url)


def open_stream(url: str) -> pa.NativeFile:
    """The object's bytes from the start, decompressed as its name says (CSV, TSV)."""
    stream = _access(url).open_stream(url)
    for suffix, codec in ((".gz", "gzip"), (".bz2", "bz2"), (".zst", "zstd")):
        if url.lower().endswith(suffix):
            return pa.CompressedInputStream(stream, codec)
    return stream


def folder_dataset(url: str, schema: pa.Schema | None = None):
    """The Parquet dataset under the prefix ``url``, Hive partitions as columns."""
    from . import s3access

    return s3access.folder_dataset(url, [o.url for o in folder_objects(url)], schema)


def folder_objects(url: str) -> list[RemoteObject]:
    """The data files listed under the prefix ``url``, sorted."""
    return known_under(url.rstrip("/") + "/")
