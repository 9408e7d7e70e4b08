"""Inputs and outputs of planogram alignment, independent of how products were detected."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class PlannedSlot:
    """One planogram slot: `facings` units of `sku_id` at (shelf, position); shelf 1 is the top. `height_mm` is how
    tall its SKU stands (NaN where the catalog does not say)."""

    shelf: int
    position: int
    sku_id: str
    facings: int
    width_mm: float
    height_mm: float = math.nan


@dataclass(frozen=True)
class PlacedProduct:
    """A detected facing as alignment sees it.

    `row` is the detected shelf row (1 = top). `x_center` and `width` are fractions of that row's
    horizontal extent (0 = left edge of the bay, 1 = right edge). `sku_id` is "" for a product that
    matched nothing in the catalog. `close_skus` are SKUs the matcher could not tell from `sku_id` (or, for
    an unknown, nearly recognised): the product counts as one of them where that SKU is planned. `occluded` is
    the share of its box something stood in front of, and `resembled_skus` (for an unknown) the SKUs that may stand
    behind it. `index` ties the result back to the caller's detection row.
    """

    index: int
    row: int
    x_center: float
    width: float
    sku_id: str
    close_skus: frozenset[str] = frozenset()
    occluded: float = 0.0
    resembled_skus: frozenset[str] = frozenset()


Spans = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class RowSight:
    """What the camera could see of one detected row, as (start, end) stretches in the units of `x_center`:
    `hidden` where something in front hides it, `bare` and `filled` where the part of it in sight shows the bay's
    bare back and something standing."""

    hidden: Spans = ()
    bare: Spans = ()
    filled: Spans = ()


@dataclass(frozen=True)
class Placement:
    """Where a detected facing landed: its planogram slot, or shelf/position None when it fits no slot, and
    the SKU it counts as there (its matched SKU, or the slot's when that was one of its close calls). `hidden`:
    too much of it was out of sight to tell whether it is the planned SKU, so it is neither counted nor
    called misplaced."""

    index: int
    shelf: int | None
    position: int | None
    misplaced: bool
    sku_id: str
    hidden: bool = False


@dataclass(frozen=True)
class SlotStatus:
    """What one slot holds: `present` facings of its SKU seen there, and `hidden` facings that something in front
    of the shelf kept the camera from checking.

    A slot is out of stock when none of its SKU was seen and more of its planned facings were seen without it than
    were hidden. A stock-out empties a whole slot, not one facing of it: a slot seen mostly empty is a gap even where
    a shopper hides its last facing, while a slot hidden as much as it was seen gets the benefit of the doubt."""

    shelf: int
    position: int
    sku_id: str
    facings: int
    present: int
    hidden: int = 0

    @property
    def out_of_stock(self) -> bool:
        return self.present == 0 and 2 * self.hidden < self.facings

    @property
    def given_the_doubt(self) -> int:
        """Hidden facings counted as stocked: those of a slot that is not out of stock, up to its planned facings."""
        return 0 if self.out_of_stock else min(self.hidden, self.facings - min(self.present, self.facings))

    @property
    def unseen(self) -> bool:
        """Seen neither stocked nor empty: none of its SKU in sight, yet too hidden to be a gap."""
        return self.present == 0 and self.hidden > 0 and not self.out_of_stock
