from pathlib import Path

import pandas as pd
import pytest

from shelf_assets.audit.place import place_store_day
from shelf_assets.master import MasterData

PLAN = [("SKU-A", 6), ("SKU-B", 1), ("SKU-C", 8)]
FACING_MM = 100.0


def _master() -> MasterData:
    planograms = pd.DataFrame([dict(planogram_id="PG-1", fixture_type="gondola", shelf=1, position=position,
                                    sku_id=sku, facings=facings)
                               for position, (sku, facings) in enumerate(PLAN, start=1)])
    catalog = pd.DataFrame([dict(sku_id=sku, width_mm=FACING_MM) for sku, _ in PLAN])
    return MasterData(Path("."), pd.DataFrame(), catalog, planograms, pd.DataFrame())


def _row_seen_turning_away(foreshortening: float) -> pd.DataFrame:
    """The planned facings, all in stock, photographed with the row's right end `foreshortening` times as large
    as its left: the 1-D projective map from along the shelf to along the photo that fixes both ends."""
    skus = [sku for sku, facings in PLAN for _ in range(facings)]

    def in_photo(along_shelf: float) -> float:
        return 1000.0 * along_shelf / (along_shelf + (1.0 - along_shelf) * foreshortening)

    return pd.DataFrame([dict(
        store_id="store-001", date="2026-11-02", bay_id="bay-01", x0=in_photo(k / len(skus)),
        x1=in_photo((k + 1) / len(skus)), sku_id=sku, close_skus="", resembled_skus="", occluded=0.0, row=1,
        row_x0=0.0, row_x1=1000.0, row_hidden="", row_foreshortening=foreshortening, rows_detected=1,
    ) for k, sku in enumerate(skus)])


@pytest.mark.parametrize("foreshortening", [1.0, 0.5, 2.0])
def test_a_row_seen_turning_away_is_placed_along_the_shelf_not_along_the_photo(foreshortening):
    processed = pd.DataFrame([dict(store_id="store-001", date="2026-11-02", bay_id="bay-01", planogram_id="PG-1")])
    placed, slots = place_store_day(_row_seen_turning_away(foreshortening), processed, _master())
    assert placed.position.tolist() == [position for position, (_, facings) in enumerate(PLAN, start=1)
                                        for _ in range(facings)]
    assert not placed.misplaced.any()
    assert not slots.out_of_stock.any()


@pytest.mark.parametrize(("row_bare", "out_of_stock"), [("", False), ("395.0:470.0", True)],
                         ids=["nothing in sight of it", "its sliver in sight shows the bare back"])
def test_a_hidden_empty_slot_is_a_gap_only_where_the_row_shows_bare_back_there(row_bare, out_of_stock):
    detections = _row_seen_turning_away(1.0)
    detections = detections[detections.sku_id != "SKU-B"].assign(row_hidden="390.0:480.0", row_bare=row_bare,
                                                                row_filled="")
    processed = pd.DataFrame([dict(store_id="store-001", date="2026-11-02", bay_id="bay-01", planogram_id="PG-1")])
    _, slots = place_store_day(detections, processed, _master())
    assert slots.set_index("sku_id").out_of_stock.to_dict() == {"SKU-A": False, "SKU-B": out_of_stock,
                                                                "SKU-C": False}
