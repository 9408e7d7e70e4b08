"""Metadata shared by the assets, so every materialisation tells its story in the UI."""

import pandas as pd
from dagster import MetadataValue

PREVIEW_ROWS = 10


def preview(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> MetadataValue:
    if frame.empty:
        return MetadataValue.md("_(no rows)_")
    return MetadataValue.md(frame.head(rows).to_markdown(index=False, floatfmt=".3f"))


def reasons(rejected: pd.DataFrame) -> MetadataValue:
    if rejected.empty:
        return MetadataValue.md("_(none)_")
    return MetadataValue.md(rejected[["bay_id", "reason"]].to_markdown(index=False))
