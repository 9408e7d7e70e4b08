from __future__ import annotations

import dataclasses
import datetime
import io

import numpy as np
import pytest
from PIL import Image, ImageOps

from shelf_assets.simulation.catalog import build_catalog, draw_packshot
from shelf_assets.simulation.drawing import derive_rng
from shelf_assets.simulation.planograms import build_planograms
from shelf_assets.simulation.render import (
    OCCLUDER_MASK_SCALE,
    RESOLUTIONS,
    WASHED_OUT_GLARE,
    RenderError,
    _camera_homography,
    difficulty_named,
    encode_photo,
    hidden_shares,
    homography,
    project,
    render_photo,
    scene_extent,
    store_look,
    unreadable,
)
from shelf_assets.simulation.shelf_state import true_shelf

SEED = 8
TAKEN_AT = datetime.datetime(2026, 11, 2, 9, 30)


@pytest.fixture(scope="module")
def world():
    catalog = build_catalog(SEED)
    packshots = {p.product_id: draw_packshot(p, px_per_mm=2.0) for p in (*catalog.skus, *catalog.foreign)}
    planograms = {p.fixture_type: p for p in build_planograms(catalog, SEED)}
    return catalog, packshots, planograms


def _render(world, fixture_type: str, difficulty: str, name: str):
    catalog, packshots, planograms = world
    planogram = planograms[fixture_type]
    state = true_shelf(planogram, catalog, SEED, "store-001", "2026-11-02", name)
    photo = render_photo(planogram, state, catalog, packshots, store_look(SEED, "store-001"),
                         difficulty_named(difficulty), derive_rng(SEED, "test", name))
    return planogram, state, photo


def test_homography_maps_the_four_points_exactly() -> None:
    source = np.array([[0, 0], [10, 0], [10, 20], [0, 20]], dtype=float)
    target = np.array([[3, 4], [50, 2], [55, 80], [1, 70]], dtype=float)
    assert np.allclose(project(homography(source, target), source), target)


@pytest.mark.parametrize(("fixture_type", "difficulty", "name"),
                         [("gondola", "hard", "g1"), ("freezer", "normal", "f1"), ("endcap", "hard", "e1"),
                          ("gondola", "easy", "g2")])
def test_truth_boxes_are_inside_the_photo_and_on_their_shelf(world, fixture_type, difficulty, name) -> None:
    planogram, state, photo = _render(world, fixture_type, difficulty, name)
    width, height = photo.size
    assert tuple(sorted(photo.size, reverse=True)) in RESOLUTIONS
    assert len(photo.products) == len(state.items) > 0
    to_scene = np.linalg.inv(photo.homography)
    for product in photo.products:
        x0, y0, x1, y1 = product.box
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
        assert 0.0 <= product.occluded <= 1.0
        centre_x, centre_y = project(to_scene, np.array([[(x0 + x1) / 2, (y0 + y1) / 2]]))[0]
        shelf = planogram.shelves[product.shelf - 1]
        assert shelf.ceiling_mm < centre_y < shelf.floor_mm
        slot = shelf.slots[product.position - 1]
        assert slot.left_mm - 5 <= centre_x <= slot.right_mm + 5


def test_bay_fills_most_of_the_frame(world) -> None:
    planogram, _, photo = _render(world, "gondola", "normal", "fill")
    corners = project(photo.homography, np.array([[0, 0], [planogram.width_mm, 0],
                                                  [planogram.width_mm, planogram.height_mm], [0, planogram.height_mm]]))
    width, height = photo.size
    assert corners[:, 0].min() >= 0 and corners[:, 0].max() <= width
    assert corners[:, 1].min() >= 0 and corners[:, 1].max() <= height
    span = corners.max(axis=0) - corners.min(axis=0)
    assert max(span[0] / width, span[1] / height) > 0.65


@pytest.fixture(scope="module")
def upright_photo(world):
    return _render(world, "freezer", "easy", "exif")[2]


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_rotated_photo_transposes_back_to_the_truth_size(upright_photo, orientation: int) -> None:
    photo = upright_photo
    rotated = dataclasses.replace(photo, exif_orientation=orientation, file_format="JPEG", jpeg_quality=92)
    stored = Image.open(io.BytesIO(encode_photo(rotated, TAKEN_AT)))
    assert stored.getexif()[0x0112] == orientation
    if orientation in (6, 8):
        assert stored.size == photo.size[::-1]
    upright = ImageOps.exif_transpose(stored)
    assert upright.size == photo.size
    difference = np.abs(np.asarray(upright, dtype=np.int16) - np.asarray(photo.image, dtype=np.int16)).mean()
    assert difference < 6


def test_png_photo_round_trips_without_exif(upright_photo) -> None:
    as_png = dataclasses.replace(upright_photo, exif_orientation=1, file_format="PNG")
    decoded = Image.open(io.BytesIO(encode_photo(as_png, TAKEN_AT)))
    assert decoded.format == "PNG"
    assert np.array_equal(np.asarray(decoded.convert("RGB")), np.asarray(upright_photo.image))


def _skew_degrees(corners: np.ndarray) -> float:
    """Largest angle by which an edge of the photographed bay leaves the horizontal/vertical."""
    worst = 0.0
    for index in range(4):
        dx, dy = corners[(index + 1) % 4] - corners[index]
        angle = abs(np.degrees(np.arctan2(dy, dx))) % 90.0
        worst = max(worst, min(angle, 90.0 - angle))
    return worst


def test_harder_difficulty_tilts_the_camera_more(world) -> None:
    _, _, planograms = world
    planogram = planograms["gondola"]
    outline = np.array([[0, 0], [planogram.width_mm, 0], [planogram.width_mm, planogram.height_mm],
                        [0, planogram.height_mm]])
    skew = {}
    for difficulty in ("easy", "hard"):
        angles = []
        for index in range(20):
            matrix = _camera_homography(derive_rng(SEED, "tilt", str(index)), planogram, (3024, 4032),
                                        difficulty_named(difficulty))
            angles.append(_skew_degrees(project(matrix, outline)))
        skew[difficulty] = float(np.mean(angles))
    assert skew["hard"] > 2 * skew["easy"]
    assert skew["easy"] > 0.2


def test_unknown_difficulty_is_rejected() -> None:
    with pytest.raises(RenderError, match="difficulty"):
        difficulty_named("extreme")


def test_glare_mask_marks_where_the_photo_is_washed_out(world) -> None:
    with_glare = 0
    for name in ("glare-a", "glare-b", "glare-c", "glare-d"):
        _, _, photo = _render(world, "gondola", "hard", name)
        assert photo.glare.size == photo.occluders.size
        glare = np.asarray(photo.glare, dtype=float) / 255.0
        if glare.max() < 0.7:
            continue
        with_glare += 1
        small = np.asarray(photo.image.resize(photo.glare.size, Image.Resampling.BOX).convert("L"), dtype=float)
        assert small[glare >= 0.7].std() < small[glare < 0.05].std()
    assert with_glare, "none of these hard photos had strong glare: pick other names"


def test_a_camera_that_sees_past_the_horizon_still_sees_the_whole_bay(world) -> None:
    _, _, planograms = world
    planogram = planograms["gondola"]
    bay = np.array([[0, 0], [planogram.width_mm, 0], [planogram.width_mm, planogram.height_mm],
                    [0, planogram.height_mm]], dtype=float)
    steep = homography(bay, np.array([[495, 5], [505, 5], [900, 1000], [100, 1000]], dtype=float))
    level = homography(bay, np.array([[100, 50], [900, 50], [900, 950], [100, 950]], dtype=float))

    for to_image in (steep, level):
        left, top, right, bottom = scene_extent(np.linalg.inv(to_image), (1000, 1000), planogram)
        assert left <= 0 and top <= 0 and right >= planogram.width_mm and bottom >= planogram.height_mm
    left, top, right, bottom = scene_extent(np.linalg.inv(level), (1000, 1000), planogram)
    assert right - left < 1.5 * planogram.width_mm


def test_washed_out_glare_is_hidden_like_an_occluder_and_faint_glare_is_not():
    occluders = Image.new("L", (4, 1), 0)
    occluders.putpixel((0, 0), 255)
    glare = Image.new("L", (4, 1), 0)
    glare.putpixel((1, 0), round(WASHED_OUT_GLARE * 255) + 1)
    glare.putpixel((2, 0), round(WASHED_OUT_GLARE * 255) - 10)

    assert np.asarray(unreadable(occluders, glare)).tolist() == [[255, 255, 0, 0]]


def test_hidden_share_of_a_face_counts_what_is_covered_and_what_lies_outside_the_photo() -> None:
    scale = 1 / OCCLUDER_MASK_SCALE
    hidden = Image.new("L", (20, 10), 0)
    hidden.paste(255, (0, 0, 5, 10))

    def square(left: float, top: float, right: float, bottom: float) -> np.ndarray:
        return np.array([[left, top], [right, top], [right, bottom], [left, bottom]]) * scale

    in_plain_view, half_covered, half_outside = hidden_shares(
        hidden, [square(10, 2, 14, 6), square(3, 2, 7, 6), square(18, 2, 22, 6)])
    assert in_plain_view == 0.0
    assert half_covered == pytest.approx(0.5, abs=0.15)
    assert half_outside == pytest.approx(0.5, abs=0.15)


def test_a_truth_slot_is_as_hidden_as_the_occluders_over_its_face(world) -> None:
    _, state, photo = _render(world, "gondola", "hard", "occ-b")
    assert len(photo.slot_hidden) == len(state.slots)
    assert all(0.0 <= share <= 1.0 for share in photo.slot_hidden)
    by_slot = {(slot.shelf, slot.position): share for slot, share in zip(state.slots, photo.slot_hidden)}
    hidden_products = [p for p in photo.products if p.occluded >= 0.9 and (p.shelf, p.position) in by_slot]
    assert hidden_products, "nothing stands in front of this bay: pick another name"
    assert all(by_slot[(p.shelf, p.position)] > 0.0 for p in hidden_products)
