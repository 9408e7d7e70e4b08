"""Classical (model-free) shelf detector: shelf rows from long horizontal structures, facings from
vertical boundaries and background gaps along each row.

It is the fallback when no trained model is available, so it leans only on what every shelf photo
has: boards that cross the bay, products standing on them, a back panel showing in gaps and above the
products, and neighbouring facings separated by a thin gap or a strong vertical edge. Sizes are
reasoned in millimetres through the bay width the fixture type implies, so the same rules hold at any
resolution and zoom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from shelf_assets.vision.shelf_lines import Line, box_filter_1d, find_lines
from shelf_assets.vision.types import BayDetection, ProductBox, ShelfRow

NOMINAL_BAY_WIDTH_MM = {"gondola": 1000.0, "freezer": 800.0, "endcap": 1200.0}
_DEFAULT_BAY_WIDTH_MM = 1000.0

_BOARD_GROUP_MM = 50.0
_BOARD_COVERAGE = 0.6
_MIN_BAND_MM = 85.0
_MIN_FACING_MM = 38.0
_MAX_FACING_MM = 170.0
_MIN_PRODUCT_HEIGHT_MM = 50.0
_MAX_INNER_GAP_MM = 25.0
_MIN_BACKGROUND_DISTANCE = 0.05
_MAX_BACKGROUND_DISTANCE = 0.18
_PANEL_SPREAD_FACTOR = 3.0
_BACKGROUND_WINDOW_MM = 160.0
_OCCUPIED = 0.45
_ROW_OCCUPANCY_SHARE = 0.3
_NEW_FACING_COST = 0.6


@dataclass(frozen=True)
class _Board:
    """Lines close together that form one shelf front; products stand on `top`."""

    top: Line
    bottom: Line
    x_left: float
    x_right: float
    longest: float


def _as_arrays(image: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"), dtype=np.float32) / 255.0
    gray = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return rgb, gray


def _group_boards(lines: list[Line], px_per_mm: float) -> list[_Board]:
    """Merge lines that are one board apart (top edge, price strip, bottom edge) into boards."""
    ordered = sorted(lines, key=lambda line: line.offset)
    boards: list[list[Line]] = []
    for line in ordered:
        if boards and line.offset - boards[-1][-1].offset <= _BOARD_GROUP_MM * px_per_mm:
            boards[-1].append(line)
        else:
            boards.append([line])
    return [
        _Board(
            top=group[0],
            bottom=group[-1],
            x_left=min(line.x_left for line in group),
            x_right=max(line.x_right for line in group),
            longest=max(line.length for line in group),
        )
        for group in boards
    ]


def _rectified_band(rgb: np.ndarray, top: Line, bottom: Line, x_left: int, x_right: int) -> tuple[np.ndarray, np.ndarray]:
    """Band above `bottom`, each column shifted so the standing line is the last row.

    Returns (band, bottom_y) where band is (band_height, columns, 3) and bottom_y the standing line's
    y per column: a tilted shelf becomes a horizontal strip without resampling whole images.
    """
    columns = np.arange(x_left, x_right)
    bottom_y = np.asarray(bottom.y_at(columns))
    top_y = np.asarray(top.y_at(columns))
    band_height = int(max(4, round(float(np.median(bottom_y - top_y)))))
    rows = np.round(bottom_y)[None, :] - band_height + np.arange(band_height)[:, None]
    rows = np.clip(rows, 0, rgb.shape[0] - 1).astype(np.int64)
    return rgb[rows, columns[None, :]], bottom_y


def _background_colour(band: np.ndarray, window: int) -> np.ndarray:
    """Back panel colour per column, (columns, 3).

    Products are shorter than the shelf gap, so the upper half of the band is mostly panel; a running
    median along the shelf bridges products that reach high and follows light falling off across the
    bay.
    """
    per_column = np.median(band[: max(2, band.shape[0] // 2)], axis=0)
    window = max(1, min(window, per_column.shape[0]))
    padded = np.pad(per_column, ((window // 2, window - 1 - window // 2), (0, 0)), mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, window, axis=0)
    return np.median(windows, axis=2)


def _foreground(band: np.ndarray, px_per_mm: float) -> np.ndarray:
    """Pixels that are not back panel: far from the panel colour of their column.

    "Far" is measured against the panel's own spread (noise, pegboard holes, slats, glare falling
    off) in the upper half of the band, so a clean panel lets pale packs stand out and a busy one
    does not turn into products.
    """
    background = _background_colour(band, int(round(_BACKGROUND_WINDOW_MM * px_per_mm)))
    distance = np.sqrt(((band - background[None, :, :]) ** 2).sum(axis=2)) / np.sqrt(3.0)
    panel_spread = float(np.percentile(distance[: max(1, band.shape[0] // 2)], 60))
    threshold = float(np.clip(_PANEL_SPREAD_FACTOR * panel_spread + 0.03, _MIN_BACKGROUND_DISTANCE, _MAX_BACKGROUND_DISTANCE))
    return distance > threshold


def _occupancy(foreground: np.ndarray) -> float:
    """Share of the band's lower half that differs from its back panel: products stand there, a
    ceiling or an empty header does not."""
    return float(foreground[foreground.shape[0] // 2 :].mean())


def _facing_period(evidence: np.ndarray, min_width: int, max_width: int) -> tuple[float, float]:
    """Dominant spacing of boundaries in a run (same-SKU facings repeat) and how clear it is (0..1)."""
    centred = evidence - evidence.mean()
    if len(centred) < 2 * min_width or not centred.any():
        return 0.0, 0.0
    spectrum = np.fft.rfft(centred, n=2 * len(centred))
    autocorrelation = np.fft.irfft(spectrum * np.conj(spectrum))[: len(centred)]
    autocorrelation /= max(autocorrelation[0], 1e-9)
    upper = min(max_width, len(centred) - 1)
    if upper <= min_width:
        return 0.0, 0.0
    lag = int(np.argmax(autocorrelation[min_width:upper + 1])) + min_width
    return float(lag), float(max(autocorrelation[lag], 0.0))


def _split_run(evidence: np.ndarray, min_width: int, max_width: int) -> list[tuple[int, int]]:
    """Cut a run of occupied columns into facings.

    Dynamic programming over cut positions: each cut earns the boundary evidence at its column, each
    facing costs a constant, widths stay within product limits, and when the run is periodic (a row
    of identical facings) widths far from the period cost extra.
    """
    length = len(evidence)
    if length <= max_width and length < 2 * min_width:
        return [(0, length)]
    period, clarity = _facing_period(evidence, min_width, max_width)
    best = np.full(length + 1, -np.inf)
    previous = np.zeros(length + 1, dtype=np.int64)
    best[0] = 0.0
    widths_all = np.arange(length + 1)
    for end in range(min_width, length + 1):
        starts = np.arange(max(0, end - max_width), end - min_width + 1)
        if len(starts) == 0:
            continue
        gain = evidence[end - 1] if end < length else 0.0
        widths = widths_all[end - starts]
        cost = _NEW_FACING_COST
        if period > 0:
            cost = cost + clarity * 0.6 * np.abs(widths - period) / period
        candidates = best[starts] + gain - cost
        pick = int(np.argmax(candidates))
        best[end] = candidates[pick]
        previous[end] = starts[pick]
    if not np.isfinite(best[length]):
        return [(0, length)]
    cuts = []
    end = length
    while end > 0:
        start = int(previous[end])
        cuts.append((start, end))
        end = start
    return cuts[::-1]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], mask, [False]])
    changes = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(changes[i]), int(changes[i + 1])) for i in range(0, len(changes), 2)]


def _product_top(row_share: np.ndarray, max_gap: int) -> int:
    """Top row of the product standing at the bottom of the band.

    Climb from the standing line through rows that differ from the back panel, stepping over short
    panel-coloured stretches (a pale label or emblem on the pack), and stop at the first long one.
    """
    occupied = np.flatnonzero(row_share[::-1] >= 0.5)
    occupied = occupied[occupied < row_share.shape[0]]
    if not len(occupied) or occupied[0] > max_gap:
        return row_share.shape[0]
    jumps = np.flatnonzero(np.diff(occupied) > max_gap)
    highest_from_bottom = occupied[jumps[0]] if len(jumps) else occupied[-1]
    return int(row_share.shape[0] - 1 - highest_from_bottom)


def _segment_band(band: np.ndarray, foreground: np.ndarray, px_per_mm: float) -> list[tuple[int, int, int, float]]:
    """Facings of one rectified band: (column_start, column_end, top_row, confidence) each."""
    height, width = band.shape[:2]
    lower = slice(height // 2, max(height // 2 + 1, height - 2))
    occupancy = box_filter_1d(foreground[lower].mean(axis=0).astype(np.float32), 3, axis=0)
    gray = band.mean(axis=2)
    vertical_edges = np.zeros(width, dtype=np.float32)
    vertical_edges[1:-1] = np.abs(gray[lower, 2:] - gray[lower, :-2]).mean(axis=0)
    min_width = max(3, int(round(_MIN_FACING_MM * px_per_mm)))
    max_width = max(min_width + 2, int(round(_MAX_FACING_MM * px_per_mm)))
    min_height = _MIN_PRODUCT_HEIGHT_MM * px_per_mm
    top_smoothing = max(3, int(round(6.0 * px_per_mm)) | 1)
    max_gap = max(2, int(round(_MAX_INNER_GAP_MM * px_per_mm)))
    facings = []
    for start, end in _runs(occupancy > _OCCUPIED):
        if end - start < 0.7 * min_width:
            continue
        edges = vertical_edges[start:end]
        scale = float(np.percentile(edges, 90)) + 1e-6
        evidence = np.clip(edges / scale, 0, 1) * 0.4 + np.clip(1.0 - occupancy[start:end], 0, 1) * 1.2
        for cut_start, cut_end in _split_run(evidence, min_width, max_width):
            column_start, column_end = start + cut_start, start + cut_end
            column_share = box_filter_1d(
                foreground[:, column_start:column_end].mean(axis=1).astype(np.float32), top_smoothing, axis=0
            )
            top_row = _product_top(column_share, max_gap)
            if height - top_row < min_height:
                continue
            inside = float(foreground[top_row:, column_start:column_end].mean())
            boundary = float(np.mean([evidence[max(cut_start - 1, 0)], evidence[min(cut_end, len(evidence) - 1)]]))
            width_fit = 1.0 - min(1.0, abs(np.log((column_end - column_start) / (0.5 * (min_width + max_width)))) / 1.5)
            confidence = float(np.clip(0.5 * inside + 0.3 * min(boundary, 1.0) + 0.2 * width_fit, 0.0, 1.0))
            facings.append((column_start, column_end, top_row, confidence))
    return facings


def _shelf_bands(rgb: np.ndarray, boards: list[_Board], px_per_mm: float, width: int) -> list[tuple]:
    """Product bands between consecutive boards, each standing on the lower board.

    A band with nothing standing in it means its lower "board" was no shelf (the tops of a row of
    equally tall products, a stripe of the back panel): that line is dropped and the bands re-cut.
    """
    boards = list(boards)
    while True:
        candidates = []
        for above_board, board in zip(boards, boards[1:]):
            above = above_board.bottom
            if board.top.offset - above.y_at(board.top.centre_x) < _MIN_BAND_MM * px_per_mm:
                continue
            x_left = int(max(0, round(board.x_left)))
            x_right = int(min(width, round(board.x_right)))
            band, bottom_y = _rectified_band(rgb, above, board.top, x_left, x_right)
            foreground = _foreground(band, px_per_mm)
            candidates.append((board, x_left, x_right, band, foreground, bottom_y, _occupancy(foreground)))
        if not candidates:
            return []
        strongest = max(candidate[-1] for candidate in candidates)
        empty = [candidate[0] for candidate in candidates if candidate[-1] < _ROW_OCCUPANCY_SHARE * strongest]
        droppable = [board for board in empty if board is not boards[-1]]
        if not droppable:
            return [candidate for candidate in candidates if candidate[-1] >= _ROW_OCCUPANCY_SHARE * strongest]
        boards.remove(droppable[0])


def detect_classical(image: Image.Image, fixture_type: str) -> BayDetection:
    """Shelf rows and product facings of one normalised working image."""
    rgb, gray = _as_arrays(image)
    height, width = gray.shape
    found = find_lines(gray)
    lines, bay_left, bay_right = found.lines, found.x_left, found.x_right
    bay_width_mm = NOMINAL_BAY_WIDTH_MM.get(fixture_type, _DEFAULT_BAY_WIDTH_MM)
    px_per_mm = max(bay_right - bay_left, 0.3 * width) / bay_width_mm
    boards = [
        board
        for board in _group_boards(lines, px_per_mm)
        if board.longest >= _BOARD_COVERAGE * (bay_right - bay_left)
    ]
    candidates = _shelf_bands(rgb, boards, px_per_mm, width)
    detection = BayDetection(detector="classical")
    for board, x_left, x_right, band, foreground, bottom_y, _ in candidates:
        row_number = len(detection.rows) + 1
        band_height = band.shape[0]
        centre = (x_left + x_right) / 2.0
        detection.rows.append(
            ShelfRow(
                row=row_number,
                y_top=float(board.top.y_at(centre) - band_height),
                y_bottom=float(board.top.y_at(centre)),
                x_left=float(x_left),
                x_right=float(x_right),
            )
        )
        for column_start, column_end, top_row, confidence in _segment_band(band, foreground, px_per_mm):
            stand = bottom_y[column_start:column_end]
            detection.products.append(
                ProductBox(
                    x0=float(x_left + column_start),
                    y0=float(max(0.0, stand.min() - (band_height - top_row))),
                    x1=float(x_left + column_end),
                    y1=float(min(height, stand.max())),
                    row=row_number,
                    confidence=confidence,
                )
            )
    return detection
