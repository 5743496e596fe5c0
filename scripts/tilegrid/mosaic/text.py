"""Text metrics for the mosaic's layout: one Agg renderer per dpi, and the title's size.

The lowest room of the mosaic: the tick labels, the titles, the cells' decorations and
the side all measure text with it, and it imports none of them.
"""

from __future__ import annotations

import functools

#: the mosaic title's font size (:func:`tilegrid.mosaic.side.suptitle`)
TITLE_SIZE = "large"


@functools.cache
def text_renderer_at(dpi: float):
    """An Agg renderer of one pixel at ``dpi``, for text metrics only: one per dpi and
    process, so that matplotlib's cache of text metrics (by renderer) serves every cell."""
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(1, 1, dpi)
