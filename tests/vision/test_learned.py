import numpy as np
import pytest
import torch
from PIL import Image

from shelf_assets.scoring.evaluation import box_iou
from shelf_assets.simulation.catalog import build_catalog, draw_packshot
from shelf_assets.simulation.drawing import derive_rng
from shelf_assets.simulation.planograms import build_planograms
from shelf_assets.simulation.render import difficulty_named, render_photo, store_look
from shelf_assets.simulation.shelf_state import true_shelf
from shelf_assets.vision import learned
from shelf_assets.vision.learned import (
    STRIDE,
    ZOOM_TARGET_WIDTH,
    EmbeddingMatcher,
    FixtureSettings,
    LearnedDetector,
    ShelfLine,
    assemble_bay,
    decode_centres,
    hidden_grids,
    hidden_spans,
    min_line_cells,
    occluded_shares,
    trace_shelf_lines,
    zoomed_view,
)
from shelf_assets.vision.model_files import load_bundle
from shelf_assets.vision.nets import ProductEmbedder
from shelf_assets.vision.types import BayDetection, ProductBox, ShelfRow


def test_centre_peaks_become_boxes_of_the_regressed_size():
    centre = np.zeros((10, 12), dtype=np.float32)
    centre[4, 3], centre[4, 4] = 0.9, 0.5
    centre[7, 9] = 0.6
    size = np.zeros((2, 10, 12), dtype=np.float32)
    size[:, 4, 3] = np.log([4.0, 8.0])
    size[:, 7, 9] = np.log([2.0, 2.0])
    offset = np.full((2, 10, 12), 0.5, dtype=np.float32)

    boxes, scores = decode_centres(centre, size, offset, threshold=0.3)

    order = np.argsort(-scores)
    assert scores[order].tolist() == pytest.approx([0.9, 0.6])
    cx, cy = 3.5 * STRIDE, 4.5 * STRIDE
    assert boxes[order[0]] == pytest.approx([cx - 2 * STRIDE, cy - 4 * STRIDE, cx + 2 * STRIDE, cy + 4 * STRIDE])
    assert boxes[order[1]] == pytest.approx([8.5 * STRIDE, 6.5 * STRIDE, 10.5 * STRIDE, 8.5 * STRIDE])


def _line_map(rows: int, cols: int, lines: list[tuple[float, float]], gap: tuple[int, int] | None = None) -> np.ndarray:
    grid = np.zeros((rows, cols), dtype=np.float32)
    ys = np.arange(rows, dtype=np.float32)[:, None]
    for slope, intercept in lines:
        centre = slope * np.arange(cols) + intercept
        grid = np.maximum(grid, np.exp(-((ys - centre[None, :]) ** 2) / 0.8))
    if gap:
        grid[:, gap[0]:gap[1]] = 0.0
    return grid


def test_slanted_shelf_lines_are_traced_top_to_bottom_and_rejoined_across_an_occluder():
    line_map = _line_map(40, 60, [(0.05, 10.0), (0.05, 25.0)], gap=(20, 24))

    lines = trace_shelf_lines(line_map, threshold=0.4, min_length_cells=20)

    assert len(lines) == 2
    top, bottom = lines
    assert top.slope == pytest.approx(0.05, abs=0.01)
    assert float(top.y_at(30 * STRIDE)) == pytest.approx((0.05 * 30 + 10.0 + 0.5) * STRIDE - 0.05 * 0.5 * STRIDE, abs=2)
    assert float(bottom.y_at(0)) > float(top.y_at(0))
    assert top.x_left == 0 and top.x_right == 60 * STRIDE


def test_a_bay_photographed_from_afar_keeps_its_short_shelf_lines():
    line_map = np.zeros((40, 80))
    for row in (10, 20, 30):
        line_map[row, 30:50] = 0.9
    narrow_bay = np.array([[240.0, 40.0, 280.0, 80.0], [360.0, 200.0, 400.0, 240.0]])
    assert min_line_cells(narrow_bay, 80, 0.3) == pytest.approx(6.0)
    assert len(trace_shelf_lines(line_map, 0.4, min_line_cells(narrow_bay, 80, 0.3))) == 3
    assert trace_shelf_lines(line_map, 0.4, min_line_cells(np.zeros((0, 4)), 80, 0.3)) == []


def test_short_line_fragments_are_not_shelves():
    line_map = _line_map(40, 60, [(0.0, 10.0)])
    line_map[:, 8:] = 0.0
    assert trace_shelf_lines(line_map, threshold=0.4, min_length_cells=18) == []


def _flat_line(y: float) -> ShelfLine:
    return ShelfLine(0.0, y, 0.0, 400.0)


def test_boxes_stand_on_the_nearest_shelf_line_and_rows_are_numbered_from_the_top():
    lines = [_flat_line(100.0), _flat_line(250.0)]
    boxes = np.array([[10, 20, 60, 100], [70, 30, 120, 98], [10, 160, 60, 252]], dtype=np.float32)
    result = assemble_bay(boxes, np.array([0.9, 0.8, 0.7]), lines, FixtureSettings(), 400.0)
    assert result.unsure_because is None
    assert [(box.row, box.x0) for box in result.detection.products] == [(1, 10), (1, 70), (2, 10)]
    assert [(row.row, row.x_left, row.x_right) for row in result.detection.rows] == [(1, 0, 400), (2, 0, 400)]


def test_a_fragment_of_a_shelf_line_spans_the_bay_like_the_whole_line_beside_it():
    lines = [_flat_line(100.0), ShelfLine(0.0, 250.0, 240.0, 380.0)]
    boxes = np.array([[10, 20, 60, 100], [250, 170, 300, 250]], dtype=np.float32)
    result = assemble_bay(boxes, np.array([0.9, 0.8]), lines, FixtureSettings(), 400.0)
    assert [(row.x_left, row.x_right) for row in result.detection.rows] == [(0, 400), (0, 400)]


def _rows_on_lines_spanning(spans: dict[float, tuple[float, float]]) -> list[ShelfRow]:
    """The rows assembled from flat shelf lines at the given heights, each spanning (x_left, x_right)."""
    lines = [ShelfLine(0.0, y, x_left, x_right) for y, (x_left, x_right) in spans.items()]
    boxes = np.array([[x_left + 5, y - 60, x_left + 45, y] for y, (x_left, _) in spans.items()], dtype=np.float32)
    return assemble_bay(boxes, np.full(len(boxes), 0.9), lines, FixtureSettings(), 400.0).detection.rows


def test_a_bay_shot_from_below_keeps_the_shorter_span_of_each_upper_shelf():
    spans = {100.0: (120.0, 280.0), 200.0: (100.0, 300.0), 300.0: (80.0, 320.0), 400.0: (60.0, 340.0),
             500.0: (40.0, 360.0)}
    assert [(row.x_left, row.x_right) for row in _rows_on_lines_spanning(spans)] == list(spans.values())


def test_a_fragment_in_a_bay_shot_from_below_spans_it_like_a_shelf_beside_it():
    spans = {100.0: (120.0, 280.0), 200.0: (100.0, 300.0), 300.0: (80.0, 200.0), 400.0: (60.0, 340.0),
             500.0: (40.0, 360.0)}
    rows = _rows_on_lines_spanning(spans)
    assert (rows[2].x_left, rows[2].x_right) in [spans[200.0], spans[400.0]]
    assert [(row.x_left, row.x_right) for row in rows[:2] + rows[3:]] == [spans[100.0], spans[200.0], spans[400.0],
                                                                          spans[500.0]]


def test_a_shelf_line_running_on_past_the_edge_the_other_shelves_end_on_is_cut_back_to_it():
    spans = {100.0: (20.0, 250.0), 200.0: (20.0, 250.0), 300.0: (20.0, 390.0), 400.0: (20.0, 250.0),
             500.0: (20.0, 250.0)}
    assert [(row.x_left, row.x_right) for row in _rows_on_lines_spanning(spans)] == [(20.0, 250.0)] * 5


def test_of_two_shelf_lines_the_longer_is_not_cut_back_to_the_shorter():
    spans = {100.0: (20.0, 250.0), 300.0: (20.0, 390.0)}
    assert [(row.x_left, row.x_right) for row in _rows_on_lines_spanning(spans)] == [(20.0, 390.0)] * 2


@pytest.mark.parametrize("vanishing_x, foreshortening", [(2000.0, 0.8), (-1600.0, 1.25), (None, 1.0)])
def test_shelves_closing_in_towards_a_far_end_tell_each_row_how_much_smaller_that_end_looks(vanishing_x,
                                                                                          foreshortening):
    heights = [100.0, 200.0, 400.0, 500.0]
    if vanishing_x is None:
        lines = [ShelfLine(0.1, y, 0.0, 400.0) for y in heights]
    else:
        lines = [ShelfLine((300.0 - y) / vanishing_x, y, 0.0, 400.0) for y in heights]
    boxes = np.array([[10.0, line.y_at(30.0) - 60, 50.0, line.y_at(30.0)] for line in lines], dtype=np.float32)
    rows = assemble_bay(boxes, np.full(len(boxes), 0.9), lines, FixtureSettings(), 400.0).detection.rows
    assert [row.foreshortening for row in rows] == pytest.approx([foreshortening] * len(lines), abs=0.01)


def test_each_box_carries_the_share_of_it_the_occluder_map_covers():
    occluder = np.zeros((10, 10))
    occluder[:, :3] = 1.0
    boxes = np.array([[0, 0, 48, 40], [40, 0, 80, 40], [-5, 70, 90, 200]], dtype=np.float32)
    assert occluded_shares(occluder, boxes) == pytest.approx([0.5, 0.0, 0.3])
    result = assemble_bay(boxes[:2], np.array([0.9, 0.9]), [_flat_line(40.0)], FixtureSettings(), 80.0,
                          occluded_shares(occluder, boxes[:2]))
    assert [box.occluded for box in result.detection.products] == pytest.approx([0.5, 0.0])


def test_each_box_carries_where_in_it_the_occluder_map_covers_it():
    occluder = np.zeros((10, 10))
    occluder[:, :5] = 1.0
    boxes = np.array([[0, 0, 80, 80], [40, 0, 80, 80]], dtype=np.float32)

    whole_width, right_half = hidden_grids(occluder, boxes, (7, 5))

    assert whole_width[:, :2] == pytest.approx(np.ones((7, 2)))
    assert whole_width[:, 2] == pytest.approx(np.full(7, 0.5))
    assert whole_width[:, 3:] == pytest.approx(np.zeros((7, 2)))
    assert right_half == pytest.approx(np.zeros((7, 5)))


def test_a_row_is_hidden_where_the_occluder_covers_the_band_standing_on_its_floor():
    occluder = np.zeros((20, 20))
    occluder[5:10, 4:8] = 1.0
    occluder[0:4, 12:16] = 1.0
    row = ShelfRow(1, 40.0, 80.0, 8.0, 150.0)
    assert hidden_spans(occluder, row, band_height=40.0) == ((32.0, 64.0),)
    assert hidden_spans(occluder, ShelfRow(2, 120.0, 160.0, 8.0, 150.0), band_height=40.0) == ()


@pytest.mark.parametrize("boxes, scores, lines, reason", [
    (np.array([[10, 20, 60, 100]]), np.array([0.9]), [], "no shelf line"),
    (np.zeros((0, 4)), np.zeros(0), [_flat_line(100.0)], "no product"),
    (np.array([[10, 20, 60, 40], [70, 20, 120, 100]]), np.array([0.9, 0.9]), [_flat_line(100.0)], "stand on no shelf"),
    (np.array([[10, 20, 60, 100]]), np.array([0.2]), [_flat_line(100.0)], "mean confidence"),
])
def test_an_incoherent_reading_is_refused_with_its_reason(boxes, scores, lines, reason):
    result = assemble_bay(boxes.astype(np.float32), scores, lines, FixtureSettings(), 400.0)
    assert result.detection is None
    assert reason in result.unsure_because


def test_the_packaged_detector_reads_a_photo_in_working_pixels():
    bundle = load_bundle()
    detector = LearnedDetector(bundle.detector, bundle.settings)
    image = Image.new("RGB", (1008, 756), (200, 190, 180))
    [result] = detector.detect_batch([image], ["gondola"])
    assert result.detection is not None or result.unsure_because
    if result.detection is not None:
        for box in result.detection.products:
            assert 0 <= box.x0 < box.x1 <= 1008 * 1.2


def _bay(product_width: float) -> BayDetection:
    products = [ProductBox(300 + i * product_width, 400, 300 + (i + 1) * product_width, 440, 1, 0.9)
                for i in range(10)]
    return BayDetection(rows=[ShelfRow(1, 400, 440, 280, 300 + 11 * product_width)], products=products,
                        detector="learned")


def test_a_bay_of_narrow_facings_is_cropped_to_its_shelves_and_zoomed():
    image = Image.new("RGB", (1008, 756))
    scale = 640 / 1008

    view = zoomed_view(image, _bay(12.0), scale)

    assert view is not None
    assert (view.left, view.top) == (280 - 12, 400 - 40)
    assert view.image.size == (300 + 132 + 12 - view.left, 440 + 40 - view.top)
    assert 12.0 * view.scale == pytest.approx(ZOOM_TARGET_WIDTH)
    assert zoomed_view(image, _bay(40.0), scale) is None


def _far_away_bay(fixture_type: str, shrink: float) -> tuple[Image.Image, np.ndarray]:
    """A rendered bay shrunk into the middle of a grey photo, and its facings in plain view in that photo."""
    catalog = build_catalog(8)
    packshots = {p.product_id: draw_packshot(p, px_per_mm=2.0) for p in (*catalog.skus, *catalog.foreign)}
    planogram = {p.fixture_type: p for p in build_planograms(catalog, 8)}[fixture_type]
    state = true_shelf(planogram, catalog, 8, "store-001", "2026-11-02", "far")
    photo = render_photo(planogram, state, catalog, packshots, store_look(8, "store-001"), difficulty_named("easy"),
                         derive_rng(8, "far", fixture_type), long_side=1008)
    small = photo.image.resize((round(photo.image.width * shrink), round(photo.image.height * shrink)))
    left, top = (photo.image.width - small.width) // 2, (photo.image.height - small.height) // 2
    canvas = Image.new("RGB", photo.image.size, (128, 128, 128))
    canvas.paste(small, (left, top))
    boxes = np.array([product.box for product in photo.products if product.occluded < 0.1])
    return canvas, boxes * shrink + [left, top, left, top]


@pytest.mark.parametrize("fixture_type, shrink", [("gondola", 0.45), ("endcap", 0.45)])
def test_a_bay_photographed_from_afar_is_read_again_zoomed_in(fixture_type, shrink, monkeypatch):
    bundle = load_bundle()
    detector = LearnedDetector(bundle.detector, bundle.settings)
    photo, truth = _far_away_bay(fixture_type, shrink)

    def recall() -> float:
        [result] = detector.detect_batch([photo], [fixture_type])
        found = np.array([[p.x0, p.y0, p.x1, p.y1] for p in result.detection.products])
        return float((box_iou(found, truth).max(axis=0) >= 0.5).mean())

    zoomed = recall()
    monkeypatch.setattr(learned, "ZOOM_BELOW_WIDTH", 0.0)
    assert zoomed >= 0.9 > recall()


def _solid(colour: tuple[int, int, int]) -> Image.Image:
    return Image.new("RGB", (40, 80), colour)


def test_embedding_matcher_calls_a_product_unknown_below_the_learned_threshold():
    torch.manual_seed(0)
    net = ProductEmbedder()
    net.eval()
    matcher = EmbeddingMatcher(net, ["A", "B"], [_solid((220, 30, 30)), _solid((30, 30, 220))])
    photo = Image.new("RGB", (200, 100), (220, 30, 30))
    box = ProductBox(10, 10, 50, 90, 1, 0.9)

    with torch.no_grad():
        net.unknown_threshold.fill_(-1.0)
    [nearest] = EmbeddingMatcher(net, ["A", "B"], [_solid((220, 30, 30)), _solid((30, 30, 220))]).identify(photo, [box])
    assert nearest.sku_id == "A" and nearest.score == pytest.approx(1.0, abs=1e-3)

    with torch.no_grad():
        net.unknown_threshold.fill_(1.01)
    [unknown] = EmbeddingMatcher(net, ["A", "B"], [_solid((220, 30, 30)), _solid((30, 30, 220))]).identify(photo, [box])
    assert unknown.sku_id == ""
    assert matcher.identify(photo, []) == []


@pytest.mark.gpu
def test_a_cuda_batch_finds_the_same_facings_as_the_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    bundle = load_bundle()
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 255, (756, 1008, 3), dtype=np.uint8)) for _ in range(3)]
    on_cpu = LearnedDetector(bundle.detector, bundle.settings, "cpu").detect_batch(images, ["gondola"] * 3)
    on_gpu = LearnedDetector(load_bundle().detector, bundle.settings, "cuda").detect_batch(images, ["gondola"] * 3)
    for cpu, gpu in zip(on_cpu, on_gpu):
        assert (cpu.detection is None) == (gpu.detection is None)
        if cpu.detection is not None:
            assert len(cpu.detection.products) == len(gpu.detection.products)
