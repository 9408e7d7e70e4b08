"""Product facings found in each photo and identified against the catalog packshots."""

import time

from dagster import AssetExecutionContext, Output, asset

from resources.master_data import MasterDataResource
from shelf_assets.assets.master_data import sku_catalog
from shelf_assets.assets.metadata import preview, reasons
from shelf_assets.audit.detect import DETECTOR_VERSION, catalog_matcher, detect_store_day
from shelf_assets.partitions import store_day_partitions
from shelf_assets.retries import COMPUTE_RETRY
from shelf_assets.warehouse import StageTable

GROUP = "audit"


@asset(partitions_def=store_day_partitions, deps=[sku_catalog], retry_policy=COMPUTE_RETRY, group_name=GROUP,
       code_version=DETECTOR_VERSION, kinds={"numpy"})
def detections(
    context: AssetExecutionContext, normalized_images: StageTable, master_data: MasterDataResource
) -> Output[StageTable]:
    """Boxes in original upright pixels with SKU ("" = not in the catalog), confidence and the detector that found them."""
    master = master_data.load()
    started = time.perf_counter()
    matcher = catalog_matcher(master.packshot_dir, tuple(master.catalog.sku_id))

    def progress(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            context.log.info(f"detected products in {done}/{total} photos")

    result = detect_store_day(normalized_images.rows, matcher, context.run.run_id, progress=progress)
    elapsed = time.perf_counter() - started
    boxes = result.rows
    photos = len(normalized_images.rows) - len(result.rejected)
    return Output(result, metadata={
        "facings": len(boxes), "photos": photos, "rejected": len(result.rejected),
        "not_in_catalog": int((boxes.sku_id == "").sum()) if len(boxes) else 0,
        "mean_confidence": round(float(boxes.confidence.mean()), 3) if len(boxes) else 0.0,
        "ms_per_photo": round(1000 * elapsed / photos, 1) if photos else 0.0,
        "detector_version": DETECTOR_VERSION,
        "preview": preview(boxes[["bay_id", "x0", "y0", "x1", "y1", "sku_id", "confidence", "row"]]),
        "rejections": reasons(result.rejected),
    })
