import io

import pandas as pd
from PIL import Image

from shelf_assets.audit.preview import HIDDEN, MATCHED, MISPLACED, NOT_IN_CATALOG, bay_preview_jpeg


def test_each_facing_is_outlined_in_the_colour_of_what_became_of_it(tmp_path):
    working = tmp_path / "bay.png"
    Image.new("RGB", (400, 100), (0, 0, 0)).save(working)
    placements = pd.DataFrame([
        dict(x0=10, y0=10, x1=90, y1=90, sku_id="A", misplaced=False, hidden=False),
        dict(x0=110, y0=10, x1=190, y1=90, sku_id="B", misplaced=True, hidden=False),
        dict(x0=210, y0=10, x1=290, y1=90, sku_id="", misplaced=True, hidden=False),
        dict(x0=310, y0=10, x1=390, y1=90, sku_id="", misplaced=False, hidden=True),
    ])
    picture = Image.open(io.BytesIO(bay_preview_jpeg(str(working), 1.0, placements, max_side=400))).convert("RGB")
    for left, colour in zip((10, 110, 210, 310), (MATCHED, MISPLACED, NOT_IN_CATALOG, HIDDEN)):
        outline = picture.getpixel((left + 40, 11))
        assert all(abs(a - b) < 40 for a, b in zip(outline, colour)), (left, outline, colour)
