"""Detector output shared by the classical and learned detectors.

Coordinates are pixels of the image the detector was given (the working copy); callers scale them
back to the original upright photo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Spans = tuple[tuple[float, float], ...]
"""(x0, x1) stretches along a row, in pixels."""


@dataclass(frozen=True)
class ShelfRow:
    """One band of products standing on one shelf, top to bottom numbered from 1; `hidden` are the (x0, x1)
    stretches of it that something in front of the shelf hides (none from a detector that cannot tell), and
    `foreshortening` how large things look at the row's right end against its left end: below 1 in a bay shot
    from its left, whose right end is farther from the camera (1 from a detector that cannot tell).
    `bare` and `filled` are the stretches whose part in sight shows the bay's bare back, and something standing
    (`vision.bare_shelf`; none from a detector that cannot tell)."""

    row: int
    y_top: float
    y_bottom: float
    x_left: float
    x_right: float
    hidden: Spans = ()
    foreshortening: float = 1.0
    bare: Spans = ()
    filled: Spans = ()


@dataclass(frozen=True)
class ProductBox:
    """One detected product facing, on the shelf row it stands on; `occluded` is the share of its box the detector
    saw something stand in front of (0 from a detector that cannot tell), and `hidden_grid` where: how likely
    each cell of a rows × columns grid over the box is hidden, top row first (empty from a detector that cannot
    tell). The matcher compares only the part in sight of a partly hidden product with the packshots."""

    x0: float
    y0: float
    x1: float
    y1: float
    row: int
    confidence: float
    occluded: float = 0.0
    hidden_grid: tuple[tuple[float, ...], ...] = ()


@dataclass
class BayDetection:
    """Everything one detector found in one bay photo."""

    rows: list[ShelfRow] = field(default_factory=list)
    products: list[ProductBox] = field(default_factory=list)
    detector: str = "classical"
