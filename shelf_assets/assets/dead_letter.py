"""Every photo of a store-day that could not be processed, with the stage and reason it failed at."""

import pandas as pd
from dagster import AssetExecutionContext, Output, asset

from shelf_assets.assets.metadata import preview
from shelf_assets.partitions import store_day_partitions
from shelf_assets.retries import IO_RETRY
from shelf_assets.warehouse import REJECTED_COLUMNS, StageTable

GROUP = "audit"


@asset(partitions_def=store_day_partitions, retry_policy=IO_RETRY, group_name=GROUP, kinds={"parquet"})
def dead_letter(
    context: AssetExecutionContext, raw_photos: StageTable, normalized_images: StageTable, detections: StageTable
) -> Output[pd.DataFrame]:
    frames = [stage.rejected for stage in (raw_photos, normalized_images, detections) if not stage.rejected.empty]
    letters = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=REJECTED_COLUMNS)
    if len(letters):
        context.log.warning(f"{len(letters)} photo(s) dead-lettered")
    return Output(letters, metadata={
        "dead_lettered": len(letters),
        "by_stage": preview(letters.groupby("stage").size().reset_index(name="photos")) if len(letters) else preview(letters),
        "letters": preview(letters[["bay_id", "stage", "reason", "uri"]], rows=25),
    })
