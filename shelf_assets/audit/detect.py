"""Finding and identifying the product facings in each normalised photo.

Boxes are reported in pixels of the upright original photo (the working copy's pixels divided by its scale),
so they can be drawn on what the store sent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from PIL import Image

from shelf_assets.vision.classical import detect_classical
from shelf_assets.vision.matcher import PackshotMatcher
from shelf_assets.warehouse import StageTable, rejected_frame

STAGE = "detections"
DETECTOR_VERSION = "classical-1"
COLUMNS = [
    "store_id", "date", "bay_id", "x0", "y0", "x1", "y1", "sku_id", "confidence", "detector",
    "match_score", "row", "row_x0", "row_x1", "rows_detected",
]


@functools.lru_cache(maxsize=2)
def catalog_matcher(packshot_dir: Path, sku_ids: tuple[str, ...]) -> PackshotMatcher:
    """One matcher per catalog and process: packshot features are computed once for a whole backfill."""
    return PackshotMatcher.from_folder(packshot_dir, sku_ids)


def detect_store_day(
    normalized: pd.DataFrame,
    matcher: PackshotMatcher,
    run_id: str,
    progress: Callable[[int, int], None] | None = None,
) -> StageTable:
    rows: list[dict] = []
    rejected: list[dict] = []
    photos = list(normalized.itertuples(index=False))
    for done, photo in enumerate(photos, start=1):
        try:
            rows.extend(_detect_one(photo, matcher))
        except Exception as error:  # one photo's failure is dead-lettered; the store-day goes on
            rejected.append(dict(uri=photo.uri, store_id=photo.store_id, date=photo.date, bay_id=photo.bay_id,
                                 run_id=run_id, stage=STAGE, reason=f"detection failed: {type(error).__name__}: {error}"))
        if progress:
            progress(done, len(photos))
    return StageTable(pd.DataFrame.from_records(rows, columns=COLUMNS), rejected_frame(rejected))


def _detect_one(photo, matcher: PackshotMatcher) -> list[dict]:
    with Image.open(photo.working_path) as opened:
        image = opened.convert("RGB")
    found = detect_classical(image, photo.fixture_type)
    matches = matcher.identify(image, found.products)
    extents = {row.row: (row.x_left, row.x_right) for row in found.rows}
    scale = float(photo.scale)
    records = []
    for box, match in zip(found.products, matches):
        row_x0, row_x1 = extents.get(box.row, (0.0, float(image.width)))
        records.append(dict(
            store_id=photo.store_id, date=photo.date, bay_id=photo.bay_id,
            x0=box.x0 / scale, y0=box.y0 / scale, x1=box.x1 / scale, y1=box.y1 / scale,
            sku_id=match.sku_id, confidence=float(box.confidence), detector=found.detector,
            match_score=float(match.score), row=box.row, row_x0=row_x0 / scale, row_x1=row_x1 / scale,
            rows_detected=len(found.rows),
        ))
    return records
