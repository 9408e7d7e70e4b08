"""IO manager that stores every asset as Parquet in the warehouse folder (see `shelf_assets.warehouse`).

Partitioned assets hand over `{store-day key: table}` — one entry for an ordinary run, many for a backfill
run — and receive their inputs the same way.
"""

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from dagster import ConfigurableIOManager, InputContext, OutputContext

from shelf_assets.atomic import write_parquet
from shelf_assets.partitions import store_day_of
from shelf_assets.warehouse import StageTable, read_stage, table_path, write_stage


class ParquetWarehouseIOManager(ConfigurableIOManager):
    """Parquet per table per store-day, written atomically so a re-run replaces a partition exactly."""

    base_dir: str

    def handle_output(self, context: OutputContext, obj: pd.DataFrame | Mapping[str, pd.DataFrame | StageTable]) -> None:
        table = context.asset_key.path[-1]
        if not context.has_asset_partitions:
            write_parquet(obj, table_path(Path(self.base_dir), table))
            return
        expected = {str(key) for key in context.asset_partition_keys}
        if set(obj) != expected:
            raise ValueError(f"{table}: got tables for {sorted(obj)}, expected one for each of {sorted(expected)}")
        for key, value in obj.items():
            date, store_id = store_day_of(key)
            write_stage(Path(self.base_dir), table, date, store_id, value)

    def load_input(self, context: InputContext) -> pd.DataFrame | dict[str, pd.DataFrame | StageTable]:
        table = context.asset_key.path[-1]
        if not context.has_asset_partitions:
            return pd.read_parquet(table_path(Path(self.base_dir), table))
        return {str(key): read_stage(Path(self.base_dir), table, *store_day_of(key)) for key in context.asset_partition_keys}
