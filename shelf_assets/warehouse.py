"""Where the pipeline's tables live: one Parquet file per table per store-day, readable by pandas or DuckDB.

`ROOT/warehouse/<table>/<YYYY-MM-DD>/<store_id>.parquet` for partitioned tables, `ROOT/warehouse/<table>.parquet`
for the master-data copies. A stage that can reject photos writes a `StageTable`: its rows go to the table
itself and its rejections to `_rejected/<table>/...`, from where `dead_letter` gathers them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from shelf_assets.atomic import write_parquet

REJECTED_COLUMNS = ["uri", "store_id", "date", "bay_id", "run_id", "stage", "reason"]
REJECTED_FOLDER = "_rejected"
WORKING_IMAGES_FOLDER = "working_images"


@dataclass(frozen=True)
class StageTable:
    """A stage's output: the rows it produced and the photos it had to give up on, with reasons."""

    rows: pd.DataFrame
    rejected: pd.DataFrame


def rejected_frame(records: list[dict]) -> pd.DataFrame:
    return pd.DataFrame.from_records(records, columns=REJECTED_COLUMNS).astype(str)


def table_path(base: Path, table: str, date: str | None = None, store_id: str | None = None) -> Path:
    if date is None:
        return Path(base) / f"{table}.parquet"
    return Path(base) / table / date / f"{store_id}.parquet"


def rejected_path(base: Path, table: str, date: str, store_id: str) -> Path:
    return Path(base) / REJECTED_FOLDER / table / date / f"{store_id}.parquet"


def working_image_path(base: Path, date: str, store_id: str, bay_id: str) -> Path:
    return Path(base) / WORKING_IMAGES_FOLDER / date / store_id / f"{bay_id}.jpg"


def write_stage(base: Path, table: str, date: str, store_id: str, output: pd.DataFrame | StageTable) -> None:
    if isinstance(output, StageTable):
        write_parquet(output.rejected, rejected_path(base, table, date, store_id))
        output = output.rows
    write_parquet(output, table_path(base, table, date, store_id))


def read_stage(base: Path, table: str, date: str, store_id: str) -> pd.DataFrame | StageTable:
    rows = pd.read_parquet(table_path(base, table, date, store_id))
    rejected = rejected_path(base, table, date, store_id)
    if rejected.exists():
        return StageTable(rows, pd.read_parquet(rejected))
    return rows


def read_table(base: Path, table: str) -> pd.DataFrame:
    """Every store-day of one table, concatenated (empty frame when none was written)."""
    files = sorted((Path(base) / table).glob("*/*.parquet"))
    frames = [pd.read_parquet(path) for path in files]
    frames = [frame for frame in frames if not frame.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
