"""SKU identity read from the working copy beside fresher pixels, on the boxes an audit found (on demand, not a
test).

    .venv/bin/python benchmarks/identity_resolution.py ROOT [ROOT ...] [--long-side 1512]

Each ROOT is a simulated chain audited with its truth beside it (`shelf-audit simulate`, then `shelf-audit audit`).
Identity reads product faces from the working copy, where a sibling's flavour band is a few pixels high, and that
copy is a JPEG saved again at working size (half the colour resolution, 4:2:0), which the training crops never
were. This runs the packaged model's fused matcher over the audit's own boxes three times: on the working copy the
audit wrote, on the photo decoded again at the working long side and lighting-corrected the same way (not saved),
and likewise at `--long-side`; the boxes are the same, only the pixels under them differ. Over the boxes on a
catalog product at most 10 % hidden it prints the share named as that product, and over those on a foreign product
the share called unknown, side by side. It measures the image alone: the planogram settling close calls, and so
out-of-stock F1, is not in it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402

from shelf_assets.audit.detect import build_detectors  # noqa: E402
from shelf_assets.scoring.evaluation import IOU_THRESHOLD, box_iou, group_by_bay  # noqa: E402
from shelf_assets.vision.lighting import normalize_lighting  # noqa: E402
from shelf_assets.vision.model_files import load_bundle  # noqa: E402
from shelf_assets.vision.photos import WORKING_LONG_SIDE, decode_photo  # noqa: E402
from shelf_assets.vision.types import ProductBox  # noqa: E402
from shelf_assets.warehouse import read_table  # noqa: E402

MAX_HIDDEN = 0.1


def _working_copies(warehouse: Path) -> dict[tuple[str, str, str], tuple[str, float]]:
    """(store, date, bay) → the working copy the audit wrote and its scale."""
    return {(photo.store_id, photo.date, photo.bay_id): (photo.working_path, float(photo.scale))
            for photo in read_table(warehouse, "normalized_images").itertuples(index=False)}


def _images(photo: bytes, working_copy: tuple[str, float], long_sides: tuple[int, ...]):
    """(image, scale) as the audit read it, then decoded again at each long side."""
    path, scale = working_copy
    with Image.open(path) as opened:
        yield opened.convert("RGB"), scale
    for long_side in long_sides:
        decoded = decode_photo(photo, long_side)
        yield normalize_lighting(decoded.image), decoded.scale


def _named_right(root: Path, long_sides: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(catalog boxes × readings named right, foreign boxes × readings called unknown), as booleans."""
    catalog = pd.read_csv(root / "master" / "catalog.csv", dtype=str)
    matcher = build_detectors(load_bundle(), "", root / "master" / "packshots", list(catalog.sku_id)).matcher
    detections_by_bay = group_by_bay(read_table(root / "warehouse", "detections"))
    working_copies = _working_copies(root / "warehouse")
    known, foreign = [], []
    for truth_path in sorted((root / "truth").glob("*/*/*.json")):
        truth = json.loads(truth_path.read_text())
        key = (truth["store_id"], truth["date"], truth["bay_id"])
        boxes = detections_by_bay.get(key, pd.DataFrame())
        if boxes.empty or not truth["products"]:
            continue
        corners = boxes[["x0", "y0", "x1", "y1"]].to_numpy(dtype=float)
        overlaps = box_iou(corners, np.array([product["box"] for product in truth["products"]], dtype=float))
        photo = (root / truth["photo"]).read_bytes()
        answers = []
        for image, scale in _images(photo, working_copies[key], long_sides):
            scaled = [ProductBox(*(corner * scale for corner in box), 1, 1.0) for box in corners]
            answers.append([match.sku_id for match in matcher.identify(image, scaled)])
        for index, overlap in enumerate(overlaps):
            product = truth["products"][int(overlap.argmax())]
            if overlap.max() < IOU_THRESHOLD or product.get("occluded", 0.0) > MAX_HIDDEN:
                continue
            if product["in_catalog"]:
                known.append([named[index] == product["sku_id"] for named in answers])
            else:
                foreign.append([named[index] == "" for named in answers])
    readings = len(long_sides) + 1
    return np.array(known, dtype=bool).reshape(-1, readings), np.array(foreign, dtype=bool).reshape(-1, readings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--long-side", type=int, default=1512)
    args = parser.parse_args()
    long_sides = (WORKING_LONG_SIDE, args.long_side)
    readings = ["working copy", *(f"at {side}" for side in long_sides)]
    print("share named right of the catalog boxes, and called unknown of the foreign ones, read from each image")
    print(f"{'chain':<28}{'boxes':>7}" + "".join(f"{reading:>14}" for reading in readings)
          + f"{'foreign':>9}" + "".join(f"{reading:>14}" for reading in readings))
    for root in args.roots:
        known, foreign = _named_right(root, long_sides)
        print(f"{str(root)[-28:]:<28}{len(known):>7}" + "".join(f"{share:>14.3f}" for share in known.mean(axis=0))
              + f"{len(foreign):>9}" + "".join(f"{share:>14.3f}" for share in foreign.mean(axis=0)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
