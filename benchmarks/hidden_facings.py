"""How well the detector's occluder map tells a hidden facing from a foreign or misplaced one, on validation
catalogs (on demand, not a test).

    .venv/bin/python benchmarks/hidden_facings.py [--seeds 900000-900005] [--bays 12] [--difficulty hard]
                                                  [--model shelf_assets/models]

Renders bays of catalogs the models were validated on (never the evaluation's), runs the learned detector and
matcher on them as the pipeline does, and matches boxes to truth at IoU 0.5. Of the boxes that do not count as
the SKU planned where they stand (neither the matcher's answer nor one of its close calls), it prints, for each
threshold on the box's occluded share, how many facings of the planned SKU would be reported hidden (rightly: they
are there) and how many foreign or misplaced products would (wrongly: they are a gap or a misplacement), apart for
the boxes the matcher could not name (the only ones the pipeline reports hidden) and those it named as another SKU;
for the unnamed ones also how many would when, as the pipeline asks, they must still resemble the planned SKU
(`SkuMatch.resembled_skus`), and how well their part in sight correlates with the planned SKU's packshot at each
floor. These are the figures behind `scoring.alignment.HIDDEN_SHARE`, `vision.matcher.RESEMBLANCE_BELOW_FLOOR` and
`vision.matcher.VISIBLE_RESEMBLANCE`. It also counts the products the detector missed
and how many of them were mostly hidden: those are left to `HIDDEN_GAP_SHARE`, the hidden stretches of a row.
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
from shelf_assets.scoring.alignment import HIDDEN_SHARE  # noqa: E402
from shelf_assets.scoring.evaluation import box_iou, match_detections  # noqa: E402
from shelf_assets.vision.learned import LearnedDetector  # noqa: E402
from shelf_assets.vision.matcher import VISIBLE_RESEMBLANCE  # noqa: E402
from shelf_assets.vision.model_files import PACKAGED_BUNDLE, load_bundle  # noqa: E402
from validation_catalogs import add_catalog_arguments, catalog_matcher, seed_range  # noqa: E402

THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5)
VISIBLE_FLOORS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.42, 0.5, 0.6)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_catalog_arguments(parser)
    parser.add_argument("--model", type=Path, default=PACKAGED_BUNDLE, help="model bundle folder")
    args = parser.parse_args()
    torch.set_num_threads(1)
    bundle = load_bundle(args.model)
    detector = LearnedDetector(bundle.detector, bundle.settings)
    own_facings: dict[bool, list[float]] = {True: [], False: []}
    others: dict[bool, list[float]] = {True: [], False: []}
    missed = []
    visible_of_planned: dict[bool, list[float]] = {True: [], False: []}
    for seed in seed_range(args.seeds):
        scenes, _ = render_scenes(seed, args.bays, args.difficulty)
        matcher = catalog_matcher(bundle, seed)
        for scene in scenes:
            image = Image.fromarray(scene.image)
            [result] = detector.detect_batch([image], [scene.fixture_type])
            if result.detection is None:
                continue
            boxes = result.detection.products
            matches, visible = matcher.identify_in_sight(image, boxes)
            found = np.array([(b.x0, b.y0, b.x1, b.y1) for b in boxes], dtype=float).reshape(-1, 4)
            truth_of_box, _ = match_detections(box_iou(found, scene.boxes.astype(float)),
                                               np.array([b.confidence for b in boxes]),
                                               np.zeros(len(scene.boxes), dtype=bool))
            for box, match, truth, in_sight in zip(boxes, matches, truth_of_box, visible):
                if truth < 0:
                    continue
                planned = scene.planned_sku_ids[truth]
                if match.sku_id == planned or planned in match.close_skus:
                    continue
                own = scene.product_ids[truth] == planned
                resembles = planned in match.resembled_skus
                (own_facings if own else others)[not match.sku_id].append((box.occluded, resembles))
                if not match.sku_id and box.occluded >= HIDDEN_SHARE:
                    planned_in_sight = in_sight[matcher.sku_ids.index(planned)]
                    visible_of_planned[own].append(float(planned_in_sight))
            matched = set(truth_of_box)
            missed.extend(float(occluded) for index, occluded in enumerate(scene.occluded) if index not in matched)
        print(f"catalog {seed} done", flush=True)
    print(f"{args.difficulty} photos, model {bundle.version}, catalogs {args.seeds}:")
    for unnamed, label in ((True, "the matcher could not name"), (False, "the matcher named as another SKU")):
        own, other = (np.array(found, dtype=float).reshape(-1, 2)
                      for found in (own_facings[unnamed], others[unnamed]))
        print(f"  boxes not counted as their slot's SKU that {label}: {len(own)} facings of the planned SKU, "
              f"{len(other)} foreign or misplaced products")
        resembling = " (and resembling it)" if unnamed else ""
        print(f"  occluded share >= | planned facings hidden{resembling} | foreign/misplaced hidden{resembling}")
        for threshold in THRESHOLDS:
            marker = "  <- HIDDEN_SHARE" if threshold == HIDDEN_SHARE and unnamed else ""
            counts = []
            for shares_and_resemblance in (own, other):
                hidden = shares_and_resemblance[:, 0] >= threshold
                counts.append(f"{int(hidden.sum()):4d}" + (
                    f" ({int((hidden & (shares_and_resemblance[:, 1] > 0)).sum()):4d})" if unnamed else ""))
            print(f"  {threshold:17.2f} | {counts[0]} of {len(own):4d} | {counts[1]} of {len(other):4d}{marker}")
    own, other = (np.array(visible_of_planned[kind]) for kind in (True, False))
    print(f"  unnamed boxes at least {HIDDEN_SHARE:.0%} hidden with enough in sight to compare "
          f"({int(np.isnan(own).sum())} planned facings and {int(np.isnan(other).sum())} others had too little): "
          f"the correlation of their part in sight with the planned SKU's packshot")
    own, other = own[np.isfinite(own)], other[np.isfinite(other)]
    print("  correlation >= | planned facings | foreign/misplaced")
    for floor in VISIBLE_FLOORS:
        marker = "  <- VISIBLE_RESEMBLANCE" if floor == VISIBLE_RESEMBLANCE else ""
        print(f"  {floor:14.2f} | {int((own >= floor).sum()):4d} of {len(own):4d} | "
              f"{int((other >= floor).sum()):4d} of {len(other):4d}{marker}")
    print(f"  products the detector missed: {len(missed)}, of them half or more hidden (truth): "
          f"{sum(occluded >= 0.5 for occluded in missed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
