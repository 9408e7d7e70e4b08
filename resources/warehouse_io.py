"""IO manager that stores every asset as Parquet in the warehouse folder (see `shelf_assets.warehouse`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from dagster import ConfigurableIOManager, InputContext, MultiPartitionKey, OutputContext

from shelf_assets.partitions import store_day_of
from shelf_assets.warehouse import StageTable, read_stage, table_path, write_stage
from shelf_assets.atomic import write_parquet


class ParquetWarehouseIOManager(ConfigurableIOManager):
    """Parquet per table per store-day, written atomically so a re-run replaces a partition exactly."""

    base_dir: str

    def handle_output(self, context: OutputContext, obj: pd.DataFrame | StageTable) -> None:
        table = context.asset_key.path[-1]
        if not context.has_asset_partitions:
            write_parquet(obj, table_path(Path(self.base_dir), table))
            return
        date, store_id = store_day_of(_single_partition_key(context))
        write_stage(Path(self.base_dir), table, date, store_id, obj)
        rows = obj.rows if isinstance(obj, StageTable) else obj
        context.add_output_metadata({"path": str(table_path(Path(self.base_dir), table, date, store_id)), "rows": len(rows)})

    def load_input(self, context: InputContext) -> pd.DataFrame | StageTable:
        table = context.asset_key.path[-1]
        if not context.has_asset_partitions:
            return pd.read_parquet(table_path(Path(self.base_dir), table))
        date, store_id = store_day_of(_single_partition_key(context))
        return read_stage(Path(self.base_dir), table, date, store_id)


def _single_partition_key(context: OutputContext | InputContext) -> str | MultiPartitionKey:
    keys = list(context.asset_partition_keys)
    if len(keys) != 1:
        raise NotImplementedError(f"{context.asset_key.to_user_string()}: one store-day per step expected, got {len(keys)}")
    return keys[0]
