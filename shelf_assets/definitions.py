"""The Dagster code location: every asset, job and resource of Shelf Audit, configured from one data root."""

from __future__ import annotations

from dagster import Definitions, load_assets_from_modules

from resources.arrival_policy import ArrivalPolicy
from resources.gpu import GpuResource
from resources.master_data import MasterDataResource
from resources.model_store import ModelStore
from resources.photo_bucket import PhotoBucketResource
from resources.warehouse_io import ParquetWarehouseIOManager
from resources.working_images import WorkingImageStore
from shelf_assets.assets import (
    compliance,
    dead_letter,
    detections,
    detector_model,
    master_data,
    normalized_images,
    placements,
    raw_photos,
)
from shelf_assets.jobs import audit_store_day_job, master_data_job
from shelf_assets.schedules import daily_audit
from shelf_assets.sensors import bucket_arrivals
from shelf_assets.settings import DataRoot, chain_timezone, settle_seconds

ASSET_MODULES = [master_data, detector_model, raw_photos, normalized_images, detections, placements, dead_letter, compliance]


def build_definitions(data: DataRoot) -> Definitions:
    return Definitions(
        assets=load_assets_from_modules(ASSET_MODULES),
        jobs=[master_data_job, audit_store_day_job],
        sensors=[bucket_arrivals],
        schedules=[daily_audit],
        resources={
            "io_manager": ParquetWarehouseIOManager(base_dir=str(data.warehouse)),
            "master_data": MasterDataResource(master_dir=str(data.master)),
            "photo_bucket": PhotoBucketResource(url=data.bucket_url),
            "working_images": WorkingImageStore(base_dir=str(data.warehouse)),
            "model_store": ModelStore(folder=str(data.models), route=data.detector_route),
            "gpu": GpuResource(),
            "arrival_policy": ArrivalPolicy(timezone=chain_timezone(), settle_seconds=settle_seconds()),
        },
    )


defs = build_definitions(DataRoot.from_environment())
