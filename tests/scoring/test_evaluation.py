from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from shelf_assets.scoring.evaluation import EvaluationError, evaluate, format_report

DATE = "2026-11-02"
STORE = "store-001"


def product(x0, sku, shelf, position, in_catalog=True, occluded=0.0):
    return {"box": [x0, 100, x0 + 80, 300], "sku_id": sku, "in_catalog": in_catalog,
            "shelf": shelf, "position": position, "occluded": occluded}


GONDOLA = {
    "bay_id": "bay-01", "planogram_id": "PG-1", "fixture_type": "gondola",
    "products": [
        product(0, "SKU-1", 1, 1), product(100, "SKU-1", 1, 1), product(200, "SKU-2", 1, 2),
        product(400, "X-0001", 1, 3, in_catalog=False),
    ],
    "slots": [
        {"shelf": 1, "position": 1, "sku_id": "SKU-1", "facings": 2, "present": 2},
        {"shelf": 1, "position": 2, "sku_id": "SKU-2", "facings": 2, "present": 1},
        {"shelf": 1, "position": 3, "sku_id": "SKU-3", "facings": 2, "present": 0},
    ],
}
FREEZER = {
    "bay_id": "bay-02", "planogram_id": "PG-2", "fixture_type": "freezer",
    "products": [product(0, "SKU-4", 1, 1), product(100, "SKU-5", 1, 2), product(200, "SKU-5", 1, 2, occluded=0.7)],
    "slots": [
        {"shelf": 1, "position": 1, "sku_id": "SKU-4", "facings": 1, "present": 1},
        {"shelf": 1, "position": 2, "sku_id": "SKU-5", "facings": 2, "present": 2},
        {"shelf": 1, "position": 3, "sku_id": "SKU-6", "facings": 1, "present": 0},
    ],
}


def write_truth(root: Path, bay: dict) -> None:
    folder = root / "truth" / STORE / DATE
    folder.mkdir(parents=True, exist_ok=True)
    document = {"store_id": STORE, "date": DATE, "image_size": [1000, 800], "exif_orientation": 1,
                "photo": f"bucket/{STORE}/{DATE}/{bay['bay_id']}.jpg", **bay}
    (folder / f"{bay['bay_id']}.json").write_text(json.dumps(document), encoding="utf-8")


def write_table(root: Path, table: str, rows: list[dict]) -> None:
    folder = root / "warehouse" / table / DATE
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(folder / f"{STORE}.parquet")


def perfect_detections(bay: dict) -> list[dict]:
    rows = []
    for k, p in enumerate(bay["products"]):
        x0, y0, x1, y1 = p["box"]
        rows.append({"store_id": STORE, "date": DATE, "bay_id": bay["bay_id"], "x0": x0, "y0": y0, "x1": x1, "y1": y1,
                     "sku_id": p["sku_id"] if p["in_catalog"] else "", "confidence": 0.9 - 0.01 * k,
                     "detector": "test"})
    return rows


def truth_compliance(bay: dict) -> float:
    slots = bay["slots"]
    return sum(min(s["present"], s["facings"]) for s in slots) / sum(s["facings"] for s in slots)


def write_perfect_warehouse(root: Path, bays: list[dict]) -> None:
    write_table(root, "detections", [d for bay in bays for d in perfect_detections(bay)])
    write_table(root, "slot_status", [{"store_id": STORE, "date": DATE, "bay_id": bay["bay_id"], "hidden": 0, **s}
                                      for bay in bays for s in bay["slots"]])
    write_table(root, "bay_scores", [{"store_id": STORE, "date": DATE, "bay_id": bay["bay_id"],
                                      "planogram_id": bay["planogram_id"], "fixture_type": bay["fixture_type"],
                                      "facing_compliance": truth_compliance(bay), "osa": 1.0, "oos_slots": 0,
                                      "misplaced_facings": 0, "model_version": "test"} for bay in bays])


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    for bay in (GONDOLA, FREEZER):
        write_truth(tmp_path, bay)
    return tmp_path


def test_perfect_predictions_score_perfectly(chain):
    write_perfect_warehouse(chain, [GONDOLA, FREEZER])
    report = evaluate(chain)
    assert report.ap50 == pytest.approx(1.0) and report.ap50_visible == pytest.approx(1.0)
    assert report.sku_accuracy == 1.0 and report.unknown_recall == 1.0
    assert (report.oos_precision, report.oos_recall, report.oos_f1) == (1.0, 1.0, 1.0)
    assert report.facing_compliance_mae == pytest.approx(0.0)
    assert (report.bays_in_truth, report.bays_scored, report.bays_dead_lettered, report.bays_missing) == (2, 2, 0, 0)
    assert (report.truth_products, report.detections) == (7, 7)
    assert set(report.by_fixture_type) == {"gondola", "freezer"}
    assert report.by_fixture_type["freezer"].truth_products == 3


def test_missed_box_lowers_recall_part_of_ap(chain):
    write_perfect_warehouse(chain, [GONDOLA, FREEZER])
    detections = [d for d in perfect_detections(GONDOLA) + perfect_detections(FREEZER)
                  if not (d["bay_id"] == "bay-01" and d["x0"] == 100)]
    write_table(chain, "detections", detections)
    report = evaluate(chain)
    assert report.ap50 == pytest.approx(6 / 7)
    assert report.ap50_visible == pytest.approx(5 / 6)
    assert report.by_fixture_type["gondola"].ap50 == pytest.approx(3 / 4)
    assert report.by_fixture_type["freezer"].ap50 == pytest.approx(1.0)


def test_confident_false_positive_lowers_precision_part_of_ap(chain):
    write_perfect_warehouse(chain, [GONDOLA, FREEZER])
    spurious = {**perfect_detections(FREEZER)[0], "x0": 600, "x1": 680, "confidence": 0.99}
    write_table(chain, "detections", perfect_detections(GONDOLA) + perfect_detections(FREEZER) + [spurious])
    report = evaluate(chain)
    assert report.ap50 == pytest.approx(7 / 8)
    assert report.detections == 8


def test_occluded_products_only_count_against_ap50(chain):
    write_perfect_warehouse(chain, [GONDOLA, FREEZER])
    without_occluded = [d for d in perfect_detections(GONDOLA) + perfect_detections(FREEZER)
                        if not (d["bay_id"] == "bay-02" and d["x0"] == 200)]
    write_table(chain, "detections", without_occluded)
    report = evaluate(chain)
    assert report.ap50 == pytest.approx(6 / 7)
    assert report.ap50_visible == pytest.approx(1.0)


def test_wrong_sku_and_missed_unknown_are_counted_separately(chain):
    write_perfect_warehouse(chain, [GONDOLA, FREEZER])
    detections = perfect_detections(GONDOLA) + perfect_detections(FREEZER)
    detections[2]["sku_id"] = "SKU-9"
    detections[3]["sku_id"] = "SKU-3"
    write_table(chain, "detections", detections)
    report = evaluate(chain)
    assert report.sku_accuracy == pytest.approx(5 / 6)
    assert report.unknown_recall == pytest.approx(0.0)
    assert report.ap50 == pytest.approx(1.0)


def test_skus_settled_in_their_slots_are_scored_beside_the_matchers_own(chain):
    write_perfect_warehouse(chain, [GONDOLA, FREEZER])
    seen = perfect_detections(GONDOLA) + perfect_detections(FREEZER)
    seen[0]["sku_id"], seen[1]["sku_id"] = "SKU-9", ""
    write_table(chain, "detections", seen)
    settled = perfect_detections(GONDOLA) + perfect_detections(FREEZER)
    settled[3]["sku_id"] = "SKU-1"
    write_table(chain, "sku_placements", settled)
    report = evaluate(chain)
    assert (report.sku_accuracy, report.unknown_recall) == (pytest.approx(4 / 6), 1.0)
    assert (report.sku_accuracy_in_slot, report.unknown_recall_in_slot) == (1.0, 0.0)


def test_a_warehouse_without_placements_has_no_in_slot_scores(chain):
    write_perfect_warehouse(chain, [GONDOLA, FREEZER])
    report = evaluate(chain)
    assert report.sku_accuracy == 1.0
    assert math.isnan(report.sku_accuracy_in_slot) and math.isnan(report.unknown_recall_in_slot)


def test_false_oos_and_compliance_error(chain):
    write_perfect_warehouse(chain, [GONDOLA, FREEZER])
    slots = [{"store_id": STORE, "date": DATE, "bay_id": bay["bay_id"], "hidden": 0, **s}
             for bay in (GONDOLA, FREEZER) for s in bay["slots"]]
    slots[0]["present"] = 0
    write_table(chain, "slot_status", slots)
    scores = pd.read_parquet(chain / "warehouse" / "bay_scores" / DATE / f"{STORE}.parquet")
    scores.loc[scores["bay_id"] == "bay-01", "facing_compliance"] = truth_compliance(GONDOLA) - 0.3
    write_table(chain, "bay_scores", scores.to_dict("records"))
    report = evaluate(chain)
    assert report.oos_precision == pytest.approx(2 / 3)
    assert report.oos_recall == pytest.approx(1.0)
    assert report.oos_f1 == pytest.approx(0.8)
    assert report.facing_compliance_mae == pytest.approx(0.15)
    assert report.by_fixture_type["gondola"].facing_compliance_mae == pytest.approx(0.3)


def test_a_slot_seen_empty_is_a_gap_but_a_hidden_one_is_not(chain):
    write_perfect_warehouse(chain, [GONDOLA, FREEZER])
    slots = [{"store_id": STORE, "date": DATE, "bay_id": bay["bay_id"], "hidden": 0, **s}
             for bay in (GONDOLA, FREEZER) for s in bay["slots"]]
    slots[0].update(present=0, hidden=2)
    slots[1].update(present=0, hidden=0)
    slots[2].update(hidden=1)
    write_table(chain, "slot_status", slots)
    report = evaluate(chain)
    assert report.oos_precision == pytest.approx(1 / 2)
    assert report.oos_recall == pytest.approx(1 / 2)
    assert (report.hidden_slots, report.hidden_slots_empty) == (2, 1)


def test_a_gap_no_photo_could_show_is_left_out_of_the_scores_for_slots_in_sight(tmp_path):
    behind_a_trolley = {**GONDOLA, "slots": [*GONDOLA["slots"][:2], {**GONDOLA["slots"][2], "hidden": 0.8}]}
    for bay in (behind_a_trolley, FREEZER):
        write_truth(tmp_path, bay)
    write_perfect_warehouse(tmp_path, [GONDOLA, FREEZER])
    slots = [{"store_id": STORE, "date": DATE, "bay_id": bay["bay_id"], "hidden": 0, **s}
             for bay in (GONDOLA, FREEZER) for s in bay["slots"]]
    slots[2].update(hidden=1)
    write_table(tmp_path, "slot_status", slots)
    report = evaluate(tmp_path)
    assert (report.oos_precision, report.oos_recall) == (1.0, 0.5)
    assert (report.oos_precision_visible, report.oos_recall_visible, report.oos_f1_visible) == (1.0, 1.0, 1.0)
    assert report.oos_f1_perfect_in_sight == pytest.approx(2 / 3)
    assert math.isnan(report.by_fixture_type["gondola"].oos_recall_visible)


def test_dead_lettered_and_missing_bays_count_as_unpredicted(chain):
    write_truth(chain, {**FREEZER, "bay_id": "bay-03"})
    write_perfect_warehouse(chain, [GONDOLA])
    write_table(chain, "dead_letter", [{"uri": "x", "store_id": STORE, "date": DATE, "bay_id": "bay-02",
                                        "run_id": "r", "stage": "decode", "reason": "truncated JPEG"}])
    report = evaluate(chain)
    assert (report.bays_in_truth, report.bays_scored, report.bays_dead_lettered, report.bays_missing) == (3, 1, 1, 1)
    assert report.ap50 == pytest.approx(4 / 10)
    assert report.oos_recall == pytest.approx(1 / 3)
    assert report.oos_precision == pytest.approx(1.0)
    assert report.facing_compliance_mae == pytest.approx(0.0)


def test_empty_warehouse_scores_zero_without_crashing(chain):
    report = evaluate(chain)
    assert report.ap50 == 0.0 and report.oos_recall == 0.0
    assert math.isnan(report.sku_accuracy) and math.isnan(report.oos_precision)
    assert math.isnan(report.facing_compliance_mae)
    assert (report.bays_missing, report.detections) == (2, 0)


def test_format_report_is_a_fixed_width_table(chain):
    write_perfect_warehouse(chain, [GONDOLA, FREEZER])
    text = format_report(evaluate(chain))
    lines = text.splitlines()
    assert lines[0].split() == ["metric", "all", "freezer", "gondola"]
    assert len({len(line) for line in lines}) == 1
    assert any(line.split() == ["ap50", "1.0000", "1.0000", "1.0000"] for line in lines)
    assert any(line.split() == ["bays_in_truth", "2", "1", "1"] for line in lines)


def test_malformed_truth_file_is_reported_with_its_path(chain):
    (chain / "truth" / STORE / DATE / "bay-09.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(EvaluationError, match="bay-09.json"):
        evaluate(chain)


def test_truth_file_in_the_wrong_folder_is_rejected(chain):
    write_truth(chain, {**GONDOLA, "bay_id": "bay-07"})
    path = chain / "truth" / STORE / DATE / "bay-07.json"
    path.rename(path.with_name("bay-08.json"))
    with pytest.raises(EvaluationError, match="path says"):
        evaluate(chain)
