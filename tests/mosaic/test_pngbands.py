"""The banded PNG: a standard PNG whose bands are encoded, and re-encoded, independently."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from PIL import Image
from tilegrid.mosaic import pngbands
from tilegrid.mosaic.pngbands import (
    BAND_ROWS,
    adler32_combine,
    band_spans,
    bands_touched,
    decode_band,
    encode_band,
    encode_image,
    png_bytes,
)


def _image(height: int = 3 * BAND_ROWS + 17, width: int = 53, seed: int = 3) -> np.ndarray:
    """White with a noisy block and a flat one: what a mosaic is made of."""
    rng = np.random.default_rng(seed)
    pixels = np.full((height, width, 4), 255, np.uint8)
    pixels[10:150, 4:30] = rng.integers(0, 256, (140, 26, 4), dtype=np.uint8)
    pixels[120:190, 20:50, :3] = (40, 90, 200)
    return pixels


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    at, out = 8, []
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        out.append((data[at + 4 : at + 8], data[at + 8 : at + 8 + length]))
        at += 12 + length
    return out


@pytest.mark.parametrize("threads", [1, 3])
def test_a_banded_png_is_the_image_with_the_figures_text_and_dpi(threads):
    pixels = _image()
    data = png_bytes(
        53, pixels.shape[0], 100, {"Software": None, "Title": "µ"}, encode_image(pixels, threads)
    )
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.mode == "RGBA" and image.size == (53, pixels.shape[0])
        assert np.array_equal(np.asarray(image), pixels)
        assert image.info["dpi"] == pytest.approx((100, 100), abs=1e-3)
        assert image.info["Title"] == "µ" and "Software" not in image.info
    kinds = [kind for kind, _ in _chunks(data)]
    assert kinds[:3] == [b"IHDR", b"pHYs", b"tEXt"] and kinds[-1] == b"IEND"
    assert kinds.count(b"IDAT") == len(band_spans(pixels.shape[0])) + 2  # header, bands, end


def test_the_bands_make_one_zlib_stream_with_the_right_adler32():
    pixels = _image()
    stream = b"".join(
        body
        for kind, body in _chunks(png_bytes(53, 209, 72, {}, encode_image(pixels)))
        if kind == b"IDAT"
    )
    rows = zlib.decompress(stream)  # checks the Adler-32 combined from the bands'
    assert len(rows) == 209 * (53 * 4 + 1)


def test_a_band_is_inflated_alone_and_its_bytes_depend_on_its_pixels_only():
    pixels = _image()
    changed = pixels.copy()
    changed[BAND_ROWS + 3, 7] = (1, 2, 3, 4)  # in the second band
    before, after = encode_image(pixels), encode_image(changed)
    assert [b == a for b, a in zip(before, after)] == [True, False, True, True]
    for band, (top, end) in zip(after, band_spans(209)):
        assert np.array_equal(decode_band(band, end - top, 53), changed[top:end])


def test_a_band_that_is_not_its_record_is_refused():
    band = encode_band(_image()[:BAND_ROWS])
    with pytest.raises(ValueError, match="Adler-32"):
        decode_band(pngbands.Band(band.data, band.adler ^ 1, band.length), BAND_ROWS, 53)
    with pytest.raises(ValueError, match="other rows"):
        decode_band(band, BAND_ROWS - 1, 53)
    with pytest.raises(ValueError):
        decode_band(
            pngbands.Band(band.data[: len(band.data) // 2], band.adler, band.length), BAND_ROWS, 53
        )


def test_adler32_combine_is_zlibs():
    rng = np.random.default_rng(1)
    for size_a, size_b in [(0, 5), (7, 0), (70000, 123457), (1, 65521 * 3)]:
        a, b = rng.bytes(size_a), rng.bytes(size_b)
        assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


def test_the_bands_rows_touch():
    assert bands_touched(200, [(0, 1)]) == [0]
    assert bands_touched(200, [(BAND_ROWS - 1, BAND_ROWS + 1), (195, 400), (-5, 0)]) == [0, 1, 3]
