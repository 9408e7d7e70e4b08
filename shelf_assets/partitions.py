"""Store-day partitions: `date` (daily) × `store` (dynamic, registered from stores.csv or first upload)."""

from __future__ import annotations

from collections.abc import Iterable

from dagster import (
    DagsterInstance,
    DailyPartitionsDefinition,
    DynamicPartitionsDefinition,
    MultiPartitionKey,
    MultiPartitionsDefinition,
)

from shelf_assets.identifiers import check_date, check_identifier

FIRST_AUDIT_DATE = "2024-01-01"

stores_partitions = DynamicPartitionsDefinition(name="stores")
dates_partitions = DailyPartitionsDefinition(start_date=FIRST_AUDIT_DATE, end_offset=1)
store_day_partitions = MultiPartitionsDefinition({"date": dates_partitions, "store": stores_partitions})


def store_day_key(date: str, store_id: str) -> MultiPartitionKey:
    return MultiPartitionKey({"date": check_date(date), "store": check_identifier(store_id, "store id")})


def store_day_of(key: str | MultiPartitionKey) -> tuple[str, str]:
    """(date, store_id) of a store-day partition key, validated before it is used in a path."""
    if isinstance(key, MultiPartitionKey):
        dimensions = key.keys_by_dimension
        date, store_id = dimensions["date"], dimensions["store"]
    else:
        date, _, store_id = str(key).partition("|")
    return check_date(date), check_identifier(store_id, "store id")


def unregistered_stores(instance: DagsterInstance, store_ids: Iterable[str]) -> list[str]:
    known = set(instance.get_dynamic_partitions(stores_partitions.name))
    return sorted(set(store_ids) - known)


def register_stores(instance: DagsterInstance, store_ids: Iterable[str]) -> list[str]:
    """Add the stores that are not partitions yet; returns those it added."""
    new = unregistered_stores(instance, store_ids)
    if new:
        instance.add_dynamic_partitions(stores_partitions.name, new)
    return new
