"""Working copies of the photos at working resolution, lighting-corrected, with their quality metrics."""

import time

from dagster import AssetExecutionContext, Output, asset

from resources.photo_bucket import PhotoBucketResource
from resources.working_images import WorkingImageStore
from shelf_assets.assets.metadata import preview, reasons
from shelf_assets.audit.normalize import normalize_store_day
from shelf_assets.partitions import store_day_of, store_day_partitions
from shelf_assets.retries import IO_RETRY
from shelf_assets.warehouse import StageTable

GROUP = "audit"


@asset(partitions_def=store_day_partitions, retry_policy=IO_RETRY, group_name=GROUP, kinds={"pillow"})
def normalized_images(
    context: AssetExecutionContext,
    raw_photos: StageTable,
    photo_bucket: PhotoBucketResource,
    working_images: WorkingImageStore,
) -> Output[StageTable]:
    """Each photo decoded once, straight at working resolution, so later stages never touch the 12 MP original."""
    date, store_id = store_day_of(context.partition_key)
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            context.log.info(f"normalised {done}/{total} photos")

    result = normalize_store_day(
        raw_photos.rows, photo_bucket.open(), lambda bay_id: working_images.path_for(date, store_id, bay_id),
        context.run.run_id, progress=progress,
    )
    elapsed = time.perf_counter() - started
    rows = result.rows
    return Output(result, metadata={
        "photos": len(rows), "rejected": len(result.rejected), "seconds": round(elapsed, 2),
        "photos_per_second": round(len(rows) / elapsed, 2) if elapsed > 0 and len(rows) else 0.0,
        "quality": preview(rows[["bay_id", "blur", "glare", "exposure", "contrast", "working_width", "working_height"]]),
        "rejections": reasons(result.rejected),
    })
