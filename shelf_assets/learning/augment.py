"""Photometric augmentation of whole batches: the lighting, focus and sensor noise of phones the renderer
never imitated. Geometry is augmented where samples are cut, since boxes have to follow it."""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional


def relight(images: torch.Tensor, rng: np.random.Generator, strength: float = 1.0) -> torch.Tensor:
    """(N, H, W, 3) uint8 → float 0..255 of the same shape, every sample lit, blurred and noised its own way."""
    count = images.shape[0]
    pixels = images.permute(0, 3, 1, 2).float() / 255.0

    def draw(low: float, high: float, shape: tuple[int, ...]) -> torch.Tensor:
        centre, half = (low + high) / 2, (high - low) / 2 * strength
        return torch.from_numpy(rng.uniform(centre - half, centre + half, shape).astype(np.float32))

    gains = draw(0.8, 1.2, (count, 3, 1, 1)) * draw(0.65, 1.3, (count, 1, 1, 1))
    gamma = torch.exp(draw(-0.35, 0.35, (count, 1, 1, 1)))
    pixels = (pixels * gains).clamp(0, 1) ** gamma
    contrast = draw(0.7, 1.2, (count, 1, 1, 1))
    mean = pixels.mean(dim=(1, 2, 3), keepdim=True)
    pixels = (mean + (pixels - mean) * contrast).clamp(0, 1)
    blurred = functional.avg_pool2d(functional.pad(pixels, (1, 1, 1, 1), mode="replicate"), 3, 1)
    blur_mix = torch.from_numpy((rng.random((count, 1, 1, 1)) < 0.3).astype(np.float32)) * draw(0.3, 1.0, (count, 1, 1, 1))
    pixels = pixels * (1 - blur_mix) + blurred * blur_mix
    noise = draw(0.0, 0.04, (count, 1, 1, 1)) * torch.from_numpy(rng.standard_normal(pixels.shape).astype(np.float32))
    pixels = (pixels + noise).clamp(0, 1)
    return (pixels * 255.0).permute(0, 2, 3, 1)
