"""How the detector's recall falls with the width of the facings, read once or read again zoomed in, on validation
catalogs (on demand, not a test).

    .venv/bin/python benchmarks/narrow_facings.py [--seeds 900000-900003] [--bays 12] [--difficulty hard]
                                                  [--model shelf_assets/models]

Renders bays of catalogs the models were validated on (never the evaluation's), and shows each one as rendered
and shrunk into the middle of a grey photo of the same size, as if taken from further away. For each width of
the median facing in the detector's pixels it prints the share of facings in plain view found at IoU 0.5 with one
reading at the detector's scale and with the second, zoomed reading the pipeline makes below
`vision.learned.ZOOM_BELOW_WIDTH`, and how many boxes of each match no product. These are the figures behind
`ZOOM_BELOW_WIDTH`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from shelf_assets.learning.scenes import render_scenes  # noqa: E402
from shelf_assets.scoring.evaluation import box_iou  # noqa: E402
from shelf_assets.vision import learned  # noqa: E402
from shelf_assets.vision.crops import detector_scale  # noqa: E402
from shelf_assets.vision.model_files import PACKAGED_BUNDLE, load_bundle  # noqa: E402
from validation_catalogs import add_catalog_arguments, seed_range  # noqa: E402

SHRINKS = (1.0, 0.8, 0.6, 0.45)
WIDTH_EDGES = (0, 12, 16, 20, 24, 28, 32, 40, 1000)
PLAIN_VIEW = 0.1


def _shrunk(image: Image.Image, boxes: np.ndarray, shrink: float) -> tuple[Image.Image, np.ndarray]:
    if shrink == 1.0:
        return image, boxes
    small = image.resize((round(image.width * shrink), round(image.height * shrink)), Image.Resampling.BILINEAR)
    left, top = (image.width - small.width) // 2, (image.height - small.height) // 2
    canvas = Image.new("RGB", image.size, (128, 128, 128))
    canvas.paste(small, (left, top))
    return canvas, boxes * shrink + np.array([left, top, left, top], dtype=np.float32)


def _tally(detector: learned.LearnedDetector, image: Image.Image, fixture_type: str,
           truth: np.ndarray, plain: np.ndarray) -> tuple[int, int]:
    """(plain-view facings found, boxes over no product)"""
    [result] = detector.detect_batch([image], [fixture_type])
    if result.detection is None or not len(result.detection.products):
        return 0, 0
    found = np.array([[p.x0, p.y0, p.x1, p.y1] for p in result.detection.products])
    overlaps = box_iou(found, truth)
    return int((overlaps[:, plain].max(axis=0) >= 0.5).sum()), int((overlaps.max(axis=1) < 0.5).sum())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_catalog_arguments(parser)
    parser.set_defaults(seeds="900000-900003")
    parser.add_argument("--model", type=Path, default=PACKAGED_BUNDLE)
    args = parser.parse_args()
    torch.set_num_threads(1)
    bundle = load_bundle(args.model)
    detector = learned.LearnedDetector(bundle.detector, bundle.settings)
    zoom_below = learned.ZOOM_BELOW_WIDTH
    buckets: dict[int, np.ndarray] = {}
    for seed in seed_range(args.seeds):
        scenes, _ = render_scenes(seed, args.bays, difficulty=args.difficulty)
        for scene in scenes:
            photo = Image.fromarray(scene.image)
            plain = scene.occluded < PLAIN_VIEW
            for shrink in SHRINKS:
                image, truth = _shrunk(photo, scene.boxes, shrink)
                width = float(np.median(truth[:, 2] - truth[:, 0])) * detector_scale(image.size)
                tallies = []
                for below in (0.0, zoom_below):
                    learned.ZOOM_BELOW_WIDTH = below
                    tallies.extend(_tally(detector, image, scene.fixture_type, truth, plain))
                bucket = int(np.searchsorted(WIDTH_EDGES, width, side="right")) - 1
                buckets[bucket] = buckets.get(bucket, np.zeros(6, dtype=int)) + [1, int(plain.sum()), *tallies]
        print(f"catalog {seed}: {len(scenes)} bays × {len(SHRINKS)} distances read", flush=True)
    learned.ZOOM_BELOW_WIDTH = zoom_below
    print(f"\nmedian facing width (detector px) | bays | facings in plain view | recall once | recall with zoom "
          f"(below {zoom_below:g} px) | boxes over no product once / with zoom")
    for bucket in sorted(buckets):
        bays, facings, once, stray_once, zoomed, stray_zoomed = buckets[bucket]
        print(f"{WIDTH_EDGES[bucket]:>3}–{WIDTH_EDGES[bucket + 1]:<4} | {bays:4d} | {facings:6d} | "
              f"{once / max(facings, 1):.3f} | {zoomed / max(facings, 1):.3f} | {stray_once} / {stray_zoomed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
