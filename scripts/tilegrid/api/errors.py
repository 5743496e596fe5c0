"""The one exception the Python API raises: the workflow's one-line error."""

from __future__ import annotations


class TilegridError(Exception):
    """A run stopped; the message is the workflow's one line (``tilegrid: error: ...``)."""


def one_line(value: object) -> str:
    """The first non-empty line of an error (its message, or the exception's name)."""
    text = str(value).strip() if value is not None else ""
    if not text and isinstance(value, BaseException):
        return type(value).__name__
    return text.splitlines()[0].strip() if text else "tilegrid: the run stopped"
