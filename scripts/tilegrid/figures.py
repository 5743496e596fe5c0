"""Figures of an exact pixel size, saved with reproducible bytes (no pyplot state)."""

from __future__ import annotations

import os

import matplotlib
from matplotlib.figure import Figure

_EPS = 1e-3  # so that inches * dpi never rounds down below the wanted pixel count

#: metadata keys that would differ from run to run (dates) or version to version
_METADATA = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
    "svg": {"Creator": None, "Date": None},
}


def new_figure(width_px: int, height_px: int, dpi: float, facecolor="white") -> Figure:
    """A figure that renders to exactly ``width_px`` x ``height_px`` pixels at ``dpi``."""
    fig = Figure(dpi=dpi, facecolor=facecolor)
    set_pixel_size(fig, width_px, height_px)
    return fig


def set_pixel_size(fig: Figure, width_px: int, height_px: int) -> None:
    """Resize ``fig`` so that it renders to exactly this many pixels."""
    fig.set_size_inches((width_px + _EPS) / fig.dpi, (height_px + _EPS) / fig.dpi)


def save_figure(fig: Figure, path: str) -> None:
    """Save ``fig`` at its own dpi, format by extension, atomically and reproducibly.

    The file is written next to its destination and renamed into place, so an
    interrupted job never leaves a truncated figure behind.
    """
    fmt = os.path.splitext(path)[1].lstrip(".").lower()
    tmp = f"{path}.tmp{os.getpid()}.{fmt}"
    try:
        with matplotlib.rc_context({"svg.hashsalt": "tilegrid"}):  # stable SVG ids
            fig.savefig(
                tmp,
                dpi=fig.dpi,
                format=fmt,
                facecolor=fig.get_facecolor(),
                metadata=_METADATA.get(fmt),
            )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
