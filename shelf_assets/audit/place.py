"""Placing each detected facing on its planogram shelf and slot, and counting what each slot holds."""

from __future__ import annotations

import pandas as pd

from shelf_assets.master import MasterData
from shelf_assets.scoring.alignment import align_bay
from shelf_assets.scoring.types import PlacedProduct, Placement, RowSight, Spans

SLOT_STATUS_COLUMNS = [
    "store_id", "date", "bay_id", "shelf", "position", "sku_id", "facings", "present", "hidden", "out_of_stock",
]
PLACEMENT_COLUMNS = ["shelf", "position", "misplaced", "hidden", "sku_id"]


def place_store_day(
    detections: pd.DataFrame, processed: pd.DataFrame, master: MasterData
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(detections with shelf/position/misplaced/hidden added, one slot-status row per planned slot of every
    processed bay).

    A placement's `sku_id` is the SKU the facing counts as in its slot (the planogram settles the matcher's close
    calls); `seen_sku_id` keeps the matcher's own answer.
    """
    placements: list[pd.DataFrame] = []
    slot_rows: list[dict] = []
    for bay in processed.itertuples(index=False):
        boxes = detections[detections.bay_id == bay.bay_id].reset_index(drop=True)
        rows_detected = int(boxes.rows_detected.max()) if len(boxes) else 0
        products = [_as_placed_product(index, box) for index, box in enumerate(boxes.itertuples(index=False))]
        placed, slots = align_bay(master.planned_slots(bay.planogram_id), products, rows_detected,
                                  _row_sight(boxes))
        placements.append(_with_placements(boxes, placed))
        slot_rows.extend(
            dict(store_id=bay.store_id, date=bay.date, bay_id=bay.bay_id, shelf=s.shelf, position=s.position,
                 sku_id=s.sku_id, facings=s.facings, present=s.present, hidden=s.hidden, out_of_stock=s.out_of_stock)
            for s in slots
        )
    placements = [frame for frame in placements if not frame.empty]
    placed = pd.concat(placements, ignore_index=True) if placements else _with_placements(detections.head(0), [])
    return placed, pd.DataFrame.from_records(slot_rows, columns=SLOT_STATUS_COLUMNS)


def _with_placements(boxes: pd.DataFrame, placed: list[Placement]) -> pd.DataFrame:
    """The detection rows with their placements beside them; the matcher's SKU moves to `seen_sku_id`."""
    columns = pd.DataFrame(
        [(p.shelf, p.position, p.misplaced, p.hidden, p.sku_id) for p in placed], columns=PLACEMENT_COLUMNS
    ).astype({"shelf": "Int64", "position": "Int64", "misplaced": bool, "hidden": bool, "sku_id": str})
    return pd.concat([boxes.rename(columns={"sku_id": "seen_sku_id"}), columns], axis=1)


def _along_row(x: float, box) -> float:
    """A pixel x as a fraction of the length of the row `box` stands on: 0 at its left end, 1 at its right. Where
    the row's far end looks smaller, its pixels stand for more of the shelf: the fraction is taken along the shelf,
    not along the photo (the projective map fixing both ends that shrinks sizes by `row_foreshortening`)."""
    in_photo = (float(x) - box.row_x0) / max(box.row_x1 - box.row_x0, 1e-6)
    foreshortening = float(box.row_foreshortening)
    return in_photo * foreshortening / max(1.0 - in_photo + in_photo * foreshortening, 1e-6)


def _as_placed_product(index: int, box) -> PlacedProduct:
    return PlacedProduct(
        index=index,
        row=int(box.row),
        x_center=_along_row((box.x0 + box.x1) / 2, box),
        width=_along_row(box.x1, box) - _along_row(box.x0, box),
        sku_id=str(box.sku_id),
        close_skus=frozenset(str(box.close_skus).split()),
        resembled_skus=frozenset(str(box.resembled_skus).split()),
        occluded=float(box.occluded),
    )


def _row_sight(boxes: pd.DataFrame) -> dict[int, RowSight]:
    """Each row's hidden, bare and filled stretches (`row_hidden`, `row_bare`, `row_filled`: pixels) as fractions of
    the row's extent, like `x_center`. Detections from before bare shelf was read have no bare or filled ones."""
    def along(row, column: str) -> Spans:
        pairs = (pair.split(":") for pair in str(getattr(row, column, "")).split())
        return tuple((_along_row(x0, row), _along_row(x1, row)) for x0, x1 in pairs)

    return {int(row.row): RowSight(along(row, "row_hidden"), along(row, "row_bare"), along(row, "row_filled"))
            for row in boxes.drop_duplicates("row").itertuples(index=False)}


def processed_photos(normalized: pd.DataFrame, detection_rejects: pd.DataFrame) -> pd.DataFrame:
    """Photos that made it through detection: the bays a store-day's scores are computed from."""
    return normalized[~normalized.uri.isin(detection_rejects.uri)].reset_index(drop=True)
