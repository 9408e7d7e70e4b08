"""How much of what hides the products the occluder head is taught to leave out, and whether its map does, on
validation catalogs (on demand, not a test).

    .venv/bin/python benchmarks/occluder_targets.py [--seeds 900000-900007] [--bays 12] [--difficulty hard]
                                                    [--model shelf_assets/models]

The head learns, for each 8 px cell of the detector's 640 px, the mean share of the cell that something in front
of the shelf (or glare too strong to read through) covers (`learning.detector_training.detector_targets`), and the
pipeline reads a cell as hidden from `vision.matcher.HIDDEN_CELL`. A thin bar, a trolley's handle or the rim of a
glare spot, covers less than half of each cell it crosses, so its target stays under the threshold: the head is
taught to read it as shelf. This renders bays of catalogs the models were validated on (never the evaluation's),
takes each one's true occluder mask at the detector's pixels, and splits the covered pixels into those in cells
whose mean target reads hidden and those in cells it does not (thin), then prints the share of each the
detector's map reads hidden. Per product, it counts the partly hidden ones whose covered part lies mostly in thin
cells, and how many of those the map sees less than half of. Last, what a coverage target would cost: the cells
a cell-is-hidden-when-a-quarter-is-covered target would mark beyond the mean target's.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from shelf_assets.learning.scenes import render_scenes  # noqa: E402
from shelf_assets.vision.crops import DETECTOR_LONG_SIDE, detector_scale  # noqa: E402
from shelf_assets.vision.matcher import HIDDEN_CELL  # noqa: E402
from shelf_assets.vision.model_files import PACKAGED_BUNDLE, load_bundle  # noqa: E402
from shelf_assets.vision.nets import ShelfDetectorNet, normalise_pixels  # noqa: E402
from validation_catalogs import add_catalog_arguments, seed_range  # noqa: E402

CELL = ShelfDetectorNet.STRIDE
PARTLY_HIDDEN = 0.05
COVERAGE_SHARE = 0.25


def _occluder_map(net, image: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """(the detector's occluder map over the photo's cells, the photo's pixels at the detector's scale)."""
    scale = detector_scale(image.size)
    width, height = round(image.width * scale), round(image.height * scale)
    padded = np.zeros((DETECTOR_LONG_SIDE, DETECTOR_LONG_SIDE, 3), dtype=np.uint8)
    padded[:height, :width] = np.asarray(image.resize((width, height), Image.Resampling.BILINEAR))
    with torch.inference_mode():
        outputs = net(normalise_pixels(torch.from_numpy(padded[None])))
    occluder = torch.sigmoid(outputs["occluder"][0, 0]).numpy()
    return occluder[:height // CELL, :width // CELL], np.array([width, height])


def _cells(covered: np.ndarray) -> np.ndarray:
    rows, cols = covered.shape[0] // CELL, covered.shape[1] // CELL
    return covered[:rows * CELL, :cols * CELL].reshape(rows, CELL, cols, CELL).mean(axis=(1, 3))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_catalog_arguments(parser)
    parser.set_defaults(seeds="900000-900007")
    parser.add_argument("--model", type=Path, default=PACKAGED_BUNDLE, help="model bundle folder")
    args = parser.parse_args()
    torch.set_num_threads(2)
    net = load_bundle(args.model).detector.eval()

    pixels: Counter = Counter()
    products: Counter = Counter()
    cells: Counter = Counter()
    for seed in seed_range(args.seeds):
        scenes, _ = render_scenes(seed, args.bays, args.difficulty)
        for scene in scenes:
            working = Image.fromarray(scene.image)
            occluder, (width, height) = _occluder_map(net, working)
            mask = Image.fromarray(scene.occluders).resize((width, height), Image.Resampling.BILINEAR)
            covered = np.asarray(mask, dtype=np.float32)[:occluder.shape[0] * CELL, :occluder.shape[1] * CELL] >= 127.5
            share = _cells(covered)
            taught = np.kron(share >= 0.5, np.ones((CELL, CELL), dtype=bool))
            read = np.kron(occluder >= HIDDEN_CELL, np.ones((CELL, CELL), dtype=bool))
            for name, where in (("in cells taught hidden", covered & taught), ("thin", covered & ~taught)):
                pixels[name, "all"] += int(where.sum())
                pixels[name, "read hidden"] += int((where & read).sum())
            cells["taught hidden"] += int((share >= 0.5).sum())
            cells["coverage target"] += int((share >= COVERAGE_SHARE).sum())
            cells["read hidden"] += int((occluder >= HIDDEN_CELL).sum())
            scale = width / working.width
            for box, occluded in zip(scene.boxes * scale, scene.occluded):
                if occluded < PARTLY_HIDDEN:
                    continue
                x0, y0, x1, y1 = np.clip(np.round(box).astype(int), 0, [covered.shape[1], covered.shape[0]] * 2)
                under = covered[y0:y1, x0:x1]
                if not under.any():
                    continue
                products["partly hidden"] += 1
                thin = (under & ~taught[y0:y1, x0:x1]).sum() / under.sum()
                seen = (under & read[y0:y1, x0:x1]).sum() / under.sum()
                if thin > 0.5:
                    products["hidden mostly by thin cover"] += 1
                    products["of those, map sees under half"] += int(seen < 0.5)
                else:
                    products["of the rest, map sees under half"] += int(seen < 0.5)
        print(f"catalog {seed}: {len(scenes)} bays", file=sys.stderr)

    print(f"{args.difficulty} bays of catalogs {args.seeds}, {args.bays} each; a cell reads hidden from {HIDDEN_CELL}")
    total = pixels["in cells taught hidden", "all"] + pixels["thin", "all"]
    for name in ("in cells taught hidden", "thin"):
        count = pixels[name, "all"]
        print(f"  covered pixels {name:24s} {count:9d} ({count / max(1, total):.1%}), "
              f"read hidden {pixels[name, 'read hidden'] / max(1, count):.1%}")
    rest = products["partly hidden"] - products["hidden mostly by thin cover"]
    print(f"  partly hidden products (at least {PARTLY_HIDDEN:.0%}): {products['partly hidden']}")
    print(f"    covered mostly in thin cells: {products['hidden mostly by thin cover']}, "
          f"the map sees under half of it on {products['of those, map sees under half']}")
    print(f"    the rest: {rest}, the map sees under half of it on {products['of the rest, map sees under half']}")
    print(f"  cells taught hidden {cells['taught hidden']}, read hidden {cells['read hidden']}, "
          f"a target of {COVERAGE_SHARE:.0%} covered would mark {cells['coverage target']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
