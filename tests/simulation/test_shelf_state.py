from __future__ import annotations

from collections import Counter

import pytest

from shelf_assets.simulation.catalog import build_catalog
from shelf_assets.simulation.planograms import build_planograms
from shelf_assets.simulation.shelf_state import true_shelf

SEED = 6


@pytest.fixture(scope="module")
def chain():
    catalog = build_catalog(SEED)
    return catalog, build_planograms(catalog, SEED)


def test_facings_stand_inside_their_slot_without_overlapping(chain) -> None:
    catalog, planograms = chain
    for planogram in planograms:
        for day in range(5):
            state = true_shelf(planogram, catalog, SEED, "store-001", f"2026-11-0{day + 1}", "bay-01")
            for shelf in planogram.shelves:
                items = sorted((item for item in state.items if item.shelf == shelf.shelf), key=lambda i: i.left_mm)
                for before, after in zip(items, items[1:]):
                    assert after.left_mm >= before.right_mm + 0.5
                for item in items:
                    slot = shelf.slots[item.position - 1]
                    centre = item.left_mm + item.width_mm / 2
                    assert slot.left_mm <= centre < slot.right_mm
                    assert item.height_mm < shelf.clear_height_mm


def test_present_counts_the_slot_sku_standing_in_the_slot(chain) -> None:
    catalog, planograms = chain
    state = true_shelf(planograms[0], catalog, SEED, "store-002", "2026-11-02", "bay-03")
    for slot in state.slots:
        standing = [i for i in state.items if (i.shelf, i.position, i.product_id) == (slot.shelf, slot.position,
                                                                                    slot.sku_id)]
        assert slot.present == len(standing)
        assert 0 <= slot.present <= slot.facings


def test_deviation_rates_are_roughly_as_briefed(chain) -> None:
    catalog, planograms = chain
    outcomes: Counter[str] = Counter()
    for store in range(12):
        for day in range(6):
            for planogram in planograms:
                state = true_shelf(planogram, catalog, SEED, f"store-{store:03d}", f"2026-11-{day + 1:02d}",
                                   planogram.planogram_id)
                for slot in state.slots:
                    in_slot = [i for i in state.items if (i.shelf, i.position) == (slot.shelf, slot.position)]
                    if not in_slot:
                        outcomes["oos"] += 1
                    if any(not item.in_catalog for item in in_slot):
                        outcomes["foreign"] += 1
                    if any(item.in_catalog and item.product_id != slot.sku_id for item in in_slot):
                        outcomes["misplaced"] += 1
                    outcomes["slots"] += 1
    total = outcomes["slots"]
    assert 0.04 < outcomes["oos"] / total < 0.14
    assert 0.02 < outcomes["misplaced"] / total < 0.10
    assert 0.005 < outcomes["foreign"] / total < 0.06


def test_state_is_deterministic_and_changes_between_days(chain) -> None:
    catalog, planograms = chain
    planogram = max(planograms, key=lambda p: len(p.slots()))
    first = true_shelf(planogram, catalog, SEED, "store-001", "2026-11-02", "bay-01")
    assert first == true_shelf(planogram, catalog, SEED, "store-001", "2026-11-02", "bay-01")
    days = [true_shelf(planogram, catalog, SEED, "store-001", f"2026-11-{d:02d}", "bay-01") for d in range(3, 8)]
    assert any(day.items != first.items for day in days)
    assert any(day.slots != first.slots for day in days)
