"""Training the product embedder: each crop must lie nearest to its own SKU's packshot among all of its
catalog's packshots, siblings included, or below the learned unknown threshold when the catalog lacks it.

Each step takes one catalog, so the negatives are exactly what inference will face: the same brand's
siblings. Foreign products are rare on a shelf, so unknowns are also made by hiding the packshots of a few
SKUs for the step: their crops must then come out unknown, even though a sibling's packshot is right there.

Training runs in two stages. The first learns on the detector's catalogs, and fits them better than catalogs it has
never seen (0.96 top-1 on its own catalogs' crops, 0.89 on others'). The second, widening, carries on at a lower rate
over those catalogs and many more, each rendered with only a few bays: the embedder learns from a catalog's looks, its
packshots and their crops, and a few bays show most of them. benchmarks/README.md gives what each part of the second
stage was worth.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from torch.nn import functional

from shelf_assets.learning.augment import relight
from shelf_assets.learning.dataset import Shard
from shelf_assets.learning.loop import optimise
from shelf_assets.vision.crops import EMBED_HEIGHT, EMBED_WIDTH, box_in_context
from shelf_assets.vision.nets import ProductEmbedder, normalise_pixels

BOX_JITTER = 0.06
HIDDEN_SKU_SHARE = 0.12
FOREIGN_SHARE = 0.15


@dataclass(frozen=True)
class EmbedderTrainingConfig:
    steps: int = 10000
    crops_per_step: int = 96
    learning_rate: float = 2e-3
    dimensions: int = 96
    width: int = 24


@dataclass(frozen=True)
class WideningConfig:
    catalogs: int = 240
    scenes_per_catalog: int = 6
    steps: int = 3000
    learning_rate: float = 5e-4


def jittered_crop(context: np.ndarray, rng: np.random.Generator, jitter: float = BOX_JITTER) -> np.ndarray:
    """The embedder's input cut from a context crop with the box moved and resized as a detector's would be."""
    x0, y0, x1, y1 = box_in_context(context.shape[1], context.shape[0])
    box_w, box_h = x1 - x0, y1 - y0
    dx0, dx1 = rng.uniform(-jitter, jitter, 2) * box_w
    dy0, dy1 = rng.uniform(-jitter, jitter, 2) * box_h
    region = (x0 + dx0, y0 + dy0, x0 + box_w + dx1, y0 + box_h + dy1)
    return np.asarray(Image.fromarray(context).resize((EMBED_WIDTH, EMBED_HEIGHT), Image.Resampling.BILINEAR,
                                                      box=region))


def _step_batch(shard: Shard, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(crops, labels with -1 for unknown, indices of the packshots shown this step)."""
    skus = len(shard.faces)
    hidden = rng.random(skus) < HIDDEN_SKU_SHARE
    shown = np.flatnonzero(~hidden)
    foreign = np.flatnonzero(shard.crop_labels < 0)
    known = np.flatnonzero(shard.crop_labels >= 0)
    foreign_count = min(len(foreign), int(count * FOREIGN_SHARE))
    chosen = np.concatenate([rng.choice(foreign, foreign_count) if foreign_count else np.zeros(0, dtype=int),
                             rng.choice(known, count - foreign_count)])
    crops = np.stack([jittered_crop(shard.crops[index], rng) for index in chosen])
    new_index = np.full(skus, -1)
    new_index[shown] = np.arange(len(shown))
    labels = np.array([new_index[label] if label >= 0 else -1 for label in shard.crop_labels[chosen]])
    return crops, labels, shown


def embedder_logits(net: ProductEmbedder, crops: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    """(crops, faces + 1) logits: cosine similarities and, last, the unknown threshold, over the temperature."""
    crop_vectors = net(normalise_pixels(crops))
    face_vectors = net(normalise_pixels(faces))
    similarity = crop_vectors @ face_vectors.T
    threshold = net.unknown_threshold.expand(similarity.shape[0], 1)
    return torch.cat([similarity, threshold], dim=1) / net.log_temperature.exp()


def train_embedder(shards: Sequence[Shard], config: EmbedderTrainingConfig, seed: int,
                   progress: Callable[[int, int, float], None] | None = None) -> ProductEmbedder:
    torch.manual_seed(seed)
    net = ProductEmbedder(config.dimensions, config.width)
    return _fit(net, shards, config.crops_per_step, config.steps, config.learning_rate, seed, progress)


def widen_embedder(net: ProductEmbedder, shards: Sequence[Shard], crops_per_step: int, widening: WideningConfig,
                   seed: int, progress: Callable[[int, int, float], None] | None = None) -> ProductEmbedder:
    """The second stage: `net` carries on over `shards`, the first stage's catalogs and the widening ones."""
    return _fit(net, shards, crops_per_step, widening.steps, widening.learning_rate, seed + 1, progress)


def _fit(net: ProductEmbedder, shards: Sequence[Shard], crops_per_step: int, steps: int, learning_rate: float,
         seed: int, progress: Callable[[int, int, float], None] | None) -> ProductEmbedder:
    rng = np.random.default_rng(seed)

    def step_loss() -> torch.Tensor:
        shard = shards[int(rng.integers(len(shards)))]
        crops, labels, shown = _step_batch(shard, crops_per_step, rng)
        crop_pixels = relight(torch.from_numpy(crops), rng, strength=0.6)
        face_pixels = relight(torch.from_numpy(np.ascontiguousarray(shard.faces[shown])), rng, strength=0.4)
        target = torch.from_numpy(np.where(labels < 0, len(shown), labels))
        return functional.cross_entropy(embedder_logits(net, crop_pixels, face_pixels), target)

    return optimise(net, step_loss, steps, learning_rate, progress)
