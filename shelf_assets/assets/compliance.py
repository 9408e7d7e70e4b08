"""Compliance scores per bay and per store-day (DESIGN §3), and each brand's share of shelf."""

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSpec, AssetExecutionContext, AssetOut, Output, multi_asset

from resources.master_data import MasterDataResource
from shelf_assets.assets.metadata import preview
from shelf_assets.audit.detect import DETECTOR_VERSION
from shelf_assets.audit.place import processed_photos
from shelf_assets.audit.score import brand_share, score_bays, score_store_day
from shelf_assets.partitions import store_day_of, store_day_partitions
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
                                description="photos used + photos dead-lettered = photos received")],
    partitions_def=store_day_partitions,
    retry_policy=COMPUTE_RETRY,
    group_name=GROUP,
)
def compliance_scores(
    context: AssetExecutionContext,
    raw_photos: StageTable,
    normalized_images: StageTable,
    detections: StageTable,
    sku_placements: pd.DataFrame,
    slot_status: pd.DataFrame,
    dead_letter: pd.DataFrame,
    master_data: MasterDataResource,
):
    date, store_id = store_day_of(context.partition_key)
    processed = processed_photos(normalized_images.rows, detections.rejected)
    bays = score_bays(processed, slot_status, sku_placements, DETECTOR_VERSION)
    received = len(raw_photos.rows) + len(raw_photos.rejected)
    summary = score_store_day(bays, store_id, date, received, len(dead_letter), DETECTOR_VERSION)
    shares = brand_share(sku_placements, master_data.load().catalog, store_id, date)
    row = summary.iloc[0]
    context.log.info(
        f"{store_id} {date}: facing compliance {row.facing_compliance:.3f}, OSA {row.osa:.3f}, "
        f"{row.oos_slots} gap(s), {row.photos_used}/{received} photos used"
    )
    yield Output(bays, output_name="bay_scores", metadata={
        "bays": len(bays), "preview": preview(bays.drop(columns=["store_id", "date"]), rows=25),
    })
    yield Output(summary, output_name="compliance_scores", metadata={
        "facing_compliance": float(row.facing_compliance), "osa": float(row.osa), "oos_slots": int(row.oos_slots),
        "misplaced_facings": int(row.misplaced_facings), "photos_received": received,
        "photos_used": int(row.photos_used), "photos_dead_lettered": int(row.photos_dead_lettered),
        "model_version": DETECTOR_VERSION,
    })
    yield Output(shares, output_name="share_of_shelf", metadata={"brands": len(shares), "preview": preview(shares)})
    accounted = int(row.photos_used) + int(row.photos_dead_lettered)
    yield AssetCheckResult(
        check_name="every_photo_accounted_for", asset_key="compliance_scores", passed=accounted == received,
        metadata={"received": received, "used": int(row.photos_used), "dead_lettered": int(row.photos_dead_lettered)},
    )
