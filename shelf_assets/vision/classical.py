"""Classical (model-free) shelf detector.

It leans only on what every shelf photo has: shelf boards are long, near-horizontal edges that cross the whole
bay; products stand on them; the back panel (or a freezer's interior) shows above and between products and is
smooth and of one colour; neighbouring facings of one SKU repeat side by side. Sizes are reasoned as fractions of
the bay's width, so the same rules hold at any resolution and zoom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

from shelf_assets.vision.types import BayDetection, ProductBox, ShelfRow

NOMINAL_BAY_WIDTH_MM = {"gondola": 1000.0, "freezer": 800.0, "endcap": 1200.0}
MIN_FACING_MM = 40.0
MAX_FACING_MM = 175.0
MIN_PRODUCT_MM = 45.0

_SLOPE_ANGLES = np.deg2rad(np.arange(-18.0, 18.01, 0.5))
_SLOPES_TRIED = 3
_DOORED_FIXTURES = ("freezer",)
_DOOR_GAP_SHARE = 0.06
_DOOR_OFFSET_SHARE = 0.03
_PANEL_LEVELS = 12
_CHROMA_TOLERANCE = 0.12
_DARK = 0.12
_SHADOW = 0.45
_LIT_TOLERANCE = 0.12
_MAX_HAZE = 0.6
_HAZE_TOLERANCE = 0.1
_BOARD_MM = 45.0
_LINE_COVERAGE = 0.7
_MIN_PANEL_SHARE = 0.25
_BOARD_UNIFORMITY = 0.5
_BOARD_SPAN = 0.8
_BRIDGE_SHARE = 1 / 60
_COLUMN_STEP = 2
_EDGE_QUANTILE = 0.93
_LINE_MIN_SHARE = 0.55
_BOARD_MERGE_SHARE = 0.045
_OCCUPIED = 0.5


@dataclass(frozen=True)
class _Line:
    """A straight edge y = y_mid + slope·(x − x_mid) running from column x0 to x1."""

    y_mid: float
    slope: float
    x_mid: float
    x0: int
    x1: int

    def at(self, x):
        return self.y_mid + self.slope * (np.asarray(x, dtype=np.float32) - self.x_mid)


def detect_classical(image: Image.Image, fixture_type: str) -> BayDetection:
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"), dtype=np.float32) / 255.0
    gray = _gray(rgb)
    width = gray.shape[1]
    doored = fixture_type in _DOORED_FIXTURES
    segments = _long_lines(gray, _LINE_MIN_SHARE / 2 if doored else _LINE_MIN_SHARE)
    sections = [(0, width)]
    if doored:
        split = _door_split(segments, width)
        if split is not None:
            sections = [(0, split), (split, width)]
    nominal_width = NOMINAL_BAY_WIDTH_MM.get(fixture_type, 1000.0) / len(sections)
    found_rows = []
    for start, end in sections:
        found_rows.extend(_detect_section(rgb, _bay_lines(segments, start, end, width), nominal_width))
    return _numbered(found_rows)


def _detect_section(rgb: np.ndarray, lines: list[_Line], nominal_width_mm: float):
    """(top, base, x_left, x_right, facings) of every product row standing between the given shelf lines."""
    if len(lines) < 2:
        return []
    x_left = int(np.median([line.x0 for line in lines]))
    x_right = int(np.median([line.x1 for line in lines]))
    px_per_mm = max(x_right - x_left, 1) / nominal_width_mm
    panel = _panel_colour(rgb, lines, x_left, x_right)
    centre = (x_left + x_right) / 2
    rows = []
    for top_line, base_line, background in _bands(rgb, lines, panel, x_left, x_right, px_per_mm):
        found = _facings_in_band(rgb, background, top_line, base_line, x_left, x_right, px_per_mm)
        if found:
            rows.append((float(top_line.at(centre)), float(base_line.at(centre)), x_left, x_right, found))
    return rows


def _numbered(found_rows) -> BayDetection:
    """Rows of all sections, numbered top to bottom; rows of side-by-side sections at one height are one shelf.

    Doors of one freezer hold their shelves at the same height, give or take perspective: a row overlapping
    an already numbered row by more than half its height joins it.
    """
    rows: list[ShelfRow] = []
    products: list[ProductBox] = []
    for top, base, x_left, x_right, found in sorted(found_rows, key=lambda row: row[1]):
        joined = None
        for index, row in enumerate(rows):
            overlap = min(base, row.y_bottom) - max(top, row.y_top)
            if overlap > 0.5 * min(base - top, row.y_bottom - row.y_top) and not (
                    x_left < row.x_right and x_right > row.x_left):
                joined = index
        if joined is None:
            rows.append(ShelfRow(len(rows) + 1, top, base, float(x_left), float(x_right)))
            number = len(rows)
        else:
            row = rows[joined]
            rows[joined] = ShelfRow(row.row, (row.y_top + top) / 2, (row.y_bottom + base) / 2,
                                    min(row.x_left, float(x_left)), max(row.x_right, float(x_right)))
            number = row.row
        products.extend(ProductBox(x0, y0, x1, y1, number, confidence) for x0, y0, x1, y1, confidence in found)
    return BayDetection(rows=rows, products=products, detector="classical")


def _gray(rgb: np.ndarray) -> np.ndarray:
    return rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _vertical_gradient(values: np.ndarray) -> np.ndarray:
    gradient = np.zeros_like(values)
    gradient[1:-1] = np.abs(values[2:] - values[:-2])
    return gradient


def _long_lines(gray: np.ndarray, min_share: float) -> list[_Line]:
    """Straight horizontal edges running unbroken across much of the image: shelf fronts, rails, panel seams.

    Each line gets its own slope, since perspective makes the shelves of one photo converge (a phone held low
    and off to one side tilts the top and bottom boards by ten degrees or more in opposite directions). A Hough
    vote over every slope proposes for each height the slopes that collect most edge pixels; each proposal is then
    walked along to find its longest unbroken run, so scattered texture that happens to vote well is not a line.
    A door of a freezer shows only part of each shelf, so `min_share` (of the photo's width) is set by the caller.
    """
    height, width = gray.shape
    edges = _vertical_gradient(gray)
    strong = edges > max(float(np.quantile(edges, _EDGE_QUANTILE)), 0.05)
    strong[1:-1] |= strong[:-2] & strong[2:]
    x_mid = width / 2
    sampled = np.arange(0, width, _COLUMN_STEP)
    slopes = np.tan(_SLOPE_ANGLES).astype(np.float32)
    margin = int(math.ceil(float(np.abs(slopes).max()) * x_mid)) + 2
    span = height + 2 * margin
    ys, xs = np.nonzero(strong[:, sampled])
    if len(ys) < 10:
        return []
    dx = (sampled[xs] - x_mid).astype(np.float32)
    intercepts = np.round(ys[None, :] - dx[None, :] * slopes[:, None]).astype(np.int32) + margin
    votes = np.bincount((intercepts + np.arange(len(slopes))[:, None] * span).ravel(),
                        minlength=len(slopes) * span).reshape(len(slopes), span).astype(np.float32)
    votes[:, 1:-1] += votes[:, :-2] + votes[:, 2:]
    minimum = min_share * 0.45 * width
    promising = np.flatnonzero(votes.max(axis=0) >= _LINE_COVERAGE * minimum / _COLUMN_STEP)
    promising = promising[(promising >= margin) & (promising < margin + height)]
    if len(promising) == 0:
        return []
    ranked = np.argsort(-votes[:, promising], axis=0)[:_SLOPES_TRIED]
    intercept = np.repeat(promising[None, :], len(ranked), axis=0).ravel() - margin
    slope = slopes[ranked.ravel()]
    trace = np.round(intercept[:, None] + (sampled[None, :] - x_mid) * slope[:, None]).astype(np.int32)
    padded = np.zeros((height + 2, width), dtype=bool)
    padded[1:-1] = strong
    padded[:-2] |= strong
    padded[2:] |= strong
    on_line = padded[np.clip(trace + 1, 0, height + 1), sampled[None, :]] & (trace >= -1) & (trace <= height)
    positions = np.arange(len(sampled))[None, :]
    closed = _close_runs(on_line, max(2, int(width * _BRIDGE_SHARE / _COLUMN_STEP)))
    last_break = np.maximum.accumulate(np.where(closed, -1, positions), axis=1)
    run = positions - last_break
    end = run.argmax(axis=1)
    length = run.max(axis=1)
    covered = np.cumsum(on_line, axis=1)
    rows = np.arange(len(on_line))
    start = np.maximum(end - length, 0)
    coverage = (covered[rows, end] - covered[rows, start]) / np.maximum(length, 1)
    length = np.where(coverage >= _LINE_COVERAGE, length, 0).reshape(len(ranked), -1)
    choice = length.argmax(axis=0)
    columns = np.arange(len(promising))
    best_length = length[choice, columns] * _COLUMN_STEP
    best_end = end.reshape(len(ranked), -1)[choice, columns] * _COLUMN_STEP
    best_slope = slope.reshape(len(ranked), -1)[choice, columns]
    lines: list[_Line] = []
    for index in np.flatnonzero(best_length >= minimum):
        y = int(promising[index]) - margin
        if y < 2 or y > height - 3:
            continue
        line = _Line(float(y), float(best_slope[index]), x_mid, int(best_end[index] - best_length[index] + 1),
                     int(min(width, best_end[index] + _COLUMN_STEP)))
        if lines and y - lines[-1].y_mid <= 2:
            if line.x1 - line.x0 > lines[-1].x1 - lines[-1].x0:
                lines[-1] = line
            continue
        lines.append(line)
    return lines


def _bay_lines(segments: list[_Line], start: int, end: int, width: int) -> list[_Line]:
    """The lines of one section of the bay (columns start..end) that cross most of it: shelf candidates.

    A line reaching the photo's border is the floor, ceiling or a wall, not part of a bay framed inside the photo.
    """
    inside = []
    for line in segments:
        if line.x0 <= 2 or line.x1 >= width - 3 or line.x1 <= start or line.x0 >= end:
            continue
        inside.append(_Line(line.y_mid, line.slope, line.x_mid, max(line.x0, start), min(line.x1, end)))
    if not inside:
        return []
    longest = max(line.x1 - line.x0 for line in inside)
    long_ones = [line for line in inside if line.x1 - line.x0 >= 0.6 * longest]
    x_left = float(np.median([line.x0 for line in long_ones]))
    x_right = float(np.median([line.x1 for line in long_ones]))
    return [line for line in inside
            if min(line.x1, x_right) - max(line.x0, x_left) >= _BOARD_SPAN * (x_right - x_left)]


def _door_split(segments: list[_Line], width: int) -> int | None:
    """The column between two doors: where many shelf lines end on the left and as many start on the right.

    A glass-door freezer shows its shelves through two doors; the mullion between them hides (or, seen at an
    angle, offsets) every shelf, so shelves appear as left and right halves that meet at one column, each half
    continuing the other at nearly the same height.
    """
    if len(segments) < 4:
        return None
    ends = np.array([line.x1 for line in segments], dtype=np.float32)
    starts = np.array([line.x0 for line in segments], dtype=np.float32)
    tolerance = _DOOR_GAP_SHARE * width
    best, best_count = None, 1
    for x in np.arange(0.3 * width, 0.7 * width, 2.0):
        ending = np.flatnonzero((ends <= x) & (ends > x - tolerance))
        starting = np.flatnonzero((starts >= x) & (starts < x + tolerance))
        if len(ending) < 2 or len(starting) < 2:
            continue
        left_y = np.array([segments[index].at(x) for index in ending], dtype=np.float32)
        right_y = np.array([segments[index].at(x) for index in starting], dtype=np.float32)
        continued = np.abs(left_y[:, None] - right_y[None, :]) < _DOOR_OFFSET_SHARE * width
        count = min(int(continued.any(axis=1).sum()), int(continued.any(axis=0).sum()))
        if count > best_count:
            best_count = count
            best = (float(np.median(ends[ending])) + float(np.median(starts[starting]))) / 2
    return None if best is None else int(round(best))


def _close_runs(mask: np.ndarray, gap: int) -> np.ndarray:
    """Bridge gaps of up to `gap` columns in every row (labels and small breaks do not cut a board)."""
    columns = np.arange(mask.shape[1])
    left = np.maximum.accumulate(np.where(mask, columns, -10**6), axis=1)
    right = np.minimum.accumulate(np.where(mask, columns, 10**6)[:, ::-1], axis=1)[:, ::-1]
    return (columns - left <= gap) & (right - columns <= gap)


def _panel_colour(rgb: np.ndarray, lines: list[_Line], x0: int, x1: int) -> np.ndarray:
    """The back panel's (or freezer interior's) colour: the most common colour inside the fixture."""
    top = int(max(0, min(line.at(x0) for line in lines).min()))
    bottom = int(min(rgb.shape[0], max(line.at(x1) for line in lines).max()))
    region = rgb[top:bottom:2, x0:x1:2].reshape(-1, 3)
    if len(region) == 0:
        return np.median(rgb.reshape(-1, 3), axis=0)
    quantised = np.minimum((region * _PANEL_LEVELS).astype(np.int32), _PANEL_LEVELS - 1)
    codes = (quantised[:, 0] * _PANEL_LEVELS + quantised[:, 1]) * _PANEL_LEVELS + quantised[:, 2]
    mode = np.bincount(codes).argmax()
    return np.median(region[codes == mode], axis=0)


def _looks_like_panel(pixels: np.ndarray, panel: np.ndarray) -> np.ndarray:
    """Panel-coloured pixels, shadowed or lit: same chromaticity and not far off in brightness.

    Shelves cast shadows on the panel below them, so a darker pixel of the panel's hue is panel; a lighter one
    must also be close in colour, since nothing explains a brighter panel but glare.
    Glare, frost haze and reflections on a freezer's glass add white light: a pixel that is the panel colour
    blended part-way towards white, by the same amount in every channel, is panel seen through haze.
    Near-black pixels have no reliable chromaticity and count as panel only when the panel itself is dark.
    """
    panel = np.asarray(panel, dtype=np.float32).reshape(3)
    channels = [pixels[..., channel] for channel in range(3)]
    brightness = (channels[0] + channels[1] + channels[2]) / 3
    panel_brightness = float(panel.mean())
    panel_chroma = panel / (panel_brightness + 0.02)
    scale = 1.0 / (brightness + 0.02)
    hue_error = np.zeros_like(brightness)
    lit_error = np.zeros_like(brightness)
    haze = []
    for channel, value in enumerate(channels):
        np.maximum(hue_error, np.abs(value * scale - panel_chroma[channel]), out=hue_error)
        difference = value - panel[channel]
        np.maximum(lit_error, np.abs(difference), out=lit_error)
        haze.append(difference / max(1.0 - float(panel[channel]), 0.05))
    similar_hue = hue_error < _CHROMA_TOLERANCE
    shadowed = (brightness > _SHADOW * panel_brightness) & (brightness <= panel_brightness)
    lit = (brightness > panel_brightness) & (lit_error < _LIT_TOLERANCE)
    plausible_light = shadowed | lit
    both_dark = (brightness < _DARK) & (panel_brightness < 1.5 * _DARK)
    least = np.minimum(np.minimum(haze[0], haze[1]), haze[2])
    most = np.maximum(np.maximum(haze[0], haze[1]), haze[2])
    hazed = (least > 0) & ((haze[0] + haze[1] + haze[2]) < 3 * _MAX_HAZE) & (most - least < _HAZE_TOLERANCE)
    return (similar_hue & plausible_light) | both_dark | hazed


def _bands(rgb: np.ndarray, lines: list[_Line], panel: np.ndarray, x0: int, x1: int, px_per_mm: float):
    """(top, base, background colour) of each product row.

    Lines with panel on both sides are seams of the back panel and ignored; the others are grouped into boards
    (front edge, price strip, underside). Products stand on a board's first line and reach up to the previous
    board's last line. Every real row shows the same back panel (or freezer interior) above its products, so a
    candidate whose dominant upper colour differs from the bay's — a header sign, the base, the floor — is dropped.
    """
    ordered = sorted(lines, key=lambda line: line.y_mid)
    structural = [
        line for line in ordered
        if _same_on_both_sides(rgb, line, x0, x1) < 0.6 and _uniform_below(rgb, line, x0, x1) >= _BOARD_UNIFORMITY
    ]
    boards: list[list[_Line]] = []
    for line in structural:
        if boards and line.y_mid - boards[-1][-1].y_mid <= _BOARD_MM * px_per_mm:
            boards[-1].append(line)
        else:
            boards.append([line])
    candidates = []
    for previous, board in zip(boards, boards[1:]):
        top, base = previous[-1], board[0]
        depth = base.y_mid - top.y_mid
        if depth < MIN_PRODUCT_MM * px_per_mm:
            continue
        upper = rgb[int(top.y_mid + 0.08 * depth):int(top.y_mid + 0.45 * depth), x0:x1]
        colour, share = _dominant_colour(upper)
        candidates.append((top, base, colour, share))
    if not candidates:
        return []
    weights = np.array([share for *_, share in candidates])
    agreement = [
        sum(weight for (_, _, other, _), weight in zip(candidates, weights)
            if _looks_like_panel(other[None, :], colour)[0])
        for _, _, colour, _ in candidates
    ]
    bay_background = candidates[int(np.argmax(agreement))][2]
    return [(top, base, colour) for top, base, colour, share in candidates
            if share >= _MIN_PANEL_SHARE and _looks_like_panel(colour[None, :], bay_background)[0]]


def _same_on_both_sides(rgb: np.ndarray, line: _Line, x0: int, x1: int) -> float:
    """Share of columns where the line separates nothing: a seam or slat of the panel, not a shelf edge."""
    columns = np.arange(x0, x1)
    centre = line.at(columns)
    above = rgb[np.clip(np.round(centre - 4).astype(np.int32), 0, rgb.shape[0] - 1), columns]
    below = rgb[np.clip(np.round(centre + 4).astype(np.int32), 0, rgb.shape[0] - 1), columns]
    return float((np.abs(above - below).max(axis=1) < 0.1).mean())


def _uniform_below(rgb: np.ndarray, line: _Line, x0: int, x1: int) -> float:
    """How uniform the strip just below a line is along x: high for a board's front, low under product tops."""
    columns = np.arange(x0, x1)
    ys = np.clip(np.round(line.at(columns)[None, :] + np.arange(2, 6)[:, None]).astype(np.int32), 0, rgb.shape[0] - 1)
    return _dominant_colour(rgb[ys, columns[None, :]])[1]


def _dominant_colour(pixels: np.ndarray) -> tuple[np.ndarray, float]:
    """The most common colour of a region (coarsely quantised) and the share of pixels that have it."""
    flat = pixels[::2, ::2].reshape(-1, 3)
    if len(flat) == 0:
        return np.zeros(3, np.float32), 0.0
    quantised = np.minimum((flat * _PANEL_LEVELS).astype(np.int32), _PANEL_LEVELS - 1)
    codes = (quantised[:, 0] * _PANEL_LEVELS + quantised[:, 1]) * _PANEL_LEVELS + quantised[:, 2]
    mode = np.bincount(codes).argmax()
    colour = np.median(flat[codes == mode], axis=0)
    return colour, float(_looks_like_panel(flat, colour).mean())


def _facings_in_band(
    rgb: np.ndarray, panel: np.ndarray, top_line: _Line, base_line: _Line, x_left: int, x_right: int, px_per_mm: float,
) -> list[tuple[float, float, float, float, float]]:
    columns = np.arange(x_left, x_right)
    base = base_line.at(columns)
    height = int(round(float(np.median(base - top_line.at(columns))))) - 2
    if height < MIN_PRODUCT_MM * px_per_mm or len(columns) == 0:
        return []
    ys = np.clip(np.round(base[None, :] - 1 - np.arange(height, 0, -1)[:, None]).astype(np.int32), 0, rgb.shape[0] - 1)
    band = rgb[ys, columns[None, :]]
    product = ~_looks_like_panel(band, panel)
    distance = np.abs(band - panel).max(axis=2)
    occupancy = np.maximum(product[int(height * 0.6):].mean(axis=0), product[int(height * 0.3):].mean(axis=0))
    min_width = MIN_FACING_MM * px_per_mm
    results = []
    for start, end in _runs(occupancy > _OCCUPIED):
        if end - start < 0.6 * min_width:
            continue
        for f0, f1 in _split_facings(band[:, start:end], product[:, start:end], px_per_mm):
            top, bottom = _product_extent(product[:, start + f0:start + f1])
            if bottom - top < MIN_PRODUCT_MM * px_per_mm * 0.8:
                continue
            fill = float(product[top:bottom, start + f0:start + f1].mean())
            contrast = float(np.clip(distance[top:bottom, start + f0:start + f1].mean() / 0.35, 0, 1))
            width_mm = (f1 - f0) / px_per_mm
            plausible = 1.0 if MIN_FACING_MM <= width_mm <= MAX_FACING_MM else 0.4
            confidence = float(np.clip(0.55 * fill + 0.25 * contrast + 0.2 * plausible, 0, 1))
            facing_base = base[start + f0:start + f1] - 1 - height
            y1 = float(facing_base.max()) + bottom
            y0 = float(facing_base.min()) + top
            results.append((float(x_left + start + f0), y0, float(x_left + start + f1), y1, confidence))
    return results


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[0], mask.astype(np.int8), [0]])
    changes = np.flatnonzero(np.diff(padded))
    return list(zip(changes[::2].tolist(), changes[1::2].tolist()))


def _product_extent(product: np.ndarray) -> tuple[int, int]:
    """(top, bottom) rows of the product standing in these columns: its lowest rows must lie near the base
    (a board lip or price strip may sit between), and it reaches up until the columns stop being product."""
    rows = product.mean(axis=1) > 0.5
    height = len(rows)
    near_base = np.flatnonzero(rows[int(height * 0.8):])
    if len(near_base) == 0:
        return height, height
    bottom = int(height * 0.8) + int(near_base[-1]) + 1
    top, misses = bottom, 0
    for y in range(bottom - 1, -1, -1):
        if rows[y]:
            top, misses = y, 0
        else:
            misses += 1
            if misses > max(2, height // 40):
                break
    return top, bottom


def _split_facings(band: np.ndarray, product: np.ndarray, px_per_mm: float) -> list[tuple[int, int]]:
    """Split a run of product columns into facings: where the product top steps up or down, then by repetition."""
    height, width = product.shape
    min_width, max_width = MIN_FACING_MM * px_per_mm, MAX_FACING_MM * px_per_mm
    tops = np.where(product.any(axis=0), product.argmax(axis=0), height).astype(np.float32)
    cuts = [0]
    if width > 8:
        left = np.median(sliding_window_view(tops[:-5], 3), axis=1)
        right = np.median(sliding_window_view(tops[5:], 3), axis=1)
        steps = np.abs(left - right)
        for index in np.flatnonzero(steps > 0.06 * height):
            x = int(index) + 4
            if min_width * 0.8 <= x <= width - min_width * 0.8 and x - cuts[-1] >= min_width * 0.8:
                cuts.append(x)
    cuts.append(width)
    signature = _column_signature(band, product)
    facings = []
    for a, b in zip(cuts, cuts[1:]):
        facings.extend((a + f0, a + f1) for f0, f1 in _repeating(signature[a:b], min_width, max_width))
    return facings


def _column_signature(band: np.ndarray, product: np.ndarray) -> np.ndarray:
    """Per column: mean colour in 6 vertical slices of the band's lower part, so facings of one SKU repeat."""
    height = band.shape[0]
    lower = band[int(height * 0.35):]
    slices = np.array_split(lower, 6, axis=0)
    return np.concatenate([piece.mean(axis=0) for piece in slices], axis=1)


def _repeating(signature: np.ndarray, min_width: float, max_width: float) -> list[tuple[int, int]]:
    """Split a run into k equal facings when its columns repeat: the first clear autocorrelation peak is the
    facing width. Without one, a run wider than any facing is cut into the fewest plausible pieces."""
    width = len(signature)
    k = 1
    if width >= 1.6 * min_width:
        centred = signature - signature.mean(axis=0)
        lags = np.arange(1, int(width - 0.5 * min_width))
        correlation = np.array([_correlation(centred[:-lag], centred[lag:]) for lag in lags])
        for index in range(1, len(lags) - 1):
            lag = lags[index]
            if lag < 0.85 * min_width or lag > max_width:
                continue
            peak = correlation[index]
            if peak >= correlation[index - 1] and peak >= correlation[index + 1] and peak >= 0.5 \
                    and correlation[:index].min() <= peak - 0.25:
                k = max(1, int(round(width / lag)))
                break
        else:
            k = max(1, int(math.ceil(width / max_width)))
    edges = np.linspace(0, width, k + 1).round().astype(int)
    return list(zip(edges[:-1].tolist(), edges[1:].tolist()))


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float((a * b).sum()) / (float(np.sqrt((a**2).sum() * (b**2).sum())) + 1e-6)

