from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from shelf_assets.vision.matcher import PackshotError, PackshotMatcher
from shelf_assets.vision.types import ProductBox
from tests.vision.drawing import packshot

RED, BLUE, YELLOW, GREEN = (200, 30, 30), (30, 60, 200), (250, 220, 0), (0, 160, 60)
CATALOG = {
    "SKU-RED-LEMON": packshot(RED, YELLOW, (0, 0, 0)),
    "SKU-RED-LIME": packshot(RED, GREEN, (0, 0, 0)),
    "SKU-BLUE-LEMON": packshot(BLUE, YELLOW, (255, 255, 255)),
}


def _degraded_scene() -> tuple[Image.Image, list[ProductBox]]:
    """Each packshot shrunk onto a grey panel, boxes a few pixels off, then a colour cast and blur."""
    scene = Image.new("RGB", (700, 300), (120, 120, 110))
    boxes = []
    faces = [*CATALOG.values()]
    foreign = Image.new("RGB", (200, 400), (235, 235, 235))
    draw = ImageDraw.Draw(foreign)
    draw.line((0, 0, 200, 400), fill=(0, 190, 0), width=30)
    draw.ellipse((50, 250, 150, 350), fill=(120, 0, 160))
    faces.append(foreign)
    for index, face in enumerate(faces):
        left = 60 + index * 150
        scene.paste(face.resize((60, 120), Image.Resampling.LANCZOS), (left, 90))
        boxes.append(ProductBox(left + 3, 86, left + 62, 213, row=1, confidence=1.0))
    pixels = np.asarray(scene, dtype=np.float32) * np.array([1.15, 1.0, 0.85], dtype=np.float32)
    degraded = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.2))
    return degraded, boxes


def test_identifies_degraded_crops_and_rejects_a_foreign_product() -> None:
    matcher = PackshotMatcher(list(CATALOG), list(CATALOG.values()))
    scene, boxes = _degraded_scene()
    matches = matcher.identify(scene, boxes)
    assert [match.sku_id for match in matches] == ["SKU-RED-LEMON", "SKU-RED-LIME", "SKU-BLUE-LEMON", ""]
    assert all(match.score > matches[3].score for match in matches[:3])


def test_from_folder_loads_png_and_jpg_and_names_a_missing_packshot(tmp_path: Path) -> None:
    names = list(CATALOG)
    CATALOG[names[0]].save(tmp_path / f"{names[0]}.png")
    CATALOG[names[1]].save(tmp_path / f"{names[1]}.jpg", quality=92)
    with pytest.raises(PackshotError, match=names[2]):
        PackshotMatcher.from_folder(tmp_path, names)
    CATALOG[names[2]].save(tmp_path / f"{names[2]}.png")
    matcher = PackshotMatcher.from_folder(tmp_path, names)
    scene, boxes = _degraded_scene()
    assert [match.sku_id for match in matcher.identify(scene, boxes[:3])] == names


def test_no_boxes_gives_no_matches() -> None:
    matcher = PackshotMatcher(list(CATALOG), list(CATALOG.values()))
    assert matcher.identify(Image.new("RGB", (100, 100)), []) == []
