"""The real Dagster daemon: photos dropped into the bucket are audited with no further action, once."""

import shutil
import time

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from resources.arrival_policy import ArrivalPolicy
from shelf_assets.warehouse import table_path
from tests.conftest import store_day_of_chain
from tests.dagster_processes import dagster_environment, dagster_process, instance_home, wait_for

pytestmark = pytest.mark.slow
SENSOR_RUNS = RunsFilter(tags={"shelf_audit/trigger": "bucket_arrivals"})


def test_photos_dropped_in_the_bucket_are_audited_once(tiny_chain, tmp_path):
    home = instance_home(tmp_path / "dagster_home")
    store_id, simulated_date = store_day_of_chain(tiny_chain)
    uploads = tmp_path / "uploads"
    shutil.move(tiny_chain.root / "bucket" / store_id / simulated_date, uploads)
    environment = dagster_environment(home, tiny_chain.root, SHELF_AUDIT_SETTLE_SECONDS="0")
    with dagster_process("dagster-daemon", ["run"], environment, tmp_path / "daemon.log") as daemon, \
            DagsterInstance.from_config(str(home)) as instance:
        today = ArrivalPolicy().today().isoformat()
        arrived = tiny_chain.root / "bucket" / store_id / today
        shutil.copytree(uploads, arrived)

        scores = table_path(tiny_chain.warehouse, "compliance_scores", today, store_id)
        wait_for(scores.exists, 420, "the sensor's run to write compliance_scores", daemon)
        [run] = instance.get_runs(SENSOR_RUNS)
        wait_for(lambda: instance.get_run_by_id(run.run_id).status == DagsterRunStatus.SUCCESS, 120,
                 "the run to finish", daemon)
        assert run.tags["dagster/partition/store"] == store_id and run.tags["dagster/partition/date"] == today

        shutil.rmtree(arrived)
        shutil.copytree(uploads, arrived)
        copied_at = time.time()
        wait_for(lambda: _sensor_ticks_since(instance, copied_at + 1), 120, "a sensor tick after the re-upload", daemon)
        assert len(instance.get_runs(SENSOR_RUNS)) == 1


def _sensor_ticks_since(instance: DagsterInstance, timestamp: float) -> list:
    [state] = [s for s in instance.all_instigator_state() if s.name == "bucket_arrivals"]
    return [tick for tick in instance.get_ticks(state.instigator_origin_id, state.selector_id) if tick.timestamp > timestamp]
