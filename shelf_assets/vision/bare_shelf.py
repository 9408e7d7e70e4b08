"""Where the part of a shelf row left in sight shows the bay's bare back, and where it shows something standing.

Something in front of a slot (a shopper, a hand, a trolley's bars) seldom hides all of it: above a hand or between
bars a sliver stays in sight. An empty slot shows the back panel there, a stocked one its product. The back panel's
colour is the one most common in the rows' bands outside every detected facing and outside what hides them, so it
needs no setting per store or fixture (a freezer's interior is its back).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shelf_assets.vision.crops import DETECTOR_STRIDE as STRIDE
from shelf_assets.vision.types import ProductBox, ShelfRow, Spans

OCCLUDED = 0.5
"""Occluder probability from which a cell counts as hidden."""

COLOUR_STEP = 16
"""Width of the colour bins the back panel's colour is the most common of."""

MIN_PANEL_PIXELS = 20
"""Fewer samples of the back than this, and its colour is not trusted: the row says nothing about bare shelf."""

BARE_COLOUR_DISTANCE = 40.0
"""RGB distance (0-255 per channel) within which a pixel has the back panel's colour. Of 15, 25 and 40, read on the
slots hidden from the camera in hard chains of validation catalogs 900 002–900 005, 40 told the most of the empty
ones from the stocked ones."""

MAX_LOOKALIKE_SHARE = 0.1
"""Where more than this share of the row's own facings in sight has the back panel's colour, the colour cannot
tell the back from a product there (glare washing the prints out, packs the colour of the panel): the row says
nothing about bare shelf. On those chains (audited again, the back's colour then read per row, a slot seen bare at
`alignment.SEEN_BARE_SHARE` 0.7 and `SEEN_BARE_WIDTH` 0.3) out-of-stock F1 was 0.925/0.961/0.944/0.938 at 0.07,
0.925/0.958/0.944/0.938 at 0.1 and at 0.15; with no such check (and a bare part of any width)
0.929/0.949/0.934/0.948."""


@dataclass(frozen=True)
class RowBand:
    """The band a row's facings stand in: as tall as they are, on the row's floor."""

    row: ShelfRow
    height: float
    products: list[ProductBox]


def bare_and_filled_spans(pixels: np.ndarray, occluder: np.ndarray,
                          bands: list[RowBand]) -> list[tuple[Spans, Spans]]:
    """Per band, the (x0, x1) stretches of its row (pixels of `pixels`, the detector's input) whose part in sight
    mostly has the back panel's colour (bare), and those whose part in sight mostly does not (filled); columns wholly
    hidden are in neither. The back's colour is read over the whole bay, not per row: one row's band may be mostly
    something in front of it that the occluder map missed. On fresh validation chains 900 006 and 900 007 out-of-stock
    F1 went 0.980/0.916 → 0.985/0.921 with it read over the bay and → 0.985/0.917 read per row (900 002–900 005 alike
    either way)."""
    cuts = [_Cut.of(pixels, occluder, band) for band in bands]
    samples = [cut.pixels[cut.in_sight & ~cut.under_products] for cut in cuts if cut is not None]
    colour = _panel_colour(np.concatenate(samples)) if samples else None
    if colour is None:
        return [((), ())] * len(bands)
    return [cut.spans(colour) if cut is not None else ((), ()) for cut in cuts]


@dataclass(frozen=True)
class _Cut:
    """A band's pixels, where they are in sight, where a found facing covers them, and its first stride column."""

    row: ShelfRow
    pixels: np.ndarray
    in_sight: np.ndarray
    under_products: np.ndarray
    inside_products: np.ndarray
    first: int

    @classmethod
    def of(cls, pixels: np.ndarray, occluder: np.ndarray, band: RowBand) -> _Cut | None:
        row = band.row
        top = int(max(row.y_bottom - band.height, 0))
        bottom = int(min(row.y_bottom, pixels.shape[0], occluder.shape[0] * STRIDE))
        first = max(int(row.x_left // STRIDE), 0)
        last = min(int(-(-row.x_right // STRIDE)), occluder.shape[1], pixels.shape[1] // STRIDE)
        if bottom - top < 2 or last <= first:
            return None
        width = (last - first) * STRIDE
        in_sight = np.repeat(occluder[np.arange(top, bottom) // STRIDE][:, first:last] < OCCLUDED, STRIDE, axis=1)
        return cls(row, pixels[top:bottom, first * STRIDE:last * STRIDE].astype(np.float32), in_sight,
                   _under_products(band.products, top, bottom, first * STRIDE, width),
                   _under_products(band.products, top, bottom, first * STRIDE, width, margin=-2), first)

    def spans(self, colour: np.ndarray) -> tuple[Spans, Spans]:
        panel_coloured = np.linalg.norm(self.pixels - colour, axis=2) < BARE_COLOUR_DISTANCE
        product_pixels = self.in_sight & self.inside_products
        if product_pixels.any() and panel_coloured[product_pixels].mean() > MAX_LOOKALIKE_SHARE:
            return (), ()
        height = self.pixels.shape[0]
        seen = self.in_sight.reshape(height, -1, STRIDE).sum(axis=(0, 2))
        bare = (panel_coloured & self.in_sight).reshape(height, -1, STRIDE).sum(axis=(0, 2))
        mostly_bare = (seen > 0) & (2 * bare >= seen)
        return (cell_stretches(mostly_bare, self.first, self.row),
                cell_stretches((seen > 0) & ~mostly_bare, self.first, self.row))


def _under_products(products: list[ProductBox], top: int, bottom: int, left: int, width: int,
                    margin: int = 2) -> np.ndarray:
    """Mask of the band's pixels a found facing (grown by `margin`) covers, from its top down to the shelf."""
    covered = np.zeros((bottom - top, width), dtype=bool)
    for box in products:
        x0, x1 = int(max(box.x0 - margin - left, 0)), int(min(box.x1 + margin - left, width))
        y0 = int(max(box.y0 - margin - top, 0))
        if x1 > x0 and y0 < bottom - top:
            covered[y0:, x0:x1] = True
    return covered


def _panel_colour(sampled: np.ndarray) -> np.ndarray | None:
    """Mean of the sampled pixels that fall in the most common colour bin, or None with too few samples."""
    if len(sampled) < MIN_PANEL_PIXELS:
        return None
    bins = (sampled // COLOUR_STEP).astype(np.int64)
    codes = (bins[:, 0] * 256 + bins[:, 1]) * 256 + bins[:, 2]
    values, counts = np.unique(codes, return_counts=True)
    return sampled[codes == values[np.argmax(counts)]].mean(axis=0)


def cell_stretches(columns: np.ndarray, first: int, row: ShelfRow) -> Spans:
    """The runs of true `columns` (stride cells, the first at cell `first`) as pixel stretches within `row`'s extent."""
    edges = np.flatnonzero(np.diff(np.r_[0, columns.astype(np.int8), 0]))
    return tuple((float(max((first + start) * STRIDE, row.x_left)), float(min((first + end) * STRIDE, row.x_right)))
                 for start, end in zip(edges[::2], edges[1::2]))
