"""Stores, fixtures, planograms and which planogram each store bay follows.

A planogram here carries its physical geometry (shelf heights, board thickness, slot spans in mm) because
the renderer and the true shelf need it; only the DESIGN columns reach `planograms.csv`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shelf_assets.simulation.catalog import Catalog, Product
from shelf_assets.simulation.drawing import derive_rng

FIXTURE_TYPES = ("gondola", "freezer", "endcap")
FACING_CLEARANCE_MM = 8.0
"""Planned pitch of a facing = product width + this, so real 2–6 mm spacing plus jitter stays in the slot."""
HEADROOM_MM = 15.0
"""A product fits a shelf only if this much air is left above it (hands need room to pick it)."""


class PlanogramError(ValueError):
    """A planogram could not be built from the catalog (no SKU mix fills a shelf)."""


@dataclass(frozen=True)
class FixtureSpec:
    fixture_type: str
    code: str
    width_mm: float
    shelves: tuple[int, int]
    height_mm: tuple[float, float]
    header_mm: tuple[float, float]
    base_mm: tuple[float, float]
    slack_mm: float


FIXTURES: dict[str, FixtureSpec] = {
    "gondola": FixtureSpec("gondola", "GON", 1000.0, (4, 6), (1750.0, 2000.0), (40.0, 90.0), (100.0, 160.0), 40.0),
    "freezer": FixtureSpec("freezer", "FRZ", 800.0, (3, 5), (1650.0, 1900.0), (120.0, 200.0), (140.0, 200.0), 35.0),
    "endcap": FixtureSpec("endcap", "END", 1200.0, (2, 4), (1600.0, 1850.0), (280.0, 400.0), (110.0, 160.0), 45.0),
}


@dataclass(frozen=True)
class SlotPlan:
    shelf: int
    position: int
    sku_id: str
    facings: int
    left_mm: float
    pitch_mm: float

    @property
    def right_mm(self) -> float:
        return self.left_mm + self.facings * self.pitch_mm


@dataclass(frozen=True)
class ShelfPlan:
    """One shelf: products stand on `floor_mm` (top of its board) and may rise up to `ceiling_mm`."""

    shelf: int
    ceiling_mm: float
    floor_mm: float
    board_mm: float
    slots: tuple[SlotPlan, ...]

    @property
    def clear_height_mm(self) -> float:
        return self.floor_mm - self.ceiling_mm


@dataclass(frozen=True)
class Planogram:
    planogram_id: str
    fixture_type: str
    width_mm: float
    height_mm: float
    header_mm: float
    shelves: tuple[ShelfPlan, ...]

    def slots(self) -> list[SlotPlan]:
        return [slot for shelf in self.shelves for slot in shelf.slots]


@dataclass(frozen=True)
class Store:
    store_id: str
    name: str
    format: str
    region: str


@dataclass(frozen=True)
class StoreBay:
    store_id: str
    bay_id: str
    planogram_id: str


_STORE_WORDS = ("Market", "Corner", "Central", "Harbour", "Mill", "Park", "Station", "Bridge", "Hill", "Green",
                "Square", "Riverside", "Oak", "North", "Garden", "Castle")
_FORMATS = ("hypermarket", "supermarket", "convenience", "express")
_REGIONS = ("north", "south", "east", "west", "central")


def _fits(product: Product, shelf_clear_mm: float) -> bool:
    return product.height_mm + HEADROOM_MM <= shelf_clear_mm


def _shelf_pool(catalog: Catalog, fixture_type: str, clear_mm: float, rng: np.random.Generator) -> list[Product]:
    """Freezers hold frozen goods; gondola shelves are grouped by one category; endcaps mix promotions."""
    fitting = [sku for sku in catalog.skus if _fits(sku, clear_mm)]
    if fixture_type == "freezer":
        preferred = [sku for sku in fitting if sku.category == "frozen"]
    elif fixture_type == "gondola":
        categories = sorted({sku.category for sku in fitting if sku.category != "frozen"})
        chosen = str(rng.choice(categories)) if categories else None
        preferred = [sku for sku in fitting if sku.category == chosen]
    else:
        preferred = fitting
    return preferred if len(preferred) >= 2 else fitting


def _fill_shelf(pool: list[Product], width_mm: float, slack_mm: float, used: set[str],
                rng: np.random.Generator) -> list[tuple[Product, int]] | None:
    """Pick 2–6 SKUs and their facings so the planned pitches fill the bay width up to `slack_mm`."""
    if len(pool) < 2:
        return None
    fresh = [sku for sku in pool if sku.product_id not in used]
    for attempt in range(300):
        candidates = fresh if attempt < 150 and len(fresh) >= 2 else pool
        count = int(rng.integers(2, min(6, len(candidates)) + 1))
        chosen = [candidates[int(i)] for i in rng.choice(len(candidates), size=count, replace=False)]
        pitches = [sku.width_mm + FACING_CLEARANCE_MM for sku in chosen]
        if sum(pitches) > width_mm or 4 * sum(pitches) < width_mm - slack_mm:
            continue
        facings = [1] * count
        total = sum(pitches)
        while True:
            growable = [i for i in range(count) if facings[i] < 4 and total + pitches[i] <= width_mm]
            if not growable:
                break
            index = growable[int(rng.integers(len(growable)))]
            facings[index] += 1
            total += pitches[index]
        if width_mm - total <= slack_mm:
            return list(zip(chosen, facings))
    return None


def build_planogram(catalog: Catalog, planogram_id: str, fixture_type: str, rng: np.random.Generator) -> Planogram:
    """Shelves are filled first and then spaced to their tallest product, as a merchandiser sets pegs.

    The fixture's nominal height caps the total; unused height becomes extra headroom up to a limit and the
    rest is dropped, so low-profile goods make a lower fixture rather than shelves with metres of air.
    """
    spec = FIXTURES[fixture_type]
    for _ in range(100):
        shelf_count = int(rng.integers(spec.shelves[0], spec.shelves[1] + 1))
        nominal = float(rng.uniform(*spec.height_mm))
        header = float(round(rng.uniform(*spec.header_mm)))
        base = float(round(rng.uniform(*spec.base_mm)))
        board = float(round(rng.uniform(30.0, 40.0)))
        usable = nominal - header - base - board * shelf_count
        share = usable / shelf_count
        used: set[str] = set()
        contents: list[list[tuple[Product, int]]] = []
        for _ in range(shelf_count):
            limit = min(share * float(rng.uniform(0.9, 1.4)), usable - sum(
                max(sku.height_mm for sku, _ in filled) + HEADROOM_MM for filled in contents))
            pool = _shelf_pool(catalog, fixture_type, limit, rng)
            filled = _fill_shelf(pool, spec.width_mm, spec.slack_mm, used, rng) or _fill_shelf(
                [sku for sku in catalog.skus if _fits(sku, limit)], spec.width_mm, spec.slack_mm, used, rng)
            if filled is None:
                break
            used.update(sku.product_id for sku, _ in filled)
            contents.append(filled)
        if len(contents) < shelf_count:
            continue
        tallest = [max(sku.height_mm for sku, _ in filled) for filled in contents]
        gaps = [height + HEADROOM_MM + float(rng.uniform(10, 50)) for height in tallest]
        spare = usable - sum(gaps)
        if spare < 0:
            continue
        extra = [min(spare / shelf_count, 0.3 * height + 30.0) for height in tallest]
        gaps = [float(round(gap + more)) for gap, more in zip(gaps, extra)]
        shelves: list[ShelfPlan] = []
        ceiling = header
        for shelf_number, (gap, filled) in enumerate(zip(gaps, contents), start=1):
            planned = sum(facings * (sku.width_mm + FACING_CLEARANCE_MM) for sku, facings in filled)
            left = float(rng.uniform(0.0, 0.5)) * (spec.width_mm - planned)
            slots = []
            for position, (sku, facings) in enumerate(filled, start=1):
                pitch = sku.width_mm + FACING_CLEARANCE_MM
                slots.append(SlotPlan(shelf_number, position, sku.product_id, facings, left, pitch))
                left += facings * pitch
            floor = ceiling + gap
            shelves.append(ShelfPlan(shelf_number, ceiling, floor, board, tuple(slots)))
            ceiling = floor + board
        height = float(round(ceiling + base))
        return Planogram(planogram_id, fixture_type, spec.width_mm, height, header, tuple(shelves))
    raise PlanogramError(f"no {fixture_type} planogram fits a catalog of {len(catalog.skus)} SKUs")


def build_planograms(catalog: Catalog, seed: int) -> list[Planogram]:
    """5–8 planograms with at least one per fixture type."""
    rng = derive_rng(seed, "planograms")
    count = int(rng.integers(5, 9))
    fixture_types = list(FIXTURE_TYPES) + rng.choice(FIXTURE_TYPES, size=count - 3, p=[0.5, 0.25, 0.25]).tolist()
    numbers: dict[str, int] = {}
    planograms = []
    for fixture_type in fixture_types:
        numbers[fixture_type] = numbers.get(fixture_type, 0) + 1
        planogram_id = f"PG-{FIXTURES[fixture_type].code}-{numbers[fixture_type]:02d}"
        planograms.append(build_planogram(catalog, planogram_id, fixture_type, derive_rng(seed, planogram_id)))
    return sorted(planograms, key=lambda planogram: planogram.planogram_id)


def build_stores(count: int, seed: int) -> list[Store]:
    rng = derive_rng(seed, "stores")
    stores = []
    for index in range(1, count + 1):
        words = rng.choice(_STORE_WORDS, size=2, replace=False)
        stores.append(Store(f"store-{index:03d}", f"{words[0]} {words[1]}", str(rng.choice(_FORMATS)),
                            str(rng.choice(_REGIONS))))
    return stores


def build_store_bays(stores: list[Store], planograms: list[Planogram], seed: int) -> list[StoreBay]:
    """4–6 bays a store; the first store carries every fixture type so even a one-store chain has them all."""
    by_type = {fixture: [p.planogram_id for p in planograms if p.fixture_type == fixture] for fixture in FIXTURE_TYPES}
    all_ids = [p.planogram_id for p in planograms]
    bays = []
    for store_index, store in enumerate(stores):
        rng = derive_rng(seed, "store-bays", store.store_id)
        count = int(rng.integers(4, 7))
        chosen: list[str] = []
        if store_index == 0:
            chosen = [str(rng.choice(by_type[fixture])) for fixture in FIXTURE_TYPES]
        else:
            chosen = [str(rng.choice(by_type["gondola"]))]
        while len(chosen) < count:
            chosen.append(str(rng.choice(all_ids)))
        for number, planogram_id in enumerate(rng.permutation(chosen).tolist(), start=1):
            bays.append(StoreBay(store.store_id, f"bay-{number:02d}", planogram_id))
    return bays
