"""What really stands on a bay on one day, as opposed to what its planogram asks for.

Each store-day-bay draws its own state from the seed and its ids, so any photo can be regenerated alone and
consecutive days differ (restocking in between). A per-store tidiness factor makes some stores worse than
others, which is what the compliance scores are meant to reveal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shelf_assets.simulation.catalog import Catalog, Product
from shelf_assets.simulation.drawing import derive_rng
from shelf_assets.simulation.planograms import HEADROOM_MM, Planogram, ShelfPlan, SlotPlan

OUT_OF_STOCK_RATE = 0.08
PARTIAL_GAP_RATE = 0.10
MISPLACED_RATE = 0.06
FOREIGN_RATE = 0.03


@dataclass(frozen=True)
class ShelfItem:
    """One physical facing: where it stands (mm from the bay's left edge) and which slot's span holds it."""

    product_id: str
    in_catalog: bool
    shelf: int
    position: int
    left_mm: float
    width_mm: float
    height_mm: float

    @property
    def right_mm(self) -> float:
        return self.left_mm + self.width_mm


@dataclass(frozen=True)
class SlotTruth:
    shelf: int
    position: int
    sku_id: str
    facings: int
    present: int


@dataclass(frozen=True)
class ShelfState:
    items: tuple[ShelfItem, ...]
    slots: tuple[SlotTruth, ...]


def _replacement(candidates: list[Product], max_width_mm: float, clear_mm: float, exclude: str,
                 rng: np.random.Generator) -> Product | None:
    fitting = [product for product in candidates if product.product_id != exclude
               and product.width_mm <= max_width_mm and product.height_mm + HEADROOM_MM <= clear_mm]
    return fitting[int(rng.integers(len(fitting)))] if fitting else None


def _slot_of(shelf: ShelfPlan, centre_mm: float) -> SlotPlan:
    """The slot whose planned span holds `centre_mm`, or the nearest one when it stands in the end slack."""
    for slot in shelf.slots:
        if slot.left_mm <= centre_mm < slot.right_mm:
            return slot
    return min(shelf.slots, key=lambda slot: min(abs(slot.left_mm - centre_mm), abs(slot.right_mm - centre_mm)))


def true_shelf(planogram: Planogram, catalog: Catalog, seed: int, store_id: str, date: str, bay_id: str) -> ShelfState:
    store_rng = derive_rng(seed, "tidiness", store_id)
    untidiness = float(store_rng.uniform(0.6, 1.5))
    rng = derive_rng(seed, "shelf", store_id, date, bay_id)
    rates = np.array([OUT_OF_STOCK_RATE, PARTIAL_GAP_RATE, MISPLACED_RATE, FOREIGN_RATE]) * untidiness
    items: list[ShelfItem] = []
    for shelf in planogram.shelves:
        for slot in shelf.slots:
            sku = catalog.product(slot.sku_id)
            draw = rng.random()
            event = int(np.searchsorted(np.cumsum(rates), draw, side="right"))
            standing = np.ones(slot.facings, dtype=bool)
            swaps: dict[int, Product] = {}
            if event == 0:
                standing[:] = False
            elif event == 1 and slot.facings >= 2:
                missing = int(rng.integers(1, slot.facings))
                standing[rng.choice(slot.facings, size=missing, replace=False)] = False
            elif event in (2, 3):
                index = int(rng.integers(slot.facings))
                pool = list(catalog.skus) if event == 2 else list(catalog.foreign)
                other = _replacement(pool, sku.width_mm, shelf.clear_height_mm, sku.product_id, rng)
                if other is not None:
                    swaps[index] = other
            left = slot.left_mm + float(rng.uniform(1.0, 3.0))
            for index in range(slot.facings):
                product = swaps.get(index, sku)
                item_left = min(max(left + float(rng.uniform(-1.0, 1.0)), slot.left_mm + 0.5),
                                slot.right_mm - product.width_mm - 0.5)
                if standing[index]:
                    items.append(ShelfItem(product.product_id, product.in_catalog, shelf.shelf, slot.position,
                                           item_left, product.width_mm, product.height_mm))
                left = item_left + sku.width_mm + float(rng.uniform(2.0, 6.0))
    located = []
    for item in items:
        shelf = planogram.shelves[item.shelf - 1]
        slot = _slot_of(shelf, item.left_mm + item.width_mm / 2)
        located.append(ShelfItem(item.product_id, item.in_catalog, item.shelf, slot.position, item.left_mm,
                                 item.width_mm, item.height_mm))
    slots = tuple(
        SlotTruth(slot.shelf, slot.position, slot.sku_id, slot.facings,
                  sum(1 for item in located if (item.shelf, item.position, item.product_id)
                      == (slot.shelf, slot.position, slot.sku_id)))
        for slot in planogram.slots()
    )
    return ShelfState(tuple(located), slots)
