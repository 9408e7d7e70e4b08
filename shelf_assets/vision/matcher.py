"""SKU identity of detected facings, by comparison with the catalog's packshots.

Identity comes only from the packshots, so a new SKU needs nothing but its image. Siblings of a brand
share layout and colours and differ in a detail (a flavour band, an icon), so the feature keeps the
spatial layout *and* the colour: a small thumbnail in an opponent colour space (luminance, red-green,
yellow-blue), compared by normalised correlation. Crops are degraded and boxes a little off, so
every crop is compared at a few shifts and scales and keeps its best alignment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

from shelf_assets.vision.types import ProductBox

THUMB_WIDTH = 20
THUMB_HEIGHT = 28
_SHIFT_CELLS = 2
_SCALES = (0.92, 1.0, 1.08)
_CHROMA_WEIGHT = 1.5
_ASPECT_PENALTY = 0.15
_PACKSHOT_SUFFIXES = (".png", ".jpg", ".jpeg")

MIN_SCORE = 0.5


class PackshotError(Exception):
    """The packshot folder cannot serve the catalog."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SkuMatch:
    """Best catalog SKU for one box; sku_id "" means the product is not in the catalog."""

    sku_id: str
    score: float


def _opponent(thumb: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB 0..1 → (3, H, W) luminance / red-green / yellow-blue; chroma carries brand colour."""
    red, green, blue = thumb[..., 0], thumb[..., 1], thumb[..., 2]
    luminance = (red + green + blue) / 3.0
    red_green = (red - green) * _CHROMA_WEIGHT / 2.0
    yellow_blue = ((red + green) / 2.0 - blue) * _CHROMA_WEIGHT / 2.0
    return np.stack([luminance, red_green, yellow_blue])


def _features(windows: np.ndarray) -> np.ndarray:
    """(N, 3, H, W) opponent windows → (N, D) unit vectors.

    The luminance plane loses its mean (an exposure offset must not matter); chroma keeps its level,
    since "this is a red pack" is part of the identity. Unit norm makes the score a correlation.
    """
    centred = windows.copy()
    centred[:, 0] -= centred[:, 0].mean(axis=(1, 2), keepdims=True)
    flat = centred.reshape(len(windows), -1)
    norms = np.linalg.norm(flat, axis=1, keepdims=True)
    return flat / np.maximum(norms, 1e-6)


def _packshot_thumbnail(face: Image.Image) -> np.ndarray:
    """Area-averaged like the crops (see `_area_sampled_grids`), so both sides blur the same way."""
    small = face.resize((THUMB_WIDTH, THUMB_HEIGHT), Image.Resampling.BOX)
    return _opponent(np.asarray(small, dtype=np.float32) / 255.0)


def _area_sampled_grids(image: Image.Image, boxes: Sequence[ProductBox]) -> np.ndarray:
    """Mean colour of every search-grid cell of every box and scale: (n_boxes * n_scales, 3, H+2s, W+2s).

    Cells are averaged through one integral image, so all boxes are sampled at once with proper
    anti-aliasing; cells outside the photo repeat its border.
    """
    pixels = np.asarray(image, dtype=np.int64)
    height, width = pixels.shape[:2]
    integral = np.zeros((height + 1, width + 1, 3), dtype=np.int64)
    np.cumsum(np.cumsum(pixels, axis=0), axis=1, out=integral[1:, 1:])
    corners = np.array([[box.x0, box.y0, box.x1, box.y1] for box in boxes], dtype=np.float64)
    scales = np.asarray(_SCALES, dtype=np.float64)
    centre_x = ((corners[:, 0] + corners[:, 2]) / 2.0)[:, None]
    centre_y = ((corners[:, 1] + corners[:, 3]) / 2.0)[:, None]
    half_width = ((corners[:, 2] - corners[:, 0]) / 2.0)[:, None] * scales[None, :]
    half_height = ((corners[:, 3] - corners[:, 1]) / 2.0)[:, None] * scales[None, :]
    cell_x = (2.0 * half_width / THUMB_WIDTH).reshape(-1, 1)
    cell_y = (2.0 * half_height / THUMB_HEIGHT).reshape(-1, 1)
    left = (centre_x - half_width).reshape(-1, 1) - _SHIFT_CELLS * cell_x
    top = (centre_y - half_height).reshape(-1, 1) - _SHIFT_CELLS * cell_y
    x_edges = np.rint(left + cell_x * np.arange(THUMB_WIDTH + 2 * _SHIFT_CELLS + 1)).astype(np.int64)
    y_edges = np.rint(top + cell_y * np.arange(THUMB_HEIGHT + 2 * _SHIFT_CELLS + 1)).astype(np.int64)
    x0 = np.clip(x_edges[:, :-1], 0, width - 1)
    x1 = np.clip(np.maximum(x_edges[:, 1:], x_edges[:, :-1] + 1), 1, width)
    x0 = np.minimum(x0, x1 - 1)
    y0 = np.clip(y_edges[:, :-1], 0, height - 1)
    y1 = np.clip(np.maximum(y_edges[:, 1:], y_edges[:, :-1] + 1), 1, height)
    y0 = np.minimum(y0, y1 - 1)
    rows0, rows1 = y0[:, :, None], y1[:, :, None]
    cols0, cols1 = x0[:, None, :], x1[:, None, :]
    sums = (
        integral[rows1, cols1] - integral[rows0, cols1] - integral[rows1, cols0] + integral[rows0, cols0]
    )
    areas = ((rows1 - rows0) * (cols1 - cols0))[..., None]
    means = sums.astype(np.float32) / (areas.astype(np.float32) * 255.0)
    return _opponent(means).transpose(1, 0, 2, 3)


def _trim_studio_border(packshot: Image.Image) -> Image.Image:
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


def _find_packshot(packshot_dir: Path, sku_id: str) -> Path | None:
    for suffix in _PACKSHOT_SUFFIXES:
        candidate = packshot_dir / f"{sku_id}{suffix}"
        if candidate.is_file():
            return candidate
    return None


class PackshotMatcher:
    """Nearest packshot by layout-and-colour correlation, with a floor below which a box is unknown."""

    def __init__(self, sku_ids: Sequence[str], packshots: Sequence[Image.Image], min_score: float = MIN_SCORE) -> None:
        if len(sku_ids) != len(packshots):
            raise PackshotError(f"{len(sku_ids)} SKU ids for {len(packshots)} packshots")
        if not sku_ids:
            raise PackshotError("no packshots: the catalog is empty")
        self.sku_ids = list(sku_ids)
        self.min_score = min_score
        faces = [_trim_studio_border(packshot) for packshot in packshots]
        self._aspects = np.array([face.height / max(face.width, 1) for face in faces], dtype=np.float32)
        self._templates = _features(np.stack([_packshot_thumbnail(face) for face in faces]))

    @classmethod
    def from_folder(cls, packshot_dir: Path, sku_ids: Sequence[str]) -> PackshotMatcher:
        """Load `<sku>.png` or `.jpg` for every catalog SKU; a missing or unreadable one is named."""
        packshot_dir = Path(packshot_dir)
        if not packshot_dir.is_dir():
            raise PackshotError(f"packshot folder not found: {packshot_dir}")
        missing = [sku for sku in sku_ids if _find_packshot(packshot_dir, sku) is None]
        if missing:
            shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            raise PackshotError(f"missing packshot for {len(missing)} SKU(s) in {packshot_dir}: {shown}")
        images = []
        for sku in sku_ids:
            path = _find_packshot(packshot_dir, sku)
            assert path is not None
            try:
                with Image.open(path) as opened:
                    opened.load()
                    images.append(opened.copy())
            except OSError as exc:
                raise PackshotError(f"unreadable packshot for {sku}: {path.name}: {exc}") from exc
        return cls(sku_ids, images)

    def scores(self, image: Image.Image, boxes: Sequence[ProductBox]) -> np.ndarray:
        """(n_boxes, n_skus) best correlation over the shift/scale search, less an aspect-ratio penalty."""
        if not boxes:
            return np.zeros((0, len(self.sku_ids)), dtype=np.float32)
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        padded = _area_sampled_grids(rgb, boxes)
        windows = sliding_window_view(padded, (THUMB_HEIGHT, THUMB_WIDTH), axis=(2, 3))
        windows = windows.transpose(0, 2, 3, 1, 4, 5).reshape(-1, 3, THUMB_HEIGHT, THUMB_WIDTH)
        correlations = _features(np.ascontiguousarray(windows)) @ self._templates.T
        best = correlations.reshape(len(boxes), -1, len(self.sku_ids)).max(axis=1)
        box_aspects = np.array(
            [(box.y1 - box.y0) / max(box.x1 - box.x0, 1e-6) for box in boxes], dtype=np.float32
        )
        aspect_gap = np.abs(np.log(box_aspects[:, None] / self._aspects[None, :]))
        return best - _ASPECT_PENALTY * np.maximum(aspect_gap - 0.15, 0.0)

    def identify(self, image: Image.Image, boxes: Sequence[ProductBox]) -> list[SkuMatch]:
        """Best SKU per box, or "" when even the best packshot correlates too weakly to be that product."""
        table = self.scores(image, boxes)
        matches = []
        for row in table:
            index = int(np.argmax(row))
            score = float(np.clip(row[index], 0.0, 1.0))
            matches.append(SkuMatch(self.sku_ids[index] if score >= self.min_score else "", score))
        return matches
