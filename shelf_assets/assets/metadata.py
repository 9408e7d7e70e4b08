"""Metadata shared by the assets, so every materialisation tells its story in the UI."""

from collections.abc import Sequence

import pandas as pd
from dagster import MetadataValue

PREVIEW_ROWS = 10


def preview(frame: pd.DataFrame, columns: Sequence[str] | None = None, rows: int = PREVIEW_ROWS) -> MetadataValue:
    if frame.empty:
        return MetadataValue.md("_(no rows)_")
    shown = frame[list(columns)] if columns else frame
    return MetadataValue.md(shown.head(rows).to_markdown(index=False, floatfmt=".3f"))


def reasons(rejected: pd.DataFrame) -> MetadataValue:
    return preview(rejected, ["store_id", "date", "bay_id", "stage", "reason"], rows=25)
