"""How a UI backfill of days × stores runs: launched through the webserver's GraphQL API (as the UI does),
executed by the daemon with the multiprocess executor. Prints the number of runs and the wall time.

    .venv/bin/python benchmarks/ui_backfill.py --stores 5 --days 7
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dagster import DagsterInstance, RunsFilter  # noqa: E402

from shelf_assets.partitions import stores_partitions  # noqa: E402
from shelf_assets.simulation.chain import simulate_chain  # noqa: E402
from tests.dagster_processes import (  # noqa: E402
    dagster_environment, dagster_process, free_port, graphql, instance_home, wait_for, webserver_ready,
)
from tests.test_backfill import AUDIT_ASSETS, LAUNCH, STATUS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stores", type=int, default=5)
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        summary = simulate_chain(scratch / "chain", stores=args.stores, days=args.days, seed=7)
        home = instance_home(scratch / "dagster_home")
        with DagsterInstance.from_config(str(home)) as instance:
            instance.add_dynamic_partitions(stores_partitions.name, summary.stores)
        keys = [f"{date}|{store}" for date in summary.dates for store in summary.stores]
        port = free_port()
        environment = dagster_environment(home, summary.root)
        with dagster_process("dagster-daemon", ["run"], environment, scratch / "daemon.log") as daemon, \
                dagster_process("dagster-webserver", ["-h", "127.0.0.1", "-p", str(port)], environment,
                                scratch / "webserver.log") as webserver:
            wait_for(lambda: webserver_ready(port), 120, "the webserver", webserver)
            started = time.perf_counter()
            launched = graphql(port, LAUNCH, {"params": {
                "partitionNames": keys, "assetSelection": [{"path": [name]} for name in AUDIT_ASSETS]}})
            backfill_id = launched["launchPartitionBackfill"]["backfillId"]
            done = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
            wait_for(lambda: graphql(port, STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"] in done,
                     3600, "the backfill", daemon, webserver, interval=5)
            elapsed = time.perf_counter() - started
            status = graphql(port, STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"]
        with DagsterInstance.from_config(str(home)) as instance:
            runs = instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))
        print(f"{args.days} days x {args.stores} stores = {len(keys)} store-days, {summary.photos} photos: "
              f"{status}, {len(runs)} runs, {elapsed:.0f} s ({elapsed / len(keys):.1f} s per store-day)")


if __name__ == "__main__":
    main()
