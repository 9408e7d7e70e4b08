"""The learned path at inference: boxes and shelf rows from the detector net, SKUs from the embedder.

Decoding is plain numpy on the nets' stride-8 maps: heatmap peaks become facings, and the shelf-line map
is traced column by column into one straight line per shelf, which numbers the rows and gives each row its
extent even where its ends are empty. The occluder map tells each facing how much of it was hidden, and each
row where it was. When the maps do not make a coherent bay (no shelf line, facings that stand on no line, low
confidence) the detector says why instead of answering, and the caller falls back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from shelf_assets.vision.bare_shelf import RowBand, bare_and_filled_spans, cell_stretches
from shelf_assets.vision.crops import context_crops, detector_input, detector_scale, packshot_face
from shelf_assets.vision.matcher import HIDDEN_GRID, PackshotMatcher, SkuMatch, matches_from_scores
from shelf_assets.vision.types import BayDetection, ProductBox, ShelfRow, Spans

STRIDE = 8


@dataclass(frozen=True)
class FixtureSettings:
    """How the maps are read for one fixture type, and when the classical detector must take over."""

    peak_threshold: float = 0.3
    line_threshold: float = 0.4
    min_line_share: float = 0.3
    """A shelf line must span this share of the bay's width in the photo."""
    max_off_line_share: float = 0.2
    min_mean_confidence: float = 0.45


DEFAULT_SETTINGS = {"gondola": FixtureSettings(), "freezer": FixtureSettings(), "endcap": FixtureSettings()}


@dataclass(frozen=True)
class ShelfLine:
    """y = slope * x + intercept between x_left and x_right, in the pixels of the image it was found in."""

    slope: float
    intercept: float
    x_left: float
    x_right: float

    def y_at(self, x: np.ndarray | float) -> np.ndarray | float:
        return self.slope * np.asarray(x) + self.intercept


@dataclass
class LearnedResult:
    """The detection, or why the learned detector will not vouch for one."""

    detection: BayDetection | None
    unsure_because: str | None = None
    mean_confidence: float = 0.0


def decode_centres(centre: np.ndarray, size: np.ndarray, offset: np.ndarray,
                   threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(N, 4) boxes in input pixels and (N,) peak probabilities; a peak is a local 3×3 maximum above threshold."""
    padded = np.pad(centre, 1, constant_values=0.0)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3))
    peaks = (centre >= windows.max(axis=(2, 3))) & (centre > threshold)
    rows, cols = np.nonzero(peaks)
    cx = (cols + offset[0, rows, cols]) * STRIDE
    cy = (rows + offset[1, rows, cols]) * STRIDE
    width = np.exp(size[0, rows, cols]) * STRIDE
    height = np.exp(size[1, rows, cols]) * STRIDE
    boxes = np.stack([cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2], axis=1)
    return boxes.reshape(-1, 4), centre[rows, cols]


def occluded_shares(occluder: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """(N,) mean occluder probability over the stride cells each box (input pixels) covers."""
    rows, cols = occluder.shape
    integral = np.pad(occluder.astype(np.float64).cumsum(axis=0).cumsum(axis=1), ((1, 0), (1, 0)))
    shares = np.zeros(len(boxes))
    for index, (x0, y0, x1, y1) in enumerate(boxes):
        left, top = min(max(int(x0 // STRIDE), 0), cols - 1), min(max(int(y0 // STRIDE), 0), rows - 1)
        right, bottom = max(min(int(-(-x1 // STRIDE)), cols), left + 1), max(min(int(-(-y1 // STRIDE)), rows), top + 1)
        hidden = integral[bottom, right] - integral[top, right] - integral[bottom, left] + integral[top, left]
        shares[index] = hidden / ((bottom - top) * (right - left))
    return shares


def hidden_grids(occluder: np.ndarray, boxes: np.ndarray, shape: tuple[int, int] = HIDDEN_GRID) -> np.ndarray:
    """(N, rows, cols) occluder probability at the centres of a grid over each box (input pixels), read bilinearly
    between the stride cells' centres: where in the box something stands in front of it."""
    rows, cols = occluder.shape
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    fractions_y = (np.arange(shape[0]) + 0.5) / shape[0]
    fractions_x = (np.arange(shape[1]) + 0.5) / shape[1]
    y = np.clip((boxes[:, 1:2] + fractions_y * (boxes[:, 3:4] - boxes[:, 1:2])) / STRIDE - 0.5, 0.0, rows - 1.0)
    x = np.clip((boxes[:, 0:1] + fractions_x * (boxes[:, 2:3] - boxes[:, 0:1])) / STRIDE - 0.5, 0.0, cols - 1.0)
    top, left = np.floor(y).astype(int)[:, :, None], np.floor(x).astype(int)[:, None, :]
    bottom, right = np.minimum(top + 1, rows - 1), np.minimum(left + 1, cols - 1)
    down, across = y[:, :, None] - top, x[:, None, :] - left
    upper = occluder[top, left] * (1 - across) + occluder[top, right] * across
    lower = occluder[bottom, left] * (1 - across) + occluder[bottom, right] * across
    return upper * (1 - down) + lower * down


HIDDEN_SPAN_SHARE = 0.5
"""A column of a shelf row counts as hidden when the occluder map covers this much of the row's height there.
Re-auditing hard chains of validation catalogs 900 002–900 007 (model learned-0033a7a928e4, hidden stretches joined
across a facing, lines not yet cut back to the bay's edges) gave out-of-stock F1 0.933/0.961/0.933/0.938/0.990/0.930
at 0.4, 0.933/0.961/0.944/0.943/0.990/0.926 at 0.5 and 0.933/0.958/0.944/0.938/0.990/0.917 at 0.6."""


def hidden_spans(occluder: np.ndarray, row: ShelfRow, band_height: float) -> Spans:
    """(x0, x1) stretches of a row, in input pixels, where the occluder map covers the band of `band_height`
    standing on the row's floor: where a facing could be but no box was found, the camera could not see."""
    rows, cols = occluder.shape
    top = min(max(int((row.y_bottom - band_height) // STRIDE), 0), rows - 1)
    bottom = max(min(int(-(-row.y_bottom // STRIDE)), rows), top + 1)
    first, last = max(int(row.x_left // STRIDE), 0), min(int(-(-row.x_right // STRIDE)), cols)
    if last <= first:
        return ()
    return cell_stretches(occluder[top:bottom, first:last].mean(axis=0) >= HIDDEN_SPAN_SHARE, first, row)


def min_line_cells(boxes: np.ndarray, valid_cols: int, share: float) -> float:
    """The shortest shelf line worth keeping, in stride cells: `share` of the bay's width, which the facings found
    span. A photo taken from afar shows the bay narrow, and its shelves must not be dropped for being short."""
    if not len(boxes):
        return share * valid_cols
    span = (float(boxes[:, 2].max()) - float(boxes[:, 0].min())) / STRIDE
    return share * min(max(span, 1.0), valid_cols)


def trace_shelf_lines(line_map: np.ndarray, threshold: float, min_length_cells: float) -> list[ShelfLine]:
    """Straight shelf lines from the line map: ridge points per column, linked left to right into tracks,
    tracks broken by an occluder rejoined when they continue one another, short ones dropped."""
    rows, cols = line_map.shape
    tracks: list[list[tuple[int, float]]] = []
    for col in range(cols):
        column = line_map[:, col]
        above = column > threshold
        ridge = above & (column > np.r_[-1.0, column[:-1]]) & (column >= np.r_[column[1:], -1.0])
        for row in np.flatnonzero(ridge):
            low, high = max(0, row - 1), min(rows, row + 2)
            weights = column[low:high]
            y = float((np.arange(low, high) * weights).sum() / weights.sum())
            best, best_distance = None, 1.5
            for track in tracks:
                last_col, last_y = track[-1]
                if last_col < col and col - last_col <= 2 and abs(last_y - y) < best_distance:
                    best, best_distance = track, abs(last_y - y)
            if best is None:
                tracks.append([(col, y)])
            else:
                best.append((col, y))
    fitted = [_fit(track) for track in tracks if len(track) >= 2]
    merged = _rejoin(sorted(fitted, key=lambda item: item[1][0][0]))
    lines = []
    for slope, intercept, first, last in merged:
        if last - first + 1 >= min_length_cells:
            lines.append(ShelfLine(slope, (intercept + 0.5) * STRIDE - slope * 0.5 * STRIDE,
                                   first * STRIDE, (last + 1) * STRIDE))
    return sorted(lines, key=lambda line: float(line.y_at((line.x_left + line.x_right) / 2)))


def _fit(track: list[tuple[int, float]]):
    cols = np.array([c for c, _ in track], dtype=float)
    ys = np.array([y for _, y in track], dtype=float)
    slope, intercept = np.polyfit(cols, ys, 1) if len(track) > 2 else (0.0, float(ys.mean()))
    return [float(slope), float(intercept), int(cols.min()), int(cols.max())], [track]


def _rejoin(fitted) -> list[tuple[float, float, int, int]]:
    """Join tracks (sorted by first column) that continue one another across a gap within a cell."""
    lines: list[list] = []
    for (slope, intercept, first, last), points in fitted:
        for line in lines:
            line_slope, line_intercept, line_first, line_last = line[0]
            if first > line_last and abs(line_slope * first + line_intercept - (slope * first + intercept)) < 1.0:
                joined = [point for track in (*line[1], *points) for point in track]
                line[0], line[1] = _fit(joined)[0], [joined]
                break
        else:
            lines.append([[slope, intercept, first, last], list(points)])
    return [tuple(line[0]) for line in lines]


FRAGMENT_SHARE = 0.8
"""A shelf line shorter than this share of the longest is a fragment, something in front of the shelf broke it,
unless both its ends lie on the bay's edges (see `_shelf_extents`)."""


EDGE_TOLERANCE = 1.5 * STRIDE
"""How far inside the bay's edge a line may end and still be taken to reach it: line ends are traced to a cell."""


def _shelf_extents(lines: list[ShelfLine]) -> list[tuple[float, float]]:
    """Each line's own extent if it spans the bay, else the extent of the nearest line that does: every shelf of a
    bay spans the bay, and products must be placed along the bay, not along the piece of line that was found. A
    line spans the bay when it is nearly as long as the longest or reaches both of the bay's edges, which need not
    be upright: a bay shot from below or above has its upper or lower shelves shorter in the photo. A line running
    on past an edge the other lines end on (into the next bay, or along the floor) is cut back to it: placing that
    shelf's products along the longer line would crowd them into its first slots."""
    lefts = np.array([[float(line.y_at(line.x_left)), line.x_left] for line in lines])
    rights = np.array([[float(line.y_at(line.x_right)), line.x_right] for line in lines])
    left_edge, right_edge = _bay_edge(lefts, outward=-1.0), _bay_edge(rights, outward=1.0)
    lefts[:, 1] = _cut_back(lefts, left_edge, outward=-1.0)
    rights[:, 1] = _cut_back(rights, right_edge, outward=1.0)
    lengths = rights[:, 1] - lefts[:, 1]
    reaches_both = _edge_reach(lefts, left_edge) & _edge_reach(rights, right_edge)
    spanning = np.flatnonzero((lengths >= FRAGMENT_SHARE * lengths.max()) | reaches_both)
    extents = []
    for line in lines:
        middle = (line.x_left + line.x_right) / 2
        nearest = min(spanning, key=lambda other: abs(float(lines[other].y_at(middle)) - float(line.y_at(middle))))
        extents.append((float(lefts[nearest, 1]), float(rights[nearest, 1])))
    return extents


def _cut_back(ends: np.ndarray, edge: np.ndarray, outward: float) -> np.ndarray:
    """The x of each (y, x) end, moved onto the edge where it sticks out past it."""
    on_edge = np.polyval(edge, ends[:, 0])
    beyond = outward * (ends[:, 1] - on_edge) > EDGE_TOLERANCE
    return np.where(beyond, on_edge, ends[:, 1])


def _edge_reach(ends: np.ndarray, edge: np.ndarray) -> np.ndarray:
    return np.abs(ends[:, 1] - np.polyval(edge, ends[:, 0])) <= EDGE_TOLERANCE


MIN_SLANTING_SUPPORT = 3
"""A bay edge may slant only where this many shelf ends line up on it: any two ends make a line, and a fragment's
end with a whole line's would make a slanting edge that cuts the whole shelves short."""


def _bay_edge(ends: np.ndarray, outward: float) -> np.ndarray:
    """x = f(y) of one side of the bay from the (y, x) ends of its shelf lines on that side: of the upright lines
    through one end and the slanting ones through two, the one most ends reach, against which an end sticking out
    counts twice (a shelf running on into the next bay) and an end falling short not at all (a shelf broken by
    something in front of it); then refitted through the ends that reach it."""
    def support(edge):
        beyond = outward * (ends[:, 1] - np.polyval(edge, ends[:, 0]))
        reaching = _edge_reach(ends, edge)
        return int(reaching.sum()) - 2 * int((beyond > EDGE_TOLERANCE).sum()), -float(np.abs(beyond[reaching]).sum())

    candidates = [np.array([0.0, x]) for x in ends[:, 1]]
    for first in range(len(ends)):
        for second in range(first + 1, len(ends)):
            (y0, x0), (y1, x1) = ends[first], ends[second]
            if abs(y1 - y0) >= STRIDE:
                slope = (x1 - x0) / (y1 - y0)
                slanting = np.array([slope, x0 - slope * y0])
                if support(slanting)[0] >= MIN_SLANTING_SUPPORT:
                    candidates.append(slanting)
    best = max(candidates, key=support)
    reaching = _edge_reach(ends, best)
    if len(np.unique(ends[reaching, 0].round())) < 2:
        return best
    return np.polyfit(ends[reaching, 0], ends[reaching, 1], 1)


FORESHORTENING_BOUNDS = (0.5, 2.0)
"""The most a bay's right end is taken to look smaller (or larger) than its left: lines closing in faster than that
are more likely a misread line than a bay seen so obliquely."""


def _magnification_across(lines: list[ShelfLine]) -> Callable[[float], float]:
    """How large things look at pixel x, relative to the bay's middle, from the shelf lines' convergence: the
    shelves of a bay turned from the camera close in towards its far end, each line's slope changing with its
    height, and the gap between any two lines there shrinks in proportion to everything else."""
    if len(lines) < 2:
        return lambda x: 1.0
    middle = float(np.median([(line.x_left + line.x_right) / 2 for line in lines]))
    heights = np.array([float(line.y_at(middle)) for line in lines])
    if np.ptp(heights) < STRIDE:
        return lambda x: 1.0
    convergence = float(np.polyfit(heights, [line.slope for line in lines], 1)[0])
    low, high = FORESHORTENING_BOUNDS
    return lambda x: float(np.clip(1.0 + convergence * (x - middle), np.sqrt(low), np.sqrt(high)))


def assemble_bay(boxes: np.ndarray, scores: np.ndarray, lines: list[ShelfLine], settings: FixtureSettings,
                 image_width: float, occluded: np.ndarray | None = None) -> LearnedResult:
    """Number the rows from the shelf lines and stand every box on the nearest one, in the lines' pixels."""
    if not len(lines):
        return LearnedResult(None, "no shelf line found")
    if not len(boxes):
        return LearnedResult(None, "no product found")
    centres_x = (boxes[:, 0] + boxes[:, 2]) / 2
    bottoms = boxes[:, 3]
    distances = np.stack([np.abs(bottoms - line.y_at(centres_x)) for line in lines], axis=1)
    nearest = np.argmin(distances, axis=1)
    heights = np.maximum(boxes[:, 3] - boxes[:, 1], 1.0)
    off_line = distances[np.arange(len(boxes)), nearest] > 0.3 * heights
    mean_confidence = float(scores.mean())
    if off_line.mean() > settings.max_off_line_share:
        return LearnedResult(None, f"{off_line.mean():.0%} of the facings stand on no shelf line", mean_confidence)
    if mean_confidence < settings.min_mean_confidence:
        return LearnedResult(None, f"mean confidence {mean_confidence:.2f} is below "
                                   f"{settings.min_mean_confidence:.2f}", mean_confidence)
    rows = []
    magnification = _magnification_across(lines)
    for index, (line, (x_left, x_right)) in enumerate(zip(lines, _shelf_extents(lines))):
        floor = float(line.y_at((line.x_left + line.x_right) / 2))
        standing = boxes[nearest == index]
        top = float(standing[:, 1].min()) if len(standing) else floor
        x_left, x_right = max(0.0, x_left), min(image_width, x_right)
        rows.append(ShelfRow(index + 1, top, floor, x_left, x_right,
                             foreshortening=magnification(x_right) / magnification(x_left)))
    if occluded is None:
        occluded = np.zeros(len(boxes))
    products = [ProductBox(float(x0), float(y0), float(x1), float(y1), int(row) + 1, float(score), float(hidden))
                for (x0, y0, x1, y1), row, score, hidden in zip(boxes, nearest, scores, occluded)]
    products.sort(key=lambda box: (box.row, box.x0))
    return LearnedResult(BayDetection(rows=rows, products=products, detector="learned"), None, mean_confidence)


ZOOM_BELOW_WIDTH = 24.0
"""Facings narrower than this in the detector's pixels (3 stride cells) stand too close for the centre map to
tell neighbours apart (small packs, or a bay photographed from afar), so the bay is read a second time, cropped
and zoomed in. `benchmarks/narrow_facings.py` shows one reading's recall falling away below it."""
ZOOM_TARGET_WIDTH = 32.0
"""The facing width the second reading zooms to: a little over the median facing of the rendered bays the
detector learned on (26–28 px), where its recall is whole."""
MAX_ZOOMED_SIDE = 1280
"""The zoomed reading's longest side, twice the first's: it costs at most about four first readings."""


@dataclass(frozen=True)
class BayView:
    """The part of a working image the detector reads, and at what scale: the whole photo, or the bay zoomed."""

    image: Image.Image
    scale: float
    left: int = 0
    top: int = 0


def zoomed_view(image: Image.Image, detection: BayDetection, scale: float) -> BayView | None:
    """The bay cropped to its facings and shelves (plus a facing's margin) and scaled so its median facing is
    `ZOOM_TARGET_WIDTH` detector pixels wide; None when the facings are wide enough to be read as they are."""
    boxes = np.array([[p.x0, p.y0, p.x1, p.y1] for p in detection.products])
    rows = np.array([[r.x_left, r.y_bottom, r.x_right, r.y_bottom] for r in detection.rows])
    facing_width = float(np.median(boxes[:, 2] - boxes[:, 0]))
    facing_height = float(np.median(boxes[:, 3] - boxes[:, 1]))
    if facing_width * scale >= ZOOM_BELOW_WIDTH:
        return None
    extent = np.concatenate([boxes, rows])
    left = max(int(extent[:, 0].min() - facing_width), 0)
    top = max(int(extent[:, 1].min() - facing_height), 0)
    right = min(int(extent[:, 2].max() + facing_width), image.width)
    bottom = min(int(extent[:, 3].max() + facing_height), image.height)
    if right <= left or bottom <= top:
        return None
    zoom = min(ZOOM_TARGET_WIDTH / max(facing_width * scale, 1.0),
               MAX_ZOOMED_SIDE / (max(right - left, bottom - top) * scale))
    return BayView(image.crop((left, top, right, bottom)), scale * zoom, left, top) if zoom > 1.0 else None


class LearnedDetector:
    """The detector net and its per-fixture settings; `detect_batch` runs one forward pass for many photos, and
    a second for the photos whose facings are too narrow to be told apart at the first one's scale."""

    def __init__(self, net, settings: dict[str, FixtureSettings] | None = None, device: str = "cpu") -> None:
        self.net = net.to(device).eval()
        self.settings = settings or DEFAULT_SETTINGS
        self.device = device

    def detect_batch(self, images: Sequence[Image.Image], fixture_types: Sequence[str]) -> list[LearnedResult]:
        views = [BayView(image, detector_scale(image.size)) for image in images]
        results = self._read(views, fixture_types)
        zoomed: dict[int, BayView] = {}
        for index, (image, whole, result) in enumerate(zip(images, views, results)):
            closer = zoomed_view(image, result.detection, whole.scale) if result.detection is not None else None
            if closer is not None:
                zoomed[index] = closer
        for index, result in zip(zoomed, self._read(list(zoomed.values()), [fixture_types[i] for i in zoomed])):
            if result.detection is not None:
                results[index] = result
        return results

    def _read(self, views: Sequence[BayView], fixture_types: Sequence[str]) -> list[LearnedResult]:
        import torch

        from shelf_assets.vision.nets import normalise_pixels

        inputs = [detector_input(view.image, view.scale) for view in views]
        results: list[LearnedResult] = [LearnedResult(None, "not read")] * len(views)
        by_shape: dict[tuple[int, ...], list[int]] = {}
        for index, pixels in enumerate(inputs):
            by_shape.setdefault(pixels.shape, []).append(index)
        for indices in by_shape.values():
            batch = torch.from_numpy(np.stack([inputs[i] for i in indices])).to(self.device)
            with torch.inference_mode():
                outputs = self.net(normalise_pixels(batch))
            maps = {
                "centre": torch.sigmoid(outputs["centre"]).float().cpu().numpy(),
                "size": outputs["size"].float().cpu().numpy(),
                "offset": torch.sigmoid(outputs["offset"]).float().cpu().numpy(),
                "shelf_line": torch.sigmoid(outputs["shelf_line"]).float().cpu().numpy(),
                "occluder": torch.sigmoid(outputs["occluder"]).float().cpu().numpy(),
            }
            for position, index in enumerate(indices):
                results[index] = self._read_maps({key: value[position] for key, value in maps.items()},
                                                 fixture_types[index], views[index], inputs[index])
        return results

    def _read_maps(self, maps: dict[str, np.ndarray], fixture_type: str, view: BayView,
                   pixels: np.ndarray) -> LearnedResult:
        settings = self.settings.get(fixture_type, FixtureSettings())
        width = view.image.width * view.scale
        valid_cols = max(1, round(width / STRIDE))
        boxes, scores = decode_centres(maps["centre"][0], maps["size"], maps["offset"], settings.peak_threshold)
        lines = trace_shelf_lines(maps["shelf_line"][0][:, :valid_cols], settings.line_threshold,
                                  min_line_cells(boxes, valid_cols, settings.min_line_share))
        result = assemble_bay(boxes, scores, lines, settings, width, occluded_shares(maps["occluder"][0], boxes))
        if result.detection is not None:
            result.detection = _with_hidden_grids(result.detection, maps["occluder"][0])
            result.detection = _with_row_sight(result.detection, maps["occluder"][0], pixels)
            result.detection = _rescaled(result.detection, 1.0 / view.scale, view.left, view.top)
        return result


def _with_hidden_grids(detection: BayDetection, occluder: np.ndarray) -> BayDetection:
    boxes = np.array([(p.x0, p.y0, p.x1, p.y1) for p in detection.products], dtype=np.float64).reshape(-1, 4)
    products = [replace(product, hidden_grid=tuple(map(tuple, grid.tolist())))
                for product, grid in zip(detection.products, hidden_grids(occluder, boxes))]
    return replace(detection, products=products)


def _with_row_sight(detection: BayDetection, occluder: np.ndarray, pixels: np.ndarray) -> BayDetection:
    """Rows with their hidden, bare and filled stretches, each row's band as tall as the facings standing on it (or
    the bay's)."""
    bay_height = float(np.median([p.y1 - p.y0 for p in detection.products]))
    bands = []
    for row in detection.rows:
        on_row = [p for p in detection.products if p.row == row.row]
        bands.append(RowBand(row, float(np.median([p.y1 - p.y0 for p in on_row])) if on_row else bay_height, on_row))
    rows = [replace(band.row, hidden=hidden_spans(occluder, band.row, band.height), bare=bare, filled=filled)
            for band, (bare, filled) in zip(bands, bare_and_filled_spans(pixels, occluder, bands))]
    return replace(detection, rows=rows)


def _rescaled(detection: BayDetection, factor: float, left: float = 0.0, top: float = 0.0) -> BayDetection:
    """The detection in the working image's pixels: scaled by `factor`, then moved by the view's corner."""
    def moved(spans: Spans) -> Spans:
        return tuple((x0 * factor + left, x1 * factor + left) for x0, x1 in spans)

    rows = [ShelfRow(r.row, r.y_top * factor + top, r.y_bottom * factor + top, r.x_left * factor + left,
                     r.x_right * factor + left, moved(r.hidden), r.foreshortening, moved(r.bare), moved(r.filled))
            for r in detection.rows]
    products = [replace(p, x0=p.x0 * factor + left, y0=p.y0 * factor + top, x1=p.x1 * factor + left,
                        y1=p.y1 * factor + top) for p in detection.products]
    return BayDetection(rows=rows, products=products, detector=detection.detector)


@dataclass(frozen=True)
class MatcherSettings:
    """How identity is decided: the embedding similarity, plus `correlation_weight` times the packshot
    correlation matcher's score (two views of the same packshots; tuned on validation catalogs), and the fused
    score below which a product is unknown (None: the embedder's own learned threshold)."""

    correlation_weight: float = 0.0
    unknown_threshold: float | None = None


class EmbeddingMatcher:
    """SKU identity as the nearest packshot in the embedder's space (optionally fused with the packshot
    correlation); below the threshold, unknown."""

    def __init__(self, net, sku_ids: Sequence[str], packshots: Sequence[Image.Image], device: str = "cpu",
                 settings: MatcherSettings = MatcherSettings(), correlation: PackshotMatcher | None = None) -> None:
        import torch

        from shelf_assets.vision.nets import normalise_pixels

        self.net = net.to(device).eval()
        self.device = device
        self.sku_ids = list(sku_ids)
        self.weight = settings.correlation_weight if correlation is not None else 0.0
        self.correlation = correlation
        learned = float(net.unknown_threshold.detach())
        self.threshold = settings.unknown_threshold if settings.unknown_threshold is not None and self.weight else learned
        faces = torch.from_numpy(np.stack([packshot_face(packshot) for packshot in packshots])).to(device)
        with torch.inference_mode():
            self.face_vectors = net(normalise_pixels(faces)) if len(faces) else None

    def scores(self, image: Image.Image, boxes: Sequence[ProductBox]) -> np.ndarray:
        """(boxes, SKUs) fused similarity."""
        import torch

        from shelf_assets.vision.nets import normalise_pixels

        crops = context_crops(image, np.array([(b.x0, b.y0, b.x1, b.y1) for b in boxes]), margin=0.0)
        with torch.inference_mode():
            vectors = self.net(normalise_pixels(torch.from_numpy(crops).to(self.device)))
            similarity = (vectors @ self.face_vectors.T).float().cpu().numpy()
        if self.weight:
            similarity = similarity + self.weight * self.correlation.scores(image, boxes)
        return similarity

    def identify(self, image: Image.Image, boxes: Sequence[ProductBox]) -> list[SkuMatch]:
        return self.identify_in_sight(image, boxes)[0]

    def identify_in_sight(self, image: Image.Image,
                          boxes: Sequence[ProductBox]) -> tuple[list[SkuMatch], np.ndarray | None]:
        """The matches, and the correlation of each box's part in sight with every packshot they were read with
        (`PackshotMatcher.visible_scores`; None without the packshot correlation): what a benchmark asks of a
        partly hidden box besides its answer."""
        if not boxes or self.face_vectors is None:
            return [SkuMatch("", 0.0) for _ in boxes], None
        spread = 1 + self.weight
        table = self.scores(image, boxes) / spread
        floor = self.threshold / spread
        visible = self.correlation.visible_scores(image, boxes, table, floor) if self.weight else None
        return matches_from_scores(table, self.sku_ids, floor, [box.occluded for box in boxes], visible), visible
