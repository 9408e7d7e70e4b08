"""Compare what the pipeline wrote to the warehouse with the simulator's truth files (DESIGN §4).

Every bay photo that has a truth file counts, whether the pipeline scored it, dead-lettered it or
lost it: a bay without predictions contributes missed boxes and unflagged out-of-stock slots, so a
pipeline cannot look better by dropping hard photos. Only `facing_compliance_mae` is restricted to
scored bays, since there is no prediction to take the difference of otherwise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from shelf_assets.scoring.metrics import bay_metrics, slot_statuses
from shelf_assets.scoring.types import SlotStatus

IOU_THRESHOLD = 0.5
OCCLUSION_LIMIT = 0.5
"""Truth products hidden this much or more are left out of `ap50_visible`, and truth slots whose face is hidden this
much or more are left out of the `_visible` out-of-stock scores."""

BayKey = tuple[str, str, str]

_TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "detections": ("store_id", "date", "bay_id", "x0", "y0", "x1", "y1", "sku_id", "confidence"),
    "sku_placements": ("store_id", "date", "bay_id", "x0", "y0", "x1", "y1", "sku_id", "confidence"),
    "bay_scores": ("store_id", "date", "bay_id", "facing_compliance"),
    "slot_status": ("store_id", "date", "bay_id", "shelf", "position", "sku_id", "facings", "present", "hidden"),
    "dead_letter": ("store_id", "date", "bay_id"),
}


class EvaluationError(ValueError):
    """A truth file or a warehouse table does not follow its contract."""


@dataclass(frozen=True)
class EvaluationReport:
    """Scores over every bay photo with a truth file; NaN where a score has nothing to measure.

    `sku_accuracy` and `unknown_recall` judge the matcher's own answers (`detections`); the `_in_slot` pair judges
    the SKUs the facings count as once the planogram has settled the matcher's close calls (`sku_placements`).
    `hidden_slots` were seen neither stocked nor empty (something stood in front of them), so they are not flagged
    out of stock; `hidden_slots_empty` of them truly were: the price of the benefit of the doubt.
    The `_visible` out-of-stock scores leave out the slots whose face the truth says was mostly out of sight (behind
    an occluder, under washed-out glare or outside the frame): a gap there is one no photo could show.
    `oos_f1_perfect_in_sight` is the out-of-stock F1 of an audit right on every slot in sight that flags none out
    of sight, as the benefit of the doubt asks: where many empty slots are out of sight, `oos_f1` falls short of a
    target however well the slots in sight are audited. It is no hard ceiling (a slot more than half hidden may
    still show enough bare shelf to be seen empty), but flagging hidden slots as a rule lowers F1
    (`benchmarks/benefit_of_the_doubt.py`).
    """

    ap50: float
    ap50_visible: float
    sku_accuracy: float
    unknown_recall: float
    sku_accuracy_in_slot: float
    unknown_recall_in_slot: float
    oos_precision: float
    oos_recall: float
    oos_f1: float
    oos_precision_visible: float
    oos_recall_visible: float
    oos_f1_visible: float
    oos_f1_perfect_in_sight: float
    facing_compliance_mae: float
    bays_in_truth: int
    bays_scored: int
    bays_dead_lettered: int
    bays_missing: int
    truth_products: int
    detections: int
    hidden_slots: int
    hidden_slots_empty: int
    by_fixture_type: dict[str, EvaluationReport] = field(default_factory=dict)


@dataclass(frozen=True)
class _TruthBay:
    key: BayKey
    fixture_type: str
    boxes: np.ndarray
    sku_ids: tuple[str, ...]
    in_catalog: np.ndarray
    occluded: np.ndarray
    slots: tuple[SlotStatus, ...]
    slot_hidden: np.ndarray
    """Per slot, the share of its face nobody could see (0 where an older truth file does not say)."""


@dataclass(frozen=True)
class _IdentityHits:
    catalog_matched: int
    catalog_correct: int
    unknown_matched: int
    unknown_correct: int


@dataclass(frozen=True)
class _GapCounts:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    def __add__(self, other: _GapCounts) -> _GapCounts:
        return _GapCounts(self.true_positive + other.true_positive, self.false_positive + other.false_positive,
                          self.false_negative + other.false_negative)

    def scores(self) -> tuple[float, float, float]:
        """(precision, recall, F1), NaN where there is nothing to measure."""
        tp, fp, fn = self.true_positive, self.false_positive, self.false_negative
        precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        if math.isnan(precision) or math.isnan(recall):
            return precision, recall, math.nan
        return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@dataclass(frozen=True)
class _BayOutcome:
    """Everything one bay adds to the report, kept separate so that subsets can be summed."""

    fixture_type: str
    status: str
    ranked_all: list[tuple[float, bool]]
    ranked_visible: list[tuple[float, bool]]
    positives_all: int
    positives_visible: int
    identities: _IdentityHits
    identities_in_slot: _IdentityHits
    gaps: _GapCounts
    gaps_visible: _GapCounts
    gaps_perfect_in_sight: _GapCounts
    """Truly empty slots as an audit right on every slot in sight would count them: found in sight, missed out of
    sight."""
    hidden_slots: int
    hidden_slots_empty: int
    compliance_error: float | None
    truth_products: int
    detections: int


def evaluate(root: Path) -> EvaluationReport:
    """Score the warehouse under `root` against the truth files under `root/truth`."""
    root = Path(root)
    truth = _read_truth(root / "truth")
    tables = {name: _read_table(root / "warehouse", name) for name in _TABLE_COLUMNS}
    scored = _predicted_compliance(tables["bay_scores"])
    dead = set(_keys(tables["dead_letter"]))
    detections = group_by_bay(tables["detections"])
    placements = group_by_bay(tables["sku_placements"])
    slots = group_by_bay(tables["slot_status"])

    outcomes = []
    for bay in truth:
        if bay.key in scored:
            status = "scored"
        elif bay.key in dead:
            status = "dead_lettered"
        else:
            status = "missing"
        outcomes.append(
            _bay_outcome(bay, status, detections.get(bay.key), placements.get(bay.key), slots.get(bay.key),
                         scored.get(bay.key))
        )
    overall = _summarise(outcomes)
    fixture_types = sorted({o.fixture_type for o in outcomes})
    breakdown = {f: _summarise([o for o in outcomes if o.fixture_type == f]) for f in fixture_types}
    return replace(overall, by_fixture_type=breakdown)


def format_report(report: EvaluationReport) -> str:
    """A fixed-width table: one line per metric, one column for all bays and one per fixture type."""
    columns = [("all", report), *report.by_fixture_type.items()]
    metric_names = [
        "ap50", "ap50_visible", "sku_accuracy", "unknown_recall", "sku_accuracy_in_slot", "unknown_recall_in_slot",
        "oos_precision", "oos_recall", "oos_f1", "oos_precision_visible", "oos_recall_visible", "oos_f1_visible",
        "oos_f1_perfect_in_sight", "facing_compliance_mae",
    ]
    count_names = ["bays_in_truth", "bays_scored", "bays_dead_lettered", "bays_missing", "truth_products", "detections",
                   "hidden_slots", "hidden_slots_empty"]
    label_width = max(len(n) for n in metric_names + count_names)
    column_width = max(10, *(len(name) for name, _ in columns))
    lines = [f"{'metric':<{label_width}}  " + "  ".join(f"{name:>{column_width}}" for name, _ in columns)]
    lines.append("-" * len(lines[0]))
    for name in metric_names:
        cells = ("n/a" if math.isnan(v) else f"{v:.4f}" for v in (getattr(r, name) for _, r in columns))
        lines.append(f"{name:<{label_width}}  " + "  ".join(f"{c:>{column_width}}" for c in cells))
    lines.append("-" * len(lines[0]))
    for name in count_names:
        cells = (str(getattr(r, name)) for _, r in columns)
        lines.append(f"{name:<{label_width}}  " + "  ".join(f"{c:>{column_width}}" for c in cells))
    return "\n".join(lines)


def _read_truth(folder: Path) -> list[_TruthBay]:
    bays = []
    for path in sorted(folder.glob("*/*/*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            bays.append(_parse_truth(document, path))
        except EvaluationError:
            raise
        except (KeyError, TypeError, ValueError) as error:
            raise EvaluationError(f"truth file {path} is malformed: {error!r}") from error
    return bays


def _parse_truth(document: dict, path: Path) -> _TruthBay:
    key = (str(document["store_id"]), str(document["date"]), str(document["bay_id"]))
    expected = (path.parent.parent.name, path.parent.name, path.stem)
    if key != expected:
        raise EvaluationError(f"truth file {path} describes {key}, but its path says {expected}")
    products = document["products"]
    boxes = np.array([[float(v) for v in p["box"]] for p in products], dtype=float).reshape(-1, 4)
    if len(boxes) and not ((boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])).all():
        raise EvaluationError(f"truth file {path} holds a box with x1 <= x0 or y1 <= y0")
    slots = tuple(
        SlotStatus(int(s["shelf"]), int(s["position"]), str(s["sku_id"]), int(s["facings"]), int(s["present"]))
        for s in document["slots"]
    )
    slot_hidden = np.array([float(s.get("hidden", 0.0)) for s in document["slots"]], dtype=float)
    return _TruthBay(
        key=key,
        fixture_type=str(document["fixture_type"]),
        boxes=boxes,
        sku_ids=tuple(str(p["sku_id"]) for p in products),
        in_catalog=np.array([bool(p["in_catalog"]) for p in products], dtype=bool),
        occluded=np.array([float(p.get("occluded", 0.0)) for p in products], dtype=float),
        slots=slots,
        slot_hidden=slot_hidden,
    )


def _read_table(warehouse: Path, name: str) -> pd.DataFrame:
    required = _TABLE_COLUMNS[name]
    frames = []
    for path in sorted((warehouse / name).glob("*/*.parquet")):
        frame = pd.read_parquet(path)
        missing = [c for c in required if c not in frame.columns]
        if missing and len(frame):
            raise EvaluationError(f"warehouse file {path} lacks columns {missing}")
        if len(frame):
            frames.append(frame)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in required})
    table = pd.concat(frames, ignore_index=True)
    for column in ("store_id", "bay_id"):
        table[column] = table[column].astype(str)
    table["date"] = _iso_dates(table["date"])
    return table


def _iso_dates(dates: pd.Series) -> pd.Series:
    """The contract stores ISO strings; tolerate a writer that stored real dates."""
    if pd.api.types.is_datetime64_any_dtype(dates):
        return dates.dt.strftime("%Y-%m-%d")
    return dates.map(lambda d: d.isoformat()[:10] if hasattr(d, "isoformat") else str(d))


def _keys(table: pd.DataFrame) -> Iterable[BayKey]:
    return zip(table["store_id"], table["date"], table["bay_id"], strict=True)


def group_by_bay(table: pd.DataFrame) -> dict[BayKey, pd.DataFrame]:
    """A warehouse table's rows by (store, date, bay), the key a truth file names, so a bay is found once."""
    if table.empty:
        return {}
    return {key: group for key, group in table.groupby(["store_id", "date", "bay_id"], sort=False)}


def _predicted_compliance(bay_scores: pd.DataFrame) -> dict[BayKey, float]:
    values = pd.to_numeric(bay_scores["facing_compliance"], errors="coerce").astype(float)
    return {key: float(v) for key, v in zip(_keys(bay_scores), values, strict=True)}


def _bay_outcome(
    bay: _TruthBay,
    status: str,
    detections: pd.DataFrame | None,
    placements: pd.DataFrame | None,
    slot_status: pd.DataFrame | None,
    predicted_compliance: float | None,
) -> _BayOutcome:
    det_boxes, det_conf, det_sku = _boxes_of(detections)
    iou = box_iou(det_boxes, bay.boxes)
    nobody_ignored = np.zeros(len(bay.boxes), dtype=bool)
    occluded = bay.occluded >= OCCLUSION_LIMIT
    truth_of_detection, ranked_all = match_detections(iou, det_conf, nobody_ignored)
    _, ranked_visible = match_detections(iou, det_conf, occluded)
    placed_boxes, placed_conf, placed_sku = _boxes_of(placements)
    truth_of_placement, _ = match_detections(box_iou(placed_boxes, bay.boxes), placed_conf, nobody_ignored)

    predicted_slots = slot_statuses(slot_status) if slot_status is not None else []
    flagged_slots = {(slot.shelf, slot.position) for slot in predicted_slots if slot.out_of_stock}
    unseen_slots = {(slot.shelf, slot.position) for slot in predicted_slots if slot.unseen}
    gaps = gaps_visible = gaps_perfect_in_sight = _GapCounts()
    for slot, hidden_share in zip(bay.slots, bay.slot_hidden, strict=True):
        truly_out = slot.out_of_stock
        flagged = (slot.shelf, slot.position) in flagged_slots
        counts = _GapCounts(int(truly_out and flagged), int(flagged and not truly_out), int(truly_out and not flagged))
        gaps += counts
        in_sight = hidden_share < OCCLUSION_LIMIT
        if in_sight:
            gaps_visible += counts
        gaps_perfect_in_sight += _GapCounts(int(truly_out and in_sight), 0, int(truly_out and not in_sight))

    error = None
    if status == "scored" and predicted_compliance is not None and not math.isnan(predicted_compliance):
        truth_compliance = bay_metrics(bay.slots, misplaced_facings=0).facing_compliance
        if not math.isnan(truth_compliance):
            error = abs(predicted_compliance - truth_compliance)

    return _BayOutcome(
        fixture_type=bay.fixture_type,
        status=status,
        ranked_all=ranked_all,
        ranked_visible=ranked_visible,
        positives_all=len(bay.boxes),
        positives_visible=int((~occluded).sum()),
        identities=_identity_hits(bay, truth_of_detection, det_sku),
        identities_in_slot=_identity_hits(bay, truth_of_placement, placed_sku),
        gaps=gaps,
        gaps_visible=gaps_visible,
        gaps_perfect_in_sight=gaps_perfect_in_sight,
        hidden_slots=len(unseen_slots),
        hidden_slots_empty=sum(slot.out_of_stock and (slot.shelf, slot.position) in unseen_slots
                               for slot in bay.slots),
        compliance_error=error,
        truth_products=len(bay.boxes),
        detections=len(det_boxes),
    )


def _boxes_of(table: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    if table is None or table.empty:
        return np.zeros((0, 4)), np.zeros(0), []
    skus = ["" if pd.isna(s) else str(s) for s in table["sku_id"]]
    return table[["x0", "y0", "x1", "y1"]].to_numpy(dtype=float), table["confidence"].to_numpy(dtype=float), skus


def _identity_hits(bay: _TruthBay, truth_of_box: list[int], skus: list[str]) -> _IdentityHits:
    catalog_matched = catalog_correct = unknown_matched = unknown_correct = 0
    for d, t in enumerate(truth_of_box):
        if t < 0:
            continue
        if bay.in_catalog[t]:
            catalog_matched += 1
            catalog_correct += int(skus[d] == bay.sku_ids[t])
        else:
            unknown_matched += 1
            unknown_correct += int(skus[d] == "")
    return _IdentityHits(catalog_matched, catalog_correct, unknown_matched, unknown_correct)


def _identity_ratios(hits: list[_IdentityHits]) -> tuple[float, float]:
    """(SKU accuracy on catalog products, share of foreign products called unknown)."""
    return (_ratio(sum(h.catalog_correct for h in hits), sum(h.catalog_matched for h in hits)),
            _ratio(sum(h.unknown_correct for h in hits), sum(h.unknown_matched for h in hits)))


def box_iou(detections: np.ndarray, truth: np.ndarray) -> np.ndarray:
    if len(detections) == 0 or len(truth) == 0:
        return np.zeros((len(detections), len(truth)))
    d = detections[:, None, :]
    t = truth[None, :, :]
    width = np.clip(np.minimum(d[..., 2], t[..., 2]) - np.maximum(d[..., 0], t[..., 0]), 0, None)
    height = np.clip(np.minimum(d[..., 3], t[..., 3]) - np.maximum(d[..., 1], t[..., 1]), 0, None)
    intersection = width * height
    area_d = np.clip(d[..., 2] - d[..., 0], 0, None) * np.clip(d[..., 3] - d[..., 1], 0, None)
    area_t = (t[..., 2] - t[..., 0]) * (t[..., 3] - t[..., 1])
    union = area_d + area_t - intersection
    return np.where(union > 0, intersection / np.where(union > 0, union, 1.0), 0.0)


def match_detections(
    iou: np.ndarray, confidence: np.ndarray, ignored: np.ndarray
) -> tuple[list[int], list[tuple[float, bool]]]:
    """Greedy one-to-one matching, most confident detection first.

    Returns the truth index of each detection (-1 when unmatched) and the (confidence, is_true_positive)
    pairs that enter the precision-recall curve. A detection that only overlaps ignored truth is left
    out of the curve rather than counted as a false positive: it found a real product.
    """
    n_detections, n_truth = iou.shape
    truth_of_detection = [-1] * n_detections
    taken = np.zeros(n_truth, dtype=bool)
    ranked: list[tuple[float, bool]] = []
    for d in np.argsort(-confidence, kind="stable"):
        overlaps = iou[d] if n_truth else np.zeros(0)
        candidates = np.where((overlaps >= IOU_THRESHOLD) & ~taken & ~ignored, overlaps, -1.0)
        if n_truth and candidates.max() >= IOU_THRESHOLD:
            t = int(np.argmax(candidates))
            taken[t] = True
            truth_of_detection[d] = t
            ranked.append((float(confidence[d]), True))
        elif n_truth and ((overlaps >= IOU_THRESHOLD) & ignored).any():
            continue
        else:
            ranked.append((float(confidence[d]), False))
    return truth_of_detection, ranked


def average_precision(ranked: list[tuple[float, bool]], positives: int) -> float:
    """All-point interpolated AP: area under the precision envelope of the ranked detections."""
    if positives == 0:
        return math.nan
    if not ranked:
        return 0.0
    order = sorted(range(len(ranked)), key=lambda i: -ranked[i][0])
    hits = np.array([ranked[i][1] for i in order], dtype=float)
    true_positives = np.cumsum(hits)
    precision = true_positives / np.arange(1, len(hits) + 1)
    recall = true_positives / positives
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    recall_steps = np.diff(np.concatenate([[0.0], recall]))
    return float((recall_steps * envelope).sum())


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else math.nan


def _summarise(outcomes: list[_BayOutcome]) -> EvaluationReport:
    precision, recall, f1 = sum((o.gaps for o in outcomes), _GapCounts()).scores()
    precision_visible, recall_visible, f1_visible = sum((o.gaps_visible for o in outcomes), _GapCounts()).scores()
    _, _, f1_perfect_in_sight = sum((o.gaps_perfect_in_sight for o in outcomes), _GapCounts()).scores()
    errors = [o.compliance_error for o in outcomes if o.compliance_error is not None]
    sku_accuracy, unknown_recall = _identity_ratios([o.identities for o in outcomes])
    sku_accuracy_in_slot, unknown_recall_in_slot = _identity_ratios([o.identities_in_slot for o in outcomes])
    return EvaluationReport(
        ap50=average_precision([r for o in outcomes for r in o.ranked_all], sum(o.positives_all for o in outcomes)),
        ap50_visible=average_precision(
            [r for o in outcomes for r in o.ranked_visible], sum(o.positives_visible for o in outcomes)
        ),
        sku_accuracy=sku_accuracy,
        unknown_recall=unknown_recall,
        sku_accuracy_in_slot=sku_accuracy_in_slot,
        unknown_recall_in_slot=unknown_recall_in_slot,
        oos_precision=precision,
        oos_recall=recall,
        oos_f1=f1,
        oos_precision_visible=precision_visible,
        oos_recall_visible=recall_visible,
        oos_f1_visible=f1_visible,
        oos_f1_perfect_in_sight=f1_perfect_in_sight,
        facing_compliance_mae=float(np.mean(errors)) if errors else math.nan,
        bays_in_truth=len(outcomes),
        bays_scored=sum(o.status == "scored" for o in outcomes),
        bays_dead_lettered=sum(o.status == "dead_lettered" for o in outcomes),
        bays_missing=sum(o.status == "missing" for o in outcomes),
        truth_products=sum(o.truth_products for o in outcomes),
        detections=sum(o.detections for o in outcomes),
        hidden_slots=sum(o.hidden_slots for o in outcomes),
        hidden_slots_empty=sum(o.hidden_slots_empty for o in outcomes),
    )
