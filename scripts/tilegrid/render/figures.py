"""Figures of an exact pixel size, saved with reproducible bytes (no pyplot state).

Everything tilegrid draws is drawn under :func:`tilegrid_style`: matplotlib's
built-in defaults plus :data:`TILEGRID_RC`, whatever matplotlibrc the process
read when it imported matplotlib (one in the working folder, ``$MATPLOTLIBRC``,
``$MPLCONFIGDIR`` or ``~/.config/matplotlib``).  A tile's pixels depend on its
data, the config and the code, not on the folder or process that drew it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import warnings
from collections.abc import Iterator
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from ..core.outputs import writing

_EPS = 1e-3  # so that inches * dpi never rounds down below the wanted pixel count

#: metadata keys that would differ from run to run (dates) or version to version
_METADATA = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
    "svg": {"Creator": None, "Date": None},
}


#: tilegrid's own settings, on top of matplotlib's built-in defaults
TILEGRID_RC: dict[str, Any] = {"svg.hashsalt": "tilegrid"}  # stable SVG ids

#: rc keys that configure the session, not the picture: left as they are
#: (matplotlib's style blacklist, without "timezone" and "date.epoch", which do
#: change how dates are drawn)
_SESSION_KEYS = frozenset(
    {
        "backend",
        "backend_fallback",
        "interactive",
        "toolbar",
        "figure.max_open_warning",
        "figure.raise_window",
        "savefig.directory",
        "tk.window_focus",
        "docstring.hardcopy",
        "webagg.port",
        "webagg.address",
        "webagg.port_retries",
        "webagg.open_in_browser",
    }
)


@functools.cache
def _style() -> dict[str, Any]:
    with warnings.catch_warnings():  # deprecated keys are part of the defaults too
        warnings.simplefilter("ignore", matplotlib.MatplotlibDeprecationWarning)
        defaults = {
            key: matplotlib.rcParamsDefault[key]
            for key in matplotlib.rcParamsDefault
            if key not in _SESSION_KEYS
        }
    return {**defaults, **TILEGRID_RC}


def style_rc() -> dict[str, Any]:
    """The rc settings tilegrid draws with: matplotlib's built-in defaults and :data:`TILEGRID_RC`.

    ``matplotlib.rcParamsDefault`` comes from the package's own matplotlibrc
    only; no user's or folder's file changes it.
    """
    return dict(_style())


@contextlib.contextmanager
def tilegrid_style() -> Iterator[None]:
    """Draw under :func:`style_rc`; the caller's settings are back afterwards.

    Also a decorator.  Wrap figure creation, drawing and saving alike: matplotlib
    reads rc settings at each of them.
    """
    with matplotlib.rc_context(_style()):
        yield


def new_figure(width_px: int, height_px: int, dpi: float, facecolor="white") -> Figure:
    """A figure that renders to exactly ``width_px`` x ``height_px`` pixels at ``dpi``."""
    fig = Figure(dpi=dpi, facecolor=facecolor)
    set_pixel_size(fig, width_px, height_px)
    return fig


def set_pixel_size(fig: Figure, width_px: int, height_px: int) -> None:
    """Resize ``fig`` so that it renders to exactly this many pixels."""
    fig.set_size_inches((width_px + _EPS) / fig.dpi, (height_px + _EPS) / fig.dpi)


def save_figure(fig: Figure, path: str, text: dict[str, str] | None = None) -> None:
    """Save ``fig`` at its own dpi, format by extension, atomically and reproducibly.

    The file is written next to its destination and renamed into place, so an
    interrupted job never leaves a truncated figure behind.  ``text``: entries
    of a PNG's text chunks (Pillow writes them before the pixels), e.g. a
    tile's metadata (:func:`tilegrid.core.tilemeta.tile_meta_text`); PNG only.
    """
    fmt = os.path.splitext(path)[1].lstrip(".").lower()
    metadata = _METADATA.get(fmt)
    if text:
        if fmt != "png":
            raise ValueError(f"text chunks are for PNG files, not {path}")
        metadata = {**metadata, **text}
    with writing(path) as tmp, matplotlib.rc_context(TILEGRID_RC):
        fig.savefig(
            tmp,
            dpi=fig.dpi,
            format=fmt,
            facecolor=fig.get_facecolor(),
            metadata=metadata,
        )
