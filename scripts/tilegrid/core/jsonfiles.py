"""The one layout of the JSON files the split hands the later stages.

The sidecars (:mod:`tilegrid.core.sidecar`) and the manifest
(:mod:`tilegrid.core.manifest`) are plain JSON objects written with one fixed
layout: one space of indent, UTF-8 as it is, a trailing newline.  The same object
always gives the same bytes, so a tile is redrawn only when what it must agree
on changes.
"""

import json
from typing import Any


def dumps(obj: Any, allow_nan: bool = True) -> str:
    """``obj`` as JSON in the layout of every contract file (the same object, the same text)."""
    return json.dumps(obj, indent=1, ensure_ascii=False, allow_nan=allow_nan) + "\n"


def write_json(path: str, obj: Any) -> None:
    """Write ``obj`` to ``path`` in the layout of :func:`dumps` (NaN or infinity raises)."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(dumps(obj, allow_nan=False))


def read_json(path: str) -> Any:
    """The JSON object in ``path``, as written."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
