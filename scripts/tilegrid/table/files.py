"""Which files ``data`` names: a file, a folder, a glob or a list of them, in order.

A glob is expanded when the workflow is parsed (a new file matching it is a new
input); a folder's data files are every file inside it but names starting with
"." or "_" (as pyarrow's datasets skip them).  A glob matching nothing, a list
entry that does not exist, and a file named twice are errors naming the entry.
An entry may be a URL (:mod:`tilegrid.table.remote`): an S3 object, prefix
(``s3://bucket/runs/``, a folder) or glob, or one HTTP file, listed when the
workflow is parsed.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass

from . import remote
from .errors import TableError

#: characters that make a ``data`` value a glob pattern (when no file has that name)
GLOB_CHARS = frozenset("*?[")

Data = str | Sequence[str]


@dataclass(frozen=True)
class Part:
    """One file or folder the config's ``data`` names, and the entry that named it."""

    path: str
    entry: str
    index: int | None  # 1-based position in a ``data`` list; None for a single value

    @property
    def label(self) -> str:
        """The path as given, normalised: the source column's value for its rows."""
        return source_label(self.path)

    def named(self) -> str:
        """The part for a message: its path, and its list entry when there is one."""
        return f"{self.path!r}" + ("" if self.index is None else f" (entry {self.index})")


def source_label(path: str, sources: dict[str, str] | None = None) -> str:
    """A file's path as given, normalised, with ``/`` separators (``./a//b.csv`` -> ``a/b.csv``).

    ``sources``: local copies of remote files (or folders) and their URLs: the label of
    a file inside one is its URL."""
    for local, url in (sources or {}).items():
        base = local.rstrip("/")
        if path in (local, base):
            return url
        if path.startswith(base + "/"):
            return url.rstrip("/") + path[len(base) :]
    if remote.is_remote(path):
        return path
    return os.path.normpath(path).replace(os.sep, "/")


def is_glob(entry: str) -> bool:
    """Whether ``entry`` is a glob: it holds ``*``, ``?`` or ``[`` and no file has its name
    (an ``s3://`` URL that holds one; an HTTP URL never is)."""
    if remote.is_remote(entry):
        return remote.scheme(entry) == "s3" and bool(GLOB_CHARS & set(entry))
    return bool(GLOB_CHARS & set(entry)) and not os.path.exists(entry)


def is_many(data: Data, source_column: str | None = None) -> bool:
    """Whether ``data`` is read as many parts (a list or a glob) or needs a source column.

    A single file or folder without a source column is read as it always was.
    """
    return source_column is not None or not isinstance(data, str) or is_glob(data)


def describe(data: Data) -> str:
    """``data`` for a message: ``data file 'x.csv'``, ``data 'runs/*.csv'``, ``data [...]``."""
    if isinstance(data, str) and not is_glob(data):
        return f"data file {data!r}"
    return f"data {data if isinstance(data, str) else list(data)!r}"


def resolve(data: Data) -> list[Part]:
    """The files and folders ``data`` names, in order: list entries as given, globs sorted.

    A glob matching nothing, a list entry that does not exist, and a file named
    twice (by two entries, or also inside a folder named) are TableErrors naming
    the entry.
    """
    entries = [(data, None)] if isinstance(data, str) else [(e, i + 1) for i, e in enumerate(data)]
    parts: list[Part] = []
    seen: dict[str, Part] = {}
    for entry, index in entries:
        where = "config key 'data'" + ("" if index is None else f" (entry {index}, {entry!r})")
        for path in _entry_paths(entry, index, where):
            part = Part(path, entry, index)
            key = os.path.realpath(path)
            other = _overlap(key, seen)
            if other is not None:
                raise TableError(
                    f"{where}: {path!r} is also read as {other.path!r}"
                    f"{'' if other.entry == entry else ' of ' + other.named()}; "
                    "name each file once"
                )
            seen[key] = part
            parts.append(part)
    return parts


def _entry_paths(entry: str, index: int | None, where: str) -> list[str]:
    """The paths one ``data`` entry names: itself, or what its glob matches (sorted)."""
    if remote.is_remote(entry):
        found = remote.entry_objects(entry, where)
        return [o.url for o in found] if is_glob(entry) else [entry]
    if os.path.exists(entry):
        return [entry]
    if is_glob(entry):
        paths = sorted(glob.glob(entry, recursive=True))
        if not paths:
            what = "the glob" if index is not None else f"the glob {entry!r}"
            raise TableError(f"{where}: {what} matches no file")
        return paths
    raise TableError(f"{where}: {entry!r} does not exist")


def _overlap(key: str, seen: dict[str, Part]) -> Part | None:
    """The part already seen that ``key`` (a real path) is, is inside, or holds; or None."""
    if key in seen:
        return seen[key]
    ancestor = os.path.dirname(key)
    while ancestor and ancestor not in seen and os.path.dirname(ancestor) != ancestor:
        ancestor = os.path.dirname(ancestor)
    if ancestor in seen:
        return seen[ancestor]
    return next((p for k, p in seen.items() if k.startswith(key + os.sep)), None)


def folder_files(folder: str) -> list[str]:
    """The data files of a folder, at any depth, sorted; names starting with "." or "_"
    (and whatever is inside such folders) are skipped, as pyarrow's datasets skip them."""
    if remote.is_remote(folder):
        return [o.url for o in remote.folder_objects(folder)]
    return sorted(
        os.path.join(root, name)
        for root, dirs, names in os.walk(folder)
        if not _hidden(os.path.relpath(root, folder))
        for name in names
        if not name.startswith((".", "_"))
    )


def _hidden(relative_dir: str) -> bool:
    return any(p.startswith((".", "_")) for p in relative_dir.split(os.sep) if p != ".")


def input_files(data: Data) -> list[str]:
    """Every file ``data`` reads: the files it names, and every data file of its folders.

    These are the split's inputs, by name and content.  A single file is its own
    input even before it exists (the generated example).
    """
    if isinstance(data, str) and not is_glob(data) and not is_folder(data):
        return [data]
    files: list[str] = []
    for part in resolve(data):
        files += folder_files(part.path) if is_folder(part.path) else [part.path]
    return files


def is_folder(path: str) -> bool:
    """Whether ``path`` is a folder, or a remote prefix read as one."""
    return remote.is_folder(path) if remote.is_remote(path) else os.path.isdir(path)


def list_remote(data: Data) -> None:
    """List what the remote entries of ``data`` name (each once a parse), so a missing
    bucket, object or prefix stops with its one line before anything else is read."""
    entries = [data] if isinstance(data, str) else list(data)
    for index, entry in enumerate(entries):
        if remote.is_remote(entry):
            where = "config key 'data'" + (
                "" if isinstance(data, str) else f" (entry {index + 1}, {entry!r})"
            )
            remote.entry_objects(entry, where)
