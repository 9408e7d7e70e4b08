"""How a UI backfill of days × stores runs: launched through the webserver's GraphQL API (as the UI does),
executed by the daemon with the multiprocess executor. Prints the number of runs and the wall time.

    .venv/bin/python benchmarks/ui_backfill.py --stores 5 --days 7
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dagster import DagsterInstance, RunsFilter  # noqa: E402

from shelf_assets.partitions import stores_partitions  # noqa: E402
from shelf_assets.simulation.chain import simulate_chain  # noqa: E402
from tests.dagster_processes import instance_home, run_ui_backfill  # noqa: E402


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
        backfill_id, status, elapsed = run_ui_backfill(home, summary.root, keys, scratch, timeout=3600)
        with DagsterInstance.from_config(str(home)) as instance:
            runs = instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))
        print(f"{args.days} days x {args.stores} stores = {len(keys)} store-days, {summary.photos} photos: "
              f"{status}, {len(runs)} runs, {elapsed:.0f} s ({elapsed / len(keys):.1f} s per store-day)")


if __name__ == "__main__":
    main()
