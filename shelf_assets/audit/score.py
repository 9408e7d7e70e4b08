"""Compliance of each bay and of the store-day (DESIGN §3), with the photo accounting on every row."""

from __future__ import annotations

import pandas as pd

from shelf_assets.scoring.metrics import bay_metrics, share_of_shelf, slot_statuses, store_day_metrics

BAY_SCORE_COLUMNS = [
    "store_id", "date", "bay_id", "planogram_id", "fixture_type", "facing_compliance", "osa", "oos_slots",
    "misplaced_facings", "planned_facings", "hidden_facings", "model_version",
]


def model_versions(rows: pd.DataFrame) -> str:
    """The model version(s) behind a set of rows; several only when a store-day's bays were detected by different models."""
    if rows.empty or "model_version" not in rows:
        return ""
    return ", ".join(sorted({str(version) for version in rows.model_version if str(version)}))


def score_bays(processed: pd.DataFrame, slot_status: pd.DataFrame, placements: pd.DataFrame,
               day_version: str) -> pd.DataFrame:
    """`day_version` is recorded for a bay in which nothing was detected, so no row of its own names a model."""
    records = []
    for bay in processed.itertuples(index=False):
        slots = slot_statuses(slot_status[slot_status.bay_id == bay.bay_id])
        placed = placements[placements.bay_id == bay.bay_id] if len(placements) else placements
        misplaced = int(placed.misplaced.sum()) if len(placed) else 0
        metrics = bay_metrics(slots, misplaced)
        records.append(dict(
            store_id=bay.store_id, date=bay.date, bay_id=bay.bay_id, planogram_id=bay.planogram_id,
            fixture_type=bay.fixture_type, facing_compliance=metrics.facing_compliance, osa=metrics.osa,
            oos_slots=metrics.oos_slots, misplaced_facings=metrics.misplaced_facings,
            planned_facings=metrics.planned_facings, hidden_facings=metrics.hidden_facings,
            model_version=model_versions(placed) or day_version,
        ))
    return pd.DataFrame.from_records(records, columns=BAY_SCORE_COLUMNS)


def score_store_day(
    bay_scores: pd.DataFrame, store_id: str, date: str, photos_received: int, photos_dead_lettered: int,
    model_version: str,
) -> pd.DataFrame:
    summary = store_day_metrics(bay_scores)
    return pd.DataFrame([dict(
        store_id=store_id, date=date, **summary, photos_received=photos_received,
        photos_used=len(bay_scores), photos_dead_lettered=photos_dead_lettered, model_version=model_version,
    )])


def brand_share(placements: pd.DataFrame, catalog: pd.DataFrame, store_id: str, date: str) -> pd.DataFrame:
    shares = share_of_shelf(placements, catalog)
    return shares.assign(store_id=store_id, date=date)[["store_id", "date", *shares.columns]]
