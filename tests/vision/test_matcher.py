from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from shelf_assets.vision.matcher import (
    CLOSE_CALL_BELOW_FLOOR,
    CLOSE_CALL_MARGIN,
    CLOSE_IN_SIGHT_MARGIN,
    CLOSE_IN_SIGHT_SHARE,
    RESEMBLANCE_BELOW_FLOOR,
    RESEMBLANCE_PER_HIDDEN_SHARE,
    SHORTLIST_SIZE,
    PackshotError,
    PackshotMatcher,
    SkuMatch,
    matches_from_scores,
)
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


def _scene_of(faces: list[Image.Image], jitter: float, seed: int) -> tuple[Image.Image, list[ProductBox]]:
    """Faces pasted side by side on a grey shelf, boxes with every edge moved by up to `jitter` of the size."""
    rng = np.random.default_rng(seed)
    scene = Image.new("RGB", (70 * len(faces) + 40, 220), (120, 120, 110))
    boxes = []
    for index, face in enumerate(faces):
        left, top, width, height = 30 + index * 70, 50, 50, 110
        scene.paste(face.resize((width, height), Image.Resampling.LANCZOS), (left, top))
        moves = rng.uniform(-jitter, jitter, 4) * np.array([width, height, width, height])
        boxes.append(ProductBox(left + moves[0], top + moves[1], left + width + moves[2], top + height + moves[3],
                                row=1, confidence=1.0))
    return scene, boxes


def _glare(scene: Image.Image, strength: float) -> Image.Image:
    """A white veil strongest in the middle of the photo, as from a lamp reflected in a freezer door."""
    pixels = np.asarray(scene, dtype=np.float32)
    height, width = pixels.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width]
    veil = strength * np.exp(-(((xs - width / 2) / (width / 3)) ** 2 + ((ys - height / 2) / height) ** 2))
    return Image.fromarray(np.clip(pixels * (1 - veil[..., None]) + 255 * veil[..., None], 0, 255).astype(np.uint8))


def test_siblings_that_differ_only_in_band_colour_are_told_apart_under_glare_and_box_jitter() -> None:
    bands = [(250, 220, 0), (0, 160, 60), (230, 120, 0), (120, 40, 160), (240, 240, 240)]
    catalog = {f"SKU-RED-{index}": packshot(RED, band, (0, 0, 0)) for index, band in enumerate(bands)}
    matcher = PackshotMatcher(list(catalog), list(catalog.values()))
    order = [3, 0, 4, 1, 2, 0, 3]
    for seed in range(3):
        scene, boxes = _scene_of([catalog[f"SKU-RED-{index}"] for index in order], jitter=0.08, seed=seed)
        matches = matcher.identify(_glare(scene, 0.45).filter(ImageFilter.GaussianBlur(0.8)), boxes)
        assert [match.sku_id for match in matches] == [f"SKU-RED-{index}" for index in order]


def test_a_large_catalog_is_shortlisted_without_losing_the_right_sku() -> None:
    """Brand families of three siblings each: the coarse shortlist must keep a family together."""
    bases = [(200, 30, 30), (30, 60, 200), (0, 150, 60), (240, 200, 0), (120, 40, 160), (20, 20, 20),
             (0, 170, 190), (235, 120, 160)]
    bands = [(250, 250, 250), (240, 120, 0), (40, 200, 240)]
    catalog = {f"SKU-{brand}-{flavour}": packshot(base, band, (0, 0, 0))
               for brand, base in enumerate(bases) for flavour, band in enumerate(bands)}
    names = list(catalog)
    assert len(names) > 2 * SHORTLIST_SIZE
    matcher = PackshotMatcher(names, list(catalog.values()))
    picked = [5, 17, 0, 23, 9, 13]
    scene, boxes = _scene_of([catalog[names[index]] for index in picked], jitter=0.05, seed=4)
    table = matcher.scores(scene, boxes)
    assert table.shape == (len(picked), len(names))
    assert [names[index] for index in table.argmax(axis=1)] == [names[index] for index in picked]
    matches = matcher.identify(scene, boxes)
    assert [match.sku_id for match in matches] == [names[index] for index in picked]
    assert all(match.score == pytest.approx(float(row.max()), abs=1e-6) for match, row in zip(matches, table))
    assert (np.sort(table, axis=1)[:, -1] - np.sort(table, axis=1)[:, -2] > 0.05).all()


def test_boxes_reaching_past_the_photo_edge_are_still_matched() -> None:
    scene = Image.new("RGB", (200, 160), (120, 120, 110))
    face = CATALOG["SKU-BLUE-LEMON"].resize((50, 110), Image.Resampling.LANCZOS)
    scene.paste(face, (0, 50))
    scene.paste(CATALOG["SKU-RED-LIME"].resize((50, 110), Image.Resampling.LANCZOS), (150, 50))
    boxes = [ProductBox(-4.0, 46.0, 52.0, 165.0, row=1, confidence=1.0),
             ProductBox(147.0, 52.0, 203.0, 160.0, row=1, confidence=1.0)]
    matcher = PackshotMatcher(list(CATALOG), list(CATALOG.values()))
    assert [match.sku_id for match in matcher.identify(scene, boxes)] == ["SKU-BLUE-LEMON", "SKU-RED-LIME"]


def test_a_catalog_that_cannot_be_matched_is_refused_with_a_reason() -> None:
    face = CATALOG["SKU-RED-LEMON"]
    with pytest.raises(PackshotError, match="duplicate"):
        PackshotMatcher(["SKU-1", "SKU-1"], [face, face])
    with pytest.raises(PackshotError, match="2 SKU ids for 1 packshots"):
        PackshotMatcher(["SKU-1", "SKU-2"], [face])
    with pytest.raises(PackshotError, match="empty"):
        PackshotMatcher([], [])


def test_close_calls_name_the_skus_scoring_almost_as_well_as_the_best():
    skus = ["A", "B", "C", "D"]
    near, far = 0.8 - CLOSE_CALL_MARGIN / 2, 0.8 - 2 * CLOSE_CALL_MARGIN
    matches = matches_from_scores(np.array([[0.8, near, far, 0.1]]), skus, floor=0.5)
    assert matches == [SkuMatch("A", 0.8, ("B",))]


def test_an_unknown_just_under_the_floor_keeps_its_nearest_skus_as_close_calls():
    skus = ["A", "B", "C"]
    just_under = 0.5 - CLOSE_CALL_BELOW_FLOOR / 2
    table = np.array([[just_under, just_under - CLOSE_CALL_MARGIN / 2, 0.0],
                      [0.5 - 2 * CLOSE_CALL_BELOW_FLOOR, 0.0, 0.0]])
    unknown, foreign = matches_from_scores(table, skus, floor=0.5)
    assert (unknown.sku_id, unknown.close_skus) == ("", ("A", "B"))
    assert (foreign.sku_id, foreign.close_skus) == ("", ())


def test_a_partly_hidden_unknown_resembles_the_skus_within_reach_of_the_floor_the_more_the_more_is_hidden():
    skus = ["A", "B", "C"]
    floor = 0.5
    reach_unhidden = floor - RESEMBLANCE_BELOW_FLOOR
    row = [reach_unhidden + 0.01, reach_unhidden - RESEMBLANCE_PER_HIDDEN_SHARE * 0.25, 0.0]
    table = np.array([row, row, row, [0.9, 0.0, 0.0]])
    unhidden, a_fifth_hidden, a_third_hidden, known = matches_from_scores(table, skus, floor, [0.0, 0.2, 0.34, 0.5])
    assert unhidden.resembled_skus == ()
    assert a_fifth_hidden.resembled_skus == ("A",)
    assert a_third_hidden.resembled_skus == ("A", "B")
    assert (known.sku_id, known.resembled_skus) == ("A", ())


def _on_a_shelf(face: Image.Image, occluder: tuple[int, int, int, int] | None = None,
                hidden_grid: tuple[tuple[float, ...], ...] = (),
                occluded: float = 0.0) -> tuple[Image.Image, ProductBox]:
    """A product pasted on a grey shelf, with a dark `occluder` rectangle in front of it if given, and its box
    reporting `hidden_grid` and `occluded`."""
    scene = Image.new("RGB", (160, 220), (120, 120, 110))
    scene.paste(face.resize((60, 120), Image.Resampling.LANCZOS), (50, 50))
    if occluder is not None:
        ImageDraw.Draw(scene).rectangle(occluder, fill=(30, 30, 35))
    return scene, ProductBox(50, 50, 110, 170, row=1, confidence=1.0, occluded=occluded, hidden_grid=hidden_grid)


def _half_behind_a_pillar(face: Image.Image) -> tuple[Image.Image, ProductBox]:
    """Its left half behind a dark pillar, which its grid reports hidden."""
    return _on_a_shelf(face, (40, 30, 80, 190), tuple((1.0, 1.0, 0.5, 0.0, 0.0) for _ in range(7)), occluded=0.5)


def test_a_half_hidden_unknown_resembles_the_skus_whose_part_in_sight_matches_what_it_shows():
    faces = {"SKU-0": packshot(RED, YELLOW, (0, 0, 0)), "SKU-1": packshot(RED, GREEN, (0, 0, 0))}
    matcher = PackshotMatcher(list(faces), list(faces.values()))
    upside_down_brand = ImageOps.flip(packshot(BLUE, YELLOW, (255, 255, 255)))
    never_named = np.full((1, len(faces)), -1.0)
    seen = {}
    for name, face in (("own", faces["SKU-0"]), ("foreign", upside_down_brand)):
        scene, box = _half_behind_a_pillar(face)
        visible = matcher.visible_scores(scene, [box], never_named, floor=0.0)
        (match,) = matches_from_scores(never_named, list(faces), 0.0, [box.occluded], visible)
        seen[name] = visible[0], matcher.scores(scene, [box])[0], match.resembled_skus

    own_in_sight, own_whole, own_resembles = seen["own"]
    assert own_in_sight[0] > own_whole[0] + 0.2 and own_in_sight[0] > own_in_sight[1]
    assert own_resembles[0] == "SKU-0"
    assert seen["foreign"][2] == ()


def test_partly_hidden_boxes_unnamed_or_hidden_enough_are_compared_by_their_part_in_sight_if_enough_is_in_sight():
    matcher = PackshotMatcher(list(CATALOG), list(CATALOG.values()))
    scene, box = _half_behind_a_pillar(CATALOG["SKU-RED-LEMON"])
    unhidden = ProductBox(50, 50, 110, 170, row=1, confidence=1.0)
    all_but_a_corner = replace(box, hidden_grid=tuple((1.0,) * 5 for _ in range(6)) + ((0.0,) * 5,))
    barely_hidden = replace(box, occluded=CLOSE_IN_SIGHT_SHARE / 2)
    boxes = [box, unhidden, all_but_a_corner, barely_hidden]
    never_named = np.full((len(boxes), len(CATALOG)), -1.0)

    compared = np.isfinite(matcher.visible_scores(scene, boxes, never_named, floor=0.0)).all(axis=1)
    assert compared.tolist() == [True, False, False, True]
    named = np.ones((len(boxes), len(CATALOG)))
    compared = np.isfinite(matcher.visible_scores(scene, boxes, named, floor=0.0)).all(axis=1)
    assert compared.tolist() == [True, False, False, False]


def test_a_named_product_partly_hidden_has_the_skus_its_part_in_sight_cannot_tell_apart_as_close_calls():
    skus = ["A", "B", "C"]
    table = np.array([[0.9, 0.9 - 2 * CLOSE_CALL_MARGIN, 0.2]] * 2)
    in_sight = np.array([[0.7, 0.7 - CLOSE_IN_SIGHT_MARGIN / 2, 0.7 - 2 * CLOSE_IN_SIGHT_MARGIN], [np.nan] * 3])
    compared, not_compared = matches_from_scores(table, skus, 0.5, [0.3, 0.3], in_sight)
    assert (compared.sku_id, compared.close_skus) == ("A", ("B",))
    assert (not_compared.sku_id, not_compared.close_skus) == ("A", ())


def _red_lemon_on_a_shelf(band_hidden: bool) -> tuple[Image.Image, ProductBox]:
    """SKU-RED-LEMON, its flavour band (what tells it from SKU-RED-LIME) behind a dark rail if `band_hidden`, the
    grid reporting the rail's rows hidden."""
    if not band_hidden:
        return _on_a_shelf(CATALOG["SKU-RED-LEMON"])
    grid = tuple((0.0,) * 5 for _ in range(5)) + ((1.0,) * 5,) * 2
    return _on_a_shelf(CATALOG["SKU-RED-LEMON"], (30, 128, 130, 160), grid, occluded=0.3)


def test_a_sibling_whose_flavour_band_is_hidden_has_its_look_alikes_as_close_calls():
    matcher = PackshotMatcher(list(CATALOG), list(CATALOG.values()))
    scene, box = _red_lemon_on_a_shelf(band_hidden=True)
    (match,) = matcher.identify(scene, [box])
    assert {match.sku_id, *match.close_skus} == {"SKU-RED-LEMON", "SKU-RED-LIME"}

    scene, box = _red_lemon_on_a_shelf(band_hidden=False)
    (match,) = matcher.identify(scene, [box])
    assert (match.sku_id, match.close_skus) == ("SKU-RED-LEMON", ())


def test_close_calls_are_every_sku_within_the_margin_best_first():
    skus = [f"S{index}" for index in range(12)]
    row = 0.9 - np.arange(len(skus)) * CLOSE_CALL_MARGIN / (len(skus) - 1.5)
    (match,) = matches_from_scores(row[None, ::-1].copy(), skus[::-1], floor=0.5)
    assert match.sku_id == "S0"
    assert match.close_skus == tuple(f"S{index}" for index in range(1, len(skus) - 1))