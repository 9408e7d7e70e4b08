"""Auditing every store-day of a data root through Dagster, from the command line.

Runs go into the same Dagster instance the UI reads (`DAGSTER_HOME`, or `ROOT/.dagster`), so after
`shelf-audit audit` the webserver shows every run, materialisation and its metadata.
"""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from dagster import DagsterInstance

from shelf_assets.assets.store_days import MAX_STORE_DAYS_PER_RUN
from shelf_assets.bucket import BucketError, PhotoBucket, StoreDay
from shelf_assets.definitions import build_definitions
from shelf_assets.jobs import audit_store_day_job, master_data_job
from shelf_assets.partitions import FIRST_AUDIT_DATE, register_stores, store_day_key
from shelf_assets.settings import DataRoot
from shelf_assets.warehouse import read_table

INSTANCE_CONFIG = """\
# Written by shelf-audit for a new Dagster instance; edit freely, it is not overwritten.
telemetry:
  enabled: false
# A run whose process died is retried by the daemon and resumes from the failed steps; a step that failed on its
# own has its own retry policy, so it is not retried a second time here.
run_retries:
  enabled: true
  max_retries: 2
  retry_on_asset_or_op_failure: false
# Steps in a pool (detections: the `gpu` pool) run one at a time across all runs, so the device is never
# oversubscribed; raise it on a GPU with room for more.
concurrency:
  pools:
    default_limit: 1
"""
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


class AuditError(RuntimeError):
    """The audit could not start: bad master data, no bucket, nothing to audit."""


@dataclass
class AuditOutcome:
    store_days: list[StoreDay] = field(default_factory=list)
    failed: list[tuple[StoreDay, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    seconds: float = 0.0


def dagster_instance(data: DataRoot) -> DagsterInstance:
    home = Path(os.environ.get("DAGSTER_HOME") or data.dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_CONFIG)
    return DagsterInstance.from_config(str(home))


def run_audit(
    data: DataRoot, instance: DagsterInstance, progress: Callable[[str], None] = print
) -> AuditOutcome:
    started = time.perf_counter()
    defs = build_definitions(data)
    master_run = defs.resolve_job_def(master_data_job.name).execute_in_process(
        instance=instance, run_config=QUIET_LOGS, raise_on_error=False
    )
    if not master_run.success:
        raise AuditError(f"master data in {data.master} could not be loaded:\n{_first_failure(master_run)}")

    try:
        listing = PhotoBucket(data.bucket_url).scan()
    except BucketError as error:
        raise AuditError(str(error)) from None
    outcome = AuditOutcome(ignored=list(listing.ignored))
    latest = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    for store_day in listing.store_days:
        if not FIRST_AUDIT_DATE <= store_day.date <= latest:
            outcome.ignored.append(f"{store_day.store_id}/{store_day.date}: outside the audit calendar "
                                   f"({FIRST_AUDIT_DATE} to {latest})")
        else:
            outcome.store_days.append(store_day)
    if not outcome.store_days:
        raise AuditError(f"no store-day folders (<store_id>/<YYYY-MM-DD>/) found in bucket {data.bucket_url}")
    new_stores = register_stores(instance, {s.store_id for s in outcome.store_days})
    if new_stores:
        progress(f"registered store(s) first seen in the bucket: {', '.join(new_stores)}")

    job = defs.resolve_job_def(audit_store_day_job.name)
    batches = store_day_batches(outcome.store_days, MAX_STORE_DAYS_PER_RUN)
    for number, batch in enumerate(batches, start=1):
        batch_started = time.perf_counter()
        first, last = store_day_key(batch[0].date, batch[0].store_id), store_day_key(batch[-1].date, batch[-1].store_id)
        result = job.execute_in_process(
            instance=instance, run_config=QUIET_LOGS, raise_on_error=False,
            tags={PARTITION_RANGE_START_TAG: str(first), PARTITION_RANGE_END_TAG: str(last)},
        )
        status = "ok" if result.success else "FAILED"
        dates = batch[0].date if len(batch) == 1 else f"{batch[0].date}..{batch[-1].date}"
        progress(f"[run {number}/{len(batches)}] {batch[0].store_id} {dates} ({len(batch)} store-day(s)): {status} "
                 f"in {time.perf_counter() - batch_started:.1f} s (run {result.run_id[:8]})")
        if not result.success:
            outcome.failed.extend((store_day, _first_failure(result)) for store_day in batch)
    outcome.seconds = time.perf_counter() - started
    return outcome


def store_day_batches(store_days: list[StoreDay], max_per_run: int) -> list[list[StoreDay]]:
    """Runs of consecutive dates of one store, at most `max_per_run` long: one model load serves each run."""
    batches: list[list[StoreDay]] = []
    for store_day in sorted(store_days, key=lambda s: (s.store_id, s.date)):
        current = batches[-1] if batches else None
        if (
            current
            and current[-1].store_id == store_day.store_id
            and _next_day(current[-1].date) == store_day.date
            and len(current) < max_per_run
        ):
            current.append(store_day)
        else:
            batches.append([store_day])
    return batches


def _next_day(date: str) -> str:
    return (datetime.date.fromisoformat(date) + datetime.timedelta(days=1)).isoformat()


def compliance_table(data: DataRoot) -> pd.DataFrame:
    scores = read_table(data.warehouse, "compliance_scores")
    if scores.empty:
        return scores
    columns = ["store_id", "date", "facing_compliance", "osa", "oos_slots", "misplaced_facings", "hidden_facings",
               "photos_used", "photos_dead_lettered", "model_version"]
    return scores[columns].sort_values(["date", "store_id"]).reset_index(drop=True)


def _first_failure(result) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data.error is not None:
            error = event.step_failure_data.error
            cause = error.cause or error
            return f"{event.step_key}: {cause.message.strip()}"
    return "see the run's logs in the Dagster UI"
