"""Where the traced shelf lines end, against the rendered shelves, on validation catalogs (on demand, not a test).

    .venv/bin/python benchmarks/shelf_line_ends.py [--catalogs 900000 900001 900006 900007] [--bays 24]

Renders each catalog's bays as the detector is trained on them (about 6 s a catalog), runs the packaged detector,
traces its shelf lines with each fixture's settings and pairs every traced line with the rendered shelf nearest
in height (within a cell). Prints, in detector pixels (640 on the long side), how far the traced left and right
ends fall from the shelf's: a row's extent is what placement reads positions along, so a bias at one end shifts
every facing on it.

The line map learned its targets from `learning.detector_training.detector_targets`, which rounds a line's left end
down to a cell and its right end up, and `vision.learned.trace_shelf_lines` reads back the outer edges of the end
cells: so traced right ends fall about one and a half cells (12 px) past the shelf's and left ends half a cell
short of it. Reading the ends back half a cell inside their cells removes the bias (medians −1.6 and +1.3 px on
the default catalogs) but, with the rules downstream read off the biased ends, did not improve out-of-stock F1 or
the compliance error on the validation chains (benchmarks/README.md, "Tried and not shipped"); the fix belongs in
the targets, with the next training.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from shelf_assets.learning.dataset import build_shard  # noqa: E402
from shelf_assets.learning.validation import detector_maps  # noqa: E402
from shelf_assets.vision.learned import STRIDE, decode_centres, min_line_cells, trace_shelf_lines  # noqa: E402
from shelf_assets.vision.model_files import load_bundle  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogs", type=int, nargs="+", default=[900000, 900001, 900006, 900007])
    parser.add_argument("--bays", type=int, default=24)
    args = parser.parse_args()
    torch.set_num_threads(2)
    bundle = load_bundle()
    lefts, rights = [], []
    for seed in args.catalogs:
        shard = build_shard(seed, args.bays)
        for index, maps in enumerate(detector_maps(bundle.detector, shard)):
            settings = bundle.settings[str(shard.fixture_types[index])]
            cols = max(1, round(int(shard.sizes[index][0]) / STRIDE))
            boxes, _ = decode_centres(maps["centre"], maps["size"], maps["offset"], settings.peak_threshold)
            traced = trace_shelf_lines(maps["shelf_line"][:, :cols], settings.line_threshold,
                                       min_line_cells(boxes, cols, settings.min_line_share))
            shelves = shard.lines[index]
            heights = (shelves[:, 1] + shelves[:, 3]) / 2
            for line in traced:
                height = float(line.y_at((line.x_left + line.x_right) / 2))
                nearest = int(np.argmin(np.abs(heights - height)))
                if abs(heights[nearest] - height) > STRIDE:
                    continue
                shelf_left, shelf_right = sorted((float(shelves[nearest, 0]), float(shelves[nearest, 2])))
                lefts.append(line.x_left - shelf_left)
                rights.append(line.x_right - shelf_right)
    print(f"{len(lefts)} traced lines on {len(args.catalogs)} catalogs × {args.bays} bays; traced minus rendered end, "
          "detector pixels (positive: to the right)")
    print(f"{'end':<6} {'median':>7} {'p10':>7} {'p25':>7} {'p75':>7} {'p90':>7} {'off > 2 cells':>14}")
    for name, errors in (("left", np.array(lefts)), ("right", np.array(rights))):
        p10, p25, p75, p90 = np.percentile(errors, [10, 25, 75, 90])
        print(f"{name:<6} {np.median(errors):7.1f} {p10:7.1f} {p25:7.1f} {p75:7.1f} {p90:7.1f} "
              f"{(np.abs(errors) > 2 * STRIDE).mean():14.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
