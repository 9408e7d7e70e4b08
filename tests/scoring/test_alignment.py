from __future__ import annotations

import zlib
from dataclasses import replace

import numpy as np
import pytest

from shelf_assets.scoring.alignment import AlignmentError, align_bay
from shelf_assets.scoring.types import PlacedProduct, Placement, PlannedSlot, RowSight


def shelf(number: int, *slots: tuple[str, int], width_mm: float = 100.0) -> list[PlannedSlot]:
    return [PlannedSlot(number, i, sku, facings, width_mm) for i, (sku, facings) in enumerate(slots, start=1)]


def products_at(
    row: int, skus: str, bay_mm: float, width_mm: float = 100.0, first_index: int = 0
) -> list[PlacedProduct]:
    """One product per character at the nominal facing centres; '.' leaves the facing empty, '?' is unknown."""
    placed = []
    for k, sku in enumerate(skus):
        if sku == ".":
            continue
        x = (k + 0.5) * width_mm / bay_mm
        placed.append(PlacedProduct(first_index + len(placed), row, x, width_mm / bay_mm, "" if sku == "?" else sku))
    return placed


def present(statuses) -> dict[tuple[int, int], int]:
    return {(s.shelf, s.position): s.present for s in statuses}


def test_complete_shelf_places_every_product_in_its_slot():
    planned = shelf(1, ("A", 2), ("B", 2), ("C", 2))
    products = products_at(1, "AABBCC", 600)
    placements, statuses = align_bay(planned, products, 1)
    assert present(statuses) == {(1, 1): 2, (1, 2): 2, (1, 3): 2}
    assert [p.position for p in placements] == [1, 1, 2, 2, 3, 3]
    assert not any(p.misplaced for p in placements)


def test_empty_slot_in_the_middle_is_out_of_stock():
    planned = shelf(1, ("A", 2), ("B", 2), ("C", 2))
    placements, statuses = align_bay(planned, products_at(1, "AA..CC", 600), 1)
    assert present(statuses) == {(1, 1): 2, (1, 2): 0, (1, 3): 2}
    assert [p.position for p in placements] == [1, 1, 3, 3]


def test_partial_gap_counts_only_the_facings_there():
    planned = shelf(1, ("A", 3), ("B", 2))
    _, statuses = align_bay(planned, products_at(1, "A.ABB", 500), 1)
    assert present(statuses) == {(1, 1): 2, (1, 2): 2}


def test_misplaced_facing_lands_in_the_slot_it_stands_in():
    planned = shelf(1, ("A", 2), ("B", 2))
    placements, statuses = align_bay(planned, products_at(1, "ABBB", 400), 1)
    assert present(statuses) == {(1, 1): 1, (1, 2): 2}
    assert placements[1] == Placement(1, 1, 1, True, "B")
    assert [p.misplaced for p in placements] == [False, True, False, False]


def test_unknown_product_is_misplaced_in_its_slot():
    planned = shelf(1, ("A", 2), ("B", 2))
    placements, statuses = align_bay(planned, products_at(1, "A?BB", 400), 1)
    assert present(statuses) == {(1, 1): 1, (1, 2): 2}
    assert placements[1] == Placement(1, 1, 1, True, "")


def test_an_unrecognised_facing_half_behind_a_trolley_is_hidden_not_a_gap():
    planned = shelf(1, ("A", 2), ("B", 1), ("C", 1))
    products = products_at(1, "AA?C", 400)
    products[2] = PlacedProduct(2, 1, products[2].x_center, products[2].width, "", occluded=0.4,
                                resembled_skus=frozenset({"B", "C"}))
    placements, statuses = align_bay(planned, products, 1)
    assert placements[2] == Placement(2, 1, 2, False, "", hidden=True)
    slot = statuses[1]
    assert (slot.present, slot.hidden, slot.out_of_stock) == (0, 1, False)


@pytest.mark.parametrize(("occluded", "hidden"), [(0.4, False), (0.9, True)],
                         ids=["partly hidden: a foreign product", "mostly hidden: too little left to tell"])
def test_an_unknown_that_resembles_only_another_sku_is_misplaced_unless_mostly_hidden(occluded, hidden):
    planned = shelf(1, ("A", 2), ("B", 1), ("C", 1))
    products = products_at(1, "AA?C", 400)
    products[2] = PlacedProduct(2, 1, products[2].x_center, products[2].width, "", occluded=occluded,
                                resembled_skus=frozenset({"C"}))
    placements, statuses = align_bay(planned, products, 1)
    assert placements[2] == Placement(2, 1, 2, not hidden, "", hidden=hidden)
    assert (statuses[1].hidden, statuses[1].out_of_stock) == (int(hidden), not hidden)


def test_an_empty_facing_where_the_row_is_hidden_is_hidden_but_one_in_plain_view_is_a_gap():
    planned = shelf(1, ("A", 1), ("B", 2), ("C", 1), ("D", 1))
    products = products_at(1, "A.B.D", 500)
    placements, statuses = align_bay(planned, products, 1, sight={1: RowSight(hidden=((0.18, 0.42),))})
    assert [(s.sku_id, s.present, s.hidden, s.out_of_stock) for s in statuses] == [
        ("A", 1, 0, False), ("B", 1, 1, False), ("C", 0, 0, True), ("D", 1, 0, False)]
    assert not any(p.hidden or p.misplaced for p in placements)


@pytest.mark.parametrize(("hidden", "out_of_stock"), [
    (((0.20, 0.43), (0.57, 0.80)), False),
    (((0.20, 0.43), (0.73, 0.80)), True),
], ids=["a dip narrower than a facing", "a stretch in sight wider than a facing"])
def test_hidden_stretches_closer_than_a_facing_hide_the_empty_facings_between_them(hidden, out_of_stock):
    planned = shelf(1, ("A", 1), ("B", 2), ("C", 1))
    _, statuses = align_bay(planned, products_at(1, "A..C", 400), 1, sight={1: RowSight(hidden=hidden)})
    assert (statuses[1].hidden, statuses[1].out_of_stock) == ((0, True) if out_of_stock else (2, False))


@pytest.mark.parametrize(("bare", "filled", "out_of_stock"), [
    (((0.35, 0.65),), (), True),
    (((0.34, 0.45),), ((0.45, 0.66),), False),
    (((0.60, 0.68),), (), False),
], ids=["its part in sight is bare", "something stands in most of its part in sight", "only a sliver by its neighbour"])
def test_a_hidden_slot_is_a_gap_when_what_is_in_sight_of_it_shows_bare_back(bare, filled, out_of_stock):
    planned = shelf(1, ("A", 1), ("B", 1), ("C", 1))
    _, statuses = align_bay(planned, products_at(1, "A.C", 300), 1,
                            sight={1: RowSight(hidden=((0.30, 0.70),), bare=bare, filled=filled)})
    assert [(s.sku_id, s.out_of_stock, s.unseen) for s in statuses] == [
        ("A", False, False), ("B", out_of_stock, not out_of_stock), ("C", False, False)]


def test_a_hidden_slot_of_a_short_sku_is_not_seen_empty_by_the_back_above_where_its_packs_would_stand():
    planned = [replace(slot, height_mm=100.0 if slot.sku_id == "B" else 200.0)
               for slot in shelf(1, ("A", 1), ("B", 1), ("C", 1))]
    _, statuses = align_bay(planned, products_at(1, "A.C", 300), 1,
                            sight={1: RowSight(hidden=((0.30, 0.70),), bare=((0.35, 0.65),))})
    assert (statuses[1].out_of_stock, statuses[1].unseen) == (False, True)


def test_bare_back_that_both_pieces_of_a_broken_shelf_line_see_counts_once():
    planned = shelf(1, ("A", 1), ("B", 1), ("C", 1))
    products = products_at(1, "A..", 300) + [replace(p, row=2) for p in products_at(1, "..C", 300, first_index=1)]
    piece_sight = RowSight(hidden=((0.30, 0.70),), bare=((0.40, 0.48),))
    _, statuses = align_bay(planned, products, 2, sight={1: piece_sight, 2: piece_sight})
    assert [(s.sku_id, s.out_of_stock, s.unseen) for s in statuses] == [
        ("A", False, False), ("B", False, True), ("C", False, False)]


@pytest.mark.parametrize(("left_piece", "right_piece"), [("CC...", "..DDE"), ("CC..E", "..DD.")],
                         ids=["pieces side by side", "the end product stands on the other piece"])
def test_a_shelf_whose_line_broke_in_two_rows_is_aligned_as_one(left_piece, right_piece):
    planned = shelf(1, ("A", 2), ("B", 2)) + shelf(2, ("C", 2), ("D", 2), ("E", 1))
    products = products_at(1, "AABB", 500) + products_at(2, left_piece, 500, first_index=4)
    products += [PlacedProduct(len(products) + k, 3, p.x_center, p.width, p.sku_id)
                 for k, p in enumerate(products_at(2, right_piece, 500))]
    placements, statuses = align_bay(planned, products, 3)
    assert present(statuses) == {(1, 1): 2, (1, 2): 2, (2, 1): 2, (2, 2): 2, (2, 3): 1}
    assert not any(p.misplaced for p in placements)
    assert all(p.shelf is not None for p in placements)


def test_a_shelf_line_broken_by_a_shopper_is_one_shelf_whichever_piece_the_products_behind_stand_on():
    planned = shelf(1, ("A", 2), ("B", 2)) + shelf(2, ("C", 2), ("X", 2), ("D", 2))
    pieces = products_at(2, "CC.?", 600, first_index=4) + [
        PlacedProduct(8 + k, 3, p.x_center, p.width, p.sku_id) for k, p in enumerate(products_at(2, "..?.DD", 600))]
    behind_the_shopper = [replace(p, occluded=0.6) if not p.sku_id else p for p in pieces]
    placements, statuses = align_bay(planned, products_at(1, "AABB", 400) + behind_the_shopper, 3)
    assert [(s.sku_id, s.present, s.hidden) for s in statuses if s.shelf == 2] == [("C", 2, 0), ("X", 0, 2),
                                                                                   ("D", 2, 0)]
    assert all(p.shelf is not None and not p.misplaced for p in placements)


def test_rows_whose_products_overlap_are_not_joined_into_one_shelf():
    planned = shelf(1, ("A", 2), ("B", 2)) + shelf(2, ("C", 2), ("D", 2))
    products = products_at(1, "AABB", 400) + products_at(2, "CCDD", 400, first_index=4)
    products += [PlacedProduct(8, 3, 0.3, 0.25, "X")]
    placements, statuses = align_bay(planned, products, 3)
    assert present(statuses) == {(1, 1): 2, (1, 2): 2, (2, 1): 2, (2, 2): 2}
    assert placements[8].shelf is None


@pytest.mark.parametrize("seen_sku, occluded", [("", 0.05), ("X", 0.4)],
                         ids=["barely touched unknown", "partly hidden product named as another SKU"])
def test_a_product_not_hidden_enough_or_named_as_another_sku_is_misplaced_and_its_slot_a_gap(seen_sku, occluded):
    planned = shelf(1, ("A", 2), ("B", 1), ("C", 1))
    products = products_at(1, "AA?C", 400)
    products[2] = PlacedProduct(2, 1, products[2].x_center, products[2].width, seen_sku, occluded=occluded)
    placements, statuses = align_bay(planned, products, 1)
    assert placements[2] == Placement(2, 1, 2, True, seen_sku)
    assert (statuses[1].hidden, statuses[1].out_of_stock) == (0, True)


def test_a_recognised_facing_counts_whatever_hides_part_of_it():
    planned = shelf(1, ("A", 1), ("B", 1))
    products = [PlacedProduct(0, 1, 0.25, 0.5, "A", occluded=0.6), PlacedProduct(1, 1, 0.75, 0.5, "B")]
    placements, statuses = align_bay(planned, products, 1)
    assert present(statuses) == {(1, 1): 1, (1, 2): 1}
    assert [s.hidden for s in statuses] == [0, 0] and not placements[0].hidden


def test_close_call_is_settled_by_the_sku_planned_where_the_facing_stands():
    planned = shelf(1, ("A", 1), ("B", 1), ("C", 1))
    products = products_at(1, "ACC", 300)
    products[1] = PlacedProduct(1, 1, products[1].x_center, products[1].width, "C", frozenset({"B"}))
    placements, statuses = align_bay(planned, products, 1)
    assert present(statuses) == {(1, 1): 1, (1, 2): 1, (1, 3): 1}
    assert placements[1] == Placement(1, 1, 2, False, "B")
    assert placements[2] == Placement(2, 1, 3, False, "C")


def test_unknown_just_under_the_floor_counts_as_the_planned_sku_it_nearly_matched():
    planned = shelf(1, ("A", 1), ("B", 1))
    products = [PlacedProduct(0, 1, 0.25, 0.5, "A"), PlacedProduct(1, 1, 0.75, 0.5, "", frozenset({"B"}))]
    placements, statuses = align_bay(planned, products, 1)
    assert present(statuses) == {(1, 1): 1, (1, 2): 1}
    assert placements[1] == Placement(1, 1, 2, False, "B")


def test_a_sure_misplacement_stays_misplaced_even_beside_its_own_slot():
    planned = shelf(1, ("A", 1), ("B", 1))
    products = [PlacedProduct(0, 1, 0.25, 0.5, "B", frozenset({"C"})), PlacedProduct(1, 1, 0.75, 0.5, "B")]
    placements, statuses = align_bay(planned, products, 1)
    assert present(statuses) == {(1, 1): 0, (1, 2): 1}
    assert placements[0] == Placement(0, 1, 1, True, "B")


def test_extra_product_beyond_planned_width_goes_to_the_nearest_slot():
    planned = shelf(1, ("A", 2), ("B", 2), width_mm=60.0)
    bay_mm = 400.0
    products = products_at(1, "AABB", bay_mm, width_mm=60.0)
    products.append(PlacedProduct(4, 1, 0.85, 60.0 / bay_mm, "C"))
    placements, statuses = align_bay(planned, products, 1)
    assert present(statuses) == {(1, 1): 2, (1, 2): 2}
    assert placements[4] == Placement(4, 1, 2, True, "C")


def test_slack_at_the_right_end_does_not_shift_products_into_the_wrong_slot():
    planned = shelf(1, ("A", 2), ("B", 1), ("C", 2), width_mm=60.0)
    bay_mm = 500.0
    placements, statuses = align_bay(planned, products_at(1, "AA?CC", bay_mm, width_mm=60.0), 1)
    assert present(statuses) == {(1, 1): 2, (1, 2): 0, (1, 3): 2}
    assert placements[2] == Placement(2, 1, 2, True, "")


def test_swapped_facings_of_sibling_slots_are_misplaced_on_both_sides():
    planned = shelf(1, ("A", 2), ("B", 2))
    placements, statuses = align_bay(planned, products_at(1, "ABAB", 400), 1)
    assert present(statuses) == {(1, 1): 1, (1, 2): 1}
    assert [(p.position, p.misplaced) for p in placements] == [(1, False), (1, True), (2, True), (2, False)]


def test_missed_row_leaves_its_shelf_empty():
    planned = shelf(1, ("A", 2), ("B", 2)) + shelf(2, ("C", 2), ("D", 2)) + shelf(3, ("E", 2), ("F", 2))
    products = products_at(1, "AABB", 400) + products_at(2, "EEFF", 400, first_index=4)
    placements, statuses = align_bay(planned, products, 2)
    assert present(statuses) == {(1, 1): 2, (1, 2): 2, (2, 1): 0, (2, 2): 0, (3, 1): 2, (3, 2): 2}
    assert {p.shelf for p in placements[4:]} == {3}


def test_spurious_row_maps_to_no_shelf():
    planned = shelf(1, ("A", 2), ("B", 2)) + shelf(2, ("C", 2), ("D", 2))
    spurious = [PlacedProduct(0, 1, 0.5, 0.2, "")]
    products = spurious + products_at(2, "AABB", 400, first_index=1) + products_at(3, "CCDD", 400, first_index=5)
    placements, statuses = align_bay(planned, products, 3)
    assert placements[0] == Placement(0, None, None, False, "")
    assert present(statuses) == {(1, 1): 2, (1, 2): 2, (2, 1): 2, (2, 2): 2}
    assert [p.shelf for p in placements[1:]] == [1] * 4 + [2] * 4


def test_empty_shelf_keeps_the_other_rows_on_their_shelves():
    planned = shelf(1, ("A", 2), ("B", 2)) + shelf(2, ("C", 2), ("D", 2)) + shelf(3, ("E", 2), ("F", 2))
    products = products_at(1, "AABB", 400) + products_at(3, "EEFF", 400, first_index=4)
    placements, statuses = align_bay(planned, products, 3)
    assert present(statuses) == {(1, 1): 2, (1, 2): 2, (2, 1): 0, (2, 2): 0, (3, 1): 2, (3, 2): 2}
    assert {p.shelf for p in placements[4:]} == {3}


def test_row_of_unknown_products_still_lands_on_its_shelf():
    planned = shelf(1, ("A", 2)) + shelf(2, ("B", 2)) + shelf(3, ("C", 2))
    products = (
        products_at(1, "AA", 200) + products_at(2, "??", 200, first_index=2) + products_at(3, "CC", 200, first_index=4)
    )
    placements, _ = align_bay(planned, products, 3)
    assert [(p.shelf, p.misplaced) for p in placements[2:4]] == [(2, True), (2, True)]


@pytest.mark.parametrize("detected_rows", [0, 3])
def test_bay_without_detections_is_entirely_out_of_stock(detected_rows):
    planned = shelf(1, ("A", 2), ("B", 1)) + shelf(2, ("C", 3))
    placements, statuses = align_bay(planned, [], detected_rows)
    assert placements == []
    assert [(s.shelf, s.position, s.sku_id, s.facings, s.present) for s in statuses] == [
        (1, 1, "A", 2, 0), (1, 2, "B", 1, 0), (2, 1, "C", 3, 0)
    ]


def test_results_follow_input_order_of_products_and_slots():
    planned = list(reversed(shelf(1, ("A", 1), ("B", 1), ("C", 1))))
    products = products_at(1, "ABC", 300)
    shuffled = [products[2], products[0], products[1]]
    placements, statuses = align_bay(planned, shuffled, 1)
    assert [p.index for p in placements] == [2, 0, 1]
    assert [p.position for p in placements] == [3, 1, 2]
    assert [s.position for s in statuses] == [3, 2, 1]


@pytest.mark.parametrize("seed_name", [f"perturbed-{k}" for k in range(20)])
def test_perturbed_positions_still_count_every_present_facing(seed_name):
    """Facings at least 0.13 of the row wide, so ±0.05 never changes the left-to-right order."""
    rng = np.random.default_rng(zlib.crc32(seed_name.encode()))
    layout = {n: [(f"S{n}-{k}", int(rng.integers(1, 3))) for k in range(3)] for n in (1, 2, 3)}
    bay_mm = 100.0 * max(sum(f for _, f in slots) for slots in layout.values()) / rng.uniform(0.8, 1.0)
    planned, products, expected = [], [], {}
    for shelf_number, slots in layout.items():
        planned += shelf(shelf_number, *slots)
        facing = 0
        for position, (sku, facings) in enumerate(slots, start=1):
            expected[(shelf_number, position)] = 0
            for _ in range(facings):
                if rng.random() > 0.3:
                    x = (facing + 0.5) * 100.0 / bay_mm + rng.uniform(-0.05, 0.05)
                    products.append(PlacedProduct(len(products), shelf_number, x, 100.0 / bay_mm, sku))
                    expected[(shelf_number, position)] += 1
                facing += 1
    placements, statuses = align_bay(planned, products, 3)
    assert present(statuses) == expected
    assert not any(p.misplaced for p in placements)


def test_bay_without_planogram_places_nothing():
    placements, statuses = align_bay([], products_at(1, "AB", 200), 1)
    assert statuses == []
    assert all(p.shelf is None and p.position is None and not p.misplaced for p in placements)


@pytest.mark.parametrize(
    ("planned", "products", "rows", "message"),
    [
        (shelf(1, ("A", 1)), [PlacedProduct(0, 2, 0.5, 0.1, "A")], 1, "outside the 1 detected rows"),
        (shelf(1, ("A", 1)) + shelf(1, ("B", 1)), [], 1, "two slots at shelf 1, position 1"),
        (shelf(1, ("A", 0)), [], 1, "at least 1 is required"),
        ([PlannedSlot(1, 1, "A", 1, 0.0)], [], 1, "invalid width_mm"),
        (shelf(1, ("A", 1)), [PlacedProduct(0, 1, float("nan"), 0.1, "A")], 1, "non-finite x_center"),
        (shelf(1, ("A", 1)), [], -1, "detected_rows must be >= 0"),
    ],
)
def test_inconsistent_input_is_rejected(planned, products, rows, message):
    with pytest.raises(AlignmentError, match=message):
        align_bay(planned, products, rows)
