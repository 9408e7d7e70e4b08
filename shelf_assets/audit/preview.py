"""A small annotated picture of a bay, so a person can see at a glance what the audit saw."""

from __future__ import annotations

import base64
import io

import pandas as pd
from PIL import Image, ImageDraw

MATCHED = (40, 200, 80)
MISPLACED = (255, 140, 0)
NOT_IN_CATALOG = (220, 40, 40)
HIDDEN = (150, 150, 150)


def bay_preview_jpeg(working_path: str, scale: float, placements: pd.DataFrame, max_side: int = 520) -> bytes:
    """The working copy with each facing boxed: green in its slot, orange misplaced, red not in the catalog, grey
    too hidden to tell."""
    with Image.open(working_path) as opened:
        image = opened.convert("RGB")
    draw = ImageDraw.Draw(image)
    for facing in placements.itertuples(index=False):
        colour = (HIDDEN if facing.hidden else NOT_IN_CATALOG if facing.sku_id == ""
                  else MISPLACED if facing.misplaced else MATCHED)
        box = [facing.x0 * scale, facing.y0 * scale, facing.x1 * scale, facing.y1 * scale]
        draw.rectangle(box, outline=colour, width=3)
    image.thumbnail((max_side, max_side))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def as_markdown_image(jpeg: bytes, caption: str) -> str:
    return f"![{caption}](data:image/jpeg;base64,{base64.b64encode(jpeg).decode('ascii')})"
