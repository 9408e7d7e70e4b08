"""A partition backfill launched through the webserver's GraphQL API, run by the daemon, several store-days a run."""

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from shelf_assets.partitions import stores_partitions
from shelf_assets.settings import DataRoot
from shelf_assets.simulation.chain import simulate_chain
from shelf_assets.warehouse import table_path
from tests.dagster_processes import instance_home, run_ui_backfill

pytestmark = pytest.mark.slow


def test_a_ui_backfill_over_dates_and_stores_runs_one_run_per_date(tmp_path):
    summary = simulate_chain(tmp_path / "chain", stores=2, days=2, seed=5)
    data = DataRoot.at(summary.root)
    home = instance_home(tmp_path / "dagster_home")
    with DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions(stores_partitions.name, summary.stores)
    keys = [f"{date}|{store_id}" for date in summary.dates for store_id in summary.stores]

    backfill_id, status, _ = run_ui_backfill(home, data.root, keys, tmp_path, timeout=540)

    assert status in {"COMPLETED", "COMPLETED_SUCCESS"}, (tmp_path / "daemon.log").read_text()[-3000:]
    with DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))
    assert len(runs) == len(summary.dates), "Dagster splits 2 dates x 2 stores along the date: one run per date"
    assert all(run.status == DagsterRunStatus.SUCCESS for run in runs)
    for date in summary.dates:
        for store_id in summary.stores:
            assert table_path(data.warehouse, "compliance_scores", date, store_id).exists()
