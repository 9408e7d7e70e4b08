"""Working copies of the photos at working resolution, lighting-corrected, with their quality metrics."""

import time

from dagster import AssetExecutionContext, Output, asset

from resources.photo_bucket import PhotoBucketResource
from resources.working_images import WorkingImageStore
from shelf_assets.assets.metadata import preview, reasons
from shelf_assets.assets.store_days import AUDIT_BACKFILL_POLICY, all_rejected, all_rows, photo_progress, store_days_of
from shelf_assets.audit.normalize import normalize_store_day
from shelf_assets.partitions import store_day_partitions
from shelf_assets.retries import IO_RETRY
from shelf_assets.warehouse import StageTable

GROUP = "audit"


@asset(partitions_def=store_day_partitions, backfill_policy=AUDIT_BACKFILL_POLICY, retry_policy=IO_RETRY,
       group_name=GROUP, kinds={"pillow"})
def normalized_images(
    context: AssetExecutionContext,
    raw_photos: dict[str, StageTable],
    photo_bucket: PhotoBucketResource,
    working_images: WorkingImageStore,
) -> Output[dict[str, StageTable]]:
    """Each photo decoded once, straight at working resolution, so later stages never touch the 12 MP original."""
    bucket = photo_bucket.open()
    started = time.perf_counter()
    days = store_days_of(context)
    normalized = {}
    for number, day in enumerate(days, start=1):
        normalized[day.key] = normalize_store_day(
            raw_photos[day.key].rows, bucket,
            lambda bay_id, day=day: working_images.path_for(day.date, day.store_id, bay_id),
            context.run.run_id, progress=photo_progress(context, day, number, len(days), "normalised"),
        )
    elapsed = time.perf_counter() - started
    rows = all_rows(normalized)
    return Output(normalized, metadata={
        "photos": len(rows), "rejected": len(all_rejected(normalized)), "seconds": round(elapsed, 2),
        "photos_per_second": round(len(rows) / elapsed, 2) if elapsed > 0 and len(rows) else 0.0,
        "quality": preview(rows, ["store_id", "date", "bay_id", "blur", "glare", "exposure", "contrast"]),
        "rejections": reasons(all_rejected(normalized)),
    })
