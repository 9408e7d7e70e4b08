from __future__ import annotations

import math

import pandas as pd
import pytest

from shelf_assets.scoring.metrics import (
    BAY_METRIC_COLUMNS,
    BayMetrics,
    MetricsError,
    bay_metrics,
    share_of_shelf,
    store_day_metrics,
)
from shelf_assets.scoring.types import SlotStatus


def test_bay_metrics_follow_the_definitions():
    slots = [
        SlotStatus(1, 1, "A", 2, 3),
        SlotStatus(1, 2, "B", 3, 1),
        SlotStatus(2, 1, "C", 1, 0),
        SlotStatus(2, 2, "D", 4, 4),
    ]
    metrics = bay_metrics(slots, misplaced_facings=2)
    assert metrics == BayMetrics(
        facing_compliance=pytest.approx((2 + 1 + 0 + 4) / 10),
        osa=pytest.approx(3 / 4),
        oos_slots=1,
        misplaced_facings=2,
        planned_facings=10,
    )


def test_hidden_facings_get_the_benefit_of_the_doubt_and_a_hidden_slot_is_no_gap():
    slots = [
        SlotStatus(1, 1, "A", 3, 1, hidden=1),
        SlotStatus(1, 2, "B", 2, 0, hidden=2),
        SlotStatus(1, 3, "C", 1, 0, hidden=0),
        SlotStatus(1, 4, "D", 2, 2, hidden=1),
    ]
    metrics = bay_metrics(slots, misplaced_facings=0)
    assert metrics.facing_compliance == pytest.approx((2 + 2 + 0 + 2) / 8)
    assert (metrics.oos_slots, metrics.osa, metrics.hidden_facings) == (1, pytest.approx(3 / 4), 3)
    assert [slot.out_of_stock for slot in slots] == [False, False, True, False]


def test_a_slot_seen_mostly_empty_is_a_gap_though_a_facing_of_it_is_hidden():
    slots = [
        SlotStatus(1, 1, "A", 3, 0, hidden=1),
        SlotStatus(1, 2, "B", 2, 0, hidden=1),
        SlotStatus(1, 3, "C", 3, 1, hidden=1),
    ]
    metrics = bay_metrics(slots, misplaced_facings=0)
    assert [slot.out_of_stock for slot in slots] == [True, False, False]
    assert [slot.given_the_doubt for slot in slots] == [0, 1, 1]
    assert metrics.facing_compliance == pytest.approx((0 + 1 + 2) / 8)
    assert (metrics.oos_slots, metrics.hidden_facings) == (1, 2)


def test_bay_without_slots_has_undefined_ratios():
    metrics = bay_metrics([], misplaced_facings=1)
    assert math.isnan(metrics.facing_compliance) and math.isnan(metrics.osa)
    assert (metrics.oos_slots, metrics.misplaced_facings, metrics.planned_facings) == (0, 1, 0)


@pytest.mark.parametrize(
    ("slots", "misplaced", "message"),
    [
        ([SlotStatus(1, 1, "A", 0, 0)], 0, "at least 1 is required"),
        ([SlotStatus(1, 1, "A", 1, -1)], 0, "negative present"),
        ([SlotStatus(1, 1, "A", 1, 0, hidden=-1)], 0, "or hidden -1"),
        ([SlotStatus(1, 1, "A", 1, 1)], -1, "misplaced_facings must be >= 0"),
    ],
)
def test_bay_metrics_reject_impossible_values(slots, misplaced, message):
    with pytest.raises(MetricsError, match=message):
        bay_metrics(slots, misplaced)


def test_store_day_weights_bays_by_planned_facings():
    bays = pd.DataFrame(
        [
            {"facing_compliance": 1.0, "osa": 1.0, "oos_slots": 0, "misplaced_facings": 1, "planned_facings": 30,
             "hidden_facings": 2},
            {"facing_compliance": 0.0, "osa": 0.5, "oos_slots": 4, "misplaced_facings": 2, "planned_facings": 10,
             "hidden_facings": 0},
        ]
    )
    result = store_day_metrics(bays)
    assert result["facing_compliance"] == pytest.approx(0.75)
    assert result["osa"] == pytest.approx((30 * 1.0 + 10 * 0.5) / 40)
    counts = (result["oos_slots"], result["misplaced_facings"], result["planned_facings"], result["hidden_facings"],
              result["bays"])
    assert counts == (4, 3, 40, 2, 2)


def test_store_day_ignores_bays_without_planned_facings_in_ratios():
    bays = pd.DataFrame(
        [
            {"facing_compliance": 0.5, "osa": 0.5, "oos_slots": 1, "misplaced_facings": 0, "planned_facings": 8,
             "hidden_facings": 0},
            {"facing_compliance": math.nan, "osa": math.nan, "oos_slots": 0, "misplaced_facings": 3,
             "planned_facings": 0, "hidden_facings": 0},
        ]
    )
    result = store_day_metrics(bays)
    assert result["facing_compliance"] == pytest.approx(0.5)
    assert result["misplaced_facings"] == 3 and result["bays"] == 2


def test_empty_store_day_gives_nan_scores_and_zero_counts():
    empty = pd.DataFrame(columns=list(BAY_METRIC_COLUMNS))
    result = store_day_metrics(empty)
    assert math.isnan(result["facing_compliance"]) and math.isnan(result["osa"])
    counts = (result["oos_slots"], result["misplaced_facings"], result["planned_facings"], result["bays"])
    assert counts == (0, 0, 0, 0)


def test_store_day_rejects_a_frame_without_metric_columns():
    with pytest.raises(MetricsError, match="lacks columns"):
        store_day_metrics(pd.DataFrame({"facing_compliance": [1.0]}))


def test_share_of_shelf_counts_brands_and_unknown_products():
    catalog = pd.DataFrame({"sku_id": ["S1", "S2", "S3"], "brand": ["Acme", "Acme", "Bolt"]})
    detections = pd.DataFrame({"sku_id": ["S1", "S2", "S3", "", "", "S1", ""]})
    result = share_of_shelf(detections, catalog)
    assert list(result.columns) == ["brand", "facings", "share"]
    assert list(zip(result["brand"], result["facings"])) == [("(not in catalog)", 3), ("Acme", 3), ("Bolt", 1)]
    assert result["share"].tolist() == pytest.approx([3 / 7, 3 / 7, 1 / 7])


def test_share_of_shelf_of_no_detections_is_empty():
    catalog = pd.DataFrame({"sku_id": ["S1"], "brand": ["Acme"]})
    result = share_of_shelf(pd.DataFrame({"sku_id": pd.Series(dtype=str)}), catalog)
    assert result.empty and list(result.columns) == ["brand", "facings", "share"]


def test_share_of_shelf_needs_brand_column():
    with pytest.raises(MetricsError, match="brand"):
        share_of_shelf(pd.DataFrame({"sku_id": ["S1"]}), pd.DataFrame({"sku_id": ["S1"]}))
