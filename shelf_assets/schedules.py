"""Every morning, in the chain's time zone, audit yesterday for every registered store."""

import datetime

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, SkipReason, schedule

from shelf_assets.jobs import audit_store_day_job
from shelf_assets.partitions import store_day_key, stores_partitions
from shelf_assets.settings import chain_timezone

DAILY_AUDIT_CRON = "0 6 * * *"


@schedule(job=audit_store_day_job, cron_schedule=DAILY_AUDIT_CRON, execution_timezone=chain_timezone(),
          default_status=DefaultScheduleStatus.RUNNING)
def daily_audit(context: ScheduleEvaluationContext):
    """Catches the store-days the sensor did not (late or partial uploads) and records stores that sent nothing."""
    yesterday = (context.scheduled_execution_time.date() - datetime.timedelta(days=1)).isoformat()
    stores = context.instance.get_dynamic_partitions(stores_partitions.name)
    if not stores:
        return SkipReason("no store registered yet: materialise `stores` or upload a first photo")
    return [
        RunRequest(run_key=f"daily|{yesterday}|{store_id}", partition_key=store_day_key(yesterday, store_id),
                   tags={"shelf_audit/trigger": "daily_audit"})
        for store_id in sorted(stores)
    ]
