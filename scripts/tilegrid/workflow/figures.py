"""Many figures from one config (``figures:``): each figure is the workflow again, as a
Snakemake module with a config of its own and its files in folders of its own.

A config with ``figures:`` maps names to the keys one figure takes (data, facet, plot,
sharex, sharey, sharec, tile, mosaic); its other top-level keys are defaults every
figure inherits, a section (facet, plot, tile, mosaic) merged key by key.  The
Snakefile declares one module per figure (``rules/figures.smk``), whose rules are
named ``<name>_<rule>`` and whose files Snakemake moves from ``results/`` to
``results/<name>/`` (and ``logs/``, ``benchmarks/`` likewise): a figure's shards,
tiles, mosaic, pages and records are its own, so a change redraws the tiles of the
figures it touches and no other.  The data files and the example table are shared.
"""

from __future__ import annotations

import re
from typing import Any

#: a figure's name: the folder results/<name>/ and the prefix of its rules' names
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
#: the sections merged key by key (a figure's plot.kind keeps the top level's plot.x)
SECTIONS = ("facet", "plot", "tile", "mosaic")
#: the folders a figure's files are moved into: each gains the figure's name
FOLDERS = ("results", "logs", "benchmarks")


class FigureError(ValueError):
    """A ``figures:`` entry that cannot be a figure, worded for the user on one line."""


def figure_configs(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each figure's config, by name in the order given: the top-level keys (but
    ``figures``) updated by the figure's own, a section merged key by key."""
    figures = config.get("figures")
    if not isinstance(figures, dict) or not figures:
        raise FigureError("figures must map each figure's name to its keys (none given)")
    defaults = {key: value for key, value in config.items() if key != "figures"}
    out = {}
    for name, own in figures.items():
        where = f"figures.{name}"
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise FigureError(
                f"{where}: a figure's name is letters, digits and _, starting with a letter "
                "(it names the folder results/<name>/ and the figure's rules)"
            )
        if not isinstance(own, dict):
            raise FigureError(f"{where} must be a mapping of the figure's keys, not {own!r}")
        if "figures" in own:
            raise FigureError(f"{where}: a figure cannot hold figures")
        out[name] = merged(defaults, own)
    return out


def merged(defaults: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """``defaults`` updated by ``own``; a section both give as mappings merged key by key."""
    out = dict(defaults)
    for key, value in own.items():
        base = defaults.get(key)
        if key in SECTIONS and isinstance(base, dict) and isinstance(value, dict):
            out[key] = {**base, **value}
        else:
            out[key] = value
    return out


def folders(name: str) -> dict[str, str]:
    """The module's ``replace_prefix``: results/, logs/ and benchmarks/ of the figure."""
    return {f"{folder}/": f"{folder}/{name}/" for folder in FOLDERS}


def rule_prefix(name: str) -> str:
    """What the figure's rules' names start with (``<name>_render``)."""
    return f"{name}_"


#: the figure whose module is being read (set by rules/figures.smk around each), so its
#: messages can say which figure they are about
_reading: list[str] = []


def reading(name: str | None) -> None:
    """Say which figure's module is read now (None: none)."""
    _reading[:] = [name] if name else []


def where() -> str:
    """``"figures.<name>: "`` while a figure's module is read, else nothing."""
    return f"figures.{_reading[0]}: " if _reading else ""
