"""``s3://`` data at parse time, with the S3 storage plugin's settings: its boto3 client
lists objects and their ETags, pyarrow's ``S3FileSystem`` (the same endpoint and keys)
reads their bytes.  Each problem is one line (a missing bucket or key, an empty
prefix, credentials refused, an endpoint not reached)."""

from __future__ import annotations

import posixpath
import re
from typing import Any
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.fs as pafs

from .errors import TableError, first_line
from .objects import RemoteObject, provider

GLOB_CHARS = "*?["
#: what S3 says when the keys or the token are refused
DENIED = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "403",
}
_FILESYSTEM: list[tuple[Any, pafs.S3FileSystem]] = []


def split_url(url: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> ``(bucket, key)``."""
    parsed = urlparse(url)
    return parsed.netloc, parsed.path.lstrip("/")


def client():
    """The S3 plugin's boto3 client: its endpoint, region, keys and retries."""
    return provider("s3").s3c.meta.client


def filesystem() -> pafs.S3FileSystem:
    """pyarrow's S3 file system with the plugin's settings (endpoint, region, keys);
    keys the plugin is not given come from where boto3 finds them (AWS_* variables,
    ~/.aws), where pyarrow finds them too."""
    settings = provider("s3").settings
    if _FILESYSTEM and _FILESYSTEM[0][0] is settings:
        return _FILESYSTEM[0][1]
    options: dict[str, Any] = {"region": getattr(settings, "region", None) or "us-east-1"}
    endpoint = getattr(settings, "endpoint_url", None)
    if endpoint:
        parsed = urlparse(endpoint)
        options["endpoint_override"] = parsed.netloc or parsed.path
        options["scheme"] = parsed.scheme or "https"
    if getattr(settings, "access_key", None):
        options["access_key"] = settings.access_key
        options["secret_key"] = settings.secret_key
        options["session_token"] = getattr(settings, "token", None)
    fs = pafs.S3FileSystem(**options)
    _FILESYSTEM[:] = [(settings, fs)]
    return fs


def _problem(url: str, where: str, exc: Exception) -> TableError:
    """One line for a failed S3 request about ``url``."""
    import botocore.exceptions as bce

    bucket = split_url(url)[0]
    if isinstance(exc, bce.ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("NoSuchBucket",):
            return TableError(f"{where}: the bucket {bucket!r} does not exist")
        if code in ("NoSuchKey", "404"):
            return TableError(f"{where}: {url!r} does not exist")
        if code in DENIED:
            return TableError(
                f"{where}: S3 refused the credentials for {url!r} ({code}); check the keys "
                "(--storage-s3-access-key/--storage-s3-secret-key, "
                "SNAKEMAKE_STORAGE_S3_ACCESS_KEY, AWS_ACCESS_KEY_ID or ~/.aws)"
            )
        return TableError(f"{where}: S3 answered {code} for {url!r}: {first_line(exc)}")
    if isinstance(exc, bce.NoCredentialsError):
        return TableError(
            f"{where}: no S3 credentials for {url!r}; give them with "
            "--storage-s3-access-key/--storage-s3-secret-key or AWS_ACCESS_KEY_ID"
        )
    if isinstance(exc, bce.EndpointConnectionError | bce.ConnectionError):
        return TableError(f"{where}: cannot reach S3 for {url!r}: {first_line(exc)}")
    return TableError(f"{where}: cannot read {url!r}: {first_line(exc)}")


def _hidden(key: str, prefix: str) -> bool:
    """Names starting with "." or "_" below ``prefix``, as a local folder skips them."""
    return any(p.startswith((".", "_")) for p in key[len(prefix) :].split("/") if p)


def glob_regex(pattern: str) -> re.Pattern:
    """A key pattern as ``glob.glob(recursive=True)`` reads a path: ``*`` and ``?`` within
    one name, ``**/`` any folders, ``[...]`` a set."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _listing(bucket: str, prefix: str) -> list[dict]:
    pages = client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item for page in pages for item in page.get("Contents", [])]


def _object(bucket: str, item: dict) -> RemoteObject:
    return RemoteObject(f"s3://{bucket}/{item['Key']}", int(item["Size"]), str(item["ETag"]))


def entry_objects(entry: str, where: str) -> list[RemoteObject]:
    """The objects an ``s3://`` entry names: an object, a prefix's data files, or the
    objects a glob matches, sorted by key."""
    bucket, key = split_url(entry)
    if not bucket:
        raise TableError(f"{where}: {entry!r} names no bucket (s3://bucket/key)")
    try:
        if any(c in key for c in GLOB_CHARS):
            cut = min(key.index(c) for c in GLOB_CHARS if c in key)
            prefix = key[: key.rfind("/", 0, cut) + 1]
            wanted = glob_regex(key)
            items = [i for i in _listing(bucket, prefix) if wanted.match(i["Key"])]
            if not items:
                raise TableError(f"{where}: the glob {entry!r} matches no object")
            return [_object(bucket, i) for i in sorted(items, key=lambda i: i["Key"])]
        if not key and not entry.endswith("/"):
            raise TableError(
                f"{where}: {entry!r} names a bucket; write {entry}/ (a trailing /) to read "
                "every file in it"
            )
        if key.endswith("/") or not key:
            items = [i for i in _listing(bucket, key) if not _hidden(i["Key"], key)]
            items = [i for i in items if not i["Key"].endswith("/")]
            if not items:
                raise TableError(f"{where}: the prefix {entry!r} holds no data file")
            return [_object(bucket, i) for i in sorted(items, key=lambda i: i["Key"])]
        try:
            head = client().head_object(Bucket=bucket, Key=key)
        except Exception as exc:
            if _listing(bucket, key.rstrip("/") + "/"):
                raise TableError(
                    f"{where}: {entry!r} is a prefix; write it with a trailing / "
                    f"({entry.rstrip('/')}/) to read every file under it"
                ) from None
            raise exc
        return [RemoteObject(entry, int(head["ContentLength"]), str(head["ETag"]))]
    except TableError:
        raise
    except Exception as exc:
        if type(exc).__module__.startswith("botocore"):
            raise _problem(entry, where, exc) from None
        raise


def fs_path(url: str) -> str:
    """``s3://bucket/key`` as pyarrow's S3 file system names it: ``bucket/key``."""
    bucket, key = split_url(url)
    return posixpath.join(bucket, key)


def open_file(url: str) -> pa.NativeFile:
    try:
        return filesystem().open_input_file(fs_path(url))
    except OSError as exc:
        raise TableError(f"data file {url!r}: cannot be read: {first_line(exc)}") from exc


def open_stream(url: str) -> pa.NativeFile:
    try:
        return filesystem().open_input_stream(fs_path(url), compression=None)
    except OSError as exc:
        raise TableError(f"data file {url!r}: cannot be read: {first_line(exc)}") from exc


def folder_dataset(url: str, files: list[str], schema: pa.Schema | None = None):
    """The Parquet dataset of ``files`` (URLs) under the prefix ``url``, its Hive
    partition folders as columns, read through the plugin's settings."""
    import pyarrow.dataset as ds

    return ds.dataset(
        [fs_path(f) for f in files],
        filesystem=filesystem(),
        format="parquet",
        partitioning="hive",
        partition_base_dir=fs_path(url).rstrip("/"),
        schema=schema,
    )
