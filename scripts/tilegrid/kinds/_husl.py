"""seaborn's ``light_palette`` end colour, for the letter-value plots' lighter levels:
a colour's HUSL hue at 15 % of its HUSL saturation and lightness 95 (HUSL: CIELUV
with the chroma scaled to the sRGB gamut's edge at each lightness and hue)."""

from __future__ import annotations

import math
from typing import Any


def _husl_bounds(lightness: float) -> list[tuple[float, float]]:
    """The six lines (slope, intercept) bounding the sRGB gamut in the (u, v) chroma
    plane at CIELUV lightness ``lightness``."""
    sub = (lightness + 16) ** 3 / 1560896
    if sub <= _EPSILON:
        sub = lightness / _KAPPA
    lines = []
    for m1, m2, m3 in _XYZ_TO_RGB:
        for t in (0.0, 1.0):
            top1 = (284517 * m1 - 94839 * m3) * sub
            top2 = (838422 * m3 + 769860 * m2 + 731718 * m1) * lightness * sub
            top2 -= 769860 * t * lightness
            bottom = (632260 * m3 - 126452 * m2) * sub + 126452 * t
            lines.append((top1 / bottom, top2 / bottom))
    return lines


def _max_chroma(lightness: float, hue_deg: float) -> float:
    """The largest CIELUV chroma inside sRGB at this lightness and hue (HUSL's 100 %)."""
    h = math.radians(hue_deg)
    reach = [b / (math.sin(h) - m * math.cos(h)) for m, b in _husl_bounds(lightness)]
    return min(r for r in reach if r >= 0)


_XYZ_TO_RGB = ((3.2406, -1.5372, -0.4986), (-0.9689, 1.8758, 0.0415), (0.0557, -0.2040, 1.0570))
_RGB_TO_XYZ = ((0.4124, 0.3576, 0.1805), (0.2126, 0.7152, 0.0722), (0.0193, 0.1192, 0.9505))
_REF_U, _REF_V = 0.19784, 0.46834  # D65 white point in (u', v')
_EPSILON, _KAPPA = 0.008856, 903.3


def light_tint(color: Any) -> tuple[float, float, float]:
    """The light end of seaborn's ``light_palette(color)``: the colour's HUSL hue at
    15 % of its HUSL saturation and lightness 95, as sRGB."""
    from matplotlib.colors import to_rgb

    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(color)]
    x, y, z = (sum(m * c for m, c in zip(row, lin)) for row in _RGB_TO_XYZ)
    light = 116 * y ** (1 / 3) - 16 if y > _EPSILON else y * _KAPPA
    if light < 1e-8 or x + 15 * y + 3 * z == 0:  # black: no hue, no saturation
        hue, saturation = 0.0, 0.0
    else:
        denom = x + 15 * y + 3 * z
        u = 13 * light * (4 * x / denom - _REF_U)
        v = 13 * light * (9 * y / denom - _REF_V)
        hue = math.degrees(math.atan2(v, u)) % 360
        saturation = math.hypot(u, v) / _max_chroma(light, hue) if light < 99.9999999 else 0.0
    return _husl_rgb(hue, 0.15 * saturation, 95.0)


def _husl_rgb(hue: float, saturation: float, light: float) -> tuple[float, float, float]:
    """sRGB (clipped to [0, 1]) of HUSL ``hue`` (degrees), ``saturation`` (0-1), ``light``."""
    chroma = _max_chroma(light, hue) * saturation
    u = chroma * math.cos(math.radians(hue)) / (13 * light) + _REF_U
    v = chroma * math.sin(math.radians(hue)) / (13 * light) + _REF_V
    y = ((light + 16) / 116) ** 3 if light > 8 else light / _KAPPA
    x = 9 * y * u / (4 * v)
    z = y * (12 - 3 * u - 20 * v) / (4 * v)
    rgb = []
    for row in _XYZ_TO_RGB:
        c = row[0] * x + row[1] * y + row[2] * z
        c = 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055
        rgb.append(min(max(c, 0.0), 1.0))
    return rgb[0], rgb[1], rgb[2]
