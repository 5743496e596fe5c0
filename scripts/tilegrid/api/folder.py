"""The folder a call of :func:`tilegrid.plot` runs the workflow in.

By default ``<cache>/tilegrid/<key>``: ``<cache>`` is ``$TILEGRID_CACHE`` when set,
else the user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux,
``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows); ``<key>`` is a
hash of the data's name (its path, its URL, or an in-memory table's columns and
types) and of the settings the tiles depend on. So a second call on an edited table,
or with another title, runs in the same folder and draws only what changed, and
another figure of the same table keeps its own tiles. ``workdir=`` chooses the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

#: the config file a call writes in its folder (then passed as --configfile)
CONFIG_FILE = "tilegrid-plot.yaml"


def cache_root() -> Path:
    """The folder holding the run folders of :func:`tilegrid.plot`."""
    if os.environ.get("TILEGRID_CACHE"):
        return Path(os.environ["TILEGRID_CACHE"]).expanduser()
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "tilegrid"


def run_folder(identity: Any, tile_config: dict[str, Any]) -> Path:
    """The default folder for data named by ``identity`` and these tile settings."""
    text = json.dumps({"data": identity, "tiles": tile_config}, sort_keys=True, default=str)
    return cache_root() / hashlib.sha256(text.encode()).hexdigest()[:16]


def config_bytes(config: dict[str, Any]) -> bytes:
    """The config file's bytes: the same config gives the same bytes."""
    import yaml

    return yaml.safe_dump(config, sort_keys=True, allow_unicode=True).encode("utf-8")
