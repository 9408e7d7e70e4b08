"""The bucket-arrivals sensor: new or changed store-days are audited once their upload has settled."""

import time

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, SkipReason, sensor

from resources.arrival_policy import ArrivalPolicy
from resources.photo_bucket import PhotoBucketResource
from shelf_assets.arrivals import ArrivalState, scan_arrivals
from shelf_assets.jobs import audit_store_day_job
from shelf_assets.partitions import store_day_key, stores_partitions, unregistered_stores

TICK_SECONDS = 30


@sensor(job=audit_store_day_job, minimum_interval_seconds=TICK_SECONDS, default_status=DefaultSensorStatus.RUNNING)
def bucket_arrivals(
    context: SensorEvaluationContext, photo_bucket: PhotoBucketResource, arrival_policy: ArrivalPolicy
) -> SensorResult:
    """One run per store-day whose photos stopped changing; stores first seen in the bucket are registered."""
    scan = scan_arrivals(
        photo_bucket.open(), ArrivalState.from_cursor(context.cursor), today=arrival_policy.today(), now=time.time(),
        settle_seconds=arrival_policy.settle_seconds, lookback_days=arrival_policy.lookback_days,
    )
    new_stores = unregistered_stores(context.instance, {ready.store_id for ready in scan.ready})
    requests = [
        RunRequest(run_key=ready.run_key, partition_key=store_day_key(ready.date, ready.store_id),
                   tags={"shelf_audit/trigger": "bucket_arrivals", "shelf_audit/content_key": ready.content_key})
        for ready in scan.ready
    ]
    skip = None
    if not requests:
        waiting = ", ".join(f"{s.store_id} {s.date} ({s.seconds_left:.0f} s left)" for s in scan.settling[:5])
        skip = SkipReason(
            f"{len(scan.settling)} store-day(s) still receiving photos: {waiting}" if scan.settling
            else f"no new or changed store-day among {len(scan.stores)} store folder(s) "
                 f"in the last {arrival_policy.lookback_days + 1} day(s)"
        )
    return SensorResult(
        run_requests=requests,
        skip_reason=skip,
        cursor=scan.state.to_cursor(),
        dynamic_partitions_requests=[stores_partitions.build_add_request(new_stores)] if new_stores else [],
    )
