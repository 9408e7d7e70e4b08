"""Receiving a store-day's uploads: every file in the folder becomes a manifest row or a rejection."""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

import pandas as pd

from shelf_assets.bucket import BucketError, PhotoBucket
from shelf_assets.identifiers import is_identifier
from shelf_assets.master import MasterData
from shelf_assets.vision.photos import PhotoError, probe_photo
from shelf_assets.warehouse import StageTable, rejected_frame

STAGE = "raw_photos"
MANIFEST_COLUMNS = [
    "uri", "store_id", "date", "bay_id", "planogram_id", "fixture_type",
    "checksum", "bytes", "format", "width", "height", "orientation",
]


def receive_store_day(bucket: PhotoBucket, master: MasterData, store_id: str, date: str, run_id: str) -> StageTable:
    """Manifest of the accepted photos (sha256, size, upright dimensions, EXIF orientation) and the rejected files."""
    accepted: list[dict] = []
    rejected: list[dict] = []
    seen_bays: dict[str, str] = {}
    for obj in bucket.list_photos(store_id, date):
        stem, suffix = PurePosixPath(obj.file_name).stem, PurePosixPath(obj.file_name).suffix.lower()
        bay_id = stem if is_identifier(stem) else ""

        def reject(reason: str) -> None:
            rejected.append(dict(uri=obj.uri, store_id=store_id, date=date, bay_id=bay_id, run_id=run_id,
                                 stage=STAGE, reason=reason))

        if suffix not in (".jpg", ".jpeg", ".png"):
            reject(f"not a photo file: {obj.file_name!r} (expected <bay_id>.jpg, .jpeg or .png)")
            continue
        if not bay_id:
            reject(f"invalid bay id {stem!r} in file name: expected 1-32 characters of A-Z a-z 0-9 _ -")
            continue
        if bay_id in seen_bays:
            reject(f"second photo for bay {bay_id} (already have {seen_bays[bay_id]}); one photo per bay per day")
            continue
        plan = master.bay_plan(store_id, bay_id)
        if plan is None:
            reject(f"bay {bay_id} of store {store_id} is not in store_bays.csv, so it has no planogram")
            continue
        try:
            data = bucket.read(obj)
            if not data:
                raise PhotoError("empty file (0 bytes)")
            info = probe_photo(data)
        except (BucketError, PhotoError) as error:
            reject(str(error))
            continue
        seen_bays[bay_id] = obj.file_name
        accepted.append(dict(
            uri=obj.uri, store_id=store_id, date=date, bay_id=bay_id, planogram_id=plan.planogram_id,
            fixture_type=plan.fixture_type, checksum=hashlib.sha256(data).hexdigest(), bytes=len(data),
            format=info.format, width=info.width, height=info.height, orientation=info.orientation,
        ))
    return StageTable(pd.DataFrame.from_records(accepted, columns=MANIFEST_COLUMNS), rejected_frame(rejected))
