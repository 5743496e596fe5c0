"""Plot kinds: what each needs from the table, what it shares, and how it draws.

A kind is a module with

- ``OPTIONS``: the options it accepts and their defaults (seaborn's names),
- ``value_extent(moments, options)``: the interval a group of values needs on
  the value axis, so the split can agree shared limits before any tile renders,
- ``draw(ax, table, sidecar, options)``: draws one tile on a matplotlib Axes.
"""

from __future__ import annotations

import difflib
import importlib
from types import ModuleType
from typing import Any

KINDS = ("violin", "custom")


class OptionError(ValueError):
    """A plot option that the kind does not accept, worded for the user."""


def get_kind(name: str) -> ModuleType:
    """The module implementing plot kind ``name``."""
    if name not in KINDS:
        raise OptionError(f"plot.kind: unknown kind {name!r}; valid kinds: {', '.join(KINDS)}")
    return importlib.import_module(f"{__name__}.{name}")


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """A " (did you mean 'x'?)" hint for a misspelt key, or an empty string."""
    match = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def resolve_options(kind: str, options: dict[str, Any] | None) -> dict[str, Any]:
    """The kind's defaults updated with ``options``; unknown options are an error."""
    module = get_kind(kind)
    options = dict(options or {})
    if module.OPTIONS is None:  # free-form: passed to the user's function
        return options
    unknown = sorted(set(options) - set(module.OPTIONS))
    if unknown:
        valid = ", ".join(sorted(module.OPTIONS))
        raise OptionError(
            f"plot.options.{unknown[0]}: not an option of kind {kind!r}"
            f"{closest(unknown[0], sorted(module.OPTIONS))}; valid options: {valid}"
        )
    resolved = {**module.OPTIONS, **options}
    module.check_options(resolved)
    return resolved
