"""SKU identity of detected facings, by comparison with the catalog's packshots.

Identity comes only from the packshots, so a new SKU needs nothing but its image. Siblings of a brand
share layout and colours and differ in a detail (a flavour band, an icon), so the feature keeps the
spatial layout *and* the colour: a small thumbnail in an opponent colour space (luminance, red-green,
yellow-blue), compared by normalised correlation.

Every plane is compared by its *pattern* (mean removed), and the mean colour of the pack only enters
as a light extra term. A glare veil, a warm freezer light or a dim corner shifts and flattens the
colours of a whole crop; the pattern survives that, a plain "is it red" test does not.

Matching runs coarse to fine so that its cost hardly grows with the catalog:

1. every box is resampled once per scale onto a grid a little larger than the thumbnail, with Pillow's
   area-averaging resize straight from the photo (no per-photo integral image);
2. a coarse 5x7 layout-and-colour descriptor of the box shortlists the few SKUs worth a close look;
   siblings look alike at that size, so a family enters the shortlist together;
3. only the shortlist is correlated at every shift and scale of the box (a detector's box is a few
   percent off), and each SKU keeps its best alignment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

from shelf_assets.master import find_packshot
from shelf_assets.vision.crops import trim_studio_border
from shelf_assets.vision.types import ProductBox

THUMB_WIDTH = 20
THUMB_HEIGHT = 28
SHORTLIST_SIZE = 8
_COARSE_POOL = 4
_SHIFT_CELLS = 2
_SCALES = (0.92, 1.0, 1.08)
_CHROMA_WEIGHT = 1.5
_MEAN_COLOUR_WEIGHT = 0.25
_ASPECT_PENALTY = 0.15
_ASPECT_TOLERANCE = 0.15

# Unknown floor, read off jittered truth boxes of three simulated chains (seeds 0/3/5): foreign products'
# best scores have median 0.30 and 90th percentile 0.44, correctly matched catalog products have 2nd
# percentile 0.47. 0.42 caught ~88 % of foreign products for ~3 % false unknowns, half of which were
# wrong matches anyway. A margin to the runner-up did not help: a sibling is legitimately close.
MIN_SCORE = 0.42

# How close a call must be for the planogram to settle it, in the units of a match score (a correlation, or
# the fused score divided by its weights), read off validation catalogs at hard difficulty with jittered truth
# boxes (`benchmarks/close_calls.py`, catalogs 900 000–900 005): of 2 254 facings standing in their own slot,
# 83.5 % come out as the planned SKU from the image alone and 93.9 % when a SKU within 0.075 of the best (and
# within 0.175 below the unknown floor) counts as seen; 2 of 73 products misplaced into a slot and 0 of 31 foreign
# ones were then taken for the planned SKU (model learned-d726d964d99e). The margins were chosen on an earlier
# model (learned-8f43a1252d95), where 0.05 and 0.125 settled 93.6 % against 94.5 % and going further below
# the floor (0.225) started taking foreign products (1 of 31). Read again with no cap on close calls (model
# learned-0033a7a928e4, the six validation chains 900 002–900 007 re-audited): margin 0.06 / 0.075 / 0.09 / 0.1 gave
# out-of-stock F1 0.937/0.965/0.959/0.957/0.990/0.939, 0.937/0.961/0.959/0.957/0.990/0.939,
# 0.941/0.961/0.959/0.957/0.990/0.939 and 0.944/0.958/0.959/0.957/0.990/0.939, the compliance error rising on three to
# five chains away from 0.075 (0.013/0.009/0.021/0.017/0.009/0.014 there); 0.225 below the floor gave 900 002 F1
# 0.933 and the compliance error 0.017 -> 0.016 on 900 005, 0.014 -> 0.016 on 900 007. Neither moved.
CLOSE_CALL_MARGIN = 0.075
CLOSE_CALL_BELOW_FLOOR = 0.175

# The margins alone bound the close calls: no cap on their number. A sibling family often has more than three
# members within the margin, and a cap cut the planned SKU off before the margin did. With model
# learned-0033a7a928e4, `benchmarks/close_calls.py` settles 94.6 / 94.8 / 94.9 / 95.3 % of the own-slot facings with
# at most 3 / 4 / 5 / any number of close calls, taking 2 / 3 / 4 / 4 of the 73 misplaced products for the planned SKU
# (0 of 31 foreign ones throughout). Re-auditing the six validation chains (seeds 900 002–900 007, 6 stores × 2 days,
# hard) gave out-of-stock F1 0.933/0.961/0.949/0.952/0.990/0.939 with at most 5 (compliance error
# 0.013/0.010/0.022/0.017/0.010/0.014), 0.933/0.961/0.954/0.957/0.990/0.939 with at most 7, and
# 0.937/0.961/0.959/0.957/0.990/0.939 (error 0.013/0.009/0.021/0.017/0.009/0.014) with at most 12 or 50 (no box
# had more than 12 within the margins). Earlier, on four of them, at most 3 / 4 / 5 gave 0.897/0.958/0.948/0.924,
# 0.904/0.958/0.949/0.928 and 0.908/0.958/0.943/0.933.

# How far below the unknown floor a box the matcher could not name may score and still resemble a SKU, plus
# this much more per share of the box that is hidden: a product hidden half-way scores lower against its own
# packshot. Read off validation catalogs at hard difficulty (detected boxes, model learned-d726d964d99e, catalogs
# 900 000–900 005; `benchmarks/hidden_facings.py` prints the counts the pipeline gets): of the unnamed boxes at
# least 10 % hidden, 58 of 59 facings of the planned SKU resemble it and 0 of 4 foreign or misplaced products
# do; 0.3 + 0.4 per share let 2 of the 4 through, 0.35 flat lost 11 of the 59. Scored over the whole box, a
# product a third hidden still resembles half the catalog (seed 8123), so this is only the rule for a box whose
# part in sight cannot be compared by itself (`VISIBLE_RESEMBLANCE`): a matcher without the packshot correlation,
# or less than `MIN_VISIBLE_SHARE` in sight.
RESEMBLANCE_BELOW_FLOOR = 0.3
RESEMBLANCE_PER_HIDDEN_SHARE = 0.3

HIDDEN_GRID = (THUMB_HEIGHT // _COARSE_POOL, THUMB_WIDTH // _COARSE_POOL)
"""Rows × columns of the grid a detector reports a box's hidden part on (`ProductBox.hidden_grid`): the coarse
descriptor's cells, each 4 × 4 thumbnail cells."""
HIDDEN_CELL = 0.5
"""A grid cell at least this likely hidden is left out of the comparison of the part in sight. On the six validation
chains (see `VISIBLE_RESEMBLANCE`) 0.3 gave F1 0.925/0.958/0.944/0.938/0.985/0.926, 0.7 the same as 0.5."""
MIN_VISIBLE_SHARE = 0.25
"""Less of a box in sight than this is too little to compare with anything."""
VISIBLE_RESEMBLANCE = 0.15
"""The correlation of its part in sight with the same part of a packshot from which a partly hidden product the
matcher could not name resembles that SKU (`SkuMatch.resembled_skus`). Of the unnamed boxes at least a tenth hidden
on validation catalogs 900 000–900 005 (`benchmarks/hidden_facings.py`, model learned-0033a7a928e4), the planned
SKU's facings with enough in sight to compare score at least 0.1 / 0.15 / 0.2 / 0.42 in 35 / 32 / 31 / 17 of 35, the
foreign or misplaced products in 1 / 1 / 1 / 1 of 5. Auditing the six validation chains (seeds 900 002–900 007,
6 stores × 2 days, hard) gave out-of-stock F1 0.921/0.958/0.949/0.943/0.985/0.921 at 0.05, 0.925/0.961/0.949/
0.943/0.985/0.926 at 0.1, 0.933/0.958/0.944/0.943/0.985/0.926 at 0.15, 0.938/0.955/0.944/0.938/0.985/0.922 at 0.25
and 0.934/0.952/0.944/0.934/0.981/0.922 at 0.42 (means 0.946, 0.948, 0.948, 0.947, 0.944), against
0.921/0.961/0.948/0.938/0.985/0.921 (0.946) resembling by the whole box's score."""


CLOSE_IN_SIGHT_SHARE = 0.15
"""A named product at least this much hidden also has as close calls the SKUs its part in sight scores within
`CLOSE_IN_SIGHT_MARGIN` of the best (`PackshotMatcher.visible_scores`): siblings differ in a flavour band or an icon,
and with that behind a rail or a shopper's arm the whole box's score names one of them by what hides it. Re-auditing
hard chains of validation catalogs 900 002–900 007 (model learned-0033a7a928e4) gave out-of-stock F1
0.933/0.961/0.949/0.943/0.990/0.935 without such close calls, 0.933/0.961/0.949/0.952/0.990/0.939 from 0.05 and 0.15
hidden (margin 0.075; compliance error 0.013/0.010/0.022/0.018/0.010/0.014 → 0.013/0.010/0.022/0.017/0.010/0.014),
0.933/0.961/0.949/0.947/0.990/0.935 from 0.3."""
CLOSE_IN_SIGHT_MARGIN = 0.075
"""The whole box's close-call margin (`CLOSE_CALL_MARGIN`); on the same chains 0.04 gave 900 005 F1 0.947, 0.15 the
same as 0.075."""


class PackshotError(Exception):
    """The packshot folder cannot serve the catalog."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SkuMatch:
    """Best catalog SKU for one box; sku_id "" means the product is not in the catalog.

    `close_skus` are the SKUs the image cannot tell from the answer: a look-alike sibling scoring almost as
    well, or one whose packshot the part in sight of a partly hidden box looks as much like, or, for a box called
    unknown, the SKUs just under the floor. The planogram settles such a close call in favour of the SKU planned
    where the facing stands (see `scoring.alignment`).

    `resembled_skus` are, for a box called unknown that something partly hides, the SKUs whose packshot its part
    in sight still looks like (`PackshotMatcher.visible_scores`): the planned SKU may stand behind what hides it
    only if it is one of them. A foreign product half behind a pillar resembles none of the planned ones.
    """

    sku_id: str
    score: float
    close_skus: tuple[str, ...] = ()
    resembled_skus: tuple[str, ...] = ()


def matches_from_scores(table: np.ndarray, sku_ids: Sequence[str], floor: float,
                        occluded: Sequence[float] | None = None, visible: np.ndarray | None = None) -> list[SkuMatch]:
    """Best SKU per row of a (boxes, SKUs) score table, "" below `floor`, with the close calls beside it;
    `occluded` is each box's hidden share (none hidden when not given), `visible` the correlation of each box's
    part in sight with every packshot (`PackshotMatcher.visible_scores`; NaN where it could not be compared), which
    decides what a partly hidden unknown resembles, and adds close calls to a partly hidden named box, where it is
    given."""
    hidden_shares = np.zeros(len(table)) if occluded is None else occluded
    in_sight = np.full(table.shape, np.nan) if visible is None else visible
    matches = []
    for row, hidden_share, sight in zip(table, hidden_shares, in_sight, strict=True):
        best_index = int(np.argmax(row))
        best = float(row[best_index])
        known = best >= floor
        close_floor = max(best - CLOSE_CALL_MARGIN, floor - CLOSE_CALL_BELOW_FLOOR)
        close = _scoring_at_least(row, close_floor, sku_ids)[1 if known else 0:]
        compared = np.isfinite(sight).all()
        if known and compared:
            close += tuple(sku for sku in _scoring_at_least(sight, sight.max() - CLOSE_IN_SIGHT_MARGIN, sku_ids)
                           if sku != sku_ids[best_index] and sku not in close)
        resembled: tuple[str, ...] = ()
        if not known and hidden_share > 0:
            if compared:
                resembled = _scoring_at_least(sight, VISIBLE_RESEMBLANCE, sku_ids)
            else:
                resemblance_floor = floor - RESEMBLANCE_BELOW_FLOOR - RESEMBLANCE_PER_HIDDEN_SHARE * hidden_share
                resembled = _scoring_at_least(row, resemblance_floor, sku_ids)
        matches.append(SkuMatch(sku_ids[best_index] if known else "", float(np.clip(best, 0.0, 1.0)),
                                close, resembled))
    return matches


def _opponent(rgb: np.ndarray) -> np.ndarray:
    """(..., 3, H, W) RGB 0..1 → luminance / red-green / yellow-blue planes; chroma carries brand colour."""
    red, green, blue = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    luminance = (red + green + blue) / 3.0
    red_green = (red - green) * (_CHROMA_WEIGHT / 2.0)
    yellow_blue = ((red + green) / 2.0 - blue) * (_CHROMA_WEIGHT / 2.0)
    return np.stack([luminance, red_green, yellow_blue], axis=-3)


def _scoring_at_least(scores: np.ndarray, floor: float, sku_ids: Sequence[str]) -> tuple[str, ...]:
    """The SKUs scoring at least `floor`, best first (ties in catalog order)."""
    order = np.argsort(-scores, kind="stable")
    return tuple(sku_ids[index] for index in order[scores[order] >= floor])


def _unit_features(planes: np.ndarray) -> np.ndarray:
    """(..., 3, H, W) opponent planes → (..., 3*H*W + 2) unit vectors: the pattern of every plane, then
    the mean chroma at a low weight (see the module docstring). Unit norm makes a dot product a correlation.
    """
    cells = planes.shape[-1] * planes.shape[-2]
    means = planes.mean(axis=(-2, -1), keepdims=True)
    pattern = (planes - means).reshape(*planes.shape[:-3], -1)
    mean_chroma = means[..., 1:, 0, 0] * (_MEAN_COLOUR_WEIGHT * np.sqrt(cells))
    flat = np.concatenate([pattern, mean_chroma], axis=-1)
    return flat / np.maximum(np.linalg.norm(flat, axis=-1, keepdims=True), 1e-6)


def _masked_units(planes: np.ndarray, in_sight: np.ndarray) -> np.ndarray:
    """(n, 3, cells) opponent planes → (n, 3*cells) unit vectors of their pattern over the cells in sight alone."""
    means = (planes * in_sight).sum(axis=-1, keepdims=True) / in_sight.sum()
    flat = ((planes - means) * in_sight).reshape(len(planes), -1)
    return flat / np.maximum(np.linalg.norm(flat, axis=-1, keepdims=True), 1e-6)


def _windows(grids: np.ndarray) -> np.ndarray:
    """(n_boxes, n_scales, 3, H+2s, W+2s) search grids → (n_boxes, n_windows, 3, cells): every thumbnail-sized window
    at every shift and scale."""
    windows = sliding_window_view(grids, (THUMB_HEIGHT, THUMB_WIDTH), axis=(3, 4))
    windows = np.ascontiguousarray(windows.transpose(0, 1, 3, 4, 2, 5, 6))
    return windows.reshape(len(grids), -1, 3, THUMB_HEIGHT * THUMB_WIDTH)


def _pool(planes: np.ndarray, factor: int) -> np.ndarray:
    """(..., H, W) → (..., H/f, W/f) block means."""
    *lead, height, width = planes.shape
    return planes.reshape(*lead, height // factor, factor, width // factor, factor).mean(axis=(-3, -1))


def _search_grids(image: Image.Image, boxes: Sequence[ProductBox]) -> np.ndarray:
    """(n_boxes, n_scales, 3, H+2s, W+2s) opponent cells around every box at every scale.

    Pillow's BOX resize averages exact sub-pixel areas, the filter the packshot thumbnails use too, so
    both sides blur alike. Regions reaching past the photo read a border-replicated copy of it.
    """
    corners = np.array([[box.x0, box.y0, box.x1, box.y1] for box in boxes], dtype=np.float64)
    scales = np.asarray(_SCALES, dtype=np.float64)
    centre_x = ((corners[:, 0] + corners[:, 2]) / 2.0)[:, None]
    centre_y = ((corners[:, 1] + corners[:, 3]) / 2.0)[:, None]
    half_width = np.maximum((corners[:, 2] - corners[:, 0]) / 2.0, 0.5)[:, None] * scales
    half_height = np.maximum((corners[:, 3] - corners[:, 1]) / 2.0, 0.5)[:, None] * scales
    reach_x = half_width * (1.0 + 2.0 * _SHIFT_CELLS / THUMB_WIDTH)
    reach_y = half_height * (1.0 + 2.0 * _SHIFT_CELLS / THUMB_HEIGHT)
    regions = np.stack([centre_x - reach_x, centre_y - reach_y, centre_x + reach_x, centre_y + reach_y], axis=-1)
    overhang = max(0.0, -regions[..., 0].min(), -regions[..., 1].min(),
                   (regions[..., 2] - image.width).max(), (regions[..., 3] - image.height).max())
    source = image
    if overhang > 0:
        pad = int(np.ceil(min(overhang, 2 * max(image.size))))
        source = Image.fromarray(np.pad(np.asarray(image), ((pad, pad), (pad, pad), (0, 0)), mode="edge"))
        limits = np.array([source.width, source.height, source.width, source.height], dtype=np.float64)
        regions = np.clip(regions + pad, 0.0, limits)
    size = (THUMB_WIDTH + 2 * _SHIFT_CELLS, THUMB_HEIGHT + 2 * _SHIFT_CELLS)
    grids = np.empty((*regions.shape[:2], size[1], size[0], 3), dtype=np.uint8)
    for index, scale in np.ndindex(regions.shape[:2]):
        left, top, right, bottom = (float(value) for value in regions[index, scale])
        region = (left, top, max(right, left + 0.01), max(bottom, top + 0.01))
        grids[index, scale] = np.asarray(source.resize(size, Image.Resampling.BOX, box=region))
    return _opponent(grids.transpose(0, 1, 4, 2, 3).astype(np.float32) / 255.0)


def read_packshots(packshot_dir: Path, sku_ids: Sequence[str]) -> list[Image.Image]:
    """Load `<sku>.png` or `.jpg` for every catalog SKU; a missing or unreadable one is named."""
    packshot_dir = Path(packshot_dir)
    if not packshot_dir.is_dir():
        raise PackshotError(f"packshot folder not found: {packshot_dir}")
    missing = [sku for sku in sku_ids if find_packshot(packshot_dir, sku) is None]
    if missing:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise PackshotError(f"missing packshot for {len(missing)} SKU(s) in {packshot_dir}: {shown}")
    images = []
    for sku in sku_ids:
        path = find_packshot(packshot_dir, sku)
        assert path is not None
        try:
            with Image.open(path) as opened:
                opened.load()
                images.append(opened.copy())
        except OSError as exc:
            raise PackshotError(f"unreadable packshot for {sku}: {path.name}: {exc}") from exc
    return images


class PackshotMatcher:
    """Nearest packshot by layout-and-colour correlation, with a floor below which a box is unknown."""

    def __init__(self, sku_ids: Sequence[str], packshots: Sequence[Image.Image], min_score: float = MIN_SCORE) -> None:
        if len(sku_ids) != len(packshots):
            raise PackshotError(f"{len(sku_ids)} SKU ids for {len(packshots)} packshots")
        if not sku_ids:
            raise PackshotError("no packshots: the catalog is empty")
        if len(set(sku_ids)) != len(sku_ids):
            raise PackshotError("duplicate SKU ids in the catalog")
        self.sku_ids = list(sku_ids)
        self.min_score = min_score
        faces = [trim_studio_border(packshot) for packshot in packshots]
        self._aspects = np.array([face.height / max(face.width, 1) for face in faces], dtype=np.float32)
        thumbs = np.stack([
            np.asarray(face.resize((THUMB_WIDTH, THUMB_HEIGHT), Image.Resampling.BOX), dtype=np.float32)
            for face in faces
        ]).transpose(0, 3, 1, 2) / 255.0
        planes = _opponent(thumbs)
        self._planes = planes.astype(np.float32)
        self._templates = _unit_features(planes).astype(np.float32)
        self._coarse = _unit_features(_pool(planes, _COARSE_POOL)).astype(np.float32)

    @classmethod
    def from_folder(cls, packshot_dir: Path, sku_ids: Sequence[str]) -> PackshotMatcher:
        return cls(sku_ids, read_packshots(packshot_dir, sku_ids))

    def _aspect_penalty(self, boxes: Sequence[ProductBox]) -> np.ndarray:
        """A jittered box's aspect is ~15 % off at worst; beyond that, the wrong pack size pays."""
        box_aspects = np.array([(box.y1 - box.y0) / max(box.x1 - box.x0, 1e-6) for box in boxes], dtype=np.float32)
        gap = np.abs(np.log(np.maximum(box_aspects, 1e-6)[:, None] / self._aspects[None, :]))
        return _ASPECT_PENALTY * np.maximum(gap - _ASPECT_TOLERANCE, 0.0)

    def scores(self, image: Image.Image, boxes: Sequence[ProductBox]) -> np.ndarray:
        """(n_boxes, n_skus) correlation at the best alignment, less an aspect-ratio penalty.

        Only each box's shortlist is aligned; every other SKU gets its coarse score, capped just below the
        lowest shortlisted score, so the ranking stays consistent.
        """
        n_skus = len(self.sku_ids)
        if not boxes:
            return np.zeros((0, n_skus), dtype=np.float32)
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        grids = _search_grids(rgb, boxes)
        n_boxes, n_scales = grids.shape[:2]
        penalty = self._aspect_penalty(boxes)
        inner = grids[:, n_scales // 2, :, _SHIFT_CELLS:-_SHIFT_CELLS, _SHIFT_CELLS:-_SHIFT_CELLS]
        coarse = _unit_features(_pool(inner, _COARSE_POOL)) @ self._coarse.T - penalty
        keep = min(SHORTLIST_SIZE, n_skus)
        shortlist = np.argpartition(-coarse, keep - 1, axis=1)[:, :keep]

        fine = self._aligned_correlation(grids, self._templates[shortlist])
        fine -= np.take_along_axis(penalty, shortlist, axis=1)
        table = np.minimum(coarse, fine.min(axis=1, keepdims=True) - 1e-3)
        np.put_along_axis(table, shortlist, fine, axis=1)
        return table.astype(np.float32)

    def visible_scores(self, image: Image.Image, boxes: Sequence[ProductBox], table: np.ndarray,
                       floor: float) -> np.ndarray:
        """(n_boxes, n_skus) correlation of the part in sight (its `hidden_grid`) of each partly hidden box scoring
        under `floor` in `table`, or hidden at least `CLOSE_IN_SIGHT_SHARE`, with the same part of every packshot,
        at the best shift and scale, less the aspect penalty; NaN for the other boxes and those with too little in
        sight. The pattern alone: a mean colour over a part of the pack says little."""
        visible = np.full((len(boxes), len(self.sku_ids)), np.nan, dtype=np.float32)
        masks = {index: np.kron(np.asarray(box.hidden_grid) < HIDDEN_CELL, np.ones((_COARSE_POOL, _COARSE_POOL)))
                 for index, (box, best) in enumerate(zip(boxes, table.max(axis=1, initial=-np.inf)))
                 if box.hidden_grid and box.occluded > 0 and (best < floor or box.occluded >= CLOSE_IN_SIGHT_SHARE)}
        masks = {index: mask for index, mask in masks.items() if mask.mean() >= MIN_VISIBLE_SHARE}
        if not masks:
            return visible
        chosen = list(masks)
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        grids = _search_grids(rgb, [boxes[index] for index in chosen])
        penalty = self._aspect_penalty([boxes[index] for index in chosen])
        templates = self._planes.reshape(len(self.sku_ids), 3, -1)
        for position, (index, windows) in enumerate(zip(chosen, _windows(grids))):
            in_sight = masks[index].ravel().astype(np.float32)
            visible[index] = (_masked_units(windows, in_sight) @ _masked_units(templates, in_sight).T).max(axis=0)
            visible[index] -= penalty[position]
        return visible

    @staticmethod
    def _aligned_correlation(grids: np.ndarray, templates: np.ndarray) -> np.ndarray:
        """Best correlation of every box with each of its (k) templates over all shifts and scales: (B, k).

        The templates' patterns have zero mean, so a window's own mean drops out of the dot product and the
        raw window cells can be multiplied as they are; the window's mean and norm come from its sums.
        """
        n_boxes = grids.shape[0]
        cells = THUMB_HEIGHT * THUMB_WIDTH
        windows = _windows(grids)
        pattern_part = templates[..., : 3 * cells]
        mean_part = templates[..., 3 * cells:]
        dots = windows.reshape(n_boxes, windows.shape[1], -1) @ pattern_part.transpose(0, 2, 1)
        sums = windows.sum(axis=-1)
        squares = np.einsum("bwcn,bwcn->bwc", windows, windows)
        means = sums / cells
        chroma_term = means[..., 1:] * (_MEAN_COLOUR_WEIGHT * np.sqrt(cells))
        dots += chroma_term @ mean_part.transpose(0, 2, 1)
        norms = np.sqrt(np.maximum((squares - sums * means).sum(axis=-1), 0.0) + (chroma_term**2).sum(axis=-1))
        return (dots / np.maximum(norms, 1e-6)[..., None]).max(axis=1)

    def identify(self, image: Image.Image, boxes: Sequence[ProductBox]) -> list[SkuMatch]:
        """Best SKU per box, or "" when even the best packshot correlates too weakly to be that product."""
        table = self.scores(image, boxes)
        return matches_from_scores(table, self.sku_ids, self.min_score, [box.occluded for box in boxes],
                                   self.visible_scores(image, boxes, table, self.min_score))
