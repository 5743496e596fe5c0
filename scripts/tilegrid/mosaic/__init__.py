"""The mosaic: the tiles placed pixel-exactly in one figure with their decorations.

``figure.py`` is the entry (:func:`write_mosaic`; :func:`build_mosaic` for PDF/SVG);
``cells.py`` decides each cell, ``decorations.py``/``ticklabels.py``/``titles.py``/``side.py``
what is drawn around the tiles, ``layout.py`` where everything sits, ``notices.py``
what the log says was hidden, shortened or wrapped to fit; the PNG mosaic is
``png.py`` over ``pieces.py`` (drawn pieces), ``pngbands.py`` (a PNG in independent
bands), ``cache.py`` and ``composite.py`` (a rerun repaints only changed cells).
"""

from .figure import build_mosaic, write_mosaic

__all__ = ["build_mosaic", "write_mosaic"]
