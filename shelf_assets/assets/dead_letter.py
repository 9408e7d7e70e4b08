"""Every photo of a store-day that could not be processed, with the stage and reason it failed at."""

import pandas as pd
from dagster import AssetExecutionContext, Output, asset

from shelf_assets.assets.metadata import preview
from shelf_assets.assets.store_days import AUDIT_BACKFILL_POLICY, all_rows, store_days_of
from shelf_assets.partitions import store_day_partitions
from shelf_assets.retries import IO_RETRY
from shelf_assets.warehouse import REJECTED_COLUMNS, StageTable

GROUP = "audit"


@asset(partitions_def=store_day_partitions, backfill_policy=AUDIT_BACKFILL_POLICY, retry_policy=IO_RETRY,
       group_name=GROUP, kinds={"parquet"})
def dead_letter(
    context: AssetExecutionContext,
    raw_photos: dict[str, StageTable],
    normalized_images: dict[str, StageTable],
    detections: dict[str, StageTable],
) -> Output[dict[str, pd.DataFrame]]:
    letters = {}
    for day in store_days_of(context):
        frames = [stage[day.key].rejected for stage in (raw_photos, normalized_images, detections)]
        frames = [frame for frame in frames if not frame.empty]
        letters[day.key] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=REJECTED_COLUMNS)
    every = all_rows(letters)
    if len(every):
        context.log.warning(f"{len(every)} photo(s) dead-lettered")
    return Output(letters, metadata={
        "dead_lettered": len(every),
        "by_stage": preview(every.groupby("stage").size().reset_index(name="photos") if len(every) else every),
        "letters": preview(every, ["store_id", "date", "bay_id", "stage", "reason", "uri"], rows=25),
    })
