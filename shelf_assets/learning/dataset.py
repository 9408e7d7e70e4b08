"""Training shards: what the trainers need of each catalog's scenes, rendered once and kept on disk.

A shard holds one catalog: the detector's bay images (padded to a square of the detector's long side), their
boxes and shelf lines in detector pixels, masks of what hides the products, the embedder's context crops with the
SKU each shows (-1 for a product the catalog does not list) and the catalog's packshot faces. Shards are written
atomically and reused when a training run is repeated with the same seeds.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from shelf_assets.atomic import write_bytes
from shelf_assets.learning.scenes import render_scenes
from shelf_assets.vision.crops import DETECTOR_LONG_SIDE, context_crops, detector_scale

MAX_CROP_OCCLUSION = 0.4
OCCLUDER_STRIDE = 4
"""Occluder masks are kept at a quarter of the detector's pixels: the detector predicts them every 8."""
SHARD_FORMAT = 3


@dataclass(frozen=True)
class Shard:
    catalog_seed: int
    images: np.ndarray
    sizes: np.ndarray
    fixture_types: np.ndarray
    difficulties: np.ndarray
    boxes: list[np.ndarray]
    lines: list[np.ndarray]
    crops: np.ndarray
    crop_labels: np.ndarray
    faces: np.ndarray
    occluders: np.ndarray


def build_shard(catalog_seed: int, scenes_per_catalog: int) -> Shard:
    scenes, faces = render_scenes(catalog_seed, scenes_per_catalog)
    sku_ids = list(faces)
    label_of = {sku_id: index for index, sku_id in enumerate(sku_ids)}
    images = np.zeros((len(scenes), DETECTOR_LONG_SIDE, DETECTOR_LONG_SIDE, 3), dtype=np.uint8)
    mask_side = DETECTOR_LONG_SIDE // OCCLUDER_STRIDE
    occluders = np.zeros((len(scenes), mask_side, mask_side), dtype=np.uint8)
    sizes, boxes, lines, crops, labels = [], [], [], [], []
    for index, scene in enumerate(scenes):
        working = Image.fromarray(scene.image)
        scale = detector_scale(working.size)
        width, height = round(working.width * scale), round(working.height * scale)
        images[index, :height, :width] = np.asarray(working.resize((width, height), Image.Resampling.BILINEAR))
        mask_size = (max(1, round(width / OCCLUDER_STRIDE)), max(1, round(height / OCCLUDER_STRIDE)))
        occluders[index, :mask_size[1], :mask_size[0]] = np.asarray(
            Image.fromarray(scene.occluders).resize(mask_size, Image.Resampling.BOX))
        sizes.append((width, height))
        boxes.append(scene.boxes * scale)
        lines.append(scene.shelf_lines * scale)
        usable = scene.occluded <= MAX_CROP_OCCLUSION
        if usable.any():
            crops.append(context_crops(working, scene.boxes[usable]))
            labels.extend(label_of.get(product_id, -1) if known else -1
                          for product_id, known in zip(np.array(scene.product_ids)[usable], scene.in_catalog[usable]))
    return Shard(
        catalog_seed=catalog_seed, images=images, sizes=np.array(sizes, dtype=np.int32),
        fixture_types=np.array([scene.fixture_type for scene in scenes]),
        difficulties=np.array([scene.difficulty for scene in scenes]),
        boxes=boxes, lines=lines, crops=np.concatenate(crops), crop_labels=np.array(labels, dtype=np.int32),
        faces=np.stack([faces[sku_id] for sku_id in sku_ids]), occluders=occluders,
    )


def shard_path(cache: Path, catalog_seed: int, scenes_per_catalog: int) -> Path:
    return cache / f"catalog-{catalog_seed}-{scenes_per_catalog}-v{SHARD_FORMAT}.npz"


def save_shard(shard: Shard, path: Path) -> None:
    buffer = io.BytesIO()
    np.savez(
        buffer, catalog_seed=shard.catalog_seed, images=shard.images, sizes=shard.sizes,
        fixture_types=shard.fixture_types, difficulties=shard.difficulties,
        box_counts=np.array([len(b) for b in shard.boxes]), boxes=np.concatenate(shard.boxes),
        line_counts=np.array([len(line) for line in shard.lines]), lines=np.concatenate(shard.lines),
        crops=shard.crops, crop_labels=shard.crop_labels, faces=shard.faces, occluders=shard.occluders,
    )
    write_bytes(buffer.getvalue(), path)


def load_shard(path: Path, scenes: bool = True) -> Shard:
    """The whole shard, or (`scenes` False) only what the embedder learns from: crops, their labels and the faces.
    The bay images are most of a shard's bytes, and the embedder trains on hundreds of shards."""
    with np.load(path, allow_pickle=False) as data:
        if not scenes:
            nothing = np.zeros(0)
            return Shard(catalog_seed=int(data["catalog_seed"]), images=nothing, sizes=nothing, fixture_types=nothing,
                         difficulties=nothing, boxes=[], lines=[], crops=data["crops"],
                         crop_labels=data["crop_labels"], faces=data["faces"], occluders=nothing)
        box_splits = np.cumsum(data["box_counts"])[:-1]
        line_splits = np.cumsum(data["line_counts"])[:-1]
        return Shard(
            catalog_seed=int(data["catalog_seed"]), images=data["images"], sizes=data["sizes"],
            fixture_types=data["fixture_types"], difficulties=data["difficulties"],
            boxes=np.split(data["boxes"], box_splits), lines=np.split(data["lines"], line_splits),
            crops=data["crops"], crop_labels=data["crop_labels"], faces=data["faces"], occluders=data["occluders"],
        )


def _build_and_save(job: tuple[int, int, Path]) -> Path:
    catalog_seed, scenes_per_catalog, path = job
    save_shard(build_shard(catalog_seed, scenes_per_catalog), path)
    return path


def ensure_shards(cache: Path, catalog_seeds: Sequence[int], scenes_per_catalog: int, workers: int = 2,
                  progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Render the shards that are missing (in `workers` processes) and return every shard's path, in seed order."""
    paths = [shard_path(cache, seed, scenes_per_catalog) for seed in catalog_seeds]
    missing = [(seed, scenes_per_catalog, path) for seed, path in zip(catalog_seeds, paths) if not path.exists()]
    done = len(paths) - len(missing)
    if progress:
        progress(done, len(paths))
    if missing:
        with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
            for _ in pool.map(_build_and_save, missing):
                done += 1
                if progress:
                    progress(done, len(paths))
    return paths
