"""What arrived in the bucket for a store-day: a manifest of accepted photos, rejections kept for `dead_letter`."""

from dagster import AssetExecutionContext, Output, asset

from resources.master_data import MasterDataResource
from resources.photo_bucket import PhotoBucketResource
from shelf_assets.assets.master_data import planograms, store_bays
from shelf_assets.assets.metadata import preview, reasons
from shelf_assets.assets.store_days import AUDIT_BACKFILL_POLICY, all_rejected, all_rows, store_days_of
from shelf_assets.audit.intake import receive_store_day
from shelf_assets.partitions import store_day_partitions
from shelf_assets.retries import IO_RETRY
from shelf_assets.warehouse import StageTable

GROUP = "audit"


@asset(partitions_def=store_day_partitions, backfill_policy=AUDIT_BACKFILL_POLICY, deps=[store_bays, planograms],
       retry_policy=IO_RETRY, group_name=GROUP, kinds={"bucket"})
def raw_photos(
    context: AssetExecutionContext, photo_bucket: PhotoBucketResource, master_data: MasterDataResource
) -> Output[dict[str, StageTable]]:
    """Every file of the store-day's upload folder, with checksum, size, upright dimensions and EXIF orientation."""
    bucket, master = photo_bucket.open(), master_data.load()
    received = {}
    for day in store_days_of(context):
        received[day.key] = receive_store_day(bucket, master, day.store_id, day.date, context.run.run_id)
        context.log.info(f"{day.store_id} {day.date}: {len(received[day.key].rows)} photo(s) accepted, "
                         f"{len(received[day.key].rejected)} rejected")
    manifest, rejected = all_rows(received), all_rejected(received)
    return Output(received, metadata={
        "store_days": len(received), "received": len(manifest) + len(rejected), "accepted": len(manifest),
        "rejected": len(rejected), "megabytes": round(float(manifest.bytes.sum()) / 1e6, 2) if len(manifest) else 0.0,
        "preview": preview(manifest, ["store_id", "date", "bay_id", "fixture_type", "width", "height", "orientation", "bytes"]),
        "rejections": reasons(rejected),
    })
