"""Why slots that hold stock were flagged out of stock, and why empty ones were not, in an audited simulated root
(on demand, not a test).

    .venv/bin/python benchmarks/false_out_of_stock.py ROOT

ROOT is a chain audited with its truth beside it, e.g. `evaluation/hard/learned` after `shelf-audit evaluate`.
For every facing of a falsely flagged slot it prints how much of it an occluder hides (from the truth) and what
the pipeline made of it: no box over it, a box the matcher called unknown or took for another SKU, or one it
recognised that was placed in another slot. The summary counts the facings by how much of them was hidden.
For every empty slot not flagged it prints whether the audit gave it the benefit of the doubt (reported hidden) or
counted a facing of its SKU there, and what truly stood under that facing: a misplaced or foreign product taken for
the planned SKU (by a close call), a facing of the slot next door, or nothing. Last, what truly stood under every
facing the planogram settled as the planned SKU: the price of close calls beside what they put right.
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


MISSED_CAUSES = ("a foreign product counted", "a misplaced product counted", "a box over no product counted",
                 "a facing of the slot next door counted")
"""What a facing counted in an empty slot truly was, the most telling first where a slot has several."""


def _truly_under(placed: pd.DataFrame, products: list[dict]) -> list[dict | None]:
    """The truth product each placed box covers (IoU at least the evaluation's threshold), or None."""
    truth_boxes = np.array([product["box"] for product in products], dtype=float).reshape(-1, 4)
    overlaps = box_iou(placed[["x0", "y0", "x1", "y1"]].to_numpy(dtype=float), truth_boxes)
    return [products[int(row.argmax())] if len(row) and row.max() >= IOU_THRESHOLD else None for row in overlaps]


def _what_it_was(product: dict | None, sku_id: str) -> str:
    if product is None:
        return "no product"
    if not product["in_catalog"]:
        return "foreign"
    return "its SKU" if product["sku_id"] == sku_id else "misplaced"


def _why_missed(slot: dict, status, placed: pd.DataFrame, products: list[dict]) -> tuple[str, str]:
    """(cause, detail) of an empty slot left off the gap list."""
    if status is None:
        return "bay not scored", ""
    if status.present == 0:
        return "reported hidden", f"{status.hidden} of {slot['facings']} facings hidden: the benefit of the doubt"
    counted = placed[(placed.shelf == slot["shelf"]) & (placed.position == slot["position"])
                     & (placed.sku_id == slot["sku_id"]) & ~placed.hidden.astype(bool)]
    causes = []
    for row, product in zip(counted.itertuples(), _truly_under(counted, products)):
        seen = f"seen as {row.seen_sku_id or 'unknown'}"
        kind = _what_it_was(product, slot["sku_id"])
        if kind == "no product":
            causes.append(("a box over no product counted", seen))
        elif kind == "its SKU":
            causes.append(("a facing of the slot next door counted", f"slot {product['shelf']}/{product['position']}"))
        else:
            causes.append((f"a {kind} product counted", f"{product['sku_id']}, {seen}"))
    found = {cause for cause, _ in causes}
    cause = next((cause for cause in MISSED_CAUSES if cause in found), "counted, no box")
    return cause, "; ".join(detail for _, detail in causes)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = Path(sys.argv[1])
    truth_paths = sorted((root / "truth").glob("*/*/*.json"))
    if not truth_paths:
        print(f"no truth files under {root / 'truth'}: ROOT must be a simulated chain, audited")
        return 2
    placements = read_table(root / "warehouse", "sku_placements")
    placements_by_bay = group_by_bay(placements)
    statuses_by_bay = group_by_bay(read_table(root / "warehouse", "slot_status"))
    hidden = Counter()
    missed = Counter()
    settled = Counter()
    flagged = 0
    for truth_path in truth_paths:
        truth = json.loads(truth_path.read_text())
        key = (truth["store_id"], truth["date"], truth["bay_id"])
        bay_placements = placements_by_bay.get(key, placements.iloc[:0])
        statuses = {(s.shelf, s.position): s for s in slot_statuses(statuses_by_bay.get(key, pd.DataFrame()))}
        flagged_slots = {place for place, status in statuses.items() if status.out_of_stock}
        where = f"{truth['store_id']} {truth['date']} {truth['bay_id']}"
        taken = bay_placements[(bay_placements.sku_id != bay_placements.seen_sku_id) & (bay_placements.sku_id != "")
                               & ~bay_placements.hidden.astype(bool)]
        settled.update(_what_it_was(product, sku)
                       for sku, product in zip(taken.sku_id, _truly_under(taken, truth["products"])))
        for slot in truth["slots"]:
            place = (slot["shelf"], slot["position"])
            if slot["present"] == 0 and place not in flagged_slots:
                cause, detail = _why_missed(slot, statuses.get(place), bay_placements, truth["products"])
                missed[cause] += 1
                print(f"{where} slot {place[0]}/{place[1]} {slot['sku_id']} empty ({slot.get('hidden', 0.0):.0%} "
                      f"hidden), not flagged: {cause} ({detail})")
            if slot["present"] == 0 or place not in flagged_slots:
                continue
            flagged += 1
            for facing in truth["products"]:
                if (facing["shelf"], facing["position"], facing["sku_id"]) != (slot["shelf"], slot["position"],
                                                                               slot["sku_id"]):
                    continue
                occluded = float(facing.get("occluded", 0.0))
                hidden["half or more hidden" if occluded >= 0.5 else "partly hidden" if occluded > 0
                       else "in plain view"] += 1
                print(f"{where} slot {slot['shelf']}/{slot['position']} {slot['sku_id']}: {occluded:.0%} hidden, "
                      f"{_what_became_of(facing, slot, bay_placements)}")
    print(f"{flagged} slot(s) flagged out of stock that hold stock; their facings: "
          + ", ".join(f"{count} {kind}" for kind, count in sorted(hidden.items())))
    print(f"{sum(missed.values())} empty slot(s) not flagged: "
          + ", ".join(f"{count} {kind}" for kind, count in sorted(missed.items())))
    print(f"{sum(settled.values())} facing(s) counted as the planned SKU over what the matcher named (close calls "
          "settled); truly: " + ", ".join(f"{count} {kind}" for kind, count in sorted(settled.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
