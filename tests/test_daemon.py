"""The real Dagster daemon: photos dropped into the bucket are audited with no further action, once."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from resources.arrival_policy import ArrivalPolicy
from shelf_assets.runner import INSTANCE_CONFIG
from shelf_assets.warehouse import table_path
from tests.conftest import store_day_of_chain

pytestmark = pytest.mark.slow
REPOSITORY = Path(__file__).resolve().parents[1]


def wait_for(condition, timeout: float, what: str, daemon: subprocess.Popen):
    deadline = time.monotonic() + timeout
    while not condition():
        if daemon.poll() is not None:
            raise RuntimeError(f"daemon exited while waiting for {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(2)


@pytest.fixture
def daemon(tiny_chain, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_CONFIG)
    environment = dict(os.environ, DAGSTER_HOME=str(home), SHELF_AUDIT_DATA=str(tiny_chain.root),
                       SHELF_AUDIT_SETTLE_SECONDS="0")
    log = open(tmp_path / "daemon.log", "wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster-daemon")), "run", "-w", "workspace.yaml"],
        cwd=REPOSITORY, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        yield process, home
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        log.close()


def test_photos_dropped_in_the_bucket_are_audited_once(tiny_chain, daemon, tmp_path):
    process, home = daemon
    store_id, simulated_date = store_day_of_chain(tiny_chain)
    uploads = tmp_path / "uploads"
    shutil.move(tiny_chain.root / "bucket" / store_id / simulated_date, uploads)
    today = ArrivalPolicy().today().isoformat()
    arrived = tiny_chain.root / "bucket" / store_id / today
    shutil.copytree(uploads, arrived)

    scores = table_path(tiny_chain.warehouse, "compliance_scores", today, store_id)
    wait_for(scores.exists, 420, "the sensor's run to write compliance_scores", process)

    with DagsterInstance.from_config(str(home)) as instance:
        [run] = instance.get_runs(RunsFilter(tags={"shelf_audit/trigger": "bucket_arrivals"}))
        wait_for(lambda: instance.get_run_by_id(run.run_id).status == DagsterRunStatus.SUCCESS, 120,
                 "the run to finish", process)
        assert run.tags["dagster/partition/store"] == store_id and run.tags["dagster/partition/date"] == today

        shutil.rmtree(arrived)
        shutil.copytree(uploads, arrived)
        copied_at = time.time()
        sensor_ticks = lambda: [t for t in instance.get_ticks(_sensor_origin_id(instance), _sensor_selector_id(instance))
                                if t.timestamp > copied_at + 1]
        wait_for(lambda: len(sensor_ticks()) >= 1, 120, "a sensor tick after the re-upload", process)
        assert len(instance.get_runs(RunsFilter(tags={"shelf_audit/trigger": "bucket_arrivals"}))) == 1


def _sensor_state(instance):
    [state] = [s for s in instance.all_instigator_state() if s.name == "bucket_arrivals"]
    return state


def _sensor_origin_id(instance):
    return _sensor_state(instance).instigator_origin_id


def _sensor_selector_id(instance):
    return _sensor_state(instance).selector_id
