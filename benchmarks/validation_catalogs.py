"""What the studies on validation catalogs share: which catalogs and bays to render, and the pipeline's matcher
for a catalog."""

from __future__ import annotations

import argparse

from shelf_assets.learning.scenes import catalog_packshots
from shelf_assets.simulation.catalog import build_catalog
from shelf_assets.simulation.render import DIFFICULTIES
from shelf_assets.vision.learned import EmbeddingMatcher
from shelf_assets.vision.matcher import PackshotMatcher
from shelf_assets.vision.model_files import ModelBundle


def add_catalog_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", default="900000-900005", help="catalog seeds, FIRST-LAST")
    parser.add_argument("--bays", type=int, default=12, help="bay photos per catalog")
    parser.add_argument("--difficulty", choices=sorted(DIFFICULTIES), default="hard")


def seed_range(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def catalog_matcher(bundle: ModelBundle, seed: int) -> EmbeddingMatcher:
    """The learned matcher fused with the packshot correlation, as `detections` builds it, for one catalog."""
    catalog = build_catalog(seed)
    drawn = catalog_packshots(catalog)
    sku_ids = [sku.product_id for sku in catalog.skus]
    packshots = [drawn[sku_id] for sku_id in sku_ids]
    return EmbeddingMatcher(bundle.embedder, sku_ids, packshots, settings=bundle.matcher_settings,
                            correlation=PackshotMatcher(sku_ids, packshots))
