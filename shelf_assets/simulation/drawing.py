"""Pillow drawing primitives shared by packshots, shelves and the camera.

Text uses Pillow's embedded bitmap font scaled with nearest-neighbour, so the output never depends on
which TrueType fonts a machine happens to have installed (same seed, same bytes everywhere).
"""

from __future__ import annotations

import colorsys
import math
import zlib
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

Colour = tuple[int, int, int]
Box = tuple[float, float, float, float]

SHAPES = ("circle", "diamond", "star", "hexagon", "shield", "triangle", "square", "ring", "leaf", "chevron")


def derive_rng(seed: int, *parts: str) -> np.random.Generator:
    """A generator that depends only on the seed and the given names, so any piece of the chain can be
    regenerated on its own (one photo, one store-day) without replaying everything drawn before it."""
    return np.random.default_rng([seed & 0xFFFFFFFF, *(zlib.crc32(part.encode("utf-8")) for part in parts)])


def hsv_colour(hue: float, saturation: float, value: float) -> Colour:
    red, green, blue = colorsys.hsv_to_rgb(hue % 1.0, min(max(saturation, 0.0), 1.0), min(max(value, 0.0), 1.0))
    return (round(red * 255), round(green * 255), round(blue * 255))


def random_colour(rng: np.random.Generator, saturation: tuple[float, float] = (0.45, 0.95),
                  value: tuple[float, float] = (0.35, 0.95)) -> Colour:
    return hsv_colour(rng.random(), rng.uniform(*saturation), rng.uniform(*value))


def luminance(colour: Colour) -> float:
    return 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]


def contrasting(colour: Colour, rng: np.random.Generator | None = None) -> Colour:
    """Dark ink on light backgrounds and light ink on dark ones, so labels stay legible."""
    if luminance(colour) > 140:
        return (20, 20, 28) if rng is None else hsv_colour(rng.random(), rng.uniform(0.3, 0.9), rng.uniform(0.05, 0.3))
    return (250, 250, 245) if rng is None else hsv_colour(rng.random(), rng.uniform(0.0, 0.3), rng.uniform(0.9, 1.0))


def mix(first: Colour, second: Colour, amount: float) -> Colour:
    return tuple(round(a + (b - a) * amount) for a, b in zip(first, second))  # type: ignore[return-value]


@lru_cache(maxsize=1)
def _bitmap_font() -> ImageFont.ImageFont:
    return ImageFont.load_default_imagefont()


@lru_cache(maxsize=512)
def _text_mask(text: str) -> Image.Image:
    font = _bitmap_font()
    left, top, right, bottom = font.getbbox(text)
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=font)
    return mask


def draw_text(image: Image.Image, text: str, box: Box, colour: Colour, *, vertical: bool = False,
              align: str = "center") -> None:
    """Blocky text that fills `box` as far as its aspect ratio allows."""
    if not text:
        return
    mask = _text_mask(text)
    if vertical:
        mask = mask.transpose(Image.Transpose.ROTATE_90)
    x0, y0, x1, y1 = box
    box_width, box_height = max(1.0, x1 - x0), max(1.0, y1 - y0)
    scale = min(box_width / mask.width, box_height / mask.height)
    width, height = max(1, round(mask.width * scale)), max(1, round(mask.height * scale))
    scaled = mask.resize((width, height), Image.Resampling.NEAREST)
    left = x0 + (box_width - width) / 2 if align == "center" else x0
    top = y0 + (box_height - height) / 2
    image.paste(Image.new("RGB", (width, height), colour), (round(left), round(top)), scaled)


def shape_polygon(kind: str, box: Box) -> list[tuple[float, float]] | None:
    """Outline of a logo/icon shape inside `box`; None for shapes drawn as ellipses."""
    x0, y0, x1, y1 = box
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    if kind == "diamond":
        return [(cx, y0), (x1, cy), (cx, y1), (x0, cy)]
    if kind == "triangle":
        return [(cx, y0), (x1, y1), (x0, y1)]
    if kind == "square":
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    if kind == "hexagon":
        return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 7)[:-1]]
    if kind == "star":
        points = []
        for index in range(10):
            radius = 1.0 if index % 2 == 0 else 0.45
            angle = -math.pi / 2 + index * math.pi / 5
            points.append((cx + rx * radius * math.cos(angle), cy + ry * radius * math.sin(angle)))
        return points
    if kind == "shield":
        return [(x0, y0), (x1, y0), (x1, cy), (cx, y1), (x0, cy)]
    if kind == "chevron":
        return [(x0, y0), (cx, cy - ry * 0.2), (x1, y0), (x1, y0 + ry * 0.9), (cx, y1), (x0, y0 + ry * 0.9)]
    return None


def draw_shape(draw: ImageDraw.ImageDraw, kind: str, box: Box, fill: Colour, outline: Colour | None = None,
               outline_width: int = 0) -> None:
    x0, y0, x1, y1 = box
    if x1 - x0 < 1 or y1 - y0 < 1:
        return
    polygon = shape_polygon(kind, box)
    if polygon is not None:
        draw.polygon(polygon, fill=fill, outline=outline, width=outline_width)
    elif kind == "ring":
        thickness = max(1, round(min(x1 - x0, y1 - y0) * 0.18))
        draw.ellipse(box, outline=fill, width=thickness)
    elif kind == "leaf":
        draw.ellipse((x0, y0 + (y1 - y0) * 0.2, x1, y1 - (y1 - y0) * 0.2), fill=fill, outline=outline,
                     width=outline_width)
    else:
        draw.ellipse(box, fill=fill, outline=outline, width=outline_width)


def channel_lut(gains: tuple[float, float, float], gamma: float = 1.0, offset: float = 0.0) -> list[int]:
    """A 768-entry RGB lookup table: colour changes applied through `Image.point` cost one pass in C."""
    levels = np.arange(256, dtype=np.float64) / 255.0
    table: list[int] = []
    for gain in gains:
        values = np.clip(levels ** gamma * gain + offset, 0.0, 1.0) * 255.0
        table.extend(int(v) for v in np.round(values))
    return table


def vertical_gradient(size: tuple[int, int], top: int, bottom: int) -> Image.Image:
    """An 'L' ramp built from a 1-pixel column, so it costs nothing at any size."""
    column = Image.linear_gradient("L").resize((1, 256))
    if top > bottom:
        column = column.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    low, high = min(top, bottom), max(top, bottom)
    column = column.point(lambda value: low + (high - low) * value // 255)
    return column.resize(size, Image.Resampling.BILINEAR)


def fill_box(draw: ImageDraw.ImageDraw, box: Box | list[float], fill: Colour | int) -> None:
    """A filled rectangle that tolerates swapped or off-canvas corners (the camera can flip either)."""
    x0, y0, x1, y1 = box
    left, right, top, bottom = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    if right - left >= 0.5 and bottom - top >= 0.5:
        draw.rectangle((left, top, right, bottom), fill=fill)
