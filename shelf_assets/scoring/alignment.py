"""Place the detected facings of one bay photo into the slots of its planogram.

Two nested alignments, both monotone because shelves are stacked and products stand side by side:
detected rows are mapped onto planogram shelves (the detector may miss a row or invent one), then each
shelf's products are aligned left to right against the planned facing sequence. SKU agreement drives
both; position is only a soft term because perspective, slack at the end of a shelf and imprecise
boxes make the planned geometry approximate.

The camera cannot always tell look-alike siblings apart; the matcher then names its close calls, and a
product counts as the SKU planned where it stands when that SKU is among them. A product the image is sure
of keeps its own SKU, so a clearly misplaced sibling is still reported.

Something in front of the shelf (a shopper, a trolley) can hide part of a facing; what is left is often too
little to recognise. Such a facing that does not count as the planned SKU, yet still resembles it, is reported
hidden rather than missing or misplaced, and so is a planned facing no product was aligned to where the row is
mostly hidden: the photo cannot tell. Unless what is left in sight of such a slot shows the bay's bare back: then
the slot is seen empty after all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shelf_assets.scoring.types import PlacedProduct, Placement, PlannedSlot, RowSight, SlotStatus, Spans

MATCH_REWARD = 4.0
"""Score of a product standing at a planned facing of its own SKU (before the position term)."""

CLOSE_MATCH_REWARD = 3.0
"""Score of a product at a facing whose SKU was one of its close calls: below a clear match, so that a
product the image is sure of keeps its own SKU's facing when both are in reach."""

POSITION_PENALTY = 2.0
"""Score lost per planned facing width between a product and the facing it is aligned to."""

GAP_PENALTY = 1.0
"""Score lost for a planned facing left empty, and for a product aligned to no facing."""

MAX_ROW_CROSSINGS = 2
"""How often, left to right, the products of two rows joined as one shelf may pass from one row to the other: once
for two pieces of a broken line, twice where a product near the break stands on the other piece."""

ROW_PAIR_BONUS = 1.0
"""Prior for pairing a detected row with a shelf, so that a row of unknown products still lands on one."""

HIDDEN_SHARE = 0.1
"""A product the matcher could not name (unknown, and not a close call of its slot's SKU) is reported hidden when
at least this much of it is hidden and it still resembles the slot's SKU (`SkuMatch.resembled_skus`) or is mostly
hidden; one it names as another SKU was seen well enough to be a misplacement.
On hard photos of validation catalogs (`benchmarks/hidden_facings.py`, model learned-d726d964d99e) this reports 58
of 64 unnamed facings of the planned SKU hidden and 0 of 34 unnamed foreign or misplaced products (59 and 4 by the
hidden share alone); of those named as another SKU, 7 of 16 facings of the planned SKU and 5 of 64 foreign or
misplaced products would have been (on the evaluation chains, leaving named ones out was the better trade)."""

MOSTLY_HIDDEN_SHARE = 0.5
"""An unnamed product at least this much hidden is reported hidden whatever it resembles: what is left in sight is
too little to tell it is something else. On validation catalogs no foreign or misplaced product was (0 of 34,
`benchmarks/hidden_facings.py`); on seed 6061 two boxes 95 % hidden resembled only the SKUs of the next slot."""

HIDDEN_GAP_SHARE = 0.8
"""A planned facing left without a product is hidden, not empty, when this much of where it should stand is hidden:
a product with a fifth of it in sight is mostly still detected. On hard chains of validation catalogs 900 002–900 005
(`benchmarks/place_again.py`, model learned-d726d964d99e) out-of-stock F1 was 0.873/0.948/0.888/0.909 at 0.5,
0.877/0.955/0.899/0.914 at 0.7, 0.882/0.955/0.905/0.914 at 0.8, 0.883/0.955/0.910/0.911 at 0.9 and
0.852/0.926/0.887/0.873 with no facing ever hidden."""

HIDDEN_GAP_JOIN = 1.0
"""Hidden stretches of a row less than this many facings apart (the shelf's mean facing width) count as one: the
occluder map is coarse and dips inside one occluder (the rim of a glare spot, between a shopper's arm and body), and
a facing standing in such a dip shows too little of itself to be found. On hard chains of validation catalogs
900 002–900 007 (`benchmarks/place_again.py`, model learned-0033a7a928e4) out-of-stock F1 was
0.933/0.958/0.944/0.943/0.985/0.926 never joined and at 0.5, 0.933/0.961/0.944/0.943/0.985/0.926 at 0.75,
0.933/0.961/0.944/0.943/0.990/0.926 at 1.0, 0.933/0.961/0.944/0.943/0.990/0.921 at 1.25 and 1.5,
0.933/0.961/0.944/0.938/0.990/0.921 at 2.0 and 0.933/0.961/0.938/0.933/0.990/0.921 at 3.0."""

SEEN_BARE_SHARE = 0.8
"""A slot none of its SKU was seen in, and which would be hidden, is seen empty when at least this share of the part
of it in sight shows the bay's bare back (`RowSight.bare` against `RowSight.filled`), and the bare part spans at
least `SEEN_BARE_WIDTH` of the slot: the gaps beside its neighbours' packs are bare whatever the slot holds.
On hard chains of validation catalogs 900 002–900 007 (`benchmarks/place_again.py`, model learned-0033a7a928e4)
out-of-stock F1 was 0.908/0.958/0.943/0.933/0.980/0.916 with no slot ever seen bare, 0.925/0.958/0.948/0.938/0.985/
0.921 at a share of 0.6, 0.921/0.961/0.948/0.938/0.985/0.921 at 0.7 and at 0.8, 0.916/0.961/0.948/0.933/0.980/0.916
at 0.9 (bare width 0.3)."""

SEEN_BARE_WIDTH = 0.3
"""On the same chains (share 0.8): F1 0.921/0.958/0.948/0.938/0.985/0.921 with a bare part of any width and at 0.2,
0.921/0.961/0.948/0.938/0.985/0.921 at 0.3, 0.916/0.961/0.948/0.938/0.980/0.921 at 0.4."""

SHORT_SKU = 0.9
"""The back is read in a band as tall as the shelf's facings: above a SKU less than this share of their (planned)
height, bare back in sight says nothing of the packs a carton or a hand hides below it. Such a slot keeps the benefit
of the doubt. Seen on seed 3131 (a carton in front of two short packs); on validation chains 900 002–900 005 F1 was
the same with no such rule and at 0.8 or 0.9, and one gap fewer was found on 900 002 at 1.0."""

SCALE_BOUNDS = (0.3, 1.2)
"""Plausible planned-width-to-bay-width ratios; a width estimate outside them is not trusted."""


class AlignmentError(ValueError):
    """The planogram or the detected products handed to the alignment are inconsistent."""


@dataclass(frozen=True)
class _Facing:
    slot: int
    sku_id: str
    centre_mm: float
    width_mm: float


@dataclass(frozen=True)
class _Shelf:
    shelf: int
    slot_indices: tuple[int, ...]
    slot_starts_mm: np.ndarray
    slot_ends_mm: np.ndarray
    facings: tuple[_Facing, ...]
    facing_centres_mm: np.ndarray
    facing_skus: np.ndarray
    unit_mm: float
    total_mm: float
    facing_height_mm: float
    """The median height of its planned facings (NaN where unknown): about as tall as the band of its row."""


@dataclass(frozen=True)
class _RowProducts:
    order: tuple[int, ...]
    x_centres: np.ndarray
    skus: np.ndarray
    close_skus: tuple[frozenset[str], ...]
    unnamed_and_hidden: np.ndarray


@dataclass(frozen=True)
class _ShelfAlignment:
    score: float
    facing_of_product: tuple[int | None, ...]


@dataclass(frozen=True)
class _BayAlignment:
    score: float
    shelf_of_row: dict[int, int]
    facing_of_product: dict[int, tuple[int | None, ...]]
    """Per mapped row, the facing of its shelf each of its products (in the row's order) is aligned to."""


def align_bay(
    planned: Sequence[PlannedSlot], products: Sequence[PlacedProduct], detected_rows: int,
    sight: dict[int, RowSight] | None = None,
) -> tuple[list[Placement], list[SlotStatus]]:
    """Return one placement per product (input order) and one status per planned slot (input order).

    `sight` is, per detected row, what the camera could see of it (none hidden, nothing known bare, by default)."""
    _validate(planned, products, detected_rows)
    shelves = _build_shelves(planned)
    rows = _group_rows(products, detected_rows)
    if not shelves:
        placements = [Placement(p.index, None, None, False, p.sku_id) for p in products]
        return placements, []

    scales = _candidate_scales(planned, shelves, products)
    unit_scale = scales[-1]
    best_scale = scales[0]
    best = _align_rows(shelves, rows, best_scale, unit_scale)
    for scale in scales[1:]:
        candidate = _align_rows(shelves, rows, scale, unit_scale)
        if candidate.score > best.score + 1e-9:
            best, best_scale = candidate, scale
    refined_scale = _fitted_scale(shelves, rows, best)
    if refined_scale is not None and abs(refined_scale / best_scale - 1.0) > 0.02:
        candidate = _align_rows(shelves, rows, refined_scale, unit_scale)
        if candidate.score > best.score + 1e-9:
            best, best_scale = candidate, refined_scale

    slot_of_product = _slots_of_products(shelves, rows, best, best_scale)
    shelf_sight = _sight_of_shelves(best, sight or {})
    hidden_gaps = _hidden_gaps(shelves, best, best_scale, shelf_sight)
    seen_bare = _seen_bare_slots(planned, shelves, best_scale, shelf_sight)
    return _results(planned, products, slot_of_product, hidden_gaps, seen_bare)


def _validate(planned: Sequence[PlannedSlot], products: Sequence[PlacedProduct], detected_rows: int) -> None:
    if detected_rows < 0:
        raise AlignmentError(f"detected_rows must be >= 0, got {detected_rows}")
    seen: set[tuple[int, int]] = set()
    for slot in planned:
        key = (slot.shelf, slot.position)
        if slot.shelf < 1 or slot.position < 1:
            raise AlignmentError(f"slot shelf/position must be >= 1, got {key}")
        if key in seen:
            raise AlignmentError(f"planogram has two slots at shelf {slot.shelf}, position {slot.position}")
        seen.add(key)
        if slot.facings < 1:
            raise AlignmentError(f"slot {key} ({slot.sku_id}) has {slot.facings} facings; at least 1 is required")
        if not (math.isfinite(slot.width_mm) and slot.width_mm > 0):
            raise AlignmentError(f"slot {key} ({slot.sku_id}) has invalid width_mm {slot.width_mm!r}")
        if not slot.sku_id:
            raise AlignmentError(f"slot {key} has an empty sku_id")
    for product in products:
        if not 1 <= product.row <= detected_rows:
            raise AlignmentError(
                f"product {product.index} is on row {product.row}, outside the {detected_rows} detected rows"
            )
        if not math.isfinite(product.x_center):
            raise AlignmentError(f"product {product.index} has a non-finite x_center {product.x_center!r}")
        if not (math.isfinite(product.width) and product.width >= 0):
            raise AlignmentError(f"product {product.index} has an invalid width {product.width!r}")


def _build_shelves(planned: Sequence[PlannedSlot]) -> list[_Shelf]:
    by_shelf: dict[int, list[int]] = {}
    for i, slot in enumerate(planned):
        by_shelf.setdefault(slot.shelf, []).append(i)
    shelves = []
    for shelf_number in sorted(by_shelf):
        slot_indices = sorted(by_shelf[shelf_number], key=lambda i: planned[i].position)
        facings: list[_Facing] = []
        starts, ends = [], []
        cursor = 0.0
        for i in slot_indices:
            slot = planned[i]
            starts.append(cursor)
            for _ in range(slot.facings):
                facings.append(_Facing(i, slot.sku_id, cursor + slot.width_mm / 2, slot.width_mm))
                cursor += slot.width_mm
            ends.append(cursor)
        shelves.append(
            _Shelf(
                shelf=shelf_number,
                slot_indices=tuple(slot_indices),
                slot_starts_mm=np.array(starts),
                slot_ends_mm=np.array(ends),
                facings=tuple(facings),
                facing_centres_mm=np.array([f.centre_mm for f in facings]),
                facing_skus=np.array([f.sku_id for f in facings], dtype=object),
                unit_mm=cursor / len(facings),
                total_mm=cursor,
                facing_height_mm=float(np.median([planned[i].height_mm for i in slot_indices
                                                  for _ in range(planned[i].facings)])),
            )
        )
    return shelves


def _group_rows(products: Sequence[PlacedProduct], detected_rows: int) -> dict[int, _RowProducts]:
    rows: dict[int, _RowProducts] = {}
    for row in range(1, detected_rows + 1):
        members = sorted(
            (i for i, p in enumerate(products) if p.row == row), key=lambda i: (products[i].x_center, i)
        )
        rows[row] = _RowProducts(
            order=tuple(members),
            x_centres=np.array([products[i].x_center for i in members], dtype=float),
            skus=np.array([products[i].sku_id for i in members], dtype=object),
            close_skus=tuple(products[i].close_skus for i in members),
            unnamed_and_hidden=np.array([_unnamed_and_hidden(products[i]) for i in members], dtype=bool),
        )
    return rows


def _candidate_scales(
    planned: Sequence[PlannedSlot], shelves: list[_Shelf], products: Sequence[PlacedProduct]
) -> list[float]:
    """Bay-width fractions per planned millimetre worth trying, the most trusted last.

    The bay's physical width is unknown: planned widths may leave slack at the right end. Two guesses
    compete: the widest shelf fills the bay, or detected widths of known SKUs reveal the ratio.
    """
    fill = 1.0 / max(s.total_mm for s in shelves)
    width_of_sku = {slot.sku_id: slot.width_mm for slot in planned}
    ratios = [p.width / width_of_sku[p.sku_id] for p in products if p.sku_id in width_of_sku and p.width > 0]
    scales = [fill]
    if ratios:
        low, high = SCALE_BOUNDS
        by_width = float(np.clip(np.median(ratios), low * fill, high * fill))
        if abs(by_width / fill - 1.0) > 0.02:
            scales.append(by_width)
    return scales


def _fitted_scale(shelves: list[_Shelf], rows: dict[int, _RowProducts], bay: _BayAlignment) -> float | None:
    """Least-squares scale through the origin from same-SKU matches of a first alignment."""
    shelf_by_number = {s.shelf: s for s in shelves}
    numerator = denominator = 0.0
    for row, shelf_number in bay.shelf_of_row.items():
        shelf = shelf_by_number[shelf_number]
        row_products = rows[row]
        for k, facing in enumerate(bay.facing_of_product[row]):
            if facing is not None and shelf.facing_skus[facing] == row_products.skus[k]:
                centre = shelf.facing_centres_mm[facing]
                numerator += row_products.x_centres[k] * centre
                denominator += centre * centre
    if denominator <= 0 or numerator <= 0:
        return None
    fill = 1.0 / max(s.total_mm for s in shelves)
    low, high = SCALE_BOUNDS
    return float(np.clip(numerator / denominator, low * fill, high * fill))


def _align_rows(
    shelves: list[_Shelf], rows: dict[int, _RowProducts], scale: float, unit_scale: float
) -> _BayAlignment:
    """Monotone row-to-shelf mapping maximising the summed gain of the shelf alignments.

    Positions are compared in a unit fixed for the bay (`unit_scale`), so that alignments at different
    candidate scales have comparable scores. A row is only tried against shelves at most one place
    further off than the difference in counts allows: a detector that both misses and invents rows
    within one bay is rare, and the band keeps large bays cheap. Two neighbouring rows whose products sit
    side by side may also share one shelf: something in front of a shelf can break its line in two.
    """
    row_numbers = sorted(rows)
    n_rows, n_shelves = len(row_numbers), len(shelves)
    band = abs(n_rows - n_shelves) + 1
    alignments: dict[tuple[int, int, int], _ShelfAlignment] = {}
    value = np.full((n_rows, n_shelves), -np.inf)
    joined_value = np.full((n_rows, n_shelves), -np.inf)
    joined_rows: dict[int, _RowProducts] = {}
    for a, row in enumerate(row_numbers):
        joined = _side_by_side(rows[row_numbers[a - 1]], rows[row]) if a > 0 else None
        if joined is not None:
            joined_rows[a] = joined
        for b, shelf in enumerate(shelves):
            if abs(a - b) > band:
                continue
            unit = shelf.unit_mm * unit_scale
            alignment = _align_shelf(shelf, rows[row], scale, unit)
            alignments[(a, a, b)] = alignment
            value[a, b] = alignment.score + GAP_PENALTY * (len(rows[row].order) + len(shelf.facings)) + ROW_PAIR_BONUS
            if joined is not None:
                alignment = _align_shelf(shelf, joined, scale, unit)
                alignments[(a - 1, a, b)] = alignment
                joined_value[a, b] = (alignment.score + GAP_PENALTY * (len(joined.order) + len(shelf.facings))
                                      + ROW_PAIR_BONUS)

    total = np.zeros((n_rows + 1, n_shelves + 1))
    choice = np.zeros((n_rows + 1, n_shelves + 1), dtype=np.int8)
    for a in range(1, n_rows + 1):
        for b in range(1, n_shelves + 1):
            options = (total[a - 1, b - 1] + value[a - 1, b - 1] if value[a - 1, b - 1] > 0 else -np.inf,
                       total[a - 1, b], total[a, b - 1],
                       total[a - 2, b - 1] + joined_value[a - 1, b - 1] if joined_value[a - 1, b - 1] > 0
                       else -np.inf)
            choice[a, b] = int(np.argmax(options))
            total[a, b] = options[choice[a, b]]

    chosen: dict[int, tuple[int | None, ...]] = {}
    shelf_of_row: dict[int, int] = {}
    score = 0.0
    a, b = n_rows, n_shelves
    while a > 0 and b > 0:
        step = choice[a, b]
        if step == 1:
            a -= 1
            continue
        if step == 2:
            b -= 1
            continue
        first = a - 1 if step == 0 else a - 2
        members = {row_numbers[k]: rows[row_numbers[k]] for k in range(first, a)}
        alignment = alignments[(first, a - 1, b - 1)]
        score += alignment.score
        chosen.update(_split(alignment, joined_rows[a - 1] if step == 3 else rows[row_numbers[a - 1]], members))
        shelf_of_row.update({row: shelves[b - 1].shelf for row in members})
        a, b = first, b - 1
    score -= GAP_PENALTY * sum(len(rows[row].order) for row in row_numbers if row not in shelf_of_row)
    mapped_shelves = set(shelf_of_row.values())
    score -= GAP_PENALTY * sum(len(shelf.facings) for shelf in shelves if shelf.shelf not in mapped_shelves)
    return _BayAlignment(score=score, shelf_of_row=shelf_of_row, facing_of_product=chosen)


def _unnamed_and_hidden(product: PlacedProduct) -> bool:
    """The matcher could not name it and enough of it is hidden that it may be its slot's SKU (`HIDDEN_SHARE`)."""
    return not product.sku_id and product.occluded >= HIDDEN_SHARE


def _side_by_side(left: _RowProducts, right: _RowProducts) -> _RowProducts | None:
    """The two rows' products as one row, when they stand side by side: read left to right, the products pass
    from one row to the other at most `MAX_ROW_CROSSINGS` times. A broken shelf line leaves the products near the
    break standing on whichever piece is nearer, so one may cross over; two stacked shelves interleave all along.
    Products the matcher could not name behind what broke the line (a shopper in front of the shelf) are not
    counted: half hidden, they stand on either piece."""
    if not len(left.order) or not len(right.order):
        return None
    order = np.argsort(np.concatenate([left.x_centres, right.x_centres]), kind="stable")
    from_left = order < len(left.order)
    unnamed_and_hidden = np.concatenate([left.unnamed_and_hidden, right.unnamed_and_hidden])[order]
    counted = from_left[~unnamed_and_hidden]
    if np.count_nonzero(counted[1:] != counted[:-1]) > MAX_ROW_CROSSINGS:
        return None
    return _RowProducts(
        order=tuple(np.array(left.order + right.order)[order].tolist()),
        x_centres=np.concatenate([left.x_centres, right.x_centres])[order],
        skus=np.concatenate([left.skus, right.skus])[order],
        close_skus=tuple((left.close_skus + right.close_skus)[k] for k in order),
        unnamed_and_hidden=unnamed_and_hidden,
    )


def _split(alignment: _ShelfAlignment, aligned: _RowProducts, rows: dict[int, _RowProducts]
           ) -> dict[int, tuple[int | None, ...]]:
    """The facings of `aligned`'s products (one row, or several joined) per row, in each row's order."""
    facing_of = dict(zip(aligned.order, alignment.facing_of_product))
    return {row: tuple(facing_of[product] for product in part.order) for row, part in rows.items()}


def _align_shelf(shelf: _Shelf, row: _RowProducts, scale: float, unit: float) -> _ShelfAlignment:
    """Needleman–Wunsch of the row's products (left to right) against the shelf's planned facings."""
    n, m = len(row.order), len(shelf.facings)
    if n == 0:
        return _ShelfAlignment(score=-GAP_PENALTY * m, facing_of_product=())
    distance = np.abs(row.x_centres[:, None] - shelf.facing_centres_mm[None, :] * scale) / unit
    same_sku = row.skus[:, None] == shelf.facing_skus[None, :]
    close_sku = np.array([[sku in close for sku in shelf.facing_skus] for close in row.close_skus], dtype=bool)
    reward = np.where(same_sku, MATCH_REWARD, np.where(close_sku, CLOSE_MATCH_REWARD, 0.0))
    pair_score = (reward - POSITION_PENALTY * distance).tolist()

    gap = GAP_PENALTY
    score = [[-gap * (i + j) if i == 0 or j == 0 else 0.0 for j in range(m + 1)] for i in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]
    for j in range(1, m + 1):
        move[0][j] = 2
    for i in range(1, n + 1):
        move[i][0] = 1
        previous, current, pairs_i, moves_i = score[i - 1], score[i], pair_score[i - 1], move[i]
        for j in range(1, m + 1):
            diagonal = previous[j - 1] + pairs_i[j - 1]
            skip_product = previous[j] - gap
            skip_facing = current[j - 1] - gap
            if diagonal >= skip_product and diagonal >= skip_facing:
                current[j], moves_i[j] = diagonal, 0
            elif skip_product >= skip_facing:
                current[j], moves_i[j] = skip_product, 1
            else:
                current[j], moves_i[j] = skip_facing, 2

    facing_of_product: list[int | None] = [None] * n
    i, j = n, m
    while i > 0 or j > 0:
        step = move[i][j]
        if step == 0:
            facing_of_product[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif step == 1:
            i -= 1
        else:
            j -= 1
    return _ShelfAlignment(score=score[n][m], facing_of_product=tuple(facing_of_product))


def _slots_of_products(
    shelves: list[_Shelf], rows: dict[int, _RowProducts], bay: _BayAlignment, scale: float
) -> dict[int, int]:
    """Planned-slot index for every product that sits on a mapped row."""
    shelf_by_number = {s.shelf: s for s in shelves}
    slot_of_product: dict[int, int] = {}
    for row, shelf_number in bay.shelf_of_row.items():
        shelf = shelf_by_number[shelf_number]
        row_products = rows[row]
        for k, facing in enumerate(bay.facing_of_product[row]):
            if facing is not None:
                slot = shelf.facings[facing].slot
            else:
                slot = _nearest_slot(shelf, row_products.x_centres[k] / scale)
            slot_of_product[row_products.order[k]] = slot
    return slot_of_product


def _sight_of_shelves(bay: _BayAlignment, sight: dict[int, RowSight]) -> dict[int, RowSight]:
    """What the camera saw of each mapped shelf: the sight of the rows aligned to it, each kind of stretch merged
    across them, so that a stretch two pieces of a broken line both see counts once."""
    rows_of_shelf: dict[int, list[RowSight]] = {}
    for row, shelf_number in bay.shelf_of_row.items():
        rows_of_shelf.setdefault(shelf_number, []).append(sight.get(row, RowSight()))

    def joined(seen: list[RowSight], kind: str) -> Spans:
        return _merged([span for row in seen for span in getattr(row, kind)])

    return {shelf_number: RowSight(hidden=joined(seen, "hidden"), bare=joined(seen, "bare"),
                                   filled=joined(seen, "filled"))
            for shelf_number, seen in rows_of_shelf.items()}


def _merged(spans: Spans, within: float = 0.0) -> Spans:
    """The same stretches with overlapping ones, or ones less than `within` apart, joined, left to right."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + within:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _hidden_gaps(shelves: list[_Shelf], bay: _BayAlignment, scale: float,
                 shelf_sight: dict[int, RowSight]) -> list[int]:
    """Planned-slot index of every facing left without a product where its rows are hidden (one entry per facing)."""
    with_product: dict[int, set[int]] = {}
    for row, shelf_number in bay.shelf_of_row.items():
        with_product.setdefault(shelf_number, set()).update(bay.facing_of_product[row])
    slots = []
    for shelf in shelves:
        hidden = _merged(shelf_sight.get(shelf.shelf, RowSight()).hidden,
                         within=HIDDEN_GAP_JOIN * shelf.unit_mm * scale)
        if not hidden:
            continue
        for index, facing in enumerate(shelf.facings):
            if index in with_product[shelf.shelf]:
                continue
            start = (facing.centre_mm - facing.width_mm / 2) * scale
            end = (facing.centre_mm + facing.width_mm / 2) * scale
            if _overlap(hidden, start, end) >= HIDDEN_GAP_SHARE * (end - start):
                slots.append(facing.slot)
    return slots


def _seen_bare_slots(planned: Sequence[PlannedSlot], shelves: list[_Shelf], scale: float,
                     shelf_sight: dict[int, RowSight]) -> set[int]:
    """Planned-slot indices whose part in sight mostly shows the bay's bare back (`SEEN_BARE_SHARE`), among those of
    SKUs about as tall as their shelf's facings (`SHORT_SKU`)."""
    slots = set()
    for shelf in shelves:
        seen = shelf_sight.get(shelf.shelf, RowSight())
        for slot_index, start_mm, end_mm in zip(shelf.slot_indices, shelf.slot_starts_mm, shelf.slot_ends_mm):
            if planned[slot_index].height_mm < SHORT_SKU * shelf.facing_height_mm:
                continue
            start, end = start_mm * scale, end_mm * scale
            bare, filled = _overlap(seen.bare, start, end), _overlap(seen.filled, start, end)
            if bare >= SEEN_BARE_WIDTH * (end - start) and bare >= SEEN_BARE_SHARE * (bare + filled):
                slots.add(slot_index)
    return slots


def _overlap(spans: Spans, start: float, end: float) -> float:
    return sum(max(0.0, min(end, span_end) - max(start, span_start)) for span_start, span_end in spans)


def _nearest_slot(shelf: _Shelf, x_mm: float) -> int:
    outside = np.maximum(shelf.slot_starts_mm - x_mm, 0.0) + np.maximum(x_mm - shelf.slot_ends_mm, 0.0)
    return shelf.slot_indices[int(np.argmin(outside))]


def _results(
    planned: Sequence[PlannedSlot], products: Sequence[PlacedProduct], slot_of_product: dict[int, int],
    hidden_gaps: Sequence[int], seen_bare: set[int],
) -> tuple[list[Placement], list[SlotStatus]]:
    present = [0] * len(planned)
    hidden = [0] * len(planned)
    for slot_index in hidden_gaps:
        hidden[slot_index] += 1
    placements = []
    for k, product in enumerate(products):
        slot_index = slot_of_product.get(k)
        if slot_index is None:
            placements.append(Placement(product.index, None, None, False, product.sku_id))
            continue
        slot = planned[slot_index]
        matches = product.sku_id == slot.sku_id or slot.sku_id in product.close_skus
        out_of_sight = (not matches and _unnamed_and_hidden(product)
                        and (product.occluded >= MOSTLY_HIDDEN_SHARE or slot.sku_id in product.resembled_skus))
        present[slot_index] += int(matches)
        hidden[slot_index] += int(out_of_sight)
        placements.append(Placement(product.index, slot.shelf, slot.position, not (matches or out_of_sight),
                                    slot.sku_id if matches else product.sku_id, out_of_sight))
    statuses = [SlotStatus(s.shelf, s.position, s.sku_id, s.facings, present[i],
                           0 if present[i] == 0 and i in seen_bare else hidden[i])
                for i, s in enumerate(planned)]
    return placements, statuses
