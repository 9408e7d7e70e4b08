"""The two small networks of the learned path, sized for one CPU core per photo.

`ShelfDetectorNet` is a centre-point detector (one heatmap peak per product facing, its box size regressed at
the peak) with a second head that marks the line each shelf's products stand on; rows and their extent come
from that line, which a box-only detector cannot give when a shelf end is empty. A third head marks whatever
stands in front of the products (a shopper, a trolley, a door frame), so a hidden facing is not taken for a gap. It sees the bay at 640 px
and predicts every 8 px: enough for the narrowest facing and cheap on a CPU.

`ProductEmbedder` maps a product crop or a packshot face to a unit vector. SKU identity is the nearest packshot,
so a new SKU needs only its packshot; `unknown_threshold` is learned with it, as the similarity below which a
crop is called a product the catalog does not list.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

PIXEL_MEAN = 0.45
PIXEL_SPREAD = 0.25


def _conv(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


def normalise_pixels(images: torch.Tensor) -> torch.Tensor:
    """(N, H, W, 3) uint8 → (N, 3, H, W) float, centred."""
    return (images.permute(0, 3, 1, 2).float() / 255.0 - PIXEL_MEAN) / PIXEL_SPREAD


class ShelfDetectorNet(nn.Module):
    """Outputs at stride 8: centre logit, log box size (in units of the stride), centre offset, shelf-line logit,
    occluder logit."""

    STRIDE = 8

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.width = width
        self.stem = nn.Sequential(_conv(3, 16, 2), _conv(16, 24, 2))
        self.down8 = nn.Sequential(_conv(24, width, 2), _conv(width, width))
        self.down16 = nn.Sequential(_conv(width, 2 * width, 2), _conv(2 * width, 2 * width))
        self.down32 = nn.Sequential(_conv(2 * width, 3 * width, 2), _conv(3 * width, 3 * width))
        self.down64 = nn.Sequential(_conv(3 * width, 4 * width, 2), _conv(4 * width, 4 * width))
        self.lateral32 = nn.Conv2d(4 * width, 3 * width, 1)
        self.lateral16 = nn.Conv2d(3 * width, 2 * width, 1)
        self.lateral8 = nn.Conv2d(2 * width, width, 1)
        self.merge = nn.Sequential(_conv(width, width), _conv(width, width))
        self.centre = nn.Conv2d(width, 1, 1)
        self.size = nn.Conv2d(width, 2, 1)
        self.offset = nn.Conv2d(width, 2, 1)
        self.shelf_line = nn.Conv2d(width, 1, 1)
        self.occluder = nn.Conv2d(width, 1, 1)
        nn.init.constant_(self.centre.bias, -4.0)
        nn.init.constant_(self.shelf_line.bias, -3.0)
        nn.init.constant_(self.occluder.bias, -3.0)

    def forward(self, pixels: torch.Tensor) -> dict[str, torch.Tensor]:
        s8 = self.down8(self.stem(pixels))
        s16 = self.down16(s8)
        s32 = self.down32(s16)
        s64 = self.down64(s32)
        up32 = s32 + functional.interpolate(self.lateral32(s64), size=s32.shape[-2:], mode="nearest")
        up16 = s16 + functional.interpolate(self.lateral16(up32), size=s16.shape[-2:], mode="nearest")
        up8 = s8 + functional.interpolate(self.lateral8(up16), size=s8.shape[-2:], mode="nearest")
        features = self.merge(up8)
        return {
            "centre": self.centre(features),
            "size": self.size(features),
            "offset": self.offset(features),
            "shelf_line": self.shelf_line(features),
            "occluder": self.occluder(features),
        }


class ProductEmbedder(nn.Module):
    """64×32 crop → unit vector; the layout of the pack (where the band, the logo, the icon sit) survives to
    the end through a small spatial grid rather than a global average."""

    def __init__(self, dimensions: int = 96, width: int = 24) -> None:
        super().__init__()
        self.dimensions = dimensions
        self.width = width
        self.features = nn.Sequential(
            _conv(3, width), _conv(width, width, 2),
            _conv(width, 2 * width), _conv(2 * width, 2 * width, 2),
            _conv(2 * width, 3 * width), _conv(3 * width, 3 * width, 2),
            _conv(3 * width, 4 * width),
        )
        self.pool = nn.AdaptiveAvgPool2d((4, 2))
        self.project = nn.Linear(4 * width * 8, dimensions)
        self.log_temperature = nn.Parameter(torch.tensor(-3.0))
        self.unknown_threshold = nn.Parameter(torch.tensor(0.5))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        grid = self.pool(self.features(pixels)).flatten(1)
        return functional.normalize(self.project(grid), dim=1)
