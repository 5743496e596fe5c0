"""The table's errors, worded for the user."""

from __future__ import annotations


class TableError(ValueError):
    """A problem with the input table, worded for the user: one line naming the file."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
