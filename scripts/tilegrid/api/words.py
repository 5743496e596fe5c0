"""seaborn's words, as :func:`tilegrid.plot` takes them, onto the workflow's config keys
(schemas/config.schema.yaml): only the keys a call sets are written, the schema's
defaults give the rest, and nothing comes from the bundled example's config.yaml.
"""

from __future__ import annotations

import os
from typing import Any

from tilegrid.api.errors import TilegridError

#: a word of tilegrid.plot -> its config key (section, key); section None: top level
WORDS: dict[str, tuple[str | None, str]] = {
    "row": ("facet", "row"),
    "col": ("facet", "col"),
    "col_wrap": ("facet", "col_wrap"),
    "row_order": ("facet", "row_order"),
    "col_order": ("facet", "col_order"),
    "chunks": ("facet", "chunks"),
    "max_tiles": ("facet", "max_tiles"),
    "kind": ("plot", "kind"),
    "x": ("plot", "x"),
    "y": ("plot", "y"),
    "hue": ("plot", "hue"),
    "hue_order": ("plot", "hue_order"),
    "hue_norm": ("plot", "hue_norm"),
    "palette": ("plot", "palette"),
    "preprocess": ("plot", "preprocess"),
    "function": ("plot", "function"),
    "sharex": (None, "sharex"),
    "sharey": (None, "sharey"),
    "sharec": (None, "sharec"),
    "source_column": (None, "source_column"),
    "height": ("tile", "height"),
    "aspect": ("tile", "aspect"),
    "dpi": ("tile", "dpi"),
    "title": ("mosaic", "title"),
    "margin_titles": ("mosaic", "margin_titles"),
    "template": ("mosaic", "template"),
    "row_template": ("mosaic", "row_template"),
    "col_template": ("mosaic", "col_template"),
    "xlabel": ("mosaic", "xlabel"),
    "ylabel": ("mosaic", "ylabel"),
    "formats": ("mosaic", "formats"),
    "print_dpi": ("mosaic", "print_dpi"),
}

#: words whose value is "path/to/module.py:function", a path relative to the caller
_MODULE_WORDS = ("preprocess", "function")


def figure_config(data: str | list[str], words: dict[str, Any]) -> dict[str, Any]:
    """The config of one figure: ``data`` and the ``words`` given (None: not given);
    words that are no config key are the kind's options (``plot.options``)."""
    config: dict[str, Any] = {"data": data}
    options: dict[str, Any] = {}
    for word, value in words.items():
        if value is None:
            continue
        if word in _MODULE_WORDS:
            value = _module_spec(word, value)
        if isinstance(value, tuple):
            value = list(value)
        if word not in WORDS:
            options[word] = value
            continue
        section, key = WORDS[word]
        if section is None:
            config[key] = value
        else:
            config.setdefault(section, {})[key] = value
    if options:
        config.setdefault("plot", {})["options"] = options
    return config


def _module_spec(word: str, value: object) -> str:
    """``"module.py:function"`` with the module's path made absolute."""
    if not isinstance(value, str) or ":" not in value:
        raise TilegridError(
            f"tilegrid: error: {word} must be 'path/to/module.py:function' (a function in "
            f"a file, which every render job imports), not {value!r}"
        )
    module, _, name = value.rpartition(":")
    return f"{os.path.abspath(module)}:{name}"


def tile_key_config(config: dict[str, Any]) -> dict[str, Any]:
    """The part of ``config`` the tiles depend on: not the mosaic's looks (titles,
    labels, formats, wrapping), which change no tile, nor the data (named apart)."""
    kept = {k: v for k, v in config.items() if k not in ("data", "mosaic")}
    if "col_wrap" in kept.get("facet", {}):
        kept["facet"] = {k: v for k, v in kept["facet"].items() if k != "col_wrap"}
    return kept
