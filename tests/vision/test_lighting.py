from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from shelf_assets.vision.lighting import QualityMetrics, measure_quality, normalize_lighting, usability_problem


def _scene(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Colourful patches on a grey back panel; returns pixels and the mask of the grey panel."""
    rng = np.random.default_rng(seed)
    pixels = np.full((300, 400, 3), 160, dtype=np.float32)
    panel = np.ones((300, 400), dtype=bool)
    for _ in range(25):
        x, y = int(rng.integers(0, 360)), int(rng.integers(0, 260))
        pixels[y : y + 40, x : x + 40] = rng.integers(0, 255, 3)
        panel[y : y + 40, x : x + 40] = False
    return pixels, panel


def test_normalize_removes_a_colour_cast() -> None:
    pixels, panel = _scene()
    cast = np.clip(pixels * np.array([1.25, 1.0, 0.7], dtype=np.float32), 0, 255).astype(np.uint8)
    corrected = np.asarray(normalize_lighting(Image.fromarray(cast)), dtype=np.float32)
    before = cast[panel].mean(axis=0)
    after = corrected[panel].mean(axis=0)
    spread_before = (before.max() - before.min()) / before.mean()
    spread_after = (after.max() - after.min()) / after.mean()
    assert spread_before > 0.4
    assert spread_after < 0.06


def test_normalize_brightens_a_dark_photo_and_keeps_size() -> None:
    pixels, _ = _scene(1)
    dark = Image.fromarray((pixels * 0.3).astype(np.uint8))
    corrected = normalize_lighting(dark)
    assert corrected.size == dark.size and corrected.mode == "RGB"
    assert np.asarray(corrected).mean() > 2 * np.asarray(dark).mean()


def test_blur_metric_ranks_blurred_below_sharp() -> None:
    pixels, _ = _scene(2)
    sharp = Image.fromarray(pixels.astype(np.uint8))
    blurred = sharp.filter(ImageFilter.GaussianBlur(3))
    assert measure_quality(blurred).blur < 0.3 * measure_quality(sharp).blur


def test_glare_exposure_and_contrast_measure_what_they_say() -> None:
    pixels, _ = _scene(3)
    pixels[:150] = 255
    quality = measure_quality(Image.fromarray(pixels.astype(np.uint8)))
    assert 0.45 < quality.glare < 0.55
    assert 0 < quality.exposure < 1 and quality.contrast > 0.1


def test_usability_flags_a_black_frame_but_not_a_dim_shelf() -> None:
    black = measure_quality(Image.new("RGB", (400, 300), (3, 3, 3)))
    assert "black frame" in (usability_problem(black) or "")
    pixels, _ = _scene(4)
    dim = measure_quality(Image.fromarray((pixels * 0.25).astype(np.uint8)))
    assert usability_problem(dim) is None
    assert usability_problem(QualityMetrics(blur=50.0, glare=0.8, exposure=0.7, contrast=0.2)) is not None
