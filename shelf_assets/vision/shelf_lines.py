"""Long near-horizontal structures of a bay photo: shelf board edges, price strips, frames.

A shelf edge crosses the whole bay, a product's top edge only its own facing. So the photo is cut
into narrow vertical strips, each strip gets a profile of horizontal-edge strength down the image,
and a candidate line (angle, offset) scores the *median* over strips of those profiles along the
line: one bright product cannot make a line, a shelf edge partly hidden by a shopper still does.
Every line keeps its own angle because perspective (keystone) makes shelf edges converge: one
global deskew cannot straighten the top and the bottom shelf at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_STRIPS = 48
_MAX_ANGLE_DEG = 9.0
_ANGLE_STEP_DEG = 0.25
_SMOOTH_X = 7
_PEAK_RADIUS = 3
_STRIP_ON_SHARE = 0.45


@dataclass(frozen=True)
class Line:
    """y = offset + slope * (x - centre_x) in working-image pixels; x_left/x_right where it is visible."""

    offset: float
    slope: float
    centre_x: float
    strength: float
    x_left: float
    x_right: float

    def y_at(self, x: np.ndarray | float) -> np.ndarray | float:
        return self.offset + self.slope * (np.asarray(x, dtype=np.float64) - self.centre_x)

    @property
    def length(self) -> float:
        return self.x_right - self.x_left


@dataclass(frozen=True)
class BayLines:
    """The lines of one photo and the horizontal extent of the bay they were judged in."""

    lines: list[Line]
    x_left: float
    x_right: float


def box_filter_1d(values: np.ndarray, size: int, axis: int) -> np.ndarray:
    """Moving average with edge-replicated borders, through one cumulative sum."""
    if size <= 1:
        return values
    pad = size // 2
    padded = np.pad(values, [(pad, size - 1 - pad) if a == axis else (0, 0) for a in range(values.ndim)], mode="edge")
    cumulative = np.cumsum(padded, axis=axis, dtype=np.float64)
    zero_shape = list(cumulative.shape)
    zero_shape[axis] = 1
    cumulative = np.concatenate([np.zeros(zero_shape), cumulative], axis=axis)
    upper = np.take(cumulative, np.arange(size, cumulative.shape[axis]), axis=axis)
    lower = np.take(cumulative, np.arange(0, cumulative.shape[axis] - size), axis=axis)
    return ((upper - lower) / size).astype(np.float32)


def _strip_profiles(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(strips, height) mean horizontal-edge strength per strip and row, and each strip's centre x."""
    smoothed = box_filter_1d(gray, _SMOOTH_X, axis=1)
    edges = np.zeros_like(smoothed)
    edges[1:-1] = np.abs(smoothed[2:] - smoothed[:-2])
    width = gray.shape[1]
    bounds = np.linspace(0, width, _STRIPS + 1).round().astype(int)
    profiles = np.stack([edges[:, bounds[i] : bounds[i + 1]].mean(axis=1) for i in range(_STRIPS)])
    centres = (bounds[:-1] + bounds[1:]) / 2.0
    return profiles, centres


def _sheared_profiles(profiles: np.ndarray, centres: np.ndarray, centre_x: float, slopes: np.ndarray) -> np.ndarray:
    """(angles, strips, offsets): strip profile read along each candidate line, by linear interpolation."""
    height = profiles.shape[1]
    offsets = np.arange(height, dtype=np.float64)
    positions = offsets[None, None, :] + (slopes[:, None, None] * (centres - centre_x)[None, :, None])
    positions = np.clip(positions, 0, height - 1.001)
    below = np.floor(positions).astype(np.int64)
    fraction = (positions - below).astype(np.float32)
    strip_index = np.arange(len(centres))[None, :, None]
    return profiles[strip_index, below] * (1 - fraction) + profiles[strip_index, below + 1] * fraction


def _visible_extent(strip_values: np.ndarray, level: float, bounds: np.ndarray) -> tuple[float, float]:
    """Longest run of strips where the line is present, bridging single missing strips (occluders)."""
    present = strip_values >= _STRIP_ON_SHARE * level
    bridged = present.copy()
    bridged[1:-1] |= present[:-2] & present[2:]
    best_start, best_end, start = 0, 0, None
    for index, on in enumerate(np.append(bridged, False)):
        if on and start is None:
            start = index
        elif not on and start is not None:
            if index - start > best_end - best_start:
                best_start, best_end = start, index
            start = None
    return float(bounds[best_start]), float(bounds[best_end])


def _bay_strips(profiles: np.ndarray) -> slice:
    """Strips that the fixture covers: where many strong horizontal edges are stacked.

    A bay is shelf over shelf, each with board edges, price strips and product edges; the wall, floor
    or ceiling around it has only a boundary or two. Lines are then judged within the bay only, so a
    bay filling half of the frame is measured as well as one filling all of it.
    """
    threshold = 0.5 * float(np.percentile(profiles, 99))
    peaks = (profiles[:, 1:-1] > threshold) & (profiles[:, 1:-1] >= profiles[:, :-2]) & (profiles[:, 1:-1] > profiles[:, 2:])
    counts = box_filter_1d(peaks.sum(axis=1).astype(np.float32), 3, axis=0)
    busy = counts >= 0.4 * counts.max() if counts.max() > 0 else np.ones(len(counts), dtype=bool)
    best_start, best_end, start = 0, len(busy), None
    best_length = 0
    for index, on in enumerate(np.append(busy, False)):
        if on and start is None:
            start = index
        elif not on and start is not None:
            if index - start > best_length:
                best_start, best_end, best_length = start, index, index - start
            start = None
    if best_end - best_start < 4:
        return slice(0, len(busy))
    return slice(best_start, best_end)


def find_lines(gray: np.ndarray, downscale: int = 2) -> BayLines:
    """All long near-horizontal lines, strongest first pruned to local maxima along y.

    Works on a 2x-reduced copy: shelf edges are tens of pixels long features and this halves the cost.
    """
    height, width = gray.shape
    reduced_h, reduced_w = height // downscale, width // downscale
    reduced = gray[: reduced_h * downscale, : reduced_w * downscale].reshape(reduced_h, downscale, reduced_w, downscale).mean(axis=(1, 3))
    profiles, centres = _strip_profiles(reduced)
    centre_x = reduced_w / 2.0
    slopes = np.tan(np.deg2rad(np.arange(-_MAX_ANGLE_DEG, _MAX_ANGLE_DEG + 1e-6, _ANGLE_STEP_DEG)))
    sheared = _sheared_profiles(profiles, centres, centre_x, slopes)
    bay = _bay_strips(profiles)
    support = np.median(sheared[:, bay], axis=1)
    best_angle = support.argmax(axis=0)
    best = support.max(axis=0)
    floor = float(np.median(best))
    spread = float(np.median(np.abs(best - floor))) + 1e-6
    threshold = max(floor + 3.0 * spread, 0.12 * float(best.max()))
    bounds = np.linspace(0, reduced_w, _STRIPS + 1)
    lines = []
    for offset in range(2, reduced_h - 2):
        value = best[offset]
        if value < threshold:
            continue
        window = best[max(0, offset - _PEAK_RADIUS) : offset + _PEAK_RADIUS + 1]
        if value < window.max() or (value == window.max() and np.argmax(window) != min(offset, _PEAK_RADIUS)):
            continue
        angle = best_angle[offset]
        x_left, x_right = _visible_extent(sheared[angle, :, offset], value, bounds)
        lines.append(
            Line(
                offset=(offset + 0.5) * downscale,
                slope=float(slopes[angle]),
                centre_x=centre_x * downscale,
                strength=float(value),
                x_left=x_left * downscale,
                x_right=x_right * downscale,
            )
        )
    return BayLines(lines=lines, x_left=float(bounds[bay.start] * downscale), x_right=float(bounds[bay.stop] * downscale))
