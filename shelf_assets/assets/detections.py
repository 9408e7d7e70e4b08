"""Product facings found in each photo and identified against the catalog packshots."""

import time

from dagster import AssetExecutionContext, Output, asset

from resources.gpu import GpuResource
from resources.master_data import MasterDataResource
from resources.model_store import ModelStore, version_of
from shelf_assets.assets.detector_model import detector_model
from shelf_assets.assets.master_data import sku_catalog
from shelf_assets.assets.metadata import preview, reasons
from shelf_assets.assets.store_days import AUDIT_BACKFILL_POLICY, all_rejected, all_rows, photo_progress, store_days_of
from shelf_assets.audit.detect import ROUTING_VERSION, build_detectors, detect_store_day
from shelf_assets.vision.model_files import PACKAGED_BUNDLE, bundle_version
from shelf_assets.partitions import store_day_partitions
from shelf_assets.retries import COMPUTE_RETRY
from shelf_assets.warehouse import StageTable

GROUP = "audit"


@asset(partitions_def=store_day_partitions, backfill_policy=AUDIT_BACKFILL_POLICY, deps=[sku_catalog, detector_model],
       retry_policy=COMPUTE_RETRY, group_name=GROUP, code_version=f"{ROUTING_VERSION}+{bundle_version(PACKAGED_BUNDLE)}",
       kinds={"torch"}, pool="gpu")
def detections(
    context: AssetExecutionContext, normalized_images: dict[str, StageTable], master_data: MasterDataResource,
    model_store: ModelStore, gpu: GpuResource,
) -> Output[dict[str, StageTable]]:
    """Boxes in original upright pixels with SKU ("" = not in the catalog), confidence, the detector that found them
    (learned, or classical where the model was unsure) and the model version."""
    master = master_data.load()
    started = time.perf_counter()
    device = gpu.prepare()
    bundle = model_store.load()
    model_version = version_of(bundle)
    detectors = build_detectors(bundle, model_version, master.packshot_dir, tuple(master.catalog.sku_id),
                                device, gpu.batch_policy)
    context.log.info(f"detecting with {model_version} on {device}")
    days = store_days_of(context)
    detected = {}
    for number, day in enumerate(days, start=1):
        detected[day.key] = detect_store_day(
            normalized_images[day.key].rows, detectors, context.run.run_id,
            progress=photo_progress(context, day, number, len(days), "detected products in"),
        )
    elapsed = time.perf_counter() - started
    boxes, rejected = all_rows(detected), all_rejected(detected)
    photos = len(all_rows(normalized_images)) - len(rejected)
    return Output(detected, metadata={
        "facings": len(boxes), "photos": photos, "rejected": len(rejected),
        "not_in_catalog": int((boxes.sku_id == "").sum()) if len(boxes) else 0,
        "mean_confidence": round(float(boxes.confidence.mean()), 3) if len(boxes) else 0.0,
        "ms_per_photo": round(1000 * elapsed / photos, 1) if photos else 0.0,
        "model_version": model_version,
        "device": device,
        "learned_share": round(float((boxes.detector == "learned").mean()), 3) if len(boxes) else 0.0,
        "classical_fallbacks": _fallbacks(boxes),
        "preview": preview(boxes, ["store_id", "date", "bay_id", "x0", "y0", "x1", "y1", "sku_id", "confidence", "row"]),
        "rejections": reasons(rejected),
    })


def _fallbacks(boxes) -> object:
    """The photos the classical detector took over on the learned route, and why."""
    if boxes.empty:
        return preview(boxes)
    taken_over = boxes[boxes.route_reason != ""].drop_duplicates(["store_id", "date", "bay_id"])
    return preview(taken_over, ["store_id", "date", "bay_id", "route_reason"], rows=25)
