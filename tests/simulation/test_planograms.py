from __future__ import annotations

import pytest

from shelf_assets.simulation.catalog import build_catalog
from shelf_assets.simulation.planograms import (
    FIXTURE_TYPES,
    FIXTURES,
    HEADROOM_MM,
    build_planograms,
    build_store_bays,
    build_stores,
)

SHELF_COUNTS = {"gondola": (4, 6), "freezer": (3, 5), "endcap": (2, 4)}


@pytest.mark.parametrize("seed", [0, 2, 11, 123])
def test_planograms_respect_fixture_rules(seed: int) -> None:
    catalog = build_catalog(seed)
    heights = {sku.product_id: sku.height_mm for sku in catalog.skus}
    planograms = build_planograms(catalog, seed)
    assert 5 <= len(planograms) <= 8
    assert {p.fixture_type for p in planograms} == set(FIXTURE_TYPES)
    assert len({p.planogram_id for p in planograms}) == len(planograms)
    for planogram in planograms:
        spec = FIXTURES[planogram.fixture_type]
        low, high = SHELF_COUNTS[planogram.fixture_type]
        assert low <= len(planogram.shelves) <= high
        assert [shelf.shelf for shelf in planogram.shelves] == list(range(1, len(planogram.shelves) + 1))
        for shelf in planogram.shelves:
            assert 30 <= shelf.board_mm <= 40
            assert 2 <= len(shelf.slots) <= 6
            assert [slot.position for slot in shelf.slots] == list(range(1, len(shelf.slots) + 1))
            assert all(1 <= slot.facings <= 4 for slot in shelf.slots)
            planned = sum(slot.facings * slot.pitch_mm for slot in shelf.slots)
            assert spec.width_mm - spec.slack_mm <= planned <= spec.width_mm
            assert shelf.slots[0].left_mm >= 0 and shelf.slots[-1].right_mm <= spec.width_mm
            for before, after in zip(shelf.slots, shelf.slots[1:]):
                assert after.left_mm == pytest.approx(before.right_mm)
            assert all(heights[slot.sku_id] + HEADROOM_MM <= shelf.clear_height_mm for slot in shelf.slots)
        for upper, lower in zip(planogram.shelves, planogram.shelves[1:]):
            assert lower.ceiling_mm == pytest.approx(upper.floor_mm + upper.board_mm)


def test_store_bays_cover_every_fixture_type_even_for_one_store() -> None:
    catalog = build_catalog(4)
    planograms = build_planograms(catalog, 4)
    fixture_of = {p.planogram_id: p.fixture_type for p in planograms}
    stores = build_stores(1, 4)
    bays = build_store_bays(stores, planograms, 4)
    assert 4 <= len(bays) <= 6
    assert {fixture_of[bay.planogram_id] for bay in bays} == set(FIXTURE_TYPES)
    assert [bay.bay_id for bay in bays] == [f"bay-{n:02d}" for n in range(1, len(bays) + 1)]


def test_every_store_has_four_to_six_bays() -> None:
    catalog = build_catalog(9)
    stores = build_stores(5, 9)
    bays = build_store_bays(stores, build_planograms(catalog, 9), 9)
    for store in stores:
        assert 4 <= sum(1 for bay in bays if bay.store_id == store.store_id) <= 6
    assert [store.store_id for store in stores] == [f"store-{n:03d}" for n in range(1, 6)]
