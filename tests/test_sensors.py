import datetime

from dagster import DagsterInstance, build_schedule_context, build_sensor_context, instance_for_test

from resources.arrival_policy import ArrivalPolicy
from resources.photo_bucket import PhotoBucketResource
from shelf_assets.partitions import stores_partitions
from shelf_assets.schedules import daily_audit
from shelf_assets.sensors import bucket_arrivals


def evaluate(bucket_root, cursor=None, settle=0, instance=None):
    context = build_sensor_context(
        instance=instance or DagsterInstance.ephemeral(), cursor=cursor,
        resources={"photo_bucket": PhotoBucketResource(url=str(bucket_root)),
                   "arrival_policy": ArrivalPolicy(settle_seconds=settle)},
    )
    return bucket_arrivals(context)


def test_sensor_requests_settled_store_days_and_registers_new_stores(tmp_path):
    today = ArrivalPolicy().today().isoformat()
    (tmp_path / "store-9" / today).mkdir(parents=True)
    (tmp_path / "store-9" / today / "bay-01.jpg").write_bytes(b"photo")
    result = evaluate(tmp_path)
    [request] = result.run_requests
    assert request.partition_key.keys_by_dimension == {"date": today, "store": "store-9"}
    assert request.run_key.startswith(f"store-9|{today}|")
    [add] = result.dynamic_partitions_requests
    assert add.partitions_def_name == stores_partitions.name and list(add.partition_keys) == ["store-9"]

    again = evaluate(tmp_path, cursor=result.cursor)
    assert again.run_requests == [] and "no new or changed store-day" in again.skip_reason.skip_message


def test_sensor_says_why_it_waits(tmp_path):
    today = ArrivalPolicy().today().isoformat()
    (tmp_path / "store-9" / today).mkdir(parents=True)
    (tmp_path / "store-9" / today / "bay-01.jpg").write_bytes(b"photo")
    result = evaluate(tmp_path, settle=600)
    assert result.run_requests == []
    assert "still receiving photos: store-9" in result.skip_reason.skip_message


def test_daily_schedule_audits_yesterday_for_every_registered_store():
    with instance_for_test() as instance:
        instance.add_dynamic_partitions(stores_partitions.name, ["store-2", "store-1"])
        context = build_schedule_context(
            instance=instance, scheduled_execution_time=datetime.datetime(2026, 11, 21, 6, 0))
        requests = daily_audit(context)
    assert [r.partition_key.keys_by_dimension for r in requests] == [
        {"date": "2026-11-20", "store": "store-1"}, {"date": "2026-11-20", "store": "store-2"}]
    assert len({r.run_key for r in requests}) == 2
