"""Compliance metrics of DESIGN §3, per bay, per store-day and per brand."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

import pandas as pd

from shelf_assets.scoring.types import SlotStatus

NOT_IN_CATALOG_BRAND = "(not in catalog)"


class MetricsError(ValueError):
    """Inputs to a metric are missing columns or hold impossible values."""


@dataclass(frozen=True)
class BayMetrics:
    """DESIGN §3 scores of one bay; `planned_facings` is kept so that store-days can weight bays."""

    facing_compliance: float
    osa: float
    oos_slots: int
    misplaced_facings: int
    planned_facings: int
    hidden_facings: int = 0


BAY_METRIC_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(BayMetrics))


def slot_statuses(frame: pd.DataFrame) -> list[SlotStatus]:
    """The rows of a `slot_status` table as `SlotStatus`es."""
    return [SlotStatus(int(s.shelf), int(s.position), str(s.sku_id), int(s.facings), int(s.present), int(s.hidden))
            for s in frame.itertuples(index=False)]


def bay_metrics(slots: Sequence[SlotStatus], misplaced_facings: int) -> BayMetrics:
    """Scores of one bay; a bay without slots has nothing to comply with, so its ratios are NaN.

    Facings hidden from the camera get the benefit of the doubt (`SlotStatus.given_the_doubt`): they count as
    present, and a slot hidden as much as it was seen is not a gap to restock. Sending staff to a slot nobody saw
    empty wastes their time, and most hidden facings are stocked; `hidden_facings` says how much of the score rests
    on that assumption."""
    if misplaced_facings < 0:
        raise MetricsError(f"misplaced_facings must be >= 0, got {misplaced_facings}")
    for slot in slots:
        if slot.facings < 1:
            raise MetricsError(
                f"slot ({slot.shelf}, {slot.position}) has {slot.facings} facings; at least 1 is required"
            )
        if slot.present < 0 or slot.hidden < 0:
            raise MetricsError(f"slot ({slot.shelf}, {slot.position}) has negative present {slot.present} "
                               f"or hidden {slot.hidden}")
    planned = sum(s.facings for s in slots)
    if not slots:
        return BayMetrics(math.nan, math.nan, 0, misplaced_facings, 0)
    return BayMetrics(
        facing_compliance=sum(min(s.present, s.facings) + s.given_the_doubt for s in slots) / planned,
        osa=sum(1 for s in slots if not s.out_of_stock) / len(slots),
        oos_slots=sum(1 for s in slots if s.out_of_stock),
        misplaced_facings=misplaced_facings,
        planned_facings=planned,
        hidden_facings=sum(s.given_the_doubt for s in slots),
    )


def store_day_metrics(bays: pd.DataFrame) -> dict:
    """Aggregate bay rows (columns of `BayMetrics`) into one store-day row.

    Ratios are weighted by planned facings so that a small endcap does not count as much as a long
    gondola; bays whose ratio is NaN (no planned facings) carry no weight.
    """
    missing = [c for c in BAY_METRIC_COLUMNS if c not in bays.columns]
    if missing:
        raise MetricsError(f"bay metrics frame lacks columns {missing}")
    weights = pd.to_numeric(bays["planned_facings"], errors="raise").astype(float)
    if (weights < 0).any():
        raise MetricsError("planned_facings must be >= 0")
    result: dict = {}
    for column in ("facing_compliance", "osa"):
        values = pd.to_numeric(bays[column], errors="raise").astype(float)
        usable = values.notna() & (weights > 0)
        total_weight = float(weights[usable].sum())
        weighted = float((values[usable] * weights[usable]).sum())
        result[column] = weighted / total_weight if total_weight > 0 else math.nan
    for column in ("oos_slots", "misplaced_facings", "planned_facings", "hidden_facings"):
        result[column] = int(pd.to_numeric(bays[column], errors="raise").sum())
    result["bays"] = int(len(bays))
    return result


def share_of_shelf(detections: pd.DataFrame, catalog: pd.DataFrame) -> pd.DataFrame:
    """Detected facings per brand and their share of all detected facings, largest first."""
    if "sku_id" not in detections.columns:
        raise MetricsError("detections frame lacks column 'sku_id'")
    missing = [c for c in ("sku_id", "brand") if c not in catalog.columns]
    if missing:
        raise MetricsError(f"catalog frame lacks columns {missing}")
    brand_of_sku = dict(zip(catalog["sku_id"].astype(str), catalog["brand"].astype(str), strict=True))
    skus = detections["sku_id"].fillna("").astype(str)
    brands = skus.map(lambda sku: brand_of_sku.get(sku, NOT_IN_CATALOG_BRAND))
    counts = brands.value_counts()
    frame = pd.DataFrame({"brand": counts.index.astype(str), "facings": counts.to_numpy(dtype="int64")})
    frame["share"] = frame["facings"].astype(float) / max(int(frame["facings"].sum()), 1)
    return frame.sort_values(["facings", "brand"], ascending=[False, True], kind="stable").reset_index(drop=True)
