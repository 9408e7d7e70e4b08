import numpy as np
import pytest

from shelf_assets.vision.bare_shelf import RowBand, bare_and_filled_spans
from shelf_assets.vision.types import ProductBox, ShelfRow

PANEL = (200, 180, 150)
PACK = (30, 90, 200)
ROW = ShelfRow(1, 32.0, 72.0, 8.0, 152.0)
FOUND = [ProductBox(16.0, 32.0, 48.0, 72.0, 1, 0.9), ProductBox(112.0, 32.0, 144.0, 72.0, 1, 0.9)]
"""Two facings found; the slot between them (x 64-96) stands behind a hand that hides its lower part."""


def _spans(pixels: np.ndarray, occluder: np.ndarray, products: list[ProductBox] = FOUND):
    return bare_and_filled_spans(pixels, occluder, [RowBand(ROW, 40.0, products)])[0]


def _bay(behind_the_hand: tuple[int, int, int], found_colour: tuple[int, int, int] = PACK) -> np.ndarray:
    pixels = np.zeros((80, 160, 3), dtype=np.uint8)
    pixels[:] = PANEL
    for box in FOUND:
        pixels[int(box.y0):int(box.y1), int(box.x0):int(box.x1)] = found_colour
    pixels[32:72, 64:96] = behind_the_hand
    return pixels


def _hand(first_hidden_row: int) -> np.ndarray:
    occluder = np.zeros((10, 20))
    occluder[first_hidden_row:, 8:12] = 1.0
    return occluder


def _overlap(spans, start: float, end: float) -> float:
    return sum(max(0.0, min(end, x1) - max(start, x0)) for x0, x1 in spans)


@pytest.mark.parametrize(("behind_the_hand", "bare_width", "filled_width"), [(PANEL, 32.0, 0.0), (PACK, 0.0, 32.0)],
                         ids=["empty slot", "stocked slot"])
def test_the_part_of_a_hidden_slot_in_sight_tells_bare_back_from_a_pack(behind_the_hand, bare_width, filled_width):
    bare, filled = _spans(_bay(behind_the_hand), _hand(first_hidden_row=6))
    assert (_overlap(bare, 64, 96), _overlap(filled, 64, 96)) == (bare_width, filled_width)
    assert _overlap(filled, 16, 48) == 32.0 and _overlap(bare, 16, 48) == 0.0


def test_columns_hidden_all_the_way_up_are_neither_bare_nor_filled():
    bare, filled = _spans(_bay(PANEL), _hand(first_hidden_row=0))
    assert _overlap(bare, 64, 96) == _overlap(filled, 64, 96) == 0.0
    assert _overlap(bare, 96, 112) == 16.0


def test_a_row_whose_packs_have_the_back_panels_colour_says_nothing_about_bare_shelf():
    washed_out = tuple(value + 10 for value in PANEL)
    assert _spans(_bay(PANEL, washed_out), _hand(first_hidden_row=6)) == ((), ())


def test_a_row_with_too_little_back_in_sight_says_nothing_about_bare_shelf():
    packed = [ProductBox(8.0 + 16 * k, 32.0, 24.0 + 16 * k, 72.0, 1, 0.9) for k in range(9)]
    assert _spans(_bay(PANEL), _hand(first_hidden_row=6), packed) == ((), ())


def test_the_backs_colour_is_read_over_the_bay_so_a_carton_filling_one_row_is_not_taken_for_it():
    carton = (170, 120, 80)
    pixels = np.zeros((160, 160, 3), dtype=np.uint8)
    pixels[:] = PANEL
    pixels[120:152, 8:152] = carton
    lower_row = ShelfRow(2, 112.0, 152.0, 8.0, 152.0)
    lower_packs = [ProductBox(16.0, 112.0, 40.0, 152.0, 2, 0.9)]
    pixels[112:152, 16:40] = PACK
    upper, lower = bare_and_filled_spans(pixels, np.zeros((20, 20)),
                                         [RowBand(ROW, 40.0, []), RowBand(lower_row, 40.0, lower_packs)])
    assert _overlap(upper[0], 8, 152) == 144.0
    assert _overlap(lower[0], 64, 96) == 0.0 and _overlap(lower[1], 64, 96) == 32.0
