"""Finding and identifying the product facings in each normalised photo, learned path first.

Routing is per photo and fixture type: the learned detector reads the bay with that fixture's settings, and
where it fails or is unsure (no shelf line, facings standing on no line, low confidence) the classical
detector takes over for that photo alone. Every row says which detector produced it and, when the classical
one did on the learned route, why. Identity always comes from the catalog's packshots: through the embedder
on the learned route, through the packshot correlation matcher on the classical route.

Photos go through the learned detector in batches (the GPU resource sizes them and shrinks them when memory
runs short); boxes are reported in pixels of the upright original photo (working pixels divided by `scale`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from PIL import Image

from shelf_assets.vision.accelerator import BatchPolicy, is_out_of_memory, run_in_batches
from shelf_assets.vision.classical import detect_classical
from shelf_assets.vision.learned import EmbeddingMatcher, LearnedDetector, LearnedResult
from shelf_assets.vision.matcher import PackshotMatcher, read_packshots
from shelf_assets.vision.model_files import ModelBundle
from shelf_assets.vision.types import ShelfRow, Spans
from shelf_assets.warehouse import StageTable, rejected_frame

STAGE = "detections"
ROUTING_VERSION = "tiered-12"
"""Version of the routing, decoding and matching code, and so of the rows it writes; the detections asset's code
version adds the packaged model's."""
COLUMNS = [
    "store_id", "date", "bay_id", "x0", "y0", "x1", "y1", "sku_id", "confidence", "detector", "model_version",
    "route_reason", "match_score", "close_skus", "resembled_skus", "occluded", "row", "row_x0", "row_x1", "row_hidden",
    "row_bare", "row_filled", "row_foreshortening", "rows_detected",
]
"""Beyond DESIGN's columns: `close_skus` (SKUs the matcher could not tell from its answer), `resembled_skus` (for
a partly hidden box called unknown, the SKUs that may stand behind what hides it), `occluded` (share of the
box something stands in front of), the row's extent, `row_hidden`, its stretches hidden from the camera as
space-separated `x0:x1` pairs in the same pixels as the boxes, `row_bare` and `row_filled`, its stretches whose part
in sight shows the bay's bare back and something standing (same format), and `row_foreshortening`, how large things
look at its right end against its left (below 1 where the bay turns away from the camera to the right)."""


@dataclass
class Detectors:
    """Everything detection needs for one catalog: the learned nets (None on the classical route) and a matcher."""

    model_version: str
    learned: LearnedDetector | None
    matcher: EmbeddingMatcher | PackshotMatcher
    device: str = "cpu"
    batch_policy: BatchPolicy = BatchPolicy()


@functools.lru_cache(maxsize=2)
def catalog_matcher(packshot_dir: Path, sku_ids: tuple[str, ...]) -> PackshotMatcher:
    """One matcher per catalog and process: packshot features are computed once for a whole backfill."""
    return PackshotMatcher.from_folder(packshot_dir, sku_ids)


def build_detectors(bundle: ModelBundle | None, model_version: str, packshot_dir: Path, sku_ids: Sequence[str],
                    device: str = "cpu", batch_policy: BatchPolicy = BatchPolicy()) -> Detectors:
    if bundle is None:
        return Detectors(model_version, None, catalog_matcher(packshot_dir, tuple(sku_ids)), device, batch_policy)
    return Detectors(model_version, LearnedDetector(bundle.detector, bundle.settings, device),
                     _embedding_matcher(bundle, packshot_dir, tuple(sku_ids), device), device, batch_policy)


@functools.lru_cache(maxsize=2)
def _embedding_matcher(bundle: ModelBundle, packshot_dir: Path, sku_ids: tuple[str, ...], device: str) -> EmbeddingMatcher:
    packshots = read_packshots(packshot_dir, sku_ids)
    correlation = catalog_matcher(packshot_dir, sku_ids) if bundle.matcher_settings.correlation_weight else None
    return EmbeddingMatcher(bundle.embedder, sku_ids, packshots, device, bundle.matcher_settings, correlation)


def detect_store_day(
    normalized: pd.DataFrame,
    detectors: Detectors,
    run_id: str,
    progress: Callable[[int, int], None] | None = None,
) -> StageTable:
    rows: list[dict] = []
    rejected: list[dict] = []
    photos = list(normalized.itertuples(index=False))

    def infer(batch: Sequence) -> list[list[dict] | str]:
        return _detect_batch(batch, detectors)

    for done, (photo, outcome) in enumerate(zip(photos, run_in_batches(photos, infer, detectors.device,
                                                                         detectors.batch_policy)), start=1):
        if isinstance(outcome, str):
            rejected.append(dict(uri=photo.uri, store_id=photo.store_id, date=photo.date, bay_id=photo.bay_id,
                                 run_id=run_id, stage=STAGE, reason=outcome))
        else:
            rows.extend(outcome)
        if progress:
            progress(done, len(photos))
    return StageTable(pd.DataFrame.from_records(rows, columns=COLUMNS), rejected_frame(rejected))


def _detect_batch(photos: Sequence, detectors: Detectors) -> list[list[dict] | str]:
    """Rows of each photo, or the reason it is dead-lettered; one photo's failure never fails the batch."""
    images: list[Image.Image | str] = []
    for photo in photos:
        try:
            with Image.open(photo.working_path) as opened:
                images.append(opened.convert("RGB"))
        except Exception as error:  # an unreadable working copy is this photo's problem alone
            images.append(f"detection failed: working copy unreadable: {type(error).__name__}: {error}")
    learned = _learned_results(photos, images, detectors)
    outcomes: list[list[dict] | str] = []
    for photo, image, result in zip(photos, images, learned):
        if isinstance(image, str):
            outcomes.append(image)
            continue
        try:
            outcomes.append(_rows_of(photo, image, result, detectors))
        except Exception as error:  # dead-lettered with its reason; the store-day goes on
            outcomes.append(f"detection failed: {type(error).__name__}: {error}")
    return outcomes


def _learned_results(photos: Sequence, images: Sequence[Image.Image | str],
                     detectors: Detectors) -> list[LearnedResult | None]:
    """The learned detector's reading of every readable photo (None where it is not used)."""
    results: list[LearnedResult | None] = [None] * len(photos)
    if detectors.learned is None:
        return results
    readable = [index for index, image in enumerate(images) if not isinstance(image, str)]
    try:
        found = detectors.learned.detect_batch([images[i] for i in readable],
                                               [photos[i].fixture_type for i in readable])
    except Exception as error:
        if is_out_of_memory(error):
            raise
        reason = f"learned detector failed: {type(error).__name__}: {error}"
        found = [LearnedResult(None, reason) for _ in readable]
    for index, result in zip(readable, found):
        results[index] = result
    return results


def _rows_of(photo, image: Image.Image, learned: LearnedResult | None, detectors: Detectors) -> list[dict]:
    if learned is not None and learned.detection is not None:
        found, reason = learned.detection, ""
    else:
        found = detect_classical(image, photo.fixture_type)
        reason = learned.unsure_because if learned is not None else ""
    matches = detectors.matcher.identify(image, found.products)
    rows = {row.row: row for row in found.rows}
    scale = float(photo.scale)

    def spans(stretches: Spans) -> str:
        return " ".join(f"{x0 / scale:.1f}:{x1 / scale:.1f}" for x0, x1 in stretches)

    records = []
    for box, match in zip(found.products, matches):
        row = rows.get(box.row, ShelfRow(box.row, 0.0, 0.0, 0.0, float(image.width)))
        records.append(dict(
            store_id=photo.store_id, date=photo.date, bay_id=photo.bay_id,
            x0=box.x0 / scale, y0=box.y0 / scale, x1=box.x1 / scale, y1=box.y1 / scale,
            sku_id=match.sku_id, confidence=float(box.confidence), detector=found.detector,
            model_version=detectors.model_version, route_reason=reason or "",
            match_score=float(match.score), close_skus=" ".join(match.close_skus),
            resembled_skus=" ".join(match.resembled_skus),
            occluded=round(float(box.occluded), 3), row=box.row,
            row_x0=row.x_left / scale, row_x1=row.x_right / scale, row_hidden=spans(row.hidden),
            row_bare=spans(row.bare), row_filled=spans(row.filled), row_foreshortening=round(row.foreshortening, 4),
            rows_detected=len(found.rows),
        ))
    return records
