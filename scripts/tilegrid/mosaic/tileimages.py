"""Tile PNGs on a figure: read only while drawn, placed at whole pixels (no resampling)."""

from __future__ import annotations

import numpy as np
from matplotlib.image import FigureImage

from ..core.tilemeta import read_tile_image


def load_tile(path: str, mode: str = "RGBA") -> np.ndarray:
    """A tile PNG as a uint8 array (RGBA, or ``mode``); a damaged file is a TileMetaError
    naming it, with what to do (:func:`tilegrid.core.tilemeta.read_tile_image`)."""
    return read_tile_image(path, lambda img: np.asarray(img.convert(mode)))


def tile_size(path: str) -> tuple[int, int]:
    """A tile PNG's width and height in pixels, from its header (the pixels are not decoded);
    a damaged header is a TileMetaError naming the file."""
    return read_tile_image(path, lambda img: img.size)


class TileImage(FigureImage):
    """A tile at integer pixel offsets on the figure, as ``figimage`` places it (no
    resampling), read from its PNG only while it is drawn.

    Holding no tile's pixels between draws keeps the mosaic job of a large grid
    small: 1024 tiles of 300 x 250 px held at once are 300 MB on top of the canvas.
    """

    _EMPTY = np.full((1, 1, 4), 255, dtype=np.uint8)

    def __init__(self, fig, path: str, x0: int, y0: int):
        super().__init__(fig, offsetx=x0, offsety=y0, origin="upper", zorder=0)
        self.path = path
        self.set_data(self._EMPTY)

    def move(self, path: str, x0: int, y0: int) -> None:
        """Show the tile ``path`` with its lower-left pixel at (x0, y0) instead."""
        self.path, self.ox, self.oy = path, x0, y0

    def draw(self, renderer):
        pixels = load_tile(self.path)
        if self._copies(renderer, pixels):
            # what figimage draws of an opaque tile at whole pixels, without resampling
            gc = renderer.new_gc()
            gc.set_clip_rectangle(self.get_figure(root=True).bbox)
            renderer.draw_image(gc, self.ox, self.oy, pixels[::-1])
            gc.restore()
            return
        self.set_data(pixels)
        try:
            super().draw(renderer)
        finally:
            self.set_data(self._EMPTY)

    def _copies(self, renderer, pixels: np.ndarray) -> bool:
        """Whether ``pixels`` can go to ``renderer`` as they are: an Agg renderer at the
        figure's dpi, and an opaque tile (nothing to blend)."""
        from matplotlib.backends.backend_agg import RendererAgg

        fig = self.get_figure(root=True)
        return (
            isinstance(renderer, RendererAgg)
            and renderer.dpi == fig.dpi
            and bool((pixels[..., 3] == 255).all())
        )


def place_tile(fig, path: str, x0: int, y0: int) -> TileImage:
    """Put the tile ``path`` on ``fig`` with its lower-left pixel at (x0, y0)."""
    image = TileImage(fig, path, x0, y0)
    fig.images.append(image)
    image._remove_method = fig.images.remove  # as Figure.figimage does: remove() works
    return image
