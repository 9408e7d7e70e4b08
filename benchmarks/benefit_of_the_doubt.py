"""Whether hidden slots should be flagged out of stock, in audited simulated roots (on demand, not a test).

    .venv/bin/python benchmarks/benefit_of_the_doubt.py ROOT [ROOT ...]

ROOT is a chain audited with its truth beside it, e.g. `evaluation/hard/learned` after `shelf-audit evaluate`.
A slot nobody saw stocked but that is at least half hidden is kept off the gap list (`SlotStatus.unseen`).
Flagging such slots instead gains the truly empty ones as found gaps and adds the stocked ones as false gaps, so it
raises out-of-stock F1 only where more than F1 / 2 of them are empty (and sends staff to stocked slots otherwise).
For each root this prints how many hidden slots were truly empty, split by where the doubt came from (a box too
hidden to name, or a stretch of the row hidden with no box) and by the share of the slot's facings reported hidden,
the slots with some facing in sight apart for what stood there (another product, or bare shelf: a stock-out empties
a whole slot, so a bare part in sight would point to an empty one); and the F1 as audited beside the F1 with every
hidden slot flagged. The evaluation's `oos_f1_perfect_in_sight` is the F1 of an audit right on every slot in sight.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from shelf_assets.scoring.evaluation import group_by_bay  # noqa: E402
from shelf_assets.scoring.metrics import slot_statuses  # noqa: E402
from shelf_assets.warehouse import read_table  # noqa: E402


def _f1(found: int, false: int, missed: int) -> float:
    return 2 * found / max(2 * found + false + missed, 1)


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    for root in map(Path, sys.argv[1:]):
        placements = read_table(root / "warehouse", "sku_placements")
        placements_by_bay = group_by_bay(placements)
        statuses_by_bay = group_by_bay(read_table(root / "warehouse", "slot_status"))
        outcome = Counter()
        hidden = Counter()
        for truth_path in sorted((root / "truth").glob("*/*/*.json")):
            truth = json.loads(truth_path.read_text())
            key = (truth["store_id"], truth["date"], truth["bay_id"])
            statuses = {(s.shelf, s.position): s for s in slot_statuses(statuses_by_bay.get(key, pd.DataFrame()))}
            bay_placements = placements_by_bay.get(key, placements.iloc[:0])
            for slot in truth["slots"]:
                status = statuses.get((slot["shelf"], slot["position"]))
                empty = slot["present"] == 0
                if status is not None and status.out_of_stock:
                    outcome["found" if empty else "false"] += 1
                elif status is not None and status.unseen:
                    in_slot = bay_placements[(bay_placements.shelf == slot["shelf"])
                                             & (bay_placements.position == slot["position"])]
                    source = "a box too hidden to name" if in_slot.hidden.any() else "a hidden stretch, no box"
                    if status.hidden >= status.facings:
                        share = "all facings hidden"
                    elif in_slot.misplaced.any():
                        share = "half or more hidden, another product in sight"
                    else:
                        share = "half or more hidden, the part in sight bare"
                    for split in (source, share, "all"):
                        hidden[split, empty] += 1
                elif empty:
                    outcome["missed"] += 1
        empty_hidden = hidden["all", True]
        as_audited = _f1(outcome["found"], outcome["false"], outcome["missed"] + empty_hidden)
        all_flagged = _f1(outcome["found"] + empty_hidden, outcome["false"] + hidden["all", False], outcome["missed"])
        print(f"{root}: F1 {as_audited:.3f} as audited, {all_flagged:.3f} with every hidden slot flagged "
              f"(pays where more than {as_audited / 2:.0%} of them are empty)")
        for split in sorted({split for split, _ in hidden}):
            count = hidden[split, True] + hidden[split, False]
            print(f"  hidden, {split}: {count} slot(s), {hidden[split, True]} truly empty "
                  f"({hidden[split, True] / count:.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
