"""Place and score audited chains again from the detections they already hold, and compare with how they were
audited (on demand, not a test).

    .venv/bin/python benchmarks/place_again.py ROOT [ROOT ...]

Each ROOT is a simulated chain audited with its truth beside it (`shelf-audit simulate` then `shelf-audit audit`,
or a folder `shelf-audit evaluate` left). Detection is the slow stage and placement the one most often changed,
so this reruns only placement and scoring, with the code as it is now, on each ROOT's `detections`, writing into
a scratch copy (ROOT is not touched), and prints the evaluation's out-of-stock and compliance scores as audited
and as placed now, side by side.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from shelf_assets.audit.place import place_store_day, processed_photos  # noqa: E402
from shelf_assets.audit.score import score_bays  # noqa: E402
from shelf_assets.master import load_master_data  # noqa: E402
from shelf_assets.scoring.evaluation import evaluate  # noqa: E402
from shelf_assets.warehouse import StageTable, read_stage, table_path, write_stage  # noqa: E402

SHOWN = ("oos_precision", "oos_recall", "oos_f1", "oos_f1_visible", "sku_accuracy_in_slot", "facing_compliance_mae")


def place_again(root: Path, scratch: Path) -> None:
    """Write `scratch` as `root` would be had its detections been placed and scored by the current code."""
    (scratch / "truth").symlink_to((root / "truth").resolve())
    master = load_master_data(root / "master")
    warehouse = root / "warehouse"
    for detections_file in sorted((warehouse / "detections").glob("*/*.parquet")):
        date, store_id = detections_file.parent.name, detections_file.stem
        detections = read_stage(warehouse, "detections", date, store_id)
        normalized = read_stage(warehouse, "normalized_images", date, store_id)
        rows = detections.rows if isinstance(detections, StageTable) else detections
        rejected = detections.rejected if isinstance(detections, StageTable) else rows.head(0).assign(uri="")
        processed = processed_photos(normalized.rows if isinstance(normalized, StageTable) else normalized, rejected)
        placed, slots = place_store_day(rows, processed, master)
        version = ", ".join(sorted(set(rows.model_version.astype(str)))) if len(rows) else ""
        for table, frame in (("detections", rows), ("sku_placements", placed), ("slot_status", slots),
                             ("bay_scores", score_bays(processed, slots, placed, version))):
            write_stage(scratch / "warehouse", table, date, store_id, frame)
        dead = table_path(warehouse, "dead_letter", date, store_id)
        if dead.exists():
            write_stage(scratch / "warehouse", "dead_letter", date, store_id, pd.read_parquet(dead))


def main() -> int:
    roots = [Path(argument) for argument in sys.argv[1:]]
    if not roots:
        print(__doc__)
        return 2
    print(f"{'chain':<28}" + "".join(f"{name:>24}" for name in SHOWN))
    for root in roots:
        with tempfile.TemporaryDirectory() as scratch:
            place_again(root, Path(scratch))
            before, after = evaluate(root), evaluate(Path(scratch))
        cells = "".join(f"{getattr(before, name):>11.3f} → {getattr(after, name):<10.3f}" for name in SHOWN)
        print(f"{str(root)[-28:]:<28}{cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
