from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

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


def _aligned_tops_shelf() -> Image.Image:
    """Three shelves, each filled edge to edge with equally tall facings: their tops form long lines too."""
    photo = Image.new("RGB", (900, 700), (90, 85, 80))
    draw = ImageDraw.Draw(photo)
    draw.rectangle((60, 20, 840, 680), fill=(205, 205, 200))
    for shelf in range(3):
        board_y = 20 + shelf * 213 + 185
        draw.rectangle((60, board_y, 840, board_y + 28), fill=(150, 150, 155))
        draw.rectangle((60, board_y + 8, 840, board_y + 24), fill=(240, 240, 240))
        for index, x in enumerate(range(68, 780, 64)):
            colour = (40 + 60 * (index % 3), 180 - 50 * (index % 3), 90 + 40 * shelf)
            draw.rectangle((x, board_y - 120, x + 60, board_y - 1), fill=colour)
            draw.rectangle((x + 6, board_y - 100, x + 54, board_y - 80), fill=(250, 250, 250))
    return photo


def test_tops_of_equally_tall_products_are_not_taken_for_shelves() -> None:
    detection = detect_classical(_aligned_tops_shelf(), "gondola")
    assert len(detection.rows) == 3


def test_a_shelf_seen_with_a_shadow_under_each_board_keeps_its_rows() -> None:
    """Boards shade the panel just below them; the shadow must read as panel, not as a row of products."""
    photo, facings = shelf_photo(3, boards=3)
    draw = ImageDraw.Draw(photo)
    for shelf in range(3):
        board_bottom = 20 + shelf * ((700 - 60) // 3) + (700 - 60) // 3
        draw.rectangle((60, board_bottom + 1, 840, board_bottom + 14), fill=(150, 150, 146))
    detection = detect_classical(photo, "gondola")
    assert len(detection.rows) == 3


def _freezer_photo() -> tuple[Image.Image, list[tuple[tuple[float, float, float, float], int]]]:
    """Two glass doors over a dark interior: a mullion hides the shelves' middle, the right door's shelves sit a
    little lower (seen at an angle), and a whitish reflection streak crosses the glass."""
    photo = Image.new("RGB", (900, 760), (120, 130, 110))
    draw = ImageDraw.Draw(photo)
    draw.rectangle((70, 30, 830, 730), fill=(215, 220, 210))
    draw.rectangle((100, 60, 800, 700), fill=(22, 24, 34))
    facings = []
    for door, (left, right, drop) in enumerate(((104, 430, 0), (470, 796, 9))):
        for shelf in range(3):
            board_y = 60 + (shelf + 1) * 205 - 20 + drop
            draw.rectangle((left, board_y, right, board_y + 12), fill=(210, 200, 235))
            x = left + 10
            for index in range(4):
                colour = ((200, 40, 90), (40, 160, 70), (60, 90, 200), (230, 150, 30))[(index + shelf + door) % 4]
                draw.rectangle((x, board_y - 130, x + 64, board_y - 1), fill=colour)
                draw.rectangle((x + 8, board_y - 110, x + 56, board_y - 90), fill=(250, 250, 250))
                facings.append(((x, board_y - 130, x + 65, board_y), shelf + 1))
                x += 76
    draw.rectangle((432, 60, 468, 700), fill=(215, 220, 210))
    pixels = np.asarray(photo, dtype=np.float32)
    ys, xs = np.mgrid[0:760, 0:900]
    streak = (np.abs(xs - 0.6 * ys - 480) < 25) & (xs > 100) & (xs < 800) & (ys > 60) & (ys < 700)
    dark = streak & (pixels.mean(axis=2) < 40)
    pixels[dark] = pixels[dark] + 0.35 * (255 - pixels[dark])
    return Image.fromarray(pixels.astype(np.uint8)), facings


def test_a_freezer_with_two_doors_and_glare_keeps_its_rows_and_facings() -> None:
    photo, facings = _freezer_photo()
    detection = detect_classical(photo, "freezer")
    assert len(detection.rows) == 3
    found = [
        any(iou(box, (p.x0, p.y0, p.x1, p.y1)) >= 0.5 and p.row == shelf for p in detection.products)
        for box, shelf in facings
    ]
    assert sum(found) >= 0.8 * len(facings)


def _perspective(photo: Image.Image, squeeze: float) -> Image.Image:
    """The photo seen from its left: its right edge shrinks by `squeeze` of the height at top and bottom."""
    width, height = photo.size
    seen = [(0, 0), (0, height), (width, height * (1 - squeeze)), (width, height * squeeze)]
    flat = [(0, 0), (0, height), (width, height), (width, 0)]
    equations, values = [], []
    for (u, v), (x, y) in zip(seen, flat):
        equations.append([u, v, 1, 0, 0, 0, -x * u, -x * v])
        equations.append([0, 0, 0, u, v, 1, -y * u, -y * v])
        values.extend([x, y])
    coefficients = np.linalg.solve(np.array(equations, float), np.array(values, float))
    return photo.transform(photo.size, Image.Transform.PERSPECTIVE, tuple(coefficients),
                           resample=Image.Resampling.BILINEAR, fillcolor=(90, 85, 80))


def test_shelves_converging_in_strong_perspective_are_all_found() -> None:
    """Seen from one side, the top and bottom boards tilt by about ten degrees in opposite directions."""
    photo, _ = shelf_photo(4, boards=3)
    detection = detect_classical(_perspective(photo, 0.17), "gondola")
    assert len(detection.rows) == 3
