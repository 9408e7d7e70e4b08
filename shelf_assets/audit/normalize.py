"""Decoding each accepted photo once at working resolution, correcting its lighting and keeping a working copy.

Two photos are in flight at a time (Pillow's decoder releases the GIL), so decoding overlaps with writing and a
store-day never sits in memory at once.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from shelf_assets.atomic import write_bytes
from shelf_assets.bucket import BucketError, BucketObject, PhotoBucket
from shelf_assets.vision.lighting import measure_quality, normalize_lighting, usability_problem
from shelf_assets.vision.photos import WORKING_LONG_SIDE, PhotoError, decode_photo
from shelf_assets.warehouse import StageTable, rejected_frame

STAGE = "normalized_images"
WORKING_JPEG_QUALITY = 92
COLUMNS = [
    "store_id", "date", "bay_id", "uri", "planogram_id", "fixture_type", "working_path",
    "original_width", "original_height", "working_width", "working_height", "scale",
    "blur", "glare", "exposure", "contrast",
]


def normalize_store_day(
    manifest: pd.DataFrame,
    bucket: PhotoBucket,
    working_path_for: Callable[[str], Path],
    run_id: str,
    long_side: int = WORKING_LONG_SIDE,
    progress: Callable[[int, int], None] | None = None,
) -> StageTable:
    rows: list[dict] = []
    rejected: list[dict] = []
    photos = list(manifest.itertuples(index=False))

    def work(photo) -> dict:
        obj = BucketObject(photo.uri, photo.store_id, photo.date, Path(photo.uri).name, int(photo.bytes))
        return _normalize_one(photo, bucket.read(obj), working_path_for(photo.bay_id), long_side)

    for done, (photo, outcome) in enumerate(_in_parallel(work, photos), start=1):
        if isinstance(outcome, dict):
            rows.append(outcome)
        else:
            rejected.append(dict(uri=photo.uri, store_id=photo.store_id, date=photo.date, bay_id=photo.bay_id,
                                 run_id=run_id, stage=STAGE, reason=outcome))
        if progress:
            progress(done, len(photos))
    return StageTable(pd.DataFrame.from_records(rows, columns=COLUMNS), rejected_frame(rejected))


def _normalize_one(photo, data: bytes, working_path: Path, long_side: int) -> dict:
    decoded = decode_photo(data, long_side)
    quality = measure_quality(decoded.image)
    problem = usability_problem(quality)
    if problem:
        raise PhotoError(problem)
    normalized = normalize_lighting(decoded.image)
    buffer = io.BytesIO()
    normalized.save(buffer, "JPEG", quality=WORKING_JPEG_QUALITY)
    write_bytes(buffer.getvalue(), working_path)
    return dict(
        store_id=photo.store_id, date=photo.date, bay_id=photo.bay_id, uri=photo.uri,
        planogram_id=photo.planogram_id, fixture_type=photo.fixture_type, working_path=str(working_path),
        original_width=decoded.original_size[0], original_height=decoded.original_size[1],
        working_width=normalized.width, working_height=normalized.height, scale=decoded.scale,
        blur=quality.blur, glare=quality.glare, exposure=quality.exposure, contrast=quality.contrast,
    )


def _in_parallel(work: Callable, items: list, workers: int = 2) -> Iterator[tuple[object, dict | str]]:
    """Yield (item, result or rejection reason) in order, so one bad photo never takes the others down."""

    def guarded(item):
        try:
            return work(item)
        except (PhotoError, BucketError) as error:
            return str(error)
        except Exception as error:  # an unforeseen decoder failure is still this photo's problem alone
            return f"unexpected {type(error).__name__}: {error}"

    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from zip(items, pool.map(guarded, items))
