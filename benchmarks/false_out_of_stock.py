"""Why slots that hold stock were flagged out of stock, in an audited simulated root (on demand, not a test).

    .venv/bin/python benchmarks/false_out_of_stock.py ROOT

ROOT is a chain audited with its truth beside it, e.g. `evaluation/hard/learned` after `shelf-audit evaluate`.
For every facing of a falsely flagged slot it prints how much of it an occluder hides (from the truth) and what
the pipeline made of it: no box over it, a box the matcher called unknown or took for another SKU, or one it
recognised that was placed in another slot. The summary counts the facings by how much of them was hidden.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from shelf_assets.scoring.evaluation import IOU_THRESHOLD, box_iou, group_by_bay  # noqa: E402
from shelf_assets.scoring.metrics import slot_statuses  # noqa: E402
from shelf_assets.warehouse import read_table  # noqa: E402


def _what_became_of(facing: dict, slot: dict, placed: pd.DataFrame) -> str:
    boxes = placed[["x0", "y0", "x1", "y1"]].to_numpy(dtype=float)
    overlaps = box_iou(boxes, np.array([facing["box"]], dtype=float))[:, 0] if len(boxes) else np.zeros(0)
    if not len(overlaps) or overlaps.max() < IOU_THRESHOLD:
        return "no box over it"
    row = placed.iloc[int(overlaps.argmax())]
    if slot["sku_id"] == row.seen_sku_id or slot["sku_id"] in str(row.close_skus).split():
        return f"recognised (or a close call) but placed in slot {row.shelf}/{row.position}"
    return "called unknown" if row.seen_sku_id == "" else f"taken for {row.seen_sku_id}"


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = Path(sys.argv[1])
    placements = read_table(root / "warehouse", "sku_placements")
    placements_by_bay = group_by_bay(placements)
    statuses_by_bay = group_by_bay(read_table(root / "warehouse", "slot_status"))
    hidden = Counter()
    flagged = 0
    for truth_path in sorted((root / "truth").glob("*/*/*.json")):
        truth = json.loads(truth_path.read_text())
        key = (truth["store_id"], truth["date"], truth["bay_id"])
        bay_placements = placements_by_bay.get(key, placements.iloc[:0])
        flagged_slots = {(s.shelf, s.position) for s in slot_statuses(statuses_by_bay.get(key, pd.DataFrame()))
                         if s.out_of_stock}
        for slot in truth["slots"]:
            if slot["present"] == 0 or (slot["shelf"], slot["position"]) not in flagged_slots:
                continue
            flagged += 1
            for facing in truth["products"]:
                if (facing["shelf"], facing["position"], facing["sku_id"]) != (slot["shelf"], slot["position"],
                                                                               slot["sku_id"]):
                    continue
                occluded = float(facing.get("occluded", 0.0))
                hidden["half or more hidden" if occluded >= 0.5 else "partly hidden" if occluded > 0
                       else "in plain view"] += 1
                print(f"{truth['store_id']} {truth['date']} {truth['bay_id']} slot {slot['shelf']}/{slot['position']} "
                      f"{slot['sku_id']}: {occluded:.0%} hidden, {_what_became_of(facing, slot, bay_placements)}")
    print(f"{flagged} slot(s) flagged out of stock that hold stock; their facings: "
          + ", ".join(f"{count} {kind}" for kind, count in sorted(hidden.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
