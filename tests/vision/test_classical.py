from __future__ import annotations

import pytest
from PIL import Image

from shelf_assets.vision.classical import detect_classical
from tests.vision.drawing import iou, shelf_photo


@pytest.mark.parametrize(("seed", "roll"), [(0, 0.0), (1, 1.5), (2, -2.0)])
def test_finds_rows_and_most_facings_of_a_drawn_shelf(seed: int, roll: float) -> None:
    photo, facings = shelf_photo(seed, boards=3, roll_degrees=roll, blur=0.8)
    detection = detect_classical(photo, "gondola")
    assert len(detection.rows) == 3
    assert [row.row for row in detection.rows] == [1, 2, 3]
    found = [
        any(iou(box, (p.x0, p.y0, p.x1, p.y1)) >= 0.5 for p in detection.products)
        for box, _ in facings
    ]
    assert sum(found) >= 0.9 * len(facings)
    assert all(0.0 <= p.confidence <= 1.0 for p in detection.products)


def test_row_numbers_follow_the_shelves_top_to_bottom() -> None:
    photo, facings = shelf_photo(0, boards=3)
    detection = detect_classical(photo, "gondola")
    for box, shelf in facings:
        best = max(detection.products, key=lambda p: iou(box, (p.x0, p.y0, p.x1, p.y1)))
        if iou(box, (best.x0, best.y0, best.x1, best.y1)) >= 0.5:
            assert best.row == shelf


def test_blank_photo_has_no_rows() -> None:
    detection = detect_classical(Image.new("RGB", (800, 600), (128, 128, 128)), "gondola")
    assert detection.rows == [] and detection.products == []
