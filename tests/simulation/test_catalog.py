from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from shelf_assets.simulation.catalog import PACKSHOT_PX_PER_MM, build_catalog, draw_packshot


@pytest.mark.parametrize("seed", [0, 1, 7, 42])
def test_catalog_sizes_and_counts_follow_the_brief(seed: int) -> None:
    catalog = build_catalog(seed)
    assert 40 <= len(catalog.skus) <= 60
    assert 6 <= len({sku.brand for sku in catalog.skus}) <= 9
    assert 3 <= len(catalog.categories) <= 5
    assert "frozen" in catalog.categories
    assert len({sku.product_id for sku in catalog.skus}) == len(catalog.skus)
    for sku in catalog.skus:
        assert 50 <= sku.width_mm <= 140
        assert 90 <= sku.height_mm <= 320
    assert catalog.foreign
    assert not {p.product_id for p in catalog.foreign} & {p.product_id for p in catalog.skus}
    assert all(not product.in_catalog for product in catalog.foreign)


def test_packshot_is_drawn_at_four_pixels_per_mm() -> None:
    sku = build_catalog(0).skus[0]
    image = draw_packshot(sku)
    assert image.mode == "RGB"
    assert image.size == (round(sku.width_mm * PACKSHOT_PX_PER_MM), round(sku.height_mm * PACKSHOT_PX_PER_MM))
    assert np.asarray(image).std() > 10


def _mean_difference(first: Image.Image, second: Image.Image) -> float:
    size = (64, 128)
    a = np.asarray(first.resize(size), dtype=np.float32)
    b = np.asarray(second.resize(size), dtype=np.float32)
    return float(np.abs(a - b).mean())


def test_siblings_look_alike_but_are_not_identical() -> None:
    catalog = build_catalog(5)
    by_brand: dict[str, list] = {}
    for sku in catalog.skus:
        by_brand.setdefault(sku.brand, []).append(sku)
    brands = [skus for skus in by_brand.values() if len(skus) >= 2]
    sibling_gaps, stranger_gaps = [], []
    for index, skus in enumerate(brands):
        first, second = draw_packshot(skus[0]), draw_packshot(skus[1])
        assert first.tobytes() != second.tobytes()
        sibling_gaps.append(_mean_difference(first, second))
        stranger = brands[(index + 1) % len(brands)][0]
        stranger_gaps.append(_mean_difference(first, draw_packshot(stranger)))
    assert np.median(sibling_gaps) < 0.5 * np.median(stranger_gaps)


def test_different_seed_gives_a_different_looking_catalog() -> None:
    first, second = build_catalog(0), build_catalog(1)
    assert [s.brand for s in first.skus] != [s.brand for s in second.skus]
    difference = _mean_difference(draw_packshot(first.skus[0]), draw_packshot(second.skus[0]))
    assert difference > 20


def test_same_seed_gives_identical_packshots() -> None:
    first, second = build_catalog(3), build_catalog(3)
    assert first == second
    assert draw_packshot(first.skus[4]).tobytes() == draw_packshot(second.skus[4]).tobytes()
