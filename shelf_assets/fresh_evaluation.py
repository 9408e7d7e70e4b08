"""The learned and the classical path side by side, on a chain nobody has seen: a new seed draws a new catalog,
new planograms, stores and photos, rendered at each difficulty asked for and audited once per path through
Dagster, exactly as `shelf-audit audit` does.

Each path gets its own copy of the chain (same photos, same truth), so the two warehouses never mix.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from shelf_assets.runner import AuditError, dagster_instance, run_audit
from shelf_assets.scoring.evaluation import EvaluationReport, evaluate
from shelf_assets.settings import DataRoot
from shelf_assets.simulation.chain import SIMULATED_MARKER, simulate_chain
from shelf_assets.warehouse import read_table

ROUTES = ("learned", "classical")
FRESH_SEEDS = (1_000, 9_999)
"""Fresh chains draw their seed here: above the demo's and below every training (10 000+) and validation
(900 000+) catalog seed."""
METRICS = (
    ("detection AP50", "ap50"),
    ("SKU top-1 (matched boxes)", "sku_accuracy"),
    ("unknown-product recall", "unknown_recall"),
    ("SKU top-1 in its slot (planogram settles close calls)", "sku_accuracy_in_slot"),
    ("unknown-product recall in its slot", "unknown_recall_in_slot"),
    ("out-of-stock precision", "oos_precision"),
    ("out-of-stock recall", "oos_recall"),
    ("out-of-stock F1", "oos_f1"),
    ("out-of-stock F1, slots in sight", "oos_f1_visible"),
    ("out-of-stock F1 if right on every slot in sight", "oos_f1_perfect_in_sight"),
    ("facing-compliance MAE", "facing_compliance_mae"),
)


@dataclass(frozen=True)
class PathResult:
    difficulty: str
    route: str
    report: EvaluationReport
    ms_per_photo: float
    learned_share: float


def evaluate_fresh(out: Path, seed: int, difficulties: Sequence[str], stores: int, days: int,
                   progress: Callable[[str], None] = print) -> list[PathResult]:
    results = []
    for difficulty in difficulties:
        chain = Path(out) / difficulty
        roots = {route: chain / route for route in ROUTES}
        progress(f"rendering a {difficulty} chain (seed {seed}, {stores} store(s) × {days} day(s)) …")
        simulate_chain(roots["learned"], stores=stores, days=days, seed=seed, difficulty=difficulty)
        _copy_chain(roots["learned"], roots["classical"])
        for route, root in roots.items():
            data = DataRoot.at(root, detector_route=route)
            progress(f"auditing it on the {route} path …")
            with dagster_instance(data) as instance:
                outcome = run_audit(data, instance, progress=lambda line: progress(f"  {line}"))
            if outcome.failed:
                raise AuditError(f"the {route} audit of the {difficulty} chain failed: {outcome.failed[0][1]}")
            detections = read_table(data.warehouse, "detections")
            photos = len(read_table(data.warehouse, "bay_scores"))
            learned_share = float((detections.detector == "learned").mean()) if len(detections) else math.nan
            results.append(PathResult(difficulty, route, evaluate(root),
                                      1000 * outcome.seconds / max(1, photos), learned_share))
    return results


def _copy_chain(source: Path, target: Path) -> None:
    """The same chain for the other path: master data, photos and truth, none of the first path's outputs."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for folder in ("master", "bucket", "truth"):
        shutil.copytree(source / folder, target / folder)
    shutil.copy2(source / SIMULATED_MARKER, target / SIMULATED_MARKER)


def format_side_by_side(results: Sequence[PathResult]) -> str:
    columns = [f"{result.difficulty} {result.route}" for result in results]
    width = max(12, *(len(column) for column in columns))
    label_width = max(len(label) for label, _ in METRICS) + 2
    lines = ["".ljust(label_width) + "".join(column.rjust(width + 2) for column in columns)]
    for label, name in METRICS:
        values = [getattr(result.report, name) for result in results]
        lines.append(label.ljust(label_width) + "".join(_cell(value, width) for value in values))
    lines.append("audit seconds per photo".ljust(label_width)
                 + "".join(_cell(result.ms_per_photo / 1000, width) for result in results))
    lines.append("facings by learned detector".ljust(label_width)
                 + "".join(_cell(result.learned_share, width) for result in results))
    lines.append("slots not seen (hidden): all, truly empty".ljust(label_width)
                 + "".join(f"{result.report.hidden_slots}, {result.report.hidden_slots_empty}".rjust(width + 2)
                           for result in results))
    first = results[0].report if results else None
    if first is not None:
        lines.append(f"\n{first.bays_in_truth} bay photos and {first.truth_products} products in truth per chain; "
                     "audit seconds include decoding, normalising, placing and scoring.")
    return "\n".join(lines)


def _cell(value: float, width: int) -> str:
    return ("n/a" if value is None or math.isnan(value) else f"{value:.3f}").rjust(width + 2)
