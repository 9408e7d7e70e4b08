"""A partition backfill launched through the webserver's GraphQL API, run by the daemon, several store-days a run."""

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from shelf_assets.partitions import stores_partitions
from shelf_assets.settings import DataRoot
from shelf_assets.simulation.chain import simulate_chain
from shelf_assets.warehouse import table_path
from tests.dagster_processes import (
    dagster_environment, dagster_process, free_port, graphql, instance_home, wait_for, webserver_ready,
)

pytestmark = pytest.mark.slow
AUDIT_ASSETS = ["raw_photos", "normalized_images", "detections", "sku_placements", "slot_status", "dead_letter",
                "bay_scores", "compliance_scores", "share_of_shelf"]
LAUNCH = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
    __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""
STATUS = """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
    ... on PartitionBackfill { status } } }"""


def test_a_ui_backfill_over_dates_and_stores_runs_one_run_per_date(tmp_path):
    summary = simulate_chain(tmp_path / "chain", stores=3, days=2, seed=5)
    data = DataRoot.at(summary.root)
    home = instance_home(tmp_path / "dagster_home")
    with DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions(stores_partitions.name, summary.stores)
    keys = [f"{date}|{store_id}" for date in summary.dates for store_id in summary.stores]
    port = free_port()
    environment = dagster_environment(home, data.root)
    with dagster_process("dagster-daemon", ["run"], environment, tmp_path / "daemon.log") as daemon, \
            dagster_process("dagster-webserver", ["-h", "127.0.0.1", "-p", str(port)], environment,
                            tmp_path / "webserver.log") as webserver:
        wait_for(lambda: webserver_ready(port), 120, "the webserver", webserver)
        launched = graphql(port, LAUNCH, {"params": {
            "partitionNames": keys, "assetSelection": [{"path": [name]} for name in AUDIT_ASSETS],
        }})["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        backfill_id = launched["backfillId"]
        wait_for(lambda: graphql(port, STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"]
                 in {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"},
                 540, "the backfill to finish", daemon, webserver, interval=5)
        status = graphql(port, STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"]

    assert status in {"COMPLETED", "COMPLETED_SUCCESS"}, (tmp_path / "daemon.log").read_text()[-3000:]
    with DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))
    assert len(runs) == len(summary.dates), "Dagster splits 2 dates x 3 stores along the date: one run per date"
    assert all(run.status == DagsterRunStatus.SUCCESS for run in runs)
    for date in summary.dates:
        for store_id in summary.stores:
            assert table_path(data.warehouse, "compliance_scores", date, store_id).exists()
