"""The PNG mosaic's cache: a copy of the PNG and a sealed record, checked before use.

After a PNG mosaic is written, the cache keeps beside it, in ``.mosaic-cache/``,
a copy of the PNG (``canvas.png``, a file of its own: no write to the cache reaches
the mosaic) and a record (``record.json``) of how it was made (see
:mod:`tilegrid.mosaic.composite`), sealed with a digest of all it holds (:func:`seal`).
The record is checked against its seal (:func:`read_record`) and the copy against
the record's digest of it (:func:`read_canvas`, read once: the bytes checked are
the bytes used) before either is used; anything missing, damaged or changed
raises :class:`NoComposite` with the reason, and the mosaic is drawn in full.
The seal finds damage and edits, not a forger who recomputes it.  The cache is
no output of the workflow: deleted, it costs one full draw.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import sys
import zlib
from importlib.metadata import version
from typing import Any

from ..core.code import closure, file_digest, files_digest
from ..core.outputs import sweep_folder, write_bytes, write_text

#: the cache folder, beside the PNG mosaic
CACHE_DIR = ".mosaic-cache"
#: bump when the record's meaning changes
RECORD_VERSION = 3


class NoComposite(Exception):
    """Why the cached canvas cannot give this mosaic (it is drawn in full)."""


#: why a composite is refused, for the cache's files
NO_CACHE = "no cached canvas"
CANVAS_NOT_RECORDED = "the cached canvas is not the one recorded"
RECORD_CHANGED = "the cache record does not match its digest"


def cache_dir(png: str) -> str:
    """The folder of the composite cache of the mosaic ``png``: ``.mosaic-cache`` beside it,
    and for a page of a paged mosaic (``mosaic-<n>.png``) its ``page-<n>`` inside."""
    folder = os.path.join(os.path.dirname(png), CACHE_DIR)
    page = re.fullmatch(r"mosaic-(\d+)\.png", os.path.basename(png))
    return os.path.join(folder, f"page-{page[1]}") if page else folder


def digest(data: bytes) -> str:
    """The SHA-256 of ``data``, in hex."""
    return hashlib.sha256(data).hexdigest()


def json_digest(obj: Any) -> str:
    """A digest of ``obj`` as canonical JSON."""
    return digest(json.dumps(obj, sort_keys=True, separators=(",", ":"), default=repr).encode())


def library_versions() -> dict[str, str]:
    """Versions of what draws, rasterises and encodes the mosaic."""

    import matplotlib.ft2font

    found = {name: version(name) for name in ("matplotlib", "numpy", "pillow")}
    found["freetype"] = matplotlib.ft2font.__freetype_version__
    found["zlib"] = zlib.ZLIB_RUNTIME_VERSION
    found["python"] = f"{sys.version_info[0]}.{sys.version_info[1]}"
    found["machine"] = platform.machine()
    return found


def code_digest() -> str:
    """A digest of the package files the mosaic runs (the mosaic rule's code, see codedeps)."""
    return files_digest(closure(["mosaic"]))


def font_digest() -> str:
    """Which font file the mosaic's text is drawn with, by content."""
    from matplotlib.font_manager import FontProperties, findfont

    return file_digest(findfont(FontProperties()))


def draw_key(text: dict[str, str | None]) -> str:
    """A digest of what decides how every piece of the PNG mosaic is drawn and encoded:
    the versions of the libraries, the mosaic's code, tilegrid's matplotlib style, its
    font and the PNG's ``text`` chunks.  Call it under
    :func:`tilegrid.render.figures.tilegrid_style`."""
    from ..render.figures import style_rc

    return json_digest(
        {
            "record": RECORD_VERSION,
            "libraries": library_versions(),
            "code": code_digest(),
            "style": sorted((k, repr(v)) for k, v in style_rc().items()),
            "font": font_digest(),
            "text": text,
        }
    )


# ---------------------------------------------------------------- the cache's files


def _record_path(folder: str) -> str:
    return os.path.join(folder, "record.json")


def _canvas_path(folder: str) -> str:
    return os.path.join(folder, "canvas.png")


def drop_cache(png: str) -> None:
    """Remove the composite cache of ``png`` (the next PNG mosaic is drawn in full).

    Whatever is found under the cache's names goes, a folder or a file where the
    other was expected included, so that no damage of the cache stops a full draw.
    """

    folder = cache_dir(png)
    if os.path.islink(folder) or (os.path.lexists(folder) and not os.path.isdir(folder)):
        os.remove(folder)
        return
    for path in (_record_path(folder), _canvas_path(folder)):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.remove(path)
    sweep_folder(folder)
    if os.path.isdir(folder) and not os.listdir(folder):
        os.rmdir(folder)


def seal(record: dict[str, Any]) -> str:
    """A digest of everything a record holds but its seal.

    Bound to the draw key and the copy's digest, it covers the layout, the cells,
    the bands: a record changed by hand or by damage since it was written is found
    before any of it is used.
    """
    body = {k: v for k, v in record.items() if k != "seal"}
    return digest(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())


def write_record(png: str, record: dict[str, Any]) -> None:
    """Write the record of ``png``'s cache, sealed (:func:`seal`)."""
    sealed = {"record": RECORD_VERSION, **record}
    sealed["seal"] = seal(sealed)
    write_text(_record_path(cache_dir(png)), json.dumps(sealed, sort_keys=True, indent=1) + "\n")


def read_record(png: str) -> dict[str, Any]:
    """The record of ``png``'s cache, checked against its seal; raises :class:`NoComposite`
    saying why it cannot be used (missing, damaged, of another version, changed)."""
    data = _read_cache_file(_record_path(cache_dir(png)), "the cache record")
    try:
        record = json.loads(data)
    except ValueError as exc:  # also UnicodeDecodeError
        raise NoComposite("the cache record is damaged (not JSON)") from exc
    if not isinstance(record, dict):
        raise NoComposite("the cache record is damaged (not a JSON object)")
    if record.get("record") != RECORD_VERSION:
        raise NoComposite("the cache record is of another version of tilegrid")
    if record.get("seal") != seal(record):
        raise NoComposite(RECORD_CHANGED)
    del record["seal"]
    return record


def _read_cache_file(path: str, what: str) -> bytes:
    """The bytes of the cache's file ``path`` (``what`` it is, for the reason it cannot be
    used): none there is no cache; any other error, one that cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise NoComposite(NO_CACHE) from exc
    except OSError as exc:
        raise NoComposite(f"{what} cannot be read ({exc.strerror or type(exc).__name__})") from exc


def keep_canvas(png: str, data: bytes) -> str:
    """Write ``data`` (the PNG mosaic's bytes) as the cache's copy, a file of its own: no
    write to it reaches the mosaic.  Its digest."""
    folder = cache_dir(png)
    os.makedirs(folder, exist_ok=True)
    write_bytes(_canvas_path(folder), data)
    return digest(data)


def read_canvas(png: str, record: dict[str, Any]) -> bytes:
    """The cache's copy of the PNG, read once and checked against the record's digest."""
    data = _read_cache_file(_canvas_path(cache_dir(png)), "the cached canvas")
    if digest(data) != record["canvas"]:
        raise NoComposite(CANVAS_NOT_RECORDED)
    return data
