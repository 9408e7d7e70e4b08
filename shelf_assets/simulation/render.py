"""Draw a bay flat in millimetres, then photograph it with a phone that is never held quite straight.

The flat scene is drawn at the pixel density the final photo needs (no upscaling blur that a real phone
would not produce), warped once through a random homography, then degraded. Truth boxes come from the same
homography, so they are exact in the upright photo whatever the camera did.
"""

from __future__ import annotations

import datetime
import io
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from shelf_assets.simulation.catalog import Catalog, jitter_product
from shelf_assets.simulation.drawing import (
    Colour,
    channel_lut,
    contrasting,
    derive_rng,
    draw_shape,
    draw_text,
    fill_box,
    hsv_colour,
    mix,
    random_colour,
    vertical_gradient,
)
from shelf_assets.simulation.planograms import Planogram
from shelf_assets.simulation.shelf_state import ShelfState

RESOLUTIONS = ((1600, 1200), (2016, 1512), (3264, 2448), (4032, 3024))
EXIF_ORIENTATION_TAG = 0x0112
# Stored pixels = upright pixels transposed by the inverse of what `ImageOps.exif_transpose` will apply.
_STORE_TRANSPOSE = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


class RenderError(ValueError):
    """A photo could not be rendered as asked (unknown difficulty, impossible geometry)."""


@dataclass(frozen=True)
class Difficulty:
    name: str
    corner_jitter: float
    roll_degrees: float
    strength: float
    occluder_probability: float
    glare_probability: float
    jpeg_quality: tuple[int, int]


DIFFICULTIES = {
    "easy": Difficulty("easy", 0.03, 1.0, 0.5, 0.15, 0.2, (85, 95)),
    "normal": Difficulty("normal", 0.06, 2.0, 1.0, 0.35, 0.45, (75, 95)),
    "hard": Difficulty("hard", 0.10, 4.0, 1.7, 0.6, 0.7, (70, 88)),
}


def difficulty_named(name: str) -> Difficulty:
    if name not in DIFFICULTIES:
        raise RenderError(f"difficulty must be one of {sorted(DIFFICULTIES)}, got {name!r}")
    return DIFFICULTIES[name]


@dataclass(frozen=True)
class StoreLook:
    """Fittings a store bought once: every photo from that store shares them."""

    back_panel: Colour
    panel_pattern: str
    board: Colour
    strip: Colour
    label: Colour
    upright: Colour
    wall: Colour
    floor: Colour
    ceiling: Colour
    freezer_frame: Colour
    freezer_interior: Colour


def store_look(seed: int, store_id: str) -> StoreLook:
    rng = derive_rng(seed, "store-look", store_id)
    return StoreLook(
        back_panel=hsv_colour(rng.random(), rng.uniform(0.0, 0.35), rng.uniform(0.45, 0.95)),
        panel_pattern=str(rng.choice(["pegboard", "plain", "slats", "perforated"])),
        board=hsv_colour(rng.random(), rng.uniform(0.0, 0.15), float(rng.choice([0.2, 0.6, 0.85, 0.95]))),
        strip=hsv_colour(rng.random(), rng.uniform(0.0, 0.6), rng.uniform(0.25, 0.95)),
        label=(255, 255, 255) if rng.random() < 0.5 else hsv_colour(rng.uniform(0.1, 0.18), 0.7, 1.0),
        upright=hsv_colour(rng.random(), rng.uniform(0.0, 0.2), rng.uniform(0.3, 0.85)),
        wall=hsv_colour(rng.random(), rng.uniform(0.0, 0.25), rng.uniform(0.6, 0.95)),
        floor=hsv_colour(rng.random(), rng.uniform(0.0, 0.3), rng.uniform(0.45, 0.85)),
        ceiling=hsv_colour(rng.random(), rng.uniform(0.0, 0.08), rng.uniform(0.8, 0.98)),
        freezer_frame=hsv_colour(rng.random(), rng.uniform(0.0, 0.2), float(rng.choice([0.15, 0.7, 0.9]))),
        freezer_interior=hsv_colour(rng.uniform(0.5, 0.7), rng.uniform(0.1, 0.4), rng.uniform(0.12, 0.3)),
    )


@dataclass(frozen=True)
class TruthProduct:
    box: tuple[float, float, float, float]
    product_id: str
    in_catalog: bool
    shelf: int
    position: int
    occluded: float


@dataclass(frozen=True)
class RenderedPhoto:
    """The upright photo before encoding, its truth, and how it will be stored."""

    image: Image.Image
    products: tuple[TruthProduct, ...]
    exif_orientation: int
    file_format: str
    jpeg_quality: int
    homography: np.ndarray
    occluders: Image.Image
    """What stands in front of the products (shopper, trolley, hand, carton, freezer door parts): an L mask at
    `OCCLUDER_MASK_SCALE` of the photo, 255 where hidden."""
    glare: Image.Image
    """How strongly glare covers each pixel (0 none, 255 the glare's colour alone), an L mask at
    `OCCLUDER_MASK_SCALE` of the photo: where it is strong, the products under it cannot be read."""
    slot_hidden: tuple[float, ...]
    """Per planned slot (planogram order), the share of the face its SKU would show that nobody could read in
    this photo: behind an occluder, under washed-out glare or outside the frame. An empty slot the camera cannot
    see is no gap a photo can reveal; the evaluation reports out-of-stock scores with and without such slots."""

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size


def homography(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 3x3 projective map sending four `source` points onto four `target` points."""
    rows, values = [], []
    for (x, y), (u, v) in zip(source, target):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values.extend([u, v])
    solution = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(values, dtype=np.float64))
    return np.append(solution, 1.0).reshape(3, 3)


def project(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    mapped = np.column_stack([points, np.ones(len(points))]) @ matrix.T
    return mapped[:, :2] / mapped[:, 2:3]


@dataclass(frozen=True)
class _Canvas:
    """Maps scene millimetres to the pixels of the flat canvas."""

    left_mm: float
    top_mm: float
    px_per_mm: float

    def x(self, mm: float) -> float:
        return (mm - self.left_mm) * self.px_per_mm

    def y(self, mm: float) -> float:
        return (mm - self.top_mm) * self.px_per_mm

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (self.x(x0), self.y(y0), self.x(x1), self.y(y1))


def _upright_width(planogram: Planogram) -> float:
    return 70.0 if planogram.fixture_type == "freezer" else 40.0


def _choose_size(rng: np.random.Generator, planogram: Planogram) -> tuple[tuple[int, int], str]:
    width, height = RESOLUTIONS[int(rng.integers(len(RESOLUTIONS)))]
    tall = planogram.height_mm > 1.2 * (planogram.width_mm + 2 * _upright_width(planogram))
    portrait = rng.random() < (0.7 if tall else 0.35)
    file_format = "PNG" if (width, height) == RESOLUTIONS[0] and rng.random() < 0.2 else "JPEG"
    return ((height, width) if portrait else (width, height)), file_format


def _camera_homography(rng: np.random.Generator, planogram: Planogram, size: tuple[int, int],
                       difficulty: Difficulty) -> np.ndarray:
    """Frame the whole bay at 75–95 % of the photo, then tilt and roll it like a hand-held phone."""
    image_width, image_height = size
    upright = _upright_width(planogram)
    outer = np.array([[-upright, 0.0], [planogram.width_mm + upright, 0.0],
                      [planogram.width_mm + upright, planogram.height_mm], [-upright, planogram.height_mm]])
    bay_width, bay_height = outer[1, 0] - outer[0, 0], planogram.height_mm
    scale = float(rng.uniform(0.8, 0.95)) * min(image_width / bay_width, image_height / bay_height)
    half = np.array([bay_width, bay_height]) * scale / 2
    centre = np.array([image_width, image_height]) / 2
    corners = centre + np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half
    jitter = difficulty.corner_jitter
    keystone = float(rng.uniform(-1, 1)) * jitter * image_width
    yaw = float(rng.uniform(-1, 1)) * jitter * image_height
    corners += np.array([[keystone, 0], [-keystone, 0], [0, 0], [0, 0]])
    corners += np.array([[0, yaw], [0, 0], [0, 0], [0, -yaw]]) if yaw > 0 else \
        np.array([[0, 0], [0, -yaw], [0, yaw], [0, 0]])
    corners += rng.uniform(-0.4, 0.4, (4, 2)) * jitter * np.array([image_width, image_height])
    angle = math.radians(float(rng.uniform(-1, 1)) * difficulty.roll_degrees)
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    corners = (corners - centre) @ rotation.T + centre
    margin = 0.015 * min(image_width, image_height)
    low, high = corners.min(axis=0), corners.max(axis=0)
    shrink = min(1.0, (image_width - 2 * margin) / (high[0] - low[0]), (image_height - 2 * margin) / (high[1] - low[1]))
    corners = (corners - (low + high) / 2) * shrink
    low, high = corners.min(axis=0), corners.max(axis=0)
    room_low = np.array([margin, margin]) - low
    room_high = np.array([image_width - margin, image_height - margin]) - high
    corners += room_low + rng.uniform(0.3, 0.7, 2) * (room_high - room_low)
    return homography(outer, corners)


def scene_extent(to_scene: np.ndarray, size: tuple[int, int], planogram: Planogram) -> tuple[float, ...]:
    """The scene millimetres (left, top, right, bottom) a photo of `size` sees, bounded to a reach around the bay.
    A camera tilted far enough sees past the horizon, where the projection of the photo's corners flips sign and
    bounds nothing: the photo then sees as far as the reach on every side, the whole bay included."""
    pad = 0.03 * max(size)
    width, height = size
    corners = np.array([[-pad, -pad, 1.0], [width + pad, -pad, 1.0], [width + pad, height + pad, 1.0],
                        [-pad, height + pad, 1.0]]) @ to_scene.T
    reach = 1.5 * max(planogram.width_mm, planogram.height_mm)
    low, high = np.array([-reach, -reach]), np.array([planogram.width_mm + reach, planogram.height_mm + reach])
    beyond_horizon = corners[:, 2] <= 0
    if beyond_horizon.any() and not beyond_horizon.all():
        return (*low, *high)
    view = corners[:, :2] / corners[:, 2:3]
    return (*np.maximum(view.min(axis=0), low), *np.minimum(view.max(axis=0), high))


def _draw_background(image: Image.Image, canvas: _Canvas, planogram: Planogram, look: StoreLook,
                     rng: np.random.Generator) -> None:
    """Ceiling, wall, floor and the empty-looking neighbouring bays around the photographed one."""
    draw = ImageDraw.Draw(image)
    width_px, height_px = image.size
    top_of_bays = -float(rng.uniform(150, 500))
    fill_box(draw, (0, 0, width_px, canvas.y(top_of_bays)), fill=look.ceiling)
    for light_x in np.arange(-3000.0, 4000.0, float(rng.uniform(900, 1500))):
        y_light = top_of_bays - float(rng.uniform(250, 450))
        fill_box(draw, canvas.box(light_x, y_light - 60, light_x + 600, y_light), fill=(255, 255, 250))
    fill_box(draw, (0, canvas.y(top_of_bays), width_px, canvas.y(planogram.height_mm)), fill=look.wall)
    fill_box(draw, (0, canvas.y(planogram.height_mm), width_px, height_px), fill=look.floor)
    tile = float(rng.uniform(300, 600))
    line_colour = mix(look.floor, (0, 0, 0), 0.15)
    for y_mm in np.arange(planogram.height_mm, planogram.height_mm + 3000.0, tile * 0.4):
        draw.line((0, canvas.y(y_mm), width_px, canvas.y(y_mm)), fill=line_colour, width=2)
    for x_mm in np.arange(-3000.0, 4000.0, tile):
        draw.line((canvas.x(x_mm), canvas.y(planogram.height_mm), canvas.x(x_mm), height_px), fill=line_colour,
                  width=2)
    upright = _upright_width(planogram)
    neighbour_top = float(rng.uniform(0, 120))
    neighbour_panel = mix(look.back_panel, random_colour(rng), 0.2)
    for side in (-1, 1):
        inner = -upright if side < 0 else planogram.width_mm + upright
        outer = inner + side * 1000.0
        fill_box(draw, canvas.box(min(inner, outer), neighbour_top, max(inner, outer), planogram.height_mm - 120),
                       fill=neighbour_panel)
        fill_box(draw, canvas.box(min(inner, outer), planogram.height_mm - 120, max(inner, outer),
                                  planogram.height_mm), fill=mix(look.board, (0, 0, 0), 0.3))
        post = outer if side > 0 else outer - 40
        fill_box(draw, canvas.box(post, neighbour_top - 20, post + 40, planogram.height_mm), fill=look.upright)


def _draw_back_panel(image: Image.Image, canvas: _Canvas, planogram: Planogram, look: StoreLook,
                     rng: np.random.Generator) -> None:
    draw = ImageDraw.Draw(image)
    top, bottom = planogram.header_mm, planogram.height_mm
    if planogram.fixture_type == "freezer":
        fill_box(draw, canvas.box(0, top, planogram.width_mm, bottom), fill=look.freezer_interior)
        return
    fill_box(draw, canvas.box(0, top, planogram.width_mm, bottom), fill=look.back_panel)
    pattern_colour = mix(look.back_panel, (0, 0, 0), 0.25)
    if look.panel_pattern in ("pegboard", "perforated"):
        step = 25.0 if look.panel_pattern == "pegboard" else 12.0
        radius = max(1.0, 2.5 * canvas.px_per_mm) if look.panel_pattern == "pegboard" else max(0.6, canvas.px_per_mm)
        for y_mm in np.arange(top + step / 2, bottom, step):
            y_px = canvas.y(y_mm)
            for x_mm in np.arange(step / 2, planogram.width_mm, step):
                x_px = canvas.x(x_mm)
                draw.ellipse((x_px - radius, y_px - radius, x_px + radius, y_px + radius), fill=pattern_colour)
    elif look.panel_pattern == "slats":
        for y_mm in np.arange(top, bottom, float(rng.uniform(80, 140))):
            draw.line((canvas.x(0), canvas.y(y_mm), canvas.x(planogram.width_mm), canvas.y(y_mm)),
                      fill=pattern_colour, width=max(1, round(3 * canvas.px_per_mm)))


def _draw_header(image: Image.Image, canvas: _Canvas, planogram: Planogram, look: StoreLook,
                 catalog: Catalog, rng: np.random.Generator) -> None:
    draw = ImageDraw.Draw(image)
    upright = _upright_width(planogram)
    box = canvas.box(-upright, 0, planogram.width_mm + upright, planogram.header_mm)
    if planogram.fixture_type == "endcap":
        sign = random_colour(rng, value=(0.5, 1.0))
        fill_box(draw, box, fill=sign)
        ink = contrasting(sign)
        brand = catalog.skus[int(rng.integers(len(catalog.skus)))].look.brand
        height = planogram.header_mm
        draw_shape(draw, brand.logo_shape, canvas.box(40, height * 0.15, 40 + height * 0.7, height * 0.85),
                   brand.logo_colour, outline=ink, outline_width=2)
        slogan = str(rng.choice(["SALE", "PROMO", "NEW", "-30%", "2 FOR 1", "TOP DEAL", "SAVE"]))
        draw_text(image, slogan, canvas.box(80 + height * 0.7, height * 0.12, planogram.width_mm - 40,
                                            height * 0.55), ink)
        draw_text(image, brand.name, canvas.box(80 + height * 0.7, height * 0.62, planogram.width_mm * 0.7,
                                                height * 0.88), ink)
    elif planogram.fixture_type == "freezer":
        fill_box(draw, box, fill=look.freezer_frame)
        grille = mix(look.freezer_frame, (0, 0, 0), 0.35)
        for y_mm in np.arange(planogram.header_mm * 0.3, planogram.header_mm * 0.85, 12.0):
            draw.line((canvas.x(planogram.width_mm * 0.35), canvas.y(y_mm), canvas.x(planogram.width_mm * 0.95),
                       canvas.y(y_mm)), fill=grille, width=max(1, round(4 * canvas.px_per_mm)))
        draw_text(image, "FROZEN", canvas.box(30, planogram.header_mm * 0.25, planogram.width_mm * 0.3,
                                              planogram.header_mm * 0.75), contrasting(look.freezer_frame))
    else:
        fill_box(draw, box, fill=look.board)
        fill_box(draw, canvas.box(-upright, planogram.header_mm * 0.6, planogram.width_mm + upright,
                                  planogram.header_mm), fill=look.strip)


def _draw_shelf_boards(image: Image.Image, canvas: _Canvas, planogram: Planogram, look: StoreLook,
                       rng: np.random.Generator) -> None:
    draw = ImageDraw.Draw(image)
    upright = _upright_width(planogram)
    ink = contrasting(look.label)
    for shelf in planogram.shelves:
        board_top, board_bottom = shelf.floor_mm, shelf.floor_mm + shelf.board_mm
        fill_box(draw, canvas.box(-upright * 0.3, board_top, planogram.width_mm + upright * 0.3, board_bottom),
                       fill=look.board)
        strip_top = board_top + shelf.board_mm * 0.3
        fill_box(draw, canvas.box(0, strip_top, planogram.width_mm, board_bottom), fill=look.strip)
        for slot in shelf.slots:
            label_width = float(rng.uniform(38, 60))
            label_left = slot.left_mm + float(rng.uniform(0, 10))
            label = canvas.box(label_left, strip_top + 2, label_left + label_width, board_bottom - 2)
            fill_box(draw, label, fill=look.label)
            price = f"{int(rng.integers(0, 20))}.{int(rng.integers(0, 100)):02d}"
            draw_text(image, price, canvas.box(label_left + 3, strip_top + 4, label_left + label_width * 0.65,
                                               board_bottom - 4), ink)
            fill_box(draw, canvas.box(label_left + label_width * 0.7, strip_top + 4, label_left + label_width - 3,
                                      board_bottom - 4), fill=mix(ink, look.label, 0.35))
    last = planogram.shelves[-1]
    fill_box(draw, canvas.box(-upright * 0.3, last.floor_mm + last.board_mm, planogram.width_mm + upright * 0.3,
                              planogram.height_mm), fill=mix(look.board, (0, 0, 0), 0.2))


def _draw_products(image: Image.Image, canvas: _Canvas, planogram: Planogram, state: ShelfState,
                   packshots: dict[str, Image.Image], difficulty: Difficulty, rng: np.random.Generator) -> None:
    resized: dict[str, Image.Image] = {}
    for item in state.items:
        shelf = planogram.shelves[item.shelf - 1]
        left, top = canvas.x(item.left_mm), canvas.y(shelf.floor_mm - item.height_mm)
        right, bottom = canvas.x(item.right_mm), canvas.y(shelf.floor_mm)
        size = (max(1, round(right - left)), max(1, round(bottom - top)))
        key = f"{item.product_id}@{size}"
        if key not in resized:
            resized[key] = packshots[item.product_id].resize(size, Image.Resampling.BILINEAR)
        image.paste(jitter_product(resized[key], rng, difficulty.strength), (round(left), round(top)))
    shadow = Image.new("RGB", (1, 1), (0, 0, 0))
    for shelf in planogram.shelves:
        depth = float(rng.uniform(40, 90))
        box = [round(v) for v in canvas.box(0, shelf.ceiling_mm, planogram.width_mm, shelf.ceiling_mm + depth)]
        size = (max(1, box[2] - box[0]), max(1, box[3] - box[1]))
        ramp = vertical_gradient(size, int(rng.uniform(70, 140)), 0)
        image.paste(shadow.resize(size), (box[0], box[1]), ramp)


def _draw_uprights(image: Image.Image, canvas: _Canvas, planogram: Planogram, look: StoreLook) -> None:
    draw = ImageDraw.Draw(image)
    upright = _upright_width(planogram)
    hole = mix(look.upright, (0, 0, 0), 0.5)
    for left in (-upright, planogram.width_mm):
        colour = look.freezer_frame if planogram.fixture_type == "freezer" else look.upright
        fill_box(draw, canvas.box(left, 0, left + upright, planogram.height_mm), fill=colour)
        if planogram.fixture_type != "freezer":
            for y_mm in np.arange(planogram.header_mm + 20, planogram.height_mm - 150, 50.0):
                fill_box(draw, canvas.box(left + upright * 0.4, y_mm, left + upright * 0.6, y_mm + 20), fill=hole)


def _draw_freezer_doors(image: Image.Image, canvas: _Canvas, planogram: Planogram, look: StoreLook,
                        rng: np.random.Generator, strength: float) -> list[np.ndarray]:
    """Glass doors: frost haze and reflections over the products, plus the frame parts that hide them.

    Returns the opaque door parts (mullion, handles) as world polygons: they occlude products for truth.
    """
    top, bottom = planogram.header_mm, planogram.shelves[-1].floor_mm + planogram.shelves[-1].board_mm
    glass = [round(v) for v in canvas.box(0, top, planogram.width_mm, bottom)]
    glass_size = (max(1, glass[2] - glass[0]), max(1, glass[3] - glass[1]))
    haze = Image.fromarray((rng.random((6, 4)) * 255).astype(np.uint8)).resize(glass_size, Image.Resampling.BICUBIC)
    haze_strength = float(rng.uniform(0.1, 0.3)) * strength
    haze = haze.point(lambda value: round(value * haze_strength))
    image.paste(Image.new("RGB", glass_size, (225, 235, 245)), (glass[0], glass[1]), haze)
    streaks = Image.new("L", glass_size, 0)
    streak_draw = ImageDraw.Draw(streaks)
    for _ in range(int(rng.integers(1, 4))):
        x_start = float(rng.uniform(-0.3, 1.0)) * glass_size[0]
        width = float(rng.uniform(0.03, 0.12)) * glass_size[0]
        slope = float(rng.uniform(0.2, 0.6)) * glass_size[0]
        alpha = round(float(rng.uniform(40, 110)) * min(1.0, strength))
        streak_draw.polygon([(x_start, 0), (x_start + width, 0), (x_start + width + slope, glass_size[1]),
                             (x_start + slope, glass_size[1])], fill=alpha)
    streaks = streaks.filter(ImageFilter.BoxBlur(max(1, glass_size[0] // 60)))
    image.paste(Image.new("RGB", glass_size, (250, 252, 255)), (glass[0], glass[1]), streaks)

    draw = ImageDraw.Draw(image)
    frame = 25.0
    fill_box(draw, canvas.box(-_upright_width(planogram), top - frame, planogram.width_mm + _upright_width(planogram),
                              top), fill=look.freezer_frame)
    centre = planogram.width_mm * float(rng.uniform(0.46, 0.54))
    mullion_width = float(rng.uniform(30, 50))
    parts = [np.array([[centre - mullion_width / 2, top], [centre + mullion_width / 2, top],
                       [centre + mullion_width / 2, bottom], [centre - mullion_width / 2, bottom]])]
    handle_top = top + (bottom - top) * float(rng.uniform(0.25, 0.4))
    handle_length = float(rng.uniform(250, 450))
    for side in (-1, 1):
        x_handle = centre + side * (mullion_width / 2 + float(rng.uniform(20, 45)))
        parts.append(np.array([[x_handle - 9, handle_top], [x_handle + 9, handle_top],
                               [x_handle + 9, handle_top + handle_length], [x_handle - 9, handle_top + handle_length]]))
    handle_colour = (200, 200, 205) if rng.random() < 0.6 else (40, 40, 45)
    for index, part in enumerate(parts):
        box = canvas.box(part[0, 0], part[0, 1], part[2, 0], part[2, 1])
        fill_box(draw, box, fill=look.freezer_frame if index == 0 else handle_colour)
    return parts


def _occluder_layers(rng: np.random.Generator, size: tuple[int, int], bay_box: np.ndarray,
                     strength: float) -> list[tuple[str, list[float], Colour]]:
    """A shopper, a trolley, a hand or a carton in front of the bay, as shapes in photo pixels."""
    image_width, image_height = size
    x0, y0, x1, y1 = bay_box
    bay_width, bay_height = x1 - x0, y1 - y0
    target = float(rng.uniform(0.03, 0.15)) * min(1.0, 0.6 + 0.4 * strength) * bay_width * bay_height
    kind = str(rng.choice(["shopper", "trolley", "hand", "carton"]))
    side = -1 if rng.random() < 0.5 else 1
    edge_x = x0 if side < 0 else x1
    shapes: list[tuple[str, list[float], Colour]] = []
    if kind == "shopper":
        width = math.sqrt(target / 2.2)
        height = width * 2.2
        centre_x = edge_x - side * width * float(rng.uniform(0.0, 0.4))
        top = y0 + float(rng.uniform(0.1, 0.5)) * bay_height
        clothing = random_colour(rng, value=(0.1, 0.6))
        shapes.append(("ellipse", [centre_x - width / 2, top, centre_x + width / 2, top + height * 1.3], clothing))
        head = width * 0.45
        skin = hsv_colour(float(rng.uniform(0.03, 0.1)), float(rng.uniform(0.3, 0.6)), float(rng.uniform(0.3, 0.9)))
        shapes.append(("ellipse", [centre_x - head / 2, top - head * 1.1, centre_x + head / 2, top + head * 0.1],
                       skin))
        shapes.append(("ellipse", [centre_x - head * 0.55, top - head * 1.2, centre_x + head * 0.55,
                                   top - head * 0.6], random_colour(rng, value=(0.05, 0.4))))
        arm = [centre_x, top + height * 0.2, centre_x - side * width * 1.2, top + height * 0.35]
        shapes.append(("line", [*arm, width * 0.22], clothing))
    elif kind == "trolley":
        width = math.sqrt(target / 0.45) * 1.2
        height = width * 0.45
        left = float(rng.uniform(x0 - width * 0.3, x1 - width * 0.7))
        top = image_height - height * float(rng.uniform(0.8, 1.0))
        metal = (170, 172, 178) if rng.random() < 0.5 else random_colour(rng, value=(0.4, 0.8))
        step = max(4.0, width / 18)
        for x in np.arange(left, left + width, step):
            bar = [float(x), top, float(x) + width * 0.05, top + height, max(2.0, step * 0.15)]
            shapes.append(("line", bar, metal))
        for y in np.arange(top, top + height, step):
            shapes.append(("line", [left, float(y), left + width, float(y), max(2.0, step * 0.15)], metal))
        shapes.append(("line", [left - width * 0.05, top, left + width * 1.05, top, max(4.0, step * 0.5)],
                       random_colour(rng, value=(0.3, 0.8))))
    elif kind == "hand":
        palm = math.sqrt(target / 1.6)
        skin = hsv_colour(float(rng.uniform(0.03, 0.1)), float(rng.uniform(0.25, 0.6)), float(rng.uniform(0.35, 0.95)))
        centre_x = float(rng.uniform(x0 + palm, x1 - palm))
        bottom = image_height + palm * 0.2
        shapes.append(("ellipse", [centre_x - palm * 0.5, bottom - palm * 1.1, centre_x + palm * 0.5, bottom], skin))
        for finger in range(4):
            fx = centre_x - palm * 0.45 + finger * palm * 0.28
            shapes.append(("ellipse", [fx, bottom - palm * 1.75, fx + palm * 0.22, bottom - palm * 0.8], skin))
        shapes.append(("ellipse", [centre_x - palm * 0.1, bottom - palm * 2.6, centre_x + palm * 0.6,
                                   bottom - palm * 0.6], random_colour(rng, value=(0.15, 0.6))))
    else:
        width = math.sqrt(target / 0.8)
        height = width * 0.8
        left = float(rng.uniform(x0, x1 - width))
        top = y1 - height * float(rng.uniform(0.7, 1.0))
        cardboard = hsv_colour(float(rng.uniform(0.07, 0.1)), float(rng.uniform(0.35, 0.6)),
                               float(rng.uniform(0.5, 0.8)))
        shapes.append(("rectangle", [left, top, left + width, top + height], cardboard))
        shapes.append(("rectangle", [left + width * 0.42, top, left + width * 0.58, top + height],
                       mix(cardboard, (230, 220, 190), 0.6)))
    return shapes


def _paint(draw: ImageDraw.ImageDraw, shape: tuple[str, list[float], Colour], scale: float, fill: int | Colour) -> None:
    kind, geometry, _ = shape
    scaled = [value * scale for value in geometry]
    if kind == "ellipse":
        draw.ellipse(scaled, fill=fill)
    elif kind == "rectangle":
        fill_box(draw, scaled, fill=fill)
    else:
        draw.line(scaled[:4], fill=fill, width=max(1, round(scaled[4])))


OCCLUDER_MASK_SCALE = 0.25
WASHED_OUT_GLARE = 0.7
"""Glare at least this opaque leaves too little of a product's print to read it: the detector learns such glare
as it learns what stands in front of the shelf, so the facings under it count as hidden, not missing."""


def unreadable(occluders: Image.Image, glare: Image.Image) -> Image.Image:
    """A photo's occluder mask joined with where its glare washes the products out (255 where hidden)."""
    washed_out = glare.point(lambda value: 255 if value >= WASHED_OUT_GLARE * 255 else 0)
    return ImageChops.lighter(occluders, washed_out)


def slot_faces(planogram: Planogram, catalog: Catalog, to_image: np.ndarray) -> list[np.ndarray]:
    """Per planned slot, the (4, 2) photo-pixel corners of the face its SKU would show: the slot's span, as tall
    as the SKU, standing on its shelf."""
    faces = []
    for shelf in planogram.shelves:
        for slot in shelf.slots:
            top = shelf.floor_mm - catalog.product(slot.sku_id).height_mm
            faces.append(project(to_image, np.array([[slot.left_mm, top], [slot.right_mm, top],
                                                     [slot.right_mm, shelf.floor_mm], [slot.left_mm, shelf.floor_mm]])))
    return faces


def hidden_shares(hidden: Image.Image, quads: list[np.ndarray]) -> list[float]:
    """Share of each quad (photo pixels) that `hidden` (an L mask at `OCCLUDER_MASK_SCALE`) covers or that lies
    outside the photo."""
    covered = np.asarray(hidden) > 127
    shares = []
    for quad in quads:
        corners = quad * OCCLUDER_MASK_SCALE
        left, top = (math.floor(v) for v in corners.min(axis=0))
        right, bottom = (math.ceil(v) + 1 for v in corners.max(axis=0))
        outline = Image.new("L", (right - left, bottom - top), 0)
        ImageDraw.Draw(outline).polygon([(float(x) - left, float(y) - top) for x, y in corners], fill=255)
        inside = np.asarray(outline) > 127
        unseen = np.ones_like(inside)
        rows = slice(max(top, 0), min(bottom, covered.shape[0]))
        columns = slice(max(left, 0), min(right, covered.shape[1]))
        if rows.stop > rows.start and columns.stop > columns.start:
            unseen[rows.start - top:rows.stop - top, columns.start - left:columns.stop - left] = covered[rows, columns]
        shares.append(round(float((inside & unseen).sum() / max(int(inside.sum()), 1)), 3))
    return shares


def _occlusion_fractions(mask: Image.Image, boxes: list[tuple[float, float, float, float]]) -> list[float]:
    covered = (np.asarray(mask) > 127).astype(np.float64)
    integral = np.pad(covered.cumsum(axis=0).cumsum(axis=1), ((1, 0), (1, 0)))
    fractions = []
    for box in boxes:
        x0, y0 = (math.floor(v * OCCLUDER_MASK_SCALE) for v in box[:2])
        x1, y1 = (math.ceil(v * OCCLUDER_MASK_SCALE) for v in box[2:])
        x1, y1 = min(max(x1, x0 + 1), covered.shape[1]), min(max(y1, y0 + 1), covered.shape[0])
        area = (x1 - x0) * (y1 - y0)
        hidden = integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]
        fractions.append(round(float(hidden / area), 3) if area > 0 else 0.0)
    return fractions


_GAUSS_LUT_CACHE: dict[int, list[int]] = {}


def _gauss_lut(sigma_tenths: int) -> list[int]:
    """Uniform bytes → Gaussian noise centred on 128: far cheaper than drawing normals for 12 MP."""
    if sigma_tenths not in _GAUSS_LUT_CACHE:
        normal = NormalDist()
        _GAUSS_LUT_CACHE[sigma_tenths] = [
            max(0, min(255, round(128 + sigma_tenths / 10 * normal.inv_cdf((i + 0.5) / 256)))) for i in range(256)
        ]
    return _GAUSS_LUT_CACHE[sigma_tenths]


def _sensor_noise(image: Image.Image, rng: np.random.Generator, sigma: float) -> Image.Image:
    width, height = image.size
    luma_lut = _gauss_lut(max(1, round(sigma * 10)))
    chroma_lut = _gauss_lut(max(1, round(sigma * 6)))
    luma = Image.fromarray(rng.integers(0, 256, (height, width), dtype=np.uint8)).point(luma_lut)
    small = (max(1, width // 3), max(1, height // 3))
    channels = []
    for _ in range(3):
        chroma = Image.fromarray(rng.integers(0, 256, (small[1], small[0]), dtype=np.uint8)).point(chroma_lut)
        channels.append(ImageChops.add(luma, chroma.resize((width, height), Image.Resampling.BILINEAR), 1.0, -128))
    return ImageChops.add(image, Image.merge("RGB", channels), 1.0, -128)


def _glare(image: Image.Image, rng: np.random.Generator, strength: float) -> tuple[Image.Image, Image.Image]:
    """The photo under one or two soft reflections, and the reflections' opacity mask."""
    width, height = image.size
    small = Image.new("L", (max(1, width // 8), max(1, height // 8)), 0)
    draw = ImageDraw.Draw(small)
    for _ in range(int(rng.integers(1, 3))):
        radius_x = float(rng.uniform(0.04, 0.15)) * small.width
        radius_y = radius_x * float(rng.uniform(0.4, 1.6))
        cx, cy = float(rng.uniform(0.1, 0.9)) * small.width, float(rng.uniform(0.1, 0.9)) * small.height
        draw.ellipse((cx - radius_x, cy - radius_y, cx + radius_x, cy + radius_y),
                     fill=round(255 * min(1.0, float(rng.uniform(0.55, 0.9)) * (0.6 + 0.4 * strength))))
    small = small.filter(ImageFilter.GaussianBlur(max(1.0, small.width * 0.03)))
    tint = hsv_colour(float(rng.uniform(0.08, 0.6)), float(rng.uniform(0.0, 0.12)), 1.0)
    mask = small.resize(image.size, Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", image.size, tint), image, mask), mask


def _vignette(image: Image.Image, rng: np.random.Generator, strength: float) -> Image.Image:
    width, height = image.size
    ys, xs = np.mgrid[-1:1:48j, -1:1:64j]
    depth = float(rng.uniform(0.0, 0.35)) * strength
    falloff = np.clip(1.0 - depth * (xs ** 2 + ys ** 2) / 2, 0.0, 1.0)
    gain = Image.fromarray(np.round(falloff * 255).astype(np.uint8)).resize(image.size, Image.Resampling.BILINEAR)
    return ImageChops.multiply(image, Image.merge("RGB", (gain, gain, gain)))


def _truth_boxes(planogram: Planogram, state: ShelfState, to_image: np.ndarray,
                 size: tuple[int, int]) -> list[tuple[float, float, float, float]]:
    """Bounding box of each product rectangle's four projected corners, clipped to the photo."""
    boxes = []
    for item in state.items:
        floor = planogram.shelves[item.shelf - 1].floor_mm
        top = floor - item.height_mm
        corners = project(to_image, np.array([[item.left_mm, top], [item.right_mm, top], [item.right_mm, floor],
                                              [item.left_mm, floor]]))
        x0, y0 = np.clip(corners.min(axis=0), 0, size)
        x1, y1 = np.clip(corners.max(axis=0), 0, size)
        boxes.append((round(float(x0), 1), round(float(y0), 1), round(float(x1), 1), round(float(y1), 1)))
    return boxes


def _degrade(photo: Image.Image, rng: np.random.Generator,
             difficulty: Difficulty) -> tuple[Image.Image, Image.Image | None]:
    """Glare, colour cast, exposure, vignetting, focus blur and sensor noise, each scaled by difficulty; and the
    glare's opacity mask, if there is glare."""
    strength = difficulty.strength
    glare = None
    if rng.random() < difficulty.glare_probability:
        photo, glare = _glare(photo, rng, strength)
    cast = tuple(float(rng.uniform(1 - 0.1 * strength, 1 + 0.1 * strength)) for _ in range(3))
    brightness = float(rng.uniform(1 - 0.25 * strength, 1 + 0.15 * strength))
    gamma = math.exp(float(rng.uniform(-0.25, 0.25)) * strength)
    photo = photo.point(channel_lut(tuple(gain * brightness for gain in cast), gamma))  # type: ignore[arg-type]
    photo = _vignette(photo, rng, strength)
    blur = float(rng.uniform(0.0, 1.6)) * strength * max(photo.size) / 3000
    if blur > 0.35:
        photo = photo.filter(ImageFilter.GaussianBlur(blur))
    return _sensor_noise(photo, rng, float(rng.uniform(1.0, 5.0)) * strength), glare


def render_photo(planogram: Planogram, state: ShelfState, catalog: Catalog, packshots: dict[str, Image.Image],
                 look: StoreLook, difficulty: Difficulty, rng: np.random.Generator,
                 long_side: int | None = None) -> RenderedPhoto:
    """One photo of one bay: flat scene, camera homography, degradations, and exact truth boxes.

    `long_side` shrinks the phone's resolution (training scenes need working-size photos, not 12 MP ones)."""
    size, file_format = _choose_size(rng, planogram)
    if long_side is not None:
        shrink = long_side / max(size)
        size = (round(size[0] * shrink), round(size[1] * shrink))
    image_width, image_height = size
    to_image = _camera_homography(rng, planogram, size, difficulty)
    to_scene = np.linalg.inv(to_image)
    left_mm, top_mm, right_mm, bottom_mm = scene_extent(to_scene, size, planogram)
    bay_px = project(to_image, np.array([[0, 0], [planogram.width_mm, planogram.height_mm]]))
    px_per_mm = 1.05 * abs(bay_px[1, 0] - bay_px[0, 0]) / planogram.width_mm
    budget = 1.6 * image_width * image_height
    px_per_mm = min(px_per_mm, math.sqrt(budget / ((right_mm - left_mm) * (bottom_mm - top_mm))))
    canvas = _Canvas(float(left_mm), float(top_mm), px_per_mm)
    flat = Image.new("RGB", (math.ceil(canvas.x(right_mm)), math.ceil(canvas.y(bottom_mm))), look.wall)

    _draw_background(flat, canvas, planogram, look, rng)
    _draw_back_panel(flat, canvas, planogram, look, rng)
    _draw_header(flat, canvas, planogram, look, catalog, rng)
    _draw_shelf_boards(flat, canvas, planogram, look, rng)
    _draw_products(flat, canvas, planogram, state, packshots, difficulty, rng)
    door_parts = (_draw_freezer_doors(flat, canvas, planogram, look, rng, difficulty.strength)
                  if planogram.fixture_type == "freezer" else [])
    _draw_uprights(flat, canvas, planogram, look)

    to_canvas = np.array([[px_per_mm, 0, -left_mm * px_per_mm], [0, px_per_mm, -top_mm * px_per_mm], [0, 0, 1]])
    inverse = to_canvas @ to_scene
    inverse /= inverse[2, 2]
    photo = flat.transform(size, Image.Transform.PERSPECTIVE, tuple(inverse.flatten()[:8]),
                           resample=Image.Resampling.BILINEAR, fillcolor=look.wall)

    mask_size = (max(1, round(image_width * OCCLUDER_MASK_SCALE)), max(1, round(image_height * OCCLUDER_MASK_SCALE)))
    mask = Image.new("L", mask_size, 0)
    mask_draw = ImageDraw.Draw(mask)
    for part in door_parts:
        mask_draw.polygon([tuple(point) for point in project(to_image, part) * OCCLUDER_MASK_SCALE], fill=255)
    boxes = _truth_boxes(planogram, state, to_image, size)

    if rng.random() < difficulty.occluder_probability:
        bay_corners = project(to_image, np.array([[0, planogram.header_mm], [planogram.width_mm, planogram.header_mm],
                                                  [planogram.width_mm, planogram.height_mm], [0, planogram.height_mm]]))
        bay_box = np.array([*bay_corners.min(axis=0), *bay_corners.max(axis=0)])
        photo_draw = ImageDraw.Draw(photo)
        for shape in _occluder_layers(rng, size, bay_box, difficulty.strength):
            _paint(photo_draw, shape, 1.0, shape[2])
            _paint(mask_draw, shape, OCCLUDER_MASK_SCALE, 255)
    occluded = _occlusion_fractions(mask, boxes)

    photo, glare = _degrade(photo, rng, difficulty)
    glare_mask = glare.resize(mask_size, Image.Resampling.BOX) if glare is not None else Image.new("L", mask_size, 0)

    products = tuple(TruthProduct(box, item.product_id, item.in_catalog, item.shelf, item.position, fraction)
                     for box, item, fraction in zip(boxes, state.items, occluded))
    orientation = int(rng.choice([3, 6, 8], p=[0.2, 0.4, 0.4])) if file_format == "JPEG" and rng.random() < 0.3 else 1
    quality = int(rng.integers(difficulty.jpeg_quality[0], difficulty.jpeg_quality[1] + 1))
    slot_hidden = tuple(hidden_shares(unreadable(mask, glare_mask), slot_faces(planogram, catalog, to_image)))
    return RenderedPhoto(photo, products, orientation, file_format, quality, to_image, mask, glare_mask, slot_hidden)


def encode_photo(photo: RenderedPhoto, taken_at: datetime.datetime) -> bytes:
    """Stored bytes as a phone writes them: rotated pixels plus the EXIF tag that undoes the rotation."""
    stored = photo.image
    exif = Image.Exif()
    if photo.exif_orientation != 1:
        stored = stored.transpose(_STORE_TRANSPOSE[photo.exif_orientation])
        exif[EXIF_ORIENTATION_TAG] = photo.exif_orientation
    buffer = io.BytesIO()
    if photo.file_format == "PNG":
        stored.save(buffer, "PNG", compress_level=1)
    else:
        exif[0x010F] = "Simulated"
        exif[0x0110] = "ShelfCam"
        exif[0x0132] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        stored.save(buffer, "JPEG", quality=photo.jpeg_quality, exif=exif.tobytes())
    return buffer.getvalue()
