"""Training the shelf detector: centre heatmaps, box sizes, shelf lines and occluders from simulated bays.

Every sample is a random window of a random bay, rescaled, mirrored and re-lit, so the network meets
resolutions, lighting and framings the renderer never produced as such; catalogs differ from shard to shard,
so it cannot learn one catalog's packs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from torch.nn import functional

from shelf_assets.learning.augment import relight
from shelf_assets.learning.dataset import OCCLUDER_STRIDE, Shard
from shelf_assets.learning.loop import optimise
from shelf_assets.learning.prefetch import prefetched
from shelf_assets.vision.nets import ShelfDetectorNet, normalise_pixels

WINDOW = 384
SCALE_RANGE = (0.7, 1.3)
CENTRE_SIGMA_SHARE = 0.12
LINE_SIGMA_CELLS = 0.8
SIZE_WEIGHT = 1.0
OFFSET_WEIGHT = 1.0
LINE_WEIGHT = 1.0
OCCLUDER_WEIGHT = 1.0


@dataclass(frozen=True)
class DetectorTrainingConfig:
    steps: int = 6000
    batch_size: int = 12
    learning_rate: float = 2e-3
    width: int = 32


def _window(shard: Shard, index: int, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A rescaled, mirrored WINDOW×WINDOW window of one bay with its boxes, shelf lines and occluder mask."""
    width, height = shard.sizes[index]
    scale = float(rng.uniform(*SCALE_RANGE))
    scaled = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = Image.fromarray(shard.images[index, :height, :width]).resize(scaled, Image.Resampling.BILINEAR)
    mask_cells = (-(-width // OCCLUDER_STRIDE), -(-height // OCCLUDER_STRIDE))
    mask = Image.fromarray(shard.occluders[index, :mask_cells[1], :mask_cells[0]]).resize(
        scaled, Image.Resampling.BILINEAR)
    pixels = np.zeros((max(WINDOW, scaled[1]), max(WINDOW, scaled[0]), 3), dtype=np.uint8)
    pixels[:scaled[1], :scaled[0]] = np.asarray(image)
    hidden = np.zeros(pixels.shape[:2], dtype=np.uint8)
    hidden[:scaled[1], :scaled[0]] = np.asarray(mask)
    left = int(rng.integers(0, pixels.shape[1] - WINDOW + 1))
    top = int(rng.integers(0, pixels.shape[0] - WINDOW + 1))
    pixels = pixels[top:top + WINDOW, left:left + WINDOW]
    hidden = hidden[top:top + WINDOW, left:left + WINDOW]
    shift = np.array([left, top, left, top], dtype=np.float32)
    boxes = shard.boxes[index] * scale - shift
    lines = shard.lines[index] * scale - shift
    if rng.random() < 0.5:
        pixels, hidden = pixels[:, ::-1], hidden[:, ::-1]
        boxes = np.stack([WINDOW - boxes[:, 2], boxes[:, 1], WINDOW - boxes[:, 0], boxes[:, 3]], axis=1)
        lines = np.stack([WINDOW - lines[:, 2], lines[:, 3], WINDOW - lines[:, 0], lines[:, 1]], axis=1)
    return np.ascontiguousarray(pixels), boxes, lines, np.ascontiguousarray(hidden)


def detector_targets(boxes: np.ndarray, lines: np.ndarray, height: int, width: int,
                     occluders: np.ndarray | None = None,
                     stride: int = ShelfDetectorNet.STRIDE) -> dict[str, np.ndarray]:
    """Heatmaps and regression targets on the stride grid of one (height, width) image; `occluders` is its
    (height, width) uint8 mask of what hides the products (none when absent)."""
    rows, cols = height // stride, width // stride
    centre = np.zeros((rows, cols), dtype=np.float32)
    size = np.zeros((2, rows, cols), dtype=np.float32)
    offset = np.zeros((2, rows, cols), dtype=np.float32)
    mask = np.zeros((rows, cols), dtype=np.float32)
    grid_y, grid_x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    for x0, y0, x1, y1 in boxes:
        cx, cy = (x0 + x1) / 2 / stride, (y0 + y1) / 2 / stride
        bw, bh = (x1 - x0) / stride, (y1 - y0) / stride
        if bw < 0.5 or bh < 0.5 or not (0 <= cx < cols and 0 <= cy < rows):
            continue
        sigma_x, sigma_y = max(0.5, CENTRE_SIGMA_SHARE * bw), max(0.5, CENTRE_SIGMA_SHARE * bh)
        bump = np.exp(-((grid_x - cx + 0.5) ** 2) / (2 * sigma_x ** 2) - ((grid_y - cy + 0.5) ** 2) / (2 * sigma_y ** 2))
        centre = np.maximum(centre, bump)
        col, row = int(cx), int(cy)
        centre[row, col] = 1.0
        size[:, row, col] = (math.log(bw), math.log(bh))
        offset[:, row, col] = (cx - col, cy - row)
        mask[row, col] = 1.0
    line_map = np.zeros((rows, cols), dtype=np.float32)
    for x0, y0, x1, y1 in lines:
        first, last = max(0, int(math.floor(min(x0, x1) / stride))), min(cols - 1, int(math.ceil(max(x0, x1) / stride)))
        if last < first or x1 == x0:
            continue
        xs = (np.arange(first, last + 1, dtype=np.float32) + 0.5) * stride
        ys = (y0 + (xs - x0) * (y1 - y0) / (x1 - x0)) / stride
        bump = np.exp(-((grid_y[:, first:last + 1] - ys[None, :] + 0.5) ** 2) / (2 * LINE_SIGMA_CELLS ** 2))
        line_map[:, first:last + 1] = np.maximum(line_map[:, first:last + 1], bump)
    if occluders is None:
        hidden = np.zeros((rows, cols), dtype=np.float32)
    else:
        cells = occluders[:rows * stride, :cols * stride].astype(np.float32) / 255.0
        hidden = cells.reshape(rows, stride, cols, stride).mean(axis=(1, 3))
    return {"centre": centre, "size": size, "offset": offset, "mask": mask, "shelf_line": line_map,
            "occluder": hidden}


def focal_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss: exact peaks are positives, their gaussian shoulders are soft."""
    probability = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    positive = target.eq(1).float()
    positive_loss = -torch.log(probability) * (1 - probability) ** 2 * positive
    negative_loss = -torch.log(1 - probability) * probability ** 2 * (1 - target) ** 4 * (1 - positive)
    return (positive_loss.sum() + negative_loss.sum()) / positive.sum().clamp(min=1.0)


def detector_loss(outputs: dict[str, torch.Tensor], targets: dict[str, torch.Tensor]) -> torch.Tensor:
    mask = targets["mask"].unsqueeze(1)
    centres = mask.sum().clamp(min=1.0)
    size_loss = (functional.l1_loss(outputs["size"], targets["size"], reduction="none") * mask).sum() / centres
    offset_loss = (functional.l1_loss(torch.sigmoid(outputs["offset"]), targets["offset"], reduction="none")
                   * mask).sum() / centres
    line_target = targets["shelf_line"].unsqueeze(1)
    line_loss = functional.binary_cross_entropy_with_logits(
        outputs["shelf_line"], line_target, pos_weight=torch.tensor(4.0))
    occluder_loss = functional.binary_cross_entropy_with_logits(
        outputs["occluder"], targets["occluder"].unsqueeze(1))
    return (focal_loss(outputs["centre"], targets["centre"].unsqueeze(1)) + SIZE_WEIGHT * size_loss
            + OFFSET_WEIGHT * offset_loss + LINE_WEIGHT * line_loss + OCCLUDER_WEIGHT * occluder_loss)


def _batch(shards: Sequence[Shard], batch_size: int, rng: np.random.Generator) -> tuple[torch.Tensor, dict]:
    pixels, targets = [], []
    for _ in range(batch_size):
        shard = shards[int(rng.integers(len(shards)))]
        window, boxes, lines, occluders = _window(shard, int(rng.integers(len(shard.sizes))), rng)
        pixels.append(window)
        targets.append(detector_targets(boxes, lines, WINDOW, WINDOW, occluders))
    stacked = {key: torch.from_numpy(np.stack([t[key] for t in targets])) for key in targets[0]}
    images = relight(torch.from_numpy(np.stack(pixels)), rng)
    return images, stacked


def train_detector(shards: Sequence[Shard], config: DetectorTrainingConfig, seed: int,
                   progress: Callable[[int, int, float], None] | None = None) -> ShelfDetectorNet:
    """Train from `seed` alone: initial weights, sample order and augmentation all derive from it."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = ShelfDetectorNet(config.width)

    batches = prefetched(lambda: _batch(shards, config.batch_size, rng), config.steps)

    def step_loss() -> torch.Tensor:
        images, targets = next(batches)
        return detector_loss(net(normalise_pixels(images)), targets)

    return optimise(net, step_loss, config.steps, config.learning_rate, progress)
