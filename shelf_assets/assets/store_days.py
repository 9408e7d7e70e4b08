"""The store-days of one step.

A run may carry many store-days (a backfill sends a whole date range of one store per run, so the model and
master data load once), so every audit asset receives and returns `{store-day key: table}` and loops.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd
from dagster import AssetExecutionContext, BackfillPolicy

from shelf_assets.partitions import store_day_of
from shelf_assets.warehouse import REJECTED_COLUMNS, StageTable

MAX_STORE_DAYS_PER_RUN = 31
AUDIT_BACKFILL_POLICY = BackfillPolicy.multi_run(max_partitions_per_run=MAX_STORE_DAYS_PER_RUN)


@dataclass(frozen=True)
class StoreDay:
    key: str
    date: str
    store_id: str


def store_days_of(context: AssetExecutionContext) -> list[StoreDay]:
    return [StoreDay(str(key), *store_day_of(key)) for key in context.partition_keys]


def all_rows(tables: Mapping[str, StageTable | pd.DataFrame]) -> pd.DataFrame:
    frames = [table.rows if isinstance(table, StageTable) else table for table in tables.values()]
    frames = [frame for frame in frames if not frame.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def all_rejected(tables: Mapping[str, StageTable]) -> pd.DataFrame:
    frames = [table.rejected for table in tables.values() if not table.rejected.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=REJECTED_COLUMNS)


def photo_progress(context: AssetExecutionContext, day: StoreDay, number: int, total: int, verb: str) -> Callable[[int, int], None]:
    """Logs every tenth photo and the last one, prefixed with which store-day of how many."""

    def log(done: int, photos: int) -> None:
        if done == photos or done % 10 == 0:
            context.log.info(f"[{number}/{total}] {day.store_id} {day.date}: {verb} {done}/{photos} photos")

    return log
