"""Small shelf and packshot pictures drawn for the vision tests, with their exact truth."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

Box = tuple[float, float, float, float]


def packshot(base: tuple[int, int, int], band: tuple[int, int, int], icon: tuple[int, int, int]) -> Image.Image:
    """A front face in the usual brand layout: logo panel, round emblem, flavour band, small icon."""
    face = Image.new("RGB", (200, 400), base)
    draw = ImageDraw.Draw(face)
    draw.rectangle((20, 40, 180, 120), fill=(250, 250, 250))
    draw.rectangle((40, 60, 160, 100), fill=(30, 30, 30))
    draw.ellipse((55, 150, 145, 240), fill=(240, 240, 240))
    draw.rectangle((0, 280, 200, 330), fill=band)
    draw.rectangle((130, 345, 185, 390), fill=icon)
    return face


def _rotate_box(box: Box, degrees: float, centre: tuple[float, float]) -> Box:
    """Bounding box of a box's corners after Pillow's counter-clockwise `rotate`."""
    angle = math.radians(degrees)
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
        dx, dy = x - centre[0], y - centre[1]
        xs.append(centre[0] + dx * math.cos(angle) + dy * math.sin(angle))
        ys.append(centre[1] - dx * math.sin(angle) + dy * math.cos(angle))
    return (min(xs), min(ys), max(xs), max(ys))


def shelf_photo(seed: int, boards: int = 3, roll_degrees: float = 0.0, blur: float = 0.0,
                size: tuple[int, int] = (900, 700)) -> tuple[Image.Image, list[tuple[Box, int]]]:
    """A bay of `boards` shelves with price strips, facings in runs of one colour and some empty slots.

    Returns the photo and (box, shelf) for every facing, boxes in photo pixels.
    """
    rng = np.random.default_rng(seed)
    width, height = size
    photo = Image.new("RGB", size, (90, 85, 80))
    draw = ImageDraw.Draw(photo)
    bay_left, bay_right = 60, width - 60
    draw.rectangle((bay_left, 20, bay_right, height - 20), fill=(205, 205, 200))
    pitch = (height - 60) // boards
    facings: list[tuple[Box, int]] = []
    for shelf in range(boards):
        board_y = 20 + shelf * pitch + pitch - 28
        draw.rectangle((bay_left, board_y, bay_right, board_y + 28), fill=(150, 150, 155))
        draw.rectangle((bay_left, board_y + 8, bay_right, board_y + 24), fill=(240, 240, 240))
        for label_x in range(bay_left + 20, bay_right - 40, 90):
            draw.rectangle((label_x, board_y + 11, label_x + 30, board_y + 20), fill=(30, 30, 30))
        x = bay_left + 8
        while x < bay_right - 60:
            facing_width = int(rng.integers(45, 90))
            facing_height = int(rng.integers(90, pitch - 60))
            colour = tuple(int(c) for c in rng.integers(20, 230, 3))
            for _ in range(int(rng.integers(1, 4))):
                if x + facing_width > bay_right - 5:
                    break
                if rng.random() < 0.15:
                    x += facing_width + 4
                    continue
                top = board_y - facing_height
                draw.rectangle((x, top, x + facing_width, board_y - 1), fill=colour)
                draw.rectangle((x + 5, top + 10, x + facing_width - 5, top + 30), fill=(250, 250, 250))
                emblem = tuple(255 - c for c in colour)
                draw.ellipse((x + facing_width // 4, board_y - facing_height // 2, x + 3 * facing_width // 4,
                              board_y - facing_height // 2 + facing_width // 2), fill=emblem)
                facings.append(((x, top, x + facing_width + 1, board_y), shelf + 1))
                x += facing_width + 4
            x += int(rng.integers(4, 30))
    if roll_degrees:
        photo = photo.rotate(roll_degrees, resample=Image.Resampling.BILINEAR, fillcolor=(90, 85, 80))
        centre = (width / 2, height / 2)
        facings = [(_rotate_box(box, roll_degrees, centre), shelf) for box, shelf in facings]
    if blur:
        photo = photo.filter(ImageFilter.GaussianBlur(blur))
    return photo, facings


def iou(first: Box, second: Box) -> float:
    inter_w = max(0.0, min(first[2], second[2]) - max(first[0], second[0]))
    inter_h = max(0.0, min(first[3], second[3]) - max(first[1], second[1]))
    inter = inter_w * inter_h
    union = (first[2] - first[0]) * (first[3] - first[1]) + (second[2] - second[0]) * (second[3] - second[1]) - inter
    return inter / union if union > 0 else 0.0
