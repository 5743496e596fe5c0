"""A PNG written in independent horizontal bands, so that a change re-encodes only the
bands it touches.

The file is a standard RGBA PNG (8 bits a channel, no interlace): ``IHDR``, the
``pHYs`` dpi and the text chunks :func:`tilegrid.render.figures.save_figure` writes, then
the image data as one zlib stream split over ``IDAT`` chunks: the stream's header,
one chunk per band of :data:`BAND_ROWS` rows, and a last chunk with the final
empty block and the stream's Adler-32.  Every row is filtered with filter 0 (none:
a mosaic is mostly flat colour, which deflate packs better unfiltered than
Pillow's adaptive filters do), and each band is raw deflate of its rows at
:data:`LEVEL` from a fresh compressor, ended by a full flush: it starts on a byte
boundary and refers to no earlier band, so the bands concatenate into one valid
stream, each can be inflated alone (:func:`decode_band`), and a band's bytes
depend on its pixels only.  The stream's Adler-32 is combined from the bands'
(:func:`adler32_combine`).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

#: rows of pixels per band (the unit a change re-encodes)
BAND_ROWS = 64
#: deflate level of every band
LEVEL = 6
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: the zlib stream's header: deflate, 32 KiB window, default level (RFC 1950)
_ZLIB_HEADER = b"\x78\x9c"
#: a final, empty, fixed-Huffman deflate block: the end of the stream
_FINAL_BLOCK = b"\x03\x00"
_ADLER_BASE = 65521


@dataclass(frozen=True)
class Band:
    """One band's compressed rows, with the Adler-32 and length of the filtered rows."""

    data: bytes
    adler: int
    length: int


def band_spans(height: int) -> list[tuple[int, int]]:
    """The (first row, end row) of each band of an image ``height`` rows tall."""
    return [(top, min(top + BAND_ROWS, height)) for top in range(0, height, BAND_ROWS)]


def bands_touched(height: int, rows: Iterable[tuple[int, int]]) -> list[int]:
    """The indexes of the bands that rows [start, end) of ``rows`` fall in, sorted."""
    touched = set()
    for start, end in rows:
        start, end = max(start, 0), min(end, height)
        if start < end:
            touched.update(range(start // BAND_ROWS, (end - 1) // BAND_ROWS + 1))
    return sorted(touched)


def encode_band(pixels: np.ndarray) -> Band:
    """Filter (none) and compress the rows ``pixels`` (rows, width, 4; uint8)."""
    rows, width = pixels.shape[:2]
    filtered = np.empty((rows, width * 4 + 1), np.uint8)
    filtered[:, 0] = 0
    filtered[:, 1:] = pixels.reshape(rows, width * 4)
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    data = compressor.compress(filtered) + compressor.flush(zlib.Z_FULL_FLUSH)
    return Band(data, zlib.adler32(filtered), filtered.size)


def decode_band(band: Band, rows: int, width: int) -> np.ndarray:
    """The pixels (rows, width, 4) of a band :func:`encode_band` wrote; ValueError if the
    bytes do not hold exactly such rows, unfiltered, with the band's Adler-32."""
    try:
        filtered = zlib.decompressobj(-15).decompress(band.data, rows * (width * 4 + 1) + 1)
    except zlib.error as exc:
        raise ValueError(f"a band does not inflate ({exc})") from exc
    if len(filtered) != band.length or band.length != rows * (width * 4 + 1):
        raise ValueError("a band holds other rows than its record says")
    if zlib.adler32(filtered) != band.adler:
        raise ValueError("a band's Adler-32 is not its record's")
    pixels = np.frombuffer(filtered, np.uint8).reshape(rows, width * 4 + 1)
    if pixels[:, 0].any():
        raise ValueError("a band's rows are filtered")
    return pixels[:, 1:].reshape(rows, width, 4).copy()


def encode_image(pixels: np.ndarray, threads: int = 1) -> list[Band]:
    """Every band of ``pixels`` (height, width, 4), compressed in ``threads`` threads
    (zlib lets go of the GIL while it deflates)."""
    spans = band_spans(pixels.shape[0])
    if threads <= 1:
        return [encode_band(pixels[a:b]) for a, b in spans]

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda span: encode_band(pixels[span[0] : span[1]]), spans))


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of two byte strings one after the other, from theirs (zlib's
    ``adler32_combine``, which Python's zlib module does not offer)."""
    rem = second_length % _ADLER_BASE
    sum1 = first & 0xFFFF
    sum2 = (rem * sum1) % _ADLER_BASE
    sum1 = (sum1 + (second & 0xFFFF) + _ADLER_BASE - 1) % _ADLER_BASE
    sum2 = (sum2 + (first >> 16) + (second >> 16) + _ADLER_BASE - rem) % _ADLER_BASE
    return (sum2 << 16) | sum1


def chunk(kind: bytes, data: bytes) -> bytes:
    """A PNG chunk: length, type, data, CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _text_chunk(key: str, value: str) -> bytes:
    """A text chunk as Pillow writes it: tEXt if the value is Latin-1, else iTXt."""
    try:
        return chunk(b"tEXt", key.encode("latin-1") + b"\0" + value.encode("latin-1"))
    except UnicodeEncodeError:
        body = key.encode("latin-1") + b"\0\0\0\0\0" + value.encode("utf-8")
        return chunk(b"iTXt", body)


def png_head(width: int, height: int, dpi: float, text: dict[str, str | None]) -> bytes:
    """Everything of the PNG before its bands: the signature, ``IHDR`` (RGBA, 8 bits),
    ``pHYs`` (``dpi`` as Pillow writes it), the text entries that are not None, and the
    ``IDAT`` chunk of the zlib stream's header."""
    ppm = int(dpi / 0.0254 + 0.5)
    parts = [
        _SIGNATURE,
        chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),
        chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
    ]
    parts += [_text_chunk(k, v) for k, v in text.items() if v is not None]
    parts.append(chunk(b"IDAT", _ZLIB_HEADER))
    return b"".join(parts)


def png_tail(adlers: Sequence[int], width: int, height: int) -> bytes:
    """The PNG after its bands: the final block and the stream's Adler-32 (combined from
    each band's ``adlers``, of an image ``width`` x ``height``), then ``IEND``."""
    adler = 1  # of nothing
    for band_adler, (top, end) in zip(adlers, band_spans(height), strict=True):
        adler = adler32_combine(adler, band_adler, (end - top) * (width * 4 + 1))
    return chunk(b"IDAT", _FINAL_BLOCK + struct.pack(">I", adler)) + chunk(b"IEND", b"")


def band_chunk(band: Band) -> bytes:
    """The ``IDAT`` chunk of one band."""
    return chunk(b"IDAT", band.data)


def band_chunk_size(band_size: int) -> int:
    """The bytes the chunk of a band of ``band_size`` compressed bytes takes in the file."""
    return band_size + 12


def png_bytes(
    width: int, height: int, dpi: float, text: dict[str, str | None], bands: Sequence[Band]
) -> bytes:
    """A whole PNG of ``bands`` (:func:`encode_image` of a ``width`` x ``height`` image)."""
    tail = png_tail([band.adler for band in bands], width, height)
    return b"".join([png_head(width, height, dpi, text), *map(band_chunk, bands), tail])
