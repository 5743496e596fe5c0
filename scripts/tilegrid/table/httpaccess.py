"""``http(s)://`` data at parse time, with the HTTP storage plugin's settings (its
authentication, redirects): one file a URL, its version from the server's ETag (or
its Last-Modified time and size), its bytes read in ranges where the server serves
them (else once, whole)."""

from __future__ import annotations

import io

import pyarrow as pa

from .errors import TableError, first_line
from .objects import RemoteObject, known, provider

TIMEOUT = 60


def _get(url: str, method: str = "GET", headers: dict | None = None, stream: bool = False):
    import requests

    settings = provider("http").settings
    try:
        return requests.request(
            method,
            url,
            headers=headers or {},
            auth=getattr(settings, "auth", None),
            allow_redirects=getattr(settings, "allow_redirects", True),
            stream=stream,
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise TableError(f"data file {url!r}: cannot be reached: {first_line(exc)}") from None


def entry_objects(entry: str, where: str) -> list[RemoteObject]:
    """The one file an ``http(s)://`` entry names (no folder, no glob over HTTP)."""
    response = _get(entry, "HEAD")
    response.close()
    if response.status_code in (401, 403):
        raise TableError(
            f"{where}: the server refused {entry!r} (HTTP {response.status_code}); "
            "check the credentials (--storage-http-auth)"
        )
    if response.status_code != 200:
        raise TableError(
            f"{where}: {entry!r} cannot be read (HTTP {response.status_code} {response.reason})"
        )
    headers = response.headers
    size = int(headers.get("Content-Length") or 0)
    etag = headers.get("ETag")
    version = etag if etag and not etag.startswith("W/") else None
    version = version or f"{headers.get('Last-Modified')}:{size}:{etag}"
    return [RemoteObject(entry, size, version)]


class HttpFile(io.RawIOBase):
    """A file over HTTP, read in byte ranges (the whole body once, where the server
    ignores ranges)."""

    def __init__(self, url: str, size: int):
        self.url, self.size, self.at = url, size, 0
        self.body: bytes | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.at

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self.at, self.size)[whence]
        self.at = max(0, base + offset)
        return self.at

    def readinto(self, buffer) -> int:
        data = self.read_range(self.at, min(len(buffer), max(0, self.size - self.at)))
        buffer[: len(data)] = data
        self.at += len(data)
        return len(data)

    def read_range(self, start: int, length: int) -> bytes:
        if length <= 0:
            return b""
        if self.body is not None:
            return self.body[start : start + length]
        response = _get(self.url, headers={"Range": f"bytes={start}-{start + length - 1}"})
        if response.status_code == 206:
            return response.content
        if response.status_code != 200:
            raise OSError(f"HTTP {response.status_code} {response.reason}")
        self.body = response.content  # ranges not served: the whole file, once
        return self.body[start : start + length]


def open_file(url: str) -> pa.NativeFile:
    obj = known(url)
    size = obj.size if obj is not None else 0
    return pa.PythonFile(io.BufferedReader(HttpFile(url, size), 1 << 20), mode="r")


def open_stream(url: str) -> pa.NativeFile:
    response = _get(url, stream=True)
    if response.status_code != 200:
        raise TableError(f"data file {url!r}: cannot be read (HTTP {response.status_code})")
    response.raw.decode_content = True
    return pa.PythonFile(response.raw, mode="r")
