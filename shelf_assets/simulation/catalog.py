"""The synthetic catalog: brands, SKUs, foreign products and the packshots that show them.

Siblings of one brand share everything but a small variant detail (band colour, icon, label), because
telling look-alike siblings apart is the hard part of SKU identification that the pipeline must face.
Every visual choice comes from the seed, so a model cannot learn one fixed catalog look.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from shelf_assets.simulation.drawing import (
    SHAPES,
    Colour,
    channel_lut,
    contrasting,
    derive_rng,
    draw_shape,
    draw_text,
    hsv_colour,
    mix,
    random_colour,
)

PACKSHOT_PX_PER_MM = 4.0
MAX_SIBLINGS = 12


@dataclass(frozen=True)
class CategorySpec:
    name: str
    width_mm: tuple[float, float]
    height_mm: tuple[float, float]
    round_pack: bool
    units: tuple[str, ...]


CATEGORIES: dict[str, CategorySpec] = {
    spec.name: spec
    for spec in (
        CategorySpec("frozen", (110, 140), (90, 175), False, ("400g", "750g", "1kg")),
        CategorySpec("drinks", (55, 92), (200, 320), True, ("330ml", "500ml", "1L", "1.5L")),
        CategorySpec("cereal", (95, 140), (220, 310), False, ("375g", "500g", "750g")),
        CategorySpec("snacks", (85, 135), (140, 240), False, ("150g", "200g", "300g")),
        CategorySpec("dairy", (50, 85), (90, 150), True, ("125g", "250g", "500g")),
        CategorySpec("household", (70, 120), (180, 300), False, ("500ml", "750ml", "1L")),
        CategorySpec("canned", (65, 100), (100, 140), True, ("200g", "400g")),
    )
}

VARIANT_NAMES = ("ORIGINAL", "LIGHT", "ZERO", "LEMON", "BERRY", "MINT", "CLASSIC", "SPICY", "HONEY", "CHOCO",
                 "VANILLA", "EXTRA", "FRESH", "ORANGE", "APPLE", "CHERRY", "MANGO", "BBQ", "SALTED", "PLUS")
LAYOUTS = ("band_top", "band_bottom", "split", "diagonal", "window", "stripes", "arc")
TEXTURES = ("plain", "dots", "lines", "gradient", "speckle", "waves", "checks")
_SYLLABLES = ("ka", "lo", "mi", "ra", "ve", "to", "su", "ne", "bo", "zi", "pa", "dre", "fin", "gor", "lux", "tam",
              "qui", "vo", "sel", "nor", "pi", "cru", "ma", "jo")


@dataclass(frozen=True)
class BrandStyle:
    """Everything siblings share: the look a shopper recognises from across the aisle."""

    name: str
    category: str
    base: Colour
    secondary: Colour
    ink: Colour
    logo_colour: Colour
    logo_shape: str
    layout: str
    texture: str
    logo_y: float
    logo_size: float
    band_y: float
    name_vertical: bool


@dataclass(frozen=True)
class ProductLook:
    brand: BrandStyle
    band_colour: Colour
    icon_shape: str
    label: str
    unit: str


@dataclass(frozen=True)
class Product:
    """A SKU of the catalog or a foreign product (in_catalog False: no packshot, unknown to the pipeline)."""

    product_id: str
    name: str
    brand: str
    category: str
    width_mm: float
    height_mm: float
    in_catalog: bool
    look: ProductLook


@dataclass(frozen=True)
class Catalog:
    skus: tuple[Product, ...]
    foreign: tuple[Product, ...]

    def product(self, product_id: str) -> Product:
        for product in (*self.skus, *self.foreign):
            if product.product_id == product_id:
                return product
        raise KeyError(product_id)

    @property
    def categories(self) -> list[str]:
        return sorted({sku.category for sku in self.skus})


def _brand_name(rng: np.random.Generator, taken: set[str]) -> str:
    while True:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(int(rng.integers(2, 4)))).upper()[:9]
        if name not in taken:
            taken.add(name)
            return name


def _brand_style(rng: np.random.Generator, name: str, category: str) -> BrandStyle:
    base = random_colour(rng)
    hue_shift = rng.choice([0.5, 0.33, 0.08, -0.08, 0.0])
    secondary = (hsv_colour(rng.random(), rng.uniform(0.0, 0.2), rng.uniform(0.85, 1.0)) if rng.random() < 0.35
                 else random_colour(rng) if hue_shift == 0.0 else mix(base, random_colour(rng), 0.7))
    return BrandStyle(
        name=name, category=category, base=base, secondary=secondary, ink=contrasting(base, rng),
        logo_colour=random_colour(rng, value=(0.6, 1.0)), logo_shape=str(rng.choice(SHAPES)),
        layout=str(rng.choice(LAYOUTS)), texture=str(rng.choice(TEXTURES)),
        logo_y=float(rng.uniform(0.22, 0.5)), logo_size=float(rng.uniform(0.45, 0.8)),
        band_y=float(rng.uniform(0.55, 0.78)), name_vertical=bool(rng.random() < 0.5),
    )


def _pack_formats(rng: np.random.Generator, spec: CategorySpec) -> list[tuple[float, float]]:
    count = 1 if rng.random() < 0.55 else 2
    return [(float(round(rng.uniform(*spec.width_mm))), float(round(rng.uniform(*spec.height_mm))))
            for _ in range(count)]


def build_catalog(seed: int) -> Catalog:
    """40–60 SKUs over 6–9 brands and 3–5 categories (frozen always, since freezers must be stocked)."""
    rng = derive_rng(seed, "catalog")
    others = [name for name in CATEGORIES if name != "frozen"]
    categories = ["frozen", *rng.choice(others, size=int(rng.integers(2, 5)), replace=False).tolist()]
    brand_count = int(rng.integers(max(6, len(categories)), 10))
    brand_categories = categories + rng.choice(categories, size=brand_count - len(categories)).tolist()
    sku_total = int(rng.integers(40, 61))
    shares = rng.dirichlet(np.full(brand_count, 4.0))
    per_brand = np.clip(np.floor(shares * sku_total), 3, MAX_SIBLINGS).astype(int)
    while per_brand.sum() < sku_total:
        growable = np.flatnonzero(per_brand < MAX_SIBLINGS)
        per_brand[int(rng.choice(growable))] += 1
    while per_brand.sum() > sku_total:
        per_brand[int(np.argmax(per_brand))] -= 1

    taken: set[str] = set()
    skus: list[Product] = []
    for brand_index, category in enumerate(brand_categories):
        spec = CATEGORIES[category]
        style = _brand_style(rng, _brand_name(rng, taken), category)
        formats = _pack_formats(rng, spec)
        variants = rng.choice(VARIANT_NAMES, size=int(per_brand[brand_index]), replace=False).tolist()
        icon_pool = rng.permutation(SHAPES).tolist()
        for variant_index, variant in enumerate(variants):
            width, height = formats[variant_index % len(formats)]
            size_rank = (height - spec.height_mm[0]) / (spec.height_mm[1] - spec.height_mm[0])
            unit = spec.units[min(len(spec.units) - 1, int(size_rank * len(spec.units)))]
            look = ProductLook(brand=style, band_colour=random_colour(rng, value=(0.5, 1.0)),
                               icon_shape=icon_pool[variant_index % len(icon_pool)], label=variant, unit=unit)
            sku_id = f"SKU-{len(skus) + 1:04d}"
            skus.append(Product(sku_id, f"{style.name.title()} {variant.title()} {unit}", style.name, category,
                                width, height, True, look))
    return Catalog(skus=tuple(skus), foreign=tuple(_foreign_products(seed, taken)))


def _foreign_products(seed: int, taken: set[str]) -> list[Product]:
    """Products the chain does not list (competitor stock, a supplier's sample): their own look, sizes spread
    wide so one fits almost any gap they end up in."""
    rng = derive_rng(seed, "foreign")
    products = []
    for index in range(8):
        spec = CATEGORIES[str(rng.choice(list(CATEGORIES)))]
        style = _brand_style(rng, _brand_name(rng, taken), spec.name)
        width = float(round(rng.uniform(50, 110)))
        height = float(round(rng.uniform(85, 260)))
        look = ProductLook(brand=style, band_colour=random_colour(rng), icon_shape=str(rng.choice(SHAPES)),
                           label=str(rng.choice(VARIANT_NAMES)), unit=spec.units[0])
        products.append(Product(f"X-{index + 1:04d}", f"{style.name.title()} {look.label.title()}", style.name,
                                spec.name, width, height, False, look))
    return products


def _texture(image: Image.Image, rng: np.random.Generator, kind: str, colour: Colour) -> None:
    draw = ImageDraw.Draw(image)
    width, height = image.size
    step = max(6, round(min(width, height) * float(rng.uniform(0.07, 0.14))))
    if kind == "dots":
        radius = max(1, step // 5)
        for y in range(step // 2, height, step):
            shift = step // 2 if (y // step) % 2 else 0
            for x in range(shift, width, step):
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    elif kind == "lines":
        for offset in range(-height, width, step):
            draw.line((offset, height, offset + height, 0), fill=colour, width=max(1, step // 6))
    elif kind == "waves":
        xs = np.arange(0, width + 4, 4)
        for y in range(step, height, step):
            points = [(float(x), y + step * 0.25 * np.sin(x / step * 2.0)) for x in xs]
            draw.line(points, fill=colour, width=max(1, step // 7))
    elif kind == "checks":
        for y in range(0, height, step):
            for x in range((y // step) % 2 * step, width, 2 * step):
                draw.rectangle((x, y, x + step - 1, y + step - 1), fill=colour)
    elif kind == "speckle":
        count = int(width * height / (step * step) * 3)
        xs, ys = rng.integers(0, width, count), rng.integers(0, height, count)
        for x, y in zip(xs.tolist(), ys.tolist()):
            draw.point((x, y), fill=colour)
            draw.point((x + 1, y), fill=colour)
    elif kind == "gradient":
        shade = Image.new("RGB", image.size, colour)
        ramp = Image.linear_gradient("L").resize(image.size).point(lambda value: value * 0.55)
        image.paste(shade, (0, 0), ramp)


def draw_packshot(product: Product, px_per_mm: float = PACKSHOT_PX_PER_MM) -> Image.Image:
    """The product's front face as a studio photo would show it, at `px_per_mm`."""
    look, style = product.look, product.look.brand
    width = max(8, round(product.width_mm * px_per_mm))
    height = max(8, round(product.height_mm * px_per_mm))
    # Texture details depend on the brand, not the SKU, so siblings keep an identical background.
    rng = derive_rng(0, "packshot", style.name)
    image = Image.new("RGB", (width, height), style.base)
    draw = ImageDraw.Draw(image)
    texture_colour = mix(style.base, style.secondary, 0.25)
    _texture(image, rng, style.texture, texture_colour)

    if style.layout == "split":
        draw.rectangle((0, 0, width, round(height * style.logo_y)), fill=style.secondary)
    elif style.layout == "diagonal":
        draw.polygon([(0, round(height * 0.62)), (width, round(height * 0.38)), (width, height), (0, height)],
                     fill=style.secondary)
    elif style.layout == "window":
        inset = width * 0.1
        draw.rounded_rectangle((inset, height * 0.12, width - inset, height * 0.62), radius=max(2, width // 10),
                               fill=style.secondary)
    elif style.layout == "stripes":
        stripe = max(2, round(width * 0.12))
        draw.rectangle((0, 0, stripe, height), fill=style.secondary)
        draw.rectangle((width - stripe, 0, width, height), fill=style.secondary)
    elif style.layout == "arc":
        draw.ellipse((-width * 0.4, height * 0.55, width * 1.4, height * 1.5), fill=style.secondary)

    band_height = max(4.0, height * 0.11)
    if style.layout == "band_top":
        band_top = height * 0.04
    elif style.layout == "band_bottom":
        band_top = height * 0.86 - band_height
    else:
        band_top = height * style.band_y
    draw.rectangle((0, band_top, width, band_top + band_height), fill=look.band_colour)
    band_ink = contrasting(look.band_colour)
    icon = band_height * 0.8
    draw_shape(draw, look.icon_shape, (width * 0.06, band_top + band_height * 0.1,
                                       width * 0.06 + icon, band_top + band_height * 0.1 + icon), band_ink)
    draw_text(image, look.label, (width * 0.1 + icon, band_top + band_height * 0.2, width * 0.95,
                                  band_top + band_height * 0.8), band_ink)

    logo_width = width * style.logo_size
    logo_height = min(logo_width, height * 0.22)
    logo_top = height * style.logo_y - logo_height / 2
    logo_box = ((width - logo_width) / 2, logo_top, (width + logo_width) / 2, logo_top + logo_height)
    draw_shape(draw, style.logo_shape, logo_box, style.logo_colour, outline=style.ink,
               outline_width=max(1, round(width * 0.015)))
    name_ink = style.ink if style.layout != "split" else contrasting(style.secondary)
    name_top = logo_box[3] + height * 0.02
    if style.name_vertical and height > 2.4 * width:
        draw_text(image, style.name, (width * 0.2, name_top, width * 0.8, band_top - height * 0.02), name_ink,
                  vertical=True)
    else:
        draw_text(image, style.name, (width * 0.06, name_top, width * 0.94, name_top + height * 0.12), name_ink)
    draw_text(image, look.unit, (width * 0.55, height * 0.9, width * 0.94, height * 0.97), style.ink)

    _shade(image, CATEGORIES[product.category].round_pack)
    return image


def _shade(image: Image.Image, round_pack: bool) -> None:
    """Cylinders get a highlight and dark flanks; boxes get slightly darker edges and a top lip."""
    width, height = image.size
    xs = np.linspace(-1.0, 1.0, width)
    if round_pack:
        profile = 0.72 + 0.3 * np.sqrt(np.clip(1.0 - xs ** 2, 0.0, 1.0)) + 0.18 * np.exp(-((xs + 0.35) / 0.08) ** 2)
    else:
        profile = 1.0 - 0.12 * np.clip(np.abs(xs) - 0.85, 0.0, None) / 0.15
    ys = np.linspace(0.0, 1.0, height)
    vertical = 1.0 - 0.15 * np.clip(0.03 - ys, 0.0, None) / 0.03
    gains = np.clip(np.outer(vertical, profile), 0.0, 1.3)
    pixels = np.asarray(image, dtype=np.float32) * gains[:, :, None]
    image.paste(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)))


def jitter_product(image: Image.Image, rng: np.random.Generator, strength: float) -> Image.Image:
    """Per-facing brightness and hue drift: two facings of one SKU never look pixel-identical on a shelf."""
    brightness = float(rng.uniform(1 - 0.1 * strength, 1 + 0.08 * strength))
    gains = tuple(brightness * float(rng.uniform(1 - 0.04 * strength, 1 + 0.04 * strength)) for _ in range(3))
    return image.point(channel_lut(gains))  # type: ignore[arg-type]
