"""The pixels the learned models see: the detector's downscaled bay and the embedder's product crops.

Training and inference both cut their inputs here, so a model never meets a geometry it was not trained on.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

DETECTOR_LONG_SIDE = 640
DETECTOR_STRIDE = 8
EMBED_HEIGHT = 64
EMBED_WIDTH = 32
CONTEXT_MARGIN = 0.125
"""Crops are cut this much wider and taller than the box on each side, so training can jitter the box the way
a detector's boxes are off, and inference can centre it again."""


def detector_scale(size: tuple[int, int]) -> float:
    return DETECTOR_LONG_SIDE / max(size)


def detector_input(image: Image.Image, scale: float) -> np.ndarray:
    """(H, W, 3) uint8: the image scaled by `scale` (working pixels to the detector's), padded to its stride."""
    width, height = round(image.width * scale), round(image.height * scale)
    resized = np.asarray(image.resize((width, height), Image.Resampling.BILINEAR), dtype=np.uint8)
    multiple = DETECTOR_STRIDE * 4
    padded = np.zeros((-(-height // multiple) * multiple, -(-width // multiple) * multiple, 3), dtype=np.uint8)
    padded[:height, :width] = resized
    return padded


def context_crops(image: Image.Image, boxes: np.ndarray, margin: float = CONTEXT_MARGIN) -> np.ndarray:
    """(N, H, W, 3) uint8 crops of each box widened by `margin`, at the embedder's size plus that margin."""
    height = round(EMBED_HEIGHT * (1 + 2 * margin))
    width = round(EMBED_WIDTH * (1 + 2 * margin))
    crops = np.zeros((len(boxes), height, width, 3), dtype=np.uint8)
    for index, (x0, y0, x1, y1) in enumerate(np.asarray(boxes, dtype=np.float64)):
        pad_x, pad_y = (x1 - x0) * margin, (y1 - y0) * margin
        region = (x0 - pad_x, y0 - pad_y, x1 + pad_x, y1 + pad_y)
        crops[index] = np.asarray(image.resize((width, height), Image.Resampling.BILINEAR, box=region))
    return crops


def box_in_context(width: float, height: float, margin: float = CONTEXT_MARGIN) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of the box inside a context crop of `width` × `height`."""
    box_w, box_h = width / (1 + 2 * margin), height / (1 + 2 * margin)
    return (width - box_w) / 2, (height - box_h) / 2, (width + box_w) / 2, (height + box_h) / 2


def centre_crops(crops: np.ndarray, margin: float = CONTEXT_MARGIN) -> np.ndarray:
    """The embedder's input from context crops: the box itself, margin cut away."""
    top = (crops.shape[1] - EMBED_HEIGHT) // 2
    left = (crops.shape[2] - EMBED_WIDTH) // 2
    return crops[:, top:top + EMBED_HEIGHT, left:left + EMBED_WIDTH]


def packshot_face(packshot: Image.Image) -> np.ndarray:
    """(H, W, 3) uint8: the packshot's product face at the embedder's size, studio background cut away."""
    return np.asarray(trim_studio_border(packshot).resize((EMBED_WIDTH, EMBED_HEIGHT), Image.Resampling.BOX),
                      dtype=np.uint8)


def trim_studio_border(packshot: Image.Image) -> Image.Image:
    """Crop an even studio background (or transparent margin) so the thumbnail holds only the product face."""
    rgba = packshot.convert("RGBA")
    alpha = np.asarray(rgba)[..., 3]
    if alpha.min() < 250:
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgba = Image.alpha_composite(background, rgba)
        bbox = Image.fromarray(alpha).point(lambda value: 255 if value > 16 else 0).getbbox()
        rgb = rgba.convert("RGB")
        return rgb.crop(bbox) if bbox else rgb
    rgb = rgba.convert("RGB")
    pixels = np.asarray(rgb, dtype=np.int16)
    corner = pixels[0, 0]
    differs = np.abs(pixels - corner).max(axis=2) > 12
    if not differs.any():
        return rgb
    rows = np.flatnonzero(differs.any(axis=1))
    cols = np.flatnonzero(differs.any(axis=0))
    box = (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
    if (box[2] - box[0]) * (box[3] - box[1]) < 0.5 * rgb.width * rgb.height:
        return rgb
    return rgb.crop(box)
