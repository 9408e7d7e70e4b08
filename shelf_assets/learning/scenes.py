"""Training scenes: simulated bays seen exactly as the pipeline sees them.

Each scene is rendered by the simulator from a catalog seed of its own, encoded like a phone, then decoded and
lighting-normalised by the same functions as `normalized_images`, so the models learn on the pipeline's working
copies and not on the renderer's clean pixels. Truth comes along in working-copy pixels: product boxes, whether
each product is in the catalog, the line each shelf's products stand on (the detector learns rows from it) and a
mask of whatever stands in front of the products or washes them out with glare (the detector learns to tell a
hidden facing from a gap).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
from PIL import Image

from shelf_assets.simulation.catalog import Catalog, build_catalog, draw_packshot
from shelf_assets.simulation.drawing import derive_rng
from shelf_assets.simulation.planograms import Planogram, build_planograms, build_stores
from shelf_assets.simulation.render import (
    DIFFICULTIES, encode_photo, project, render_photo, store_look, unreadable,
)
from shelf_assets.simulation.shelf_state import true_shelf
from shelf_assets.vision.crops import packshot_face
from shelf_assets.vision.lighting import normalize_lighting
from shelf_assets.vision.photos import decode_photo

DIFFICULTY_MIX = (("easy", 0.2), ("normal", 0.3), ("hard", 0.5))
RENDER_LONG_SIDES = (1008, 1600)
SCENES_PER_CATALOG = 24


@dataclass(frozen=True)
class TrainingScene:
    """One working copy with its truth, in the working copy's pixels."""

    catalog_seed: int
    fixture_type: str
    difficulty: str
    image: np.ndarray
    boxes: np.ndarray
    product_ids: tuple[str, ...]
    planned_sku_ids: tuple[str, ...]
    in_catalog: np.ndarray
    occluded: np.ndarray
    shelf_lines: np.ndarray
    occluders: np.ndarray


def shelf_lines(planogram: Planogram, to_image: np.ndarray) -> np.ndarray:
    """(shelves, 4) x0, y0, x1, y1 of the line each shelf's products stand on, in photo pixels."""
    lines = []
    for shelf in planogram.shelves:
        ends = project(to_image, np.array([[0.0, shelf.floor_mm], [planogram.width_mm, shelf.floor_mm]]))
        lines.append(ends.reshape(-1))
    return np.array(lines, dtype=np.float32)


def catalog_packshots(catalog: Catalog) -> dict[str, Image.Image]:
    return {product.product_id: draw_packshot(product) for product in (*catalog.skus, *catalog.foreign)}


def render_scenes(catalog_seed: int, count: int = SCENES_PER_CATALOG,
                  difficulty: str | None = None) -> tuple[list[TrainingScene], dict[str, Image.Image]]:
    """`count` scenes of one catalog (its planograms in turn, stores, days and difficulties drawn from the seed,
    or every scene at `difficulty`), and the catalog's packshot faces (SKUs only: foreign products have none, as
    in a retailer's master data)."""
    catalog = build_catalog(catalog_seed)
    planograms = build_planograms(catalog, catalog_seed)
    stores = build_stores(4, catalog_seed)
    drawn = catalog_packshots(catalog)
    rng = derive_rng(catalog_seed, "training-scenes")
    names = [name for name, _ in DIFFICULTY_MIX]
    weights = [weight for _, weight in DIFFICULTY_MIX]
    scenes = []
    for index in range(count):
        planogram = planograms[index % len(planograms)]
        store = stores[int(rng.integers(len(stores)))]
        date = (datetime.date(2025, 1, 1) + datetime.timedelta(days=int(rng.integers(365)))).isoformat()
        bay_id = f"bay-{index:03d}"
        mixed_difficulty = str(rng.choice(names, p=weights))
        scene_difficulty = difficulty or mixed_difficulty
        state = true_shelf(planogram, catalog, catalog_seed, store.store_id, date, bay_id)
        photo_rng = derive_rng(catalog_seed, "training-photo", str(index))
        long_side = int(photo_rng.integers(*RENDER_LONG_SIDES))
        photo = render_photo(planogram, state, catalog, drawn, store_look(catalog_seed, store.store_id),
                             DIFFICULTIES[scene_difficulty], photo_rng, long_side=long_side)
        decoded = decode_photo(encode_photo(photo, datetime.datetime(2025, 1, 1, 9)))
        working = normalize_lighting(decoded.image)
        scale = decoded.scale
        planned = {(slot.shelf, slot.position): slot.sku_id for slot in planogram.slots()}
        scenes.append(TrainingScene(
            catalog_seed=catalog_seed, fixture_type=planogram.fixture_type, difficulty=scene_difficulty,
            image=np.asarray(working, dtype=np.uint8),
            boxes=np.array([product.box for product in photo.products], dtype=np.float32).reshape(-1, 4) * scale,
            product_ids=tuple(product.product_id for product in photo.products),
            planned_sku_ids=tuple(planned[(product.shelf, product.position)] for product in photo.products),
            in_catalog=np.array([product.in_catalog for product in photo.products], dtype=bool),
            occluded=np.array([product.occluded for product in photo.products], dtype=np.float32),
            shelf_lines=shelf_lines(planogram, photo.homography) * scale,
            occluders=np.asarray(unreadable(photo.occluders, photo.glare).resize(working.size,
                                                                                  Image.Resampling.BILINEAR)),
        ))
    faces = {sku.product_id: packshot_face(drawn[sku.product_id]) for sku in catalog.skus}
    return scenes, faces
