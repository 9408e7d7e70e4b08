"""Compliance scores per bay and per store-day (DESIGN §3), and each brand's share of shelf."""

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSpec, AssetExecutionContext, AssetOut, Output, multi_asset

from resources.master_data import MasterDataResource
from shelf_assets.assets.metadata import preview
from shelf_assets.assets.store_days import AUDIT_BACKFILL_POLICY, all_rows, store_days_of
from shelf_assets.audit.place import processed_photos
from shelf_assets.audit.score import brand_share, model_versions, score_bays, score_store_day
from shelf_assets.partitions import store_day_partitions
from shelf_assets.retries import COMPUTE_RETRY
from shelf_assets.warehouse import StageTable

GROUP = "audit"


@multi_asset(
    outs={
        "bay_scores": AssetOut(description="Facing compliance, OSA, out-of-stock slots and misplaced facings per bay."),
        "compliance_scores": AssetOut(description="The store-day's scores, bays weighted by planned facings."),
        "share_of_shelf": AssetOut(description="Each brand's share of the detected facings."),
    },
    check_specs=[AssetCheckSpec("every_photo_accounted_for", asset="compliance_scores",
                                description="photos used + photos dead-lettered = photos received, per store-day")],
    partitions_def=store_day_partitions,
    backfill_policy=AUDIT_BACKFILL_POLICY,
    retry_policy=COMPUTE_RETRY,
    group_name=GROUP,
)
def compliance_scores(
    context: AssetExecutionContext,
    raw_photos: dict[str, StageTable],
    normalized_images: dict[str, StageTable],
    detections: dict[str, StageTable],
    sku_placements: dict[str, pd.DataFrame],
    slot_status: dict[str, pd.DataFrame],
    dead_letter: dict[str, pd.DataFrame],
    master_data: MasterDataResource,
):
    catalog = master_data.load().catalog
    bays, summaries, shares, unaccounted = {}, {}, {}, []
    for day in store_days_of(context):
        processed = processed_photos(normalized_images[day.key].rows, detections[day.key].rejected)
        day_version = model_versions(detections[day.key].rows)
        bays[day.key] = score_bays(processed, slot_status[day.key], sku_placements[day.key], day_version)
        received = len(raw_photos[day.key].rows) + len(raw_photos[day.key].rejected)
        summaries[day.key] = score_store_day(bays[day.key], day.store_id, day.date, received,
                                             len(dead_letter[day.key]), day_version)
        shares[day.key] = brand_share(sku_placements[day.key], catalog, day.store_id, day.date)
        row = summaries[day.key].iloc[0]
        context.log.info(f"{day.store_id} {day.date}: facing compliance {row.facing_compliance:.3f}, OSA {row.osa:.3f}, "
                         f"{row.oos_slots} gap(s), {row.hidden_facings} facing(s) hidden from the camera, "
                         f"{row.photos_used}/{received} photos used")
        if row.photos_used + row.photos_dead_lettered != received:
            unaccounted.append(f"{day.store_id} {day.date}")
    summary = all_rows(summaries)
    yield Output(bays, output_name="bay_scores", metadata={
        "bays": len(all_rows(bays)), "preview": preview(all_rows(bays), rows=25),
    })
    yield Output(summaries, output_name="compliance_scores", metadata={
        "store_days": len(summary),
        "facing_compliance": float(summary.facing_compliance.mean()), "osa": float(summary.osa.mean()),
        "oos_slots": int(summary.oos_slots.sum()), "misplaced_facings": int(summary.misplaced_facings.sum()),
        "hidden_facings": int(summary.hidden_facings.sum()),
        "photos_received": int(summary.photos_received.sum()), "photos_used": int(summary.photos_used.sum()),
        "photos_dead_lettered": int(summary.photos_dead_lettered.sum()), "model_version": model_versions(summary),
        "scores": preview(summary, ["store_id", "date", "facing_compliance", "osa", "oos_slots", "misplaced_facings",
                                    "hidden_facings", "photos_used", "photos_dead_lettered"], rows=31),
    })
    yield Output(shares, output_name="share_of_shelf", metadata={"preview": preview(all_rows(shares))})
    yield AssetCheckResult(
        check_name="every_photo_accounted_for", asset_key="compliance_scores", passed=not unaccounted,
        metadata={"store_days_checked": len(summaries), "unaccounted": ", ".join(unaccounted) or "none"},
    )
