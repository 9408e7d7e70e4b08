"""How often the planogram's settling of close calls is right, on validation catalogs (on demand, not a test).

    .venv/bin/python benchmarks/close_calls.py [--seeds 900000-900005] [--bays 12] [--difficulty hard]

Renders bays of catalogs the models were validated on (never the evaluation's) the way training renders them
(`learning.scenes.render_scenes`: decoded and normalised like the pipeline), all at one difficulty, and matches
every product's truth box (jittered by up to 4 %, as a detector's boxes are) with the committed learned matcher. For facings standing in their own slot it prints how many come out as the planned
SKU from the image alone and once close calls count (`vision/matcher.py`'s margins); for products misplaced
into a slot and foreign ones, how many the close calls would wrongly take for the planned SKU. These are the
figures behind `CLOSE_CALL_MARGIN` and `CLOSE_CALL_BELOW_FLOOR`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from PIL import Image  # noqa: E402

from shelf_assets.learning.scenes import render_scenes  # noqa: E402
from shelf_assets.simulation.drawing import derive_rng  # noqa: E402
from shelf_assets.vision.model_files import load_bundle  # noqa: E402
from shelf_assets.vision.types import ProductBox  # noqa: E402
from validation_catalogs import add_catalog_arguments, catalog_matcher, seed_range  # noqa: E402

BOX_JITTER = 0.04


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_catalog_arguments(parser)
    args = parser.parse_args()
    torch.set_num_threads(1)
    bundle = load_bundle()
    counts = {"own": 0, "own_alone": 0, "own_settled": 0, "misplaced": 0, "misplaced_taken": 0,
              "foreign": 0, "foreign_taken": 0}
    for seed in seed_range(args.seeds):
        scenes, _ = render_scenes(seed, args.bays, args.difficulty)
        matcher = catalog_matcher(bundle, seed)
        rng = derive_rng(seed, "close-call-study")
        for scene in scenes:
            boxes = []
            for x0, y0, x1, y1 in scene.boxes.astype(float):
                jitter = rng.uniform(-BOX_JITTER, BOX_JITTER, 4) * [x1 - x0, y1 - y0, x1 - x0, y1 - y0]
                boxes.append(ProductBox(x0 + jitter[0], y0 + jitter[1], x1 + jitter[2], y1 + jitter[3], 1, 1.0))
            matches = matcher.identify(Image.fromarray(scene.image), boxes)
            for product_id, known, expected, match in zip(scene.product_ids, scene.in_catalog,
                                                          scene.planned_sku_ids, matches):
                taken = match.sku_id == expected or expected in match.close_skus
                if product_id == expected:
                    counts["own"] += 1
                    counts["own_alone"] += match.sku_id == expected
                    counts["own_settled"] += taken
                else:
                    kind = "misplaced" if known else "foreign"
                    counts[kind] += 1
                    counts[f"{kind}_taken"] += taken
        print(f"catalog {seed} done", flush=True)
    own = max(counts["own"], 1)
    print(f"{args.difficulty} photos, model {bundle.version}, catalogs {args.seeds}:")
    print(f"  facings in their own slot        {counts['own']:5d}: planned SKU from the image alone "
          f"{counts['own_alone'] / own:.3f}, with close calls settled {counts['own_settled'] / own:.3f}")
    print(f"  misplaced into a slot            {counts['misplaced']:5d}: taken for the planned SKU "
          f"{counts['misplaced_taken']}")
    print(f"  foreign products in a slot       {counts['foreign']:5d}: taken for the planned SKU "
          f"{counts['foreign_taken']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
