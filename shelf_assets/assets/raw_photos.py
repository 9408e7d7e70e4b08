"""What arrived in the bucket for a store-day: a manifest of accepted photos, rejections kept for `dead_letter`."""

from dagster import AssetExecutionContext, Output, asset

from resources.master_data import MasterDataResource
from resources.photo_bucket import PhotoBucketResource
from shelf_assets.assets.master_data import planograms, store_bays
from shelf_assets.assets.metadata import preview, reasons
from shelf_assets.audit.intake import receive_store_day
from shelf_assets.partitions import store_day_of, store_day_partitions
from shelf_assets.retries import IO_RETRY
from shelf_assets.warehouse import StageTable

GROUP = "audit"


@asset(partitions_def=store_day_partitions, deps=[store_bays, planograms], retry_policy=IO_RETRY, group_name=GROUP,
       kinds={"bucket"})
def raw_photos(
    context: AssetExecutionContext, photo_bucket: PhotoBucketResource, master_data: MasterDataResource
) -> Output[StageTable]:
    """Every file of the store-day's upload folder, with checksum, size, upright dimensions and EXIF orientation."""
    date, store_id = store_day_of(context.partition_key)
    received = receive_store_day(photo_bucket.open(), master_data.load(), store_id, date, context.run.run_id)
    manifest, rejected = received.rows, received.rejected
    context.log.info(f"{store_id} {date}: {len(manifest)} photo(s) accepted, {len(rejected)} rejected")
    return Output(received, metadata={
        "received": len(manifest) + len(rejected), "accepted": len(manifest), "rejected": len(rejected),
        "megabytes": round(float(manifest.bytes.sum()) / 1e6, 2) if len(manifest) else 0.0,
        "preview": preview(manifest[["bay_id", "fixture_type", "width", "height", "orientation", "bytes"]]),
        "rejections": reasons(rejected),
    })
