"""Scoring trained nets on validation catalogs the training never saw, and tuning per-fixture settings there.

The per-fixture peak threshold (best facing F1 at IoU 0.5) and the matcher's fusion weight and unknown
threshold are chosen on these catalogs, never on the chains `shelf-audit evaluate` renders, so the evaluation
stays a test on unseen data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import torch
from PIL import Image

from shelf_assets.learning.dataset import OCCLUDER_STRIDE, Shard
from shelf_assets.learning.embedder_training import embedder_logits
from shelf_assets.scoring.evaluation import average_precision, box_iou, match_detections
from shelf_assets.vision.crops import box_in_context, centre_crops
from shelf_assets.vision.learned import (
    DEFAULT_SETTINGS,
    STRIDE,
    FixtureSettings,
    MatcherSettings,
    decode_centres,
    min_line_cells,
    trace_shelf_lines,
)
from shelf_assets.vision.matcher import PackshotMatcher
from shelf_assets.vision.types import ProductBox

PEAK_THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7)
CORRELATION_WEIGHTS = (0.0, 1.0, 2.0, 3.0, 4.0)
FUSED_THRESHOLDS = tuple(np.round(np.arange(0.2, 4.0, 0.05), 2))


def detector_maps(net, shard: Shard) -> list[dict[str, np.ndarray]]:
    from shelf_assets.vision.nets import normalise_pixels

    maps = []
    with torch.inference_mode():
        for start in range(0, len(shard.sizes), 8):
            outputs = net(normalise_pixels(torch.from_numpy(shard.images[start:start + 8])))
            for index in range(outputs["centre"].shape[0]):
                maps.append({
                    "centre": torch.sigmoid(outputs["centre"][index, 0]).numpy(),
                    "size": outputs["size"][index].numpy(),
                    "offset": torch.sigmoid(outputs["offset"][index]).numpy(),
                    "shelf_line": torch.sigmoid(outputs["shelf_line"][index, 0]).numpy(),
                    "occluder": torch.sigmoid(outputs["occluder"][index, 0]).numpy(),
                })
    return maps


def validate_detector(net, shards: Sequence[Shard]) -> tuple[dict[str, FixtureSettings], dict[str, dict]]:
    """(tuned settings per fixture type, metrics per fixture type: AP50, F1 at the tuned threshold, the share of
    bays whose shelf count the traced lines got right, and the IoU of the occluder map with the true occluders)."""
    per_fixture: dict[str, list] = {}
    occluders: dict[str, list[int]] = {}
    for shard in shards:
        for index, maps in enumerate(detector_maps(net, shard)):
            fixture_type = str(shard.fixture_types[index])
            per_fixture.setdefault(fixture_type, []).append(
                (maps, shard.boxes[index], shard.lines[index], int(shard.sizes[index][0])))
            counts = occluders.setdefault(fixture_type, [0, 0])
            predicted = maps["occluder"] >= 0.5
            cells = STRIDE // OCCLUDER_STRIDE
            hidden = shard.occluders[index].reshape(predicted.shape[0], cells, predicted.shape[1], cells).mean(
                axis=(1, 3)) >= 127.5
            counts[0] += int((predicted & hidden).sum())
            counts[1] += int((predicted | hidden).sum())
    settings, metrics = {}, {}
    for fixture_type, bays in sorted(per_fixture.items()):
        base = DEFAULT_SETTINGS.get(fixture_type, FixtureSettings())
        best_f1, best_threshold, ranked, positives, rows_right = -1.0, base.peak_threshold, [], 0, 0
        for threshold in PEAK_THRESHOLDS:
            tp = fp = fn = 0
            for maps, truth, _, _ in bays:
                boxes, scores = decode_centres(maps["centre"], maps["size"], maps["offset"], threshold)
                matched, _ = match_detections(box_iou(boxes, truth), scores, np.zeros(len(truth), dtype=bool))
                hits = sum(1 for t in matched if t >= 0)
                tp, fp, fn = tp + hits, fp + len(boxes) - hits, fn + len(truth) - hits
            f1 = 2 * tp / max(1, 2 * tp + fp + fn)
            if f1 > best_f1:
                best_f1, best_threshold = f1, threshold
        for maps, truth, lines, width in bays:
            boxes, scores = decode_centres(maps["centre"], maps["size"], maps["offset"], min(PEAK_THRESHOLDS) / 2)
            _, bay_ranked = match_detections(box_iou(boxes, truth), scores, np.zeros(len(truth), dtype=bool))
            ranked.extend(bay_ranked)
            positives += len(truth)
            cols = max(1, round(width / STRIDE))
            found = boxes[scores > best_threshold]
            traced = trace_shelf_lines(maps["shelf_line"][:, :cols], base.line_threshold,
                                       min_line_cells(found, cols, base.min_line_share))
            rows_right += int(len(traced) == len(lines))
        settings[fixture_type] = replace(base, peak_threshold=best_threshold)
        metrics[fixture_type] = {"bays": len(bays), "ap50": round(average_precision(ranked, positives), 4),
                                 "f1_at_threshold": round(best_f1, 4), "peak_threshold": best_threshold,
                                 "shelf_count_right": round(rows_right / len(bays), 4),
                                 "occluder_iou": round(occluders[fixture_type][0] / occluders[fixture_type][1], 4)
                                 if occluders[fixture_type][1] else None}
    return settings, metrics


def validate_embedder(net, shards: Sequence[Shard]) -> dict[str, float]:
    """SKU top-1 accuracy on catalog products, and how often foreign products come out unknown."""
    correct = known = unknown_right = foreign = false_unknown = 0
    with torch.inference_mode():
        for shard in shards:
            logits = embedder_logits(net, torch.from_numpy(np.ascontiguousarray(centre_crops(shard.crops))),
                                     torch.from_numpy(shard.faces)).numpy()
            choice = logits.argmax(axis=1)
            unknown = len(shard.faces)
            for label, chosen in zip(shard.crop_labels, choice):
                if label >= 0:
                    known += 1
                    correct += int(chosen == label)
                    false_unknown += int(chosen == unknown)
                else:
                    foreign += 1
                    unknown_right += int(chosen == unknown)
    return {"crops": known + foreign, "sku_top1": round(correct / max(1, known), 4),
            "unknown_recall": round(unknown_right / max(1, foreign), 4),
            "false_unknown_rate": round(false_unknown / max(1, known), 4)}


def _similarities(net, shard: Shard) -> tuple[np.ndarray, np.ndarray]:
    """(embedding similarity, packshot correlation) of every crop of a shard with every packshot face."""
    from shelf_assets.vision.nets import normalise_pixels

    with torch.inference_mode():
        faces = net(normalise_pixels(torch.from_numpy(shard.faces)))
        crops = net(normalise_pixels(torch.from_numpy(np.ascontiguousarray(centre_crops(shard.crops)))))
    embedding = (crops @ faces.T).numpy()
    correlation = PackshotMatcher([str(i) for i in range(len(shard.faces))],
                                  [Image.fromarray(face) for face in shard.faces])
    box = ProductBox(*box_in_context(shard.crops.shape[2], shard.crops.shape[1]), 1, 1.0)
    correlated = np.stack([correlation.scores(Image.fromarray(crop), [box])[0] for crop in shard.crops])
    return embedding, correlated


def tune_matcher(net, shards: Sequence[Shard]) -> tuple[MatcherSettings, dict[str, float]]:
    """The correlation weight with the best SKU top-1, then the unknown threshold that maximises SKU top-1 plus
    unknown recall (each class counts the same, though foreign products are rare on a shelf)."""
    parts = [(*_similarities(net, shard), shard.crop_labels) for shard in shards]
    known = np.concatenate([labels >= 0 for _, _, labels in parts])
    labels = np.concatenate([labels for _, _, labels in parts])

    def fused(weight: float) -> tuple[np.ndarray, np.ndarray]:
        best, score = [], []
        for embedding, correlated, _ in parts:
            table = embedding + weight * correlated
            best.append(table.argmax(axis=1))
            score.append(table.max(axis=1))
        return np.concatenate(best), np.concatenate(score)

    top1 = {weight: float((fused(weight)[0][known] == labels[known]).mean()) for weight in CORRELATION_WEIGHTS}
    weight = max(CORRELATION_WEIGHTS, key=lambda w: (round(top1[w], 3), -w))
    best, score = fused(weight)
    outcomes = []
    for threshold in FUSED_THRESHOLDS:
        accepted = score >= threshold
        sku = float(((best == labels) & accepted)[known].mean())
        unknown = float((~accepted)[~known].mean()) if (~known).any() else 1.0
        outcomes.append((sku + unknown, sku, unknown, float(threshold)))
    _, sku, unknown, threshold = max(outcomes)
    metrics = {"correlation_weight": weight, "unknown_threshold": threshold, "sku_top1": round(sku, 4),
               "unknown_recall": round(unknown, 4), "sku_top1_by_weight": {str(w): round(v, 4) for w, v in top1.items()}}
    return MatcherSettings(weight, threshold), metrics
