"""What ``data`` names, as the workflow's config key ``data``: a path (or a list, a
folder, a glob) as it is, a URL downloaded into the run's folder, an in-memory table
written there as Parquet.

A table or a download is written only when its bytes changed, so the workflow's
content digests see an unchanged table as unchanged (and an edited cell as the one
change it is: only the tiles whose shard changed are drawn again).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path, PurePosixPath

from tilegrid.api.errors import TilegridError

#: the file an in-memory table is written to, in the run's folder
TABLE_FILE = "data.parquet"
#: the folder a URL's table is downloaded into, in the run's folder
DOWNLOADS = "downloads"
#: table file suffixes the workflow reads (tilegrid.table.formats), for a URL's name
_SUFFIXES = (".csv", ".tsv", ".parquet", ".feather", ".arrow", ".gz", ".bz2", ".zst")


def is_url(value: object) -> bool:
    """Whether ``value`` is a URL string (``http(s)://`` or ``file://``)."""
    return isinstance(value, str) and urllib.parse.urlsplit(value).scheme in (
        "http",
        "https",
        "file",
    )


def is_table(value: object) -> bool:
    """Whether ``value`` is an in-memory table: pandas, pyarrow, or anything that offers
    an Arrow stream (``__arrow_c_stream__``: polars, DuckDB results, ...)."""
    return hasattr(value, "__arrow_c_stream__") or (
        type(value).__module__.startswith(("pandas", "pyarrow")) and hasattr(value, "columns")
    )


def identity(data: object) -> object:
    """What names the data for the run folder's key, without reading it: the absolute
    path(s), the URL, or an in-memory table's column names and types (so editing a cell
    keeps the folder, and with it the tiles drawn before)."""
    if is_table(data):
        return {"table": arrow_table(data).schema.to_string(show_schema_metadata=False)}
    if is_url(data):
        return {"url": data}
    return {"path": _absolute(data)}


def data_key(data: object, folder: Path) -> str | list[str]:
    """The config's ``data`` for ``data``, writing a table or a download into ``folder``."""
    if is_table(data):
        return str(write_if_changed(folder / TABLE_FILE, parquet_bytes(arrow_table(data))))
    if is_url(data):
        return str(download(data, folder / DOWNLOADS))
    return _absolute(data)


def _absolute(data: object) -> str | list[str]:
    """Paths relative to the caller's folder made absolute (the run is elsewhere)."""
    if isinstance(data, str | os.PathLike):
        return os.path.abspath(os.fspath(data))
    paths = isinstance(data, list | tuple) and data
    if paths and all(isinstance(d, str | os.PathLike) for d in data):
        return [os.path.abspath(os.fspath(d)) for d in data]
    raise TilegridError(
        "tilegrid: error: data must be a path (or a list of paths, a folder, a glob), "
        f"a URL, a pandas DataFrame or a pyarrow Table, not {type(data).__name__}"
    )


def arrow_table(data: object):
    """``data`` as a pyarrow Table: a pandas DataFrame without its index (but for a
    named index, kept as columns, as ``reset_index`` makes them)."""
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return data
    if type(data).__module__.startswith("pandas") and hasattr(data, "index"):
        named = any(name is not None for name in data.index.names)
        return pa.Table.from_pandas(data.reset_index() if named else data, preserve_index=False)
    return pa.table(data)


def parquet_bytes(table) -> bytes:
    """The table as Parquet: the same table gives the same bytes."""
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def write_if_changed(path: Path, content: bytes) -> Path:
    """Write ``content`` to ``path`` unless it holds it already (atomically)."""
    try:
        if path.stat().st_size == len(content) and path.read_bytes() == content:
            return path
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def download(url: str, folder: Path) -> Path:
    """The table at ``url``, downloaded into ``folder`` under its own name (its suffix
    says its format), rewritten only when its bytes changed."""
    name = PurePosixPath(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name
    if not name.lower().endswith(_SUFFIXES):
        raise TilegridError(
            f"tilegrid: error: data URL {url!r}: its name does not say the table's format "
            "(.csv, .tsv, .parquet, .feather or .arrow); download it and pass the file"
        )
    # one folder per URL: two URLs of the same file name do not overwrite each other
    key = hashlib.sha256(url.encode()).hexdigest()[:12]
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - http(s)/file only
            content = response.read()
    except (OSError, ValueError) as exc:
        raise TilegridError(f"tilegrid: error: data URL {url!r}: {exc}") from None
    return write_if_changed(folder / key / name, content)
