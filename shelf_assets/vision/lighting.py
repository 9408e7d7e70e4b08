"""Lighting correction and photo-quality measures for shelf photos.

Correction runs through per-channel lookup tables (`Image.point`), so it costs one pass over the
pixels whatever the statistics behind it. The statistics come from a small thumbnail: a colour
cast and an exposure are global properties that 64k pixels estimate as well as 3M.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

_STATS_SIDE = 192
_MAX_GAIN = 2.5
_NEUTRAL_CHROMA = 0.25
_MIN_NEUTRAL_SHARE = 0.02
_TARGET_LOW = 0.03
_TARGET_HIGH = 0.96
_TARGET_MEDIAN = 0.45
_SATURATED = 250 / 255

_UNIFORM_CONTRAST = 0.015
_BLACK_EXPOSURE = 0.04
_WHITE_EXPOSURE = 0.97
_MAX_GLARE = 0.5
_MIN_BLUR = 0.5


@dataclass(frozen=True)
class QualityMetrics:
    """blur: variance of the Laplacian on 0..255 luminance (higher = sharper); glare: share of
    near-saturated pixels; exposure: mean luminance 0..1; contrast: RMS contrast (std of luminance 0..1)."""

    blur: float
    glare: float
    exposure: float
    contrast: float


def _as_rgb(image: Image.Image) -> Image.Image:
    return image if image.mode == "RGB" else image.convert("RGB")


def _thumbnail_pixels(image: Image.Image) -> np.ndarray:
    rgb = _as_rgb(image)
    factor = _STATS_SIDE / max(rgb.size)
    small = rgb.reduce(max(1, int(1 / factor))) if factor < 0.5 else rgb
    return np.ascontiguousarray((np.asarray(small, dtype=np.float32) / 255.0).reshape(-1, 3).T)


def _white_balance_gains(pixels: np.ndarray) -> np.ndarray:
    """Gains that make the near-neutral surfaces grey.

    Plain grey-world is pulled by whatever colour dominates the shelf (a wall of red cans); shelf
    boards, price strips, back panels and ceilings are mostly neutral, so the gains are refined on the
    pixels that look neutral once the current estimate is applied. Saturated and very dark pixels carry
    no colour information and are left out.
    """
    red, green, blue = pixels
    usable = pixels[:, (np.maximum(np.maximum(red, green), blue) < _SATURATED) & ((red + green + blue) > 0.18)]
    if usable.shape[1] < 64:
        return np.ones(3, dtype=np.float32)
    means = usable.mean(axis=1)
    gains = means.mean() / np.maximum(means, 1e-4)
    for _ in range(3):
        red, green, blue = usable * gains[:, None]
        brightness = np.maximum((red + green + blue) / 3.0, 1e-4)
        spread = np.maximum(np.maximum(np.abs(red - brightness), np.abs(green - brightness)), np.abs(blue - brightness))
        neutral = usable[:, spread / brightness < _NEUTRAL_CHROMA]
        if neutral.shape[1] < _MIN_NEUTRAL_SHARE * usable.shape[1]:
            break
        means = neutral.mean(axis=1)
        gains = means.mean() / np.maximum(means, 1e-4)
    gains = np.clip(gains, 1 / _MAX_GAIN, _MAX_GAIN)
    return (gains / gains.mean()).astype(np.float32)


def _exposure_curve(luminance: np.ndarray) -> tuple[float, float, float]:
    """Black point, white point and gamma that spread the luminance without chasing glare.

    The white point is a high percentile of the non-saturated pixels, so a glare spot does not
    decide the exposure of the whole shelf.
    """
    below_glare = luminance[luminance < _SATURATED]
    if len(below_glare) < 64:
        below_glare = luminance
    low = float(np.percentile(below_glare, 0.5))
    high = float(np.percentile(below_glare, 99.5))
    if high - low < 0.05:
        return 0.0, 1.0, 1.0
    median = float(np.clip((np.median(below_glare) - low) / (high - low), 0.02, 0.98))
    gamma = float(np.clip(np.log(_TARGET_MEDIAN) / np.log(median), 0.5, 2.0))
    return low, high, gamma


def normalize_lighting(image: Image.Image) -> Image.Image:
    """Remove a colour cast and stretch exposure so detection and matching see comparable photos."""
    rgb = _as_rgb(image)
    pixels = _thumbnail_pixels(rgb)
    gains = _white_balance_gains(pixels)
    balanced = np.clip(pixels * gains[:, None], 0.0, 1.0)
    low, high, gamma = _exposure_curve(balanced.mean(axis=0))
    levels = np.arange(256, dtype=np.float32) / 255.0
    tables = []
    for gain in gains:
        stretched = np.clip((np.clip(levels * gain, 0.0, 1.0) - low) / (high - low), 0.0, 1.0)
        curve = _TARGET_LOW + (_TARGET_HIGH - _TARGET_LOW) * stretched**gamma
        tables.append(np.round(curve * 255.0).astype(np.uint8))
    return rgb.point(np.concatenate(tables).tolist())


def luminance_array(image: Image.Image) -> np.ndarray:
    """Luminance 0..255 as float32 (ITU-R 601 weights, what Pillow's "L" conversion uses)."""
    return np.asarray(_as_rgb(image).convert("L"), dtype=np.float32)


def measure_quality(image: Image.Image) -> QualityMetrics:
    """Quality of the working image; blur is scale-dependent, so compare photos at the same size."""
    rgb = _as_rgb(image)
    gray = luminance_array(rgb)
    laplacian = (
        gray[1:-1, :-2] + gray[1:-1, 2:] + gray[:-2, 1:-1] + gray[2:, 1:-1] - 4.0 * gray[1:-1, 1:-1]
    )
    channels = np.asarray(rgb, dtype=np.uint8)
    saturated = channels.min(axis=2) >= round(_SATURATED * 255)
    normalised = gray / 255.0
    return QualityMetrics(
        blur=float(laplacian.var()) if laplacian.size else 0.0,
        glare=float(saturated.mean()),
        exposure=float(normalised.mean()),
        contrast=float(normalised.std()),
    )


def usability_problem(quality: QualityMetrics) -> str | None:
    """Why nothing can be read from this photo, or None when it is worth detecting on.

    Thresholds only catch photos with no usable content (lens cap, blown-out frame, a blank wall):
    a dim, blurred or glary shelf is still audited, and the detector's confidences carry the doubt.
    """
    if quality.exposure < _BLACK_EXPOSURE and quality.contrast < 0.05:
        return f"black frame: mean luminance {quality.exposure:.3f}"
    if quality.exposure > _WHITE_EXPOSURE and quality.contrast < 0.05:
        return f"blown-out frame: mean luminance {quality.exposure:.3f}"
    if quality.glare > _MAX_GLARE:
        return f"glare covers {quality.glare:.0%} of the photo"
    if quality.contrast < _UNIFORM_CONTRAST:
        return f"uniform frame with no detail: contrast {quality.contrast:.4f}"
    if quality.blur < _MIN_BLUR:
        return f"no sharp detail at all: Laplacian variance {quality.blur:.2f}"
    return None
