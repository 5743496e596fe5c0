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


def scan_id(path: str, row_groups: Sequence[int] | None = None) -> str:
    """The id of an input file's scan (a split per file): a readable slug of its name
    and a hash of its path as the table reads it (and of its range of row groups),
    never of its place in the list."""
    label = os.path.normpath(path).replace(os.sep, "/")
    if row_groups is not None:
        label += "\0" + "-".join(str(g) for g in row_groups)
    digest = hashlib.sha256(label.encode()).hexdigest()[:HASH_LEN]
    slug = slugify(os.path.basename(label))
    return f"{slug}-{digest}" if slug else f"f-{digest}"
