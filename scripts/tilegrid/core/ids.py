"""Stable, file-name-safe tile identifiers derived from facet values."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import re
import unicodedata
from collections.abc import Sequence

SLUG_MAX = 40
HASH_LEN = 10
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def canonical_value(value: object) -> object:
    """Return a JSON-serialisable form of a facet value that keeps its type.

    Numbers stay numbers, dates become ISO strings, everything else its ``str``.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 2**53:
            return float(value)
        return repr(value)
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return canonical_value(value.item())
    return str(value)


def slugify(text: str, max_len: int = SLUG_MAX) -> str:
    """Reduce ``text`` to a readable ASCII slug of letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _UNSAFE.sub("-", ascii_text).strip("-").lower()
    return slug[:max_len].rstrip("-")


def tile_id(values: Sequence[object]) -> str:
    """Return the id of the tile whose facet values are ``values`` (row, col order).

    The id is a readable slug followed by a hash of the exact values, so values
    that slug alike ("a/b", "a b", "A-B") still get distinct ids.  It never
    depends on grid position, contains only ``[a-z0-9-]`` and is at most
    ``SLUG_MAX + HASH_LEN + 1`` characters long.
    """
    if not values:
        return "all"
    canon = [canonical_value(v) for v in values]
    digest = hashlib.sha256(
        json.dumps(canon, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()[:HASH_LEN]
    slug = slugify("-".join(str(v) for v in canon))
    return f"{slug}-{digest}" if slug else f"t-{digest}"


def scan_id(units: Sequence[tuple[str, Sequence[int] | None]]) -> str:
    """The id of a scan of the ``(path, row_groups)`` units it reads (a file, a range of a
    file's row groups, or a run of small files): a readable slug of its first file's name
    and a hash of every unit as the table reads it, never of its place in the table."""
    labels = []
    for path, row_groups in units:
        label = os.path.normpath(path).replace(os.sep, "/")
        if row_groups is not None:
            label += "\0" + "-".join(str(g) for g in row_groups)
        labels.append(label)
    digest = hashlib.sha256("\n".join(labels).encode()).hexdigest()[:HASH_LEN]
    first = os.path.basename(labels[0].split("\0")[0]) if labels else ""
    slug = slugify(first + (f"-and-{len(labels) - 1}" if len(labels) > 1 else ""))
    return f"{slug}-{digest}" if slug else f"f-{digest}"
