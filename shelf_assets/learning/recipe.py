"""One training run from a seed: shards, both nets, validation, tuned settings, model card, bundle.

The seed fixes everything: which simulated catalogs are rendered for training and for validation, the nets'
initial weights, the order of samples and their augmentation. Training catalogs are seeds 10 000 and up,
validation catalogs 900 000 and up, so neither meets the small seeds that `shelf-audit simulate` and
`shelf-audit evaluate` use by default.
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import json
import multiprocessing
import platform
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch

from shelf_assets.learning import augment, detector_training, embedder_training, loop
from shelf_assets.learning.dataset import SHARD_FORMAT, ensure_shards, load_shard
from shelf_assets.learning.detector_training import DetectorTrainingConfig, train_detector
from shelf_assets.learning.embedder_training import EmbedderTrainingConfig, train_embedder
from shelf_assets.learning.validation import tune_matcher, validate_detector, validate_embedder
from shelf_assets.vision import nets
from shelf_assets.vision.model_files import (load_detector, load_embedder, save_bundle, save_detector,
                                             save_embedder, settings_record)

TRAINING_SEED_BASE = 10_000
VALIDATION_SEED_BASE = 900_000


class TrainingError(ValueError):
    """A training recipe that cannot run (bad sizes, an unknown preset)."""


@dataclass(frozen=True)
class TrainingRecipe:
    seed: int = 0
    catalogs: int = 120
    validation_catalogs: int = 8
    scenes_per_catalog: int = 24
    detector: DetectorTrainingConfig = field(default_factory=DetectorTrainingConfig)
    embedder: EmbedderTrainingConfig = field(default_factory=EmbedderTrainingConfig)

    def training_seeds(self) -> list[int]:
        start = TRAINING_SEED_BASE + 1_000 * self.seed
        return list(range(start, start + self.catalogs))

    def validation_seeds(self) -> list[int]:
        start = VALIDATION_SEED_BASE + 1_000 * self.seed
        return list(range(start, start + self.validation_catalogs))


PRESETS = {
    "full": TrainingRecipe(),
    "quick": TrainingRecipe(catalogs=3, validation_catalogs=1, scenes_per_catalog=4,
                            detector=DetectorTrainingConfig(steps=20, batch_size=2),
                            embedder=EmbedderTrainingConfig(steps=20, crops_per_step=32)),
}


def recipe_named(preset: str, seed: int) -> TrainingRecipe:
    if preset not in PRESETS:
        raise TrainingError(f"unknown training preset {preset!r}: choose one of {', '.join(PRESETS)}")
    if seed < 0 or seed > 800:
        raise TrainingError(f"seed must be between 0 and 800 (it picks the training catalogs), got {seed}")
    return replace(PRESETS[preset], seed=seed)


@dataclass(frozen=True)
class TrainingOutcome:
    version: str
    folder: Path
    card: dict


def train_models(recipe: TrainingRecipe, cache: Path, out_folder: Path, workers: int = 2,
                 progress: Callable[[str], None] = lambda line: None) -> TrainingOutcome:
    """Render (or reuse) the shards, train both nets (or reuse those the cache already holds for this recipe),
    validate, and write the bundle into `out_folder`."""
    if min(recipe.detector.steps, recipe.embedder.steps) < 20:
        raise TrainingError("each net needs at least 20 training steps")
    started = time.monotonic()

    def report(stage: str) -> Callable[[int, int], None]:
        return lambda done, total: progress(f"{stage}: {done}/{total}")

    train_paths = ensure_shards(cache, recipe.training_seeds(), recipe.scenes_per_catalog, workers,
                                report("training catalogs rendered"))
    validation_paths = ensure_shards(cache, recipe.validation_seeds(), recipe.scenes_per_catalog, workers,
                                     report("validation catalogs rendered"))
    train_shards = [load_shard(path) for path in train_paths]
    validation_shards = [load_shard(path) for path in validation_paths]

    detector_file, embedder_file = (net_checkpoint(cache, recipe, name) for name in ("detector", "embedder"))
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        embedder_job = None
        if embedder_file.exists():
            progress(f"embedder already trained for this recipe: {embedder_file}")
        else:
            embedder_job = pool.submit(_train_embedder_apart, train_paths, recipe, 1, embedder_file)
            progress("embedder training in a process of its own (1 thread)")
        if detector_file.exists():
            progress(f"detector already trained for this recipe: {detector_file}")
            detector = load_detector(detector_file)
        else:
            torch.set_num_threads(max(1, workers - 1))
            detector = train_detector(
                train_shards, recipe.detector, recipe.seed,
                lambda step, steps, loss: progress(f"detector step {step}/{steps} loss {loss:.3f}"))
            save_detector(detector, detector_file)
            progress("detector trained; waiting for the embedder")
        try:
            if embedder_job is not None:
                embedder_job.result()
        except BrokenProcessPool as error:
            raise TrainingError(f"the embedder's training process died; the detector is kept in "
                                f"{detector_file}: run the same command again to train the embedder alone") from error
    embedder = load_embedder(embedder_file)
    detector.eval()
    torch.set_num_threads(max(1, workers))
    settings, detector_metrics = validate_detector(detector, validation_shards)
    embedder_metrics = validate_embedder(embedder, validation_shards)
    matcher_settings, matcher_metrics = tune_matcher(embedder, validation_shards)
    minutes = (time.monotonic() - started) / 60
    card = {
        "seed": recipe.seed,
        "recipe": asdict(recipe),
        "training_catalog_seeds": [recipe.training_seeds()[0], recipe.training_seeds()[-1]],
        "validation_catalog_seeds": [recipe.validation_seeds()[0], recipe.validation_seeds()[-1]],
        "trained_at": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "training_minutes": round(minutes, 1),
        "machine": f"{platform.machine()} {torch.get_num_threads()} torch threads, torch {torch.__version__}",
        "fixture_settings": settings_record(settings),
        "matcher_settings": asdict(matcher_settings),
        "validation": {"detector": detector_metrics, "embedder": embedder_metrics, "matcher": matcher_metrics},
    }
    version = save_bundle(out_folder, detector, embedder, card, model_card_text(card))
    progress(f"model {version} written to {out_folder}")
    return TrainingOutcome(version, Path(out_folder), {**card, "version": version})


def _train_embedder_apart(train_paths: list[Path], recipe: TrainingRecipe, threads: int, checkpoint: Path) -> None:
    """The embedder trains beside the detector: on a CPU the two small nets share the cores better than one
    net uses them all. It keeps its weights itself, so they outlive whatever happens to the detector's process."""
    torch.set_num_threads(threads)
    shards = [load_shard(path) for path in train_paths]
    save_embedder(train_embedder(shards, recipe.embedder, recipe.seed), checkpoint)


TRAINING_CODE = (augment, detector_training, embedder_training, loop, nets)
"""The modules a net's weights depend on besides its recipe: a change to any of them retrains it."""


def net_checkpoint(cache: Path, recipe: TrainingRecipe, net: str) -> Path:
    """Where the training cache keeps `net` ("detector" or "embedder") once trained for this recipe and code.

    A training run is long; one that is stopped, or whose other net fails, should not have to train a finished
    net again. The name digests everything the weights follow from, so a changed recipe or training code misses."""
    key = {"seed": recipe.seed, "catalogs": recipe.training_seeds(), "scenes": recipe.scenes_per_catalog,
           "shards": SHARD_FORMAT, net: asdict(getattr(recipe, net)), "torch": torch.__version__,
           "code": hashlib.sha256("".join(inspect.getsource(module) for module in TRAINING_CODE).encode()).hexdigest()}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    return Path(cache) / "nets" / f"{net}-{digest}.safetensors"


def model_card_text(card: dict) -> str:
    recipe = card["recipe"]
    lines = [
        "# Shelf Audit learned models — {version}",
        "",
        "A class-agnostic shelf detector (centre heatmap, box size, shelf lines, and where products are hidden by an",
        "occluder or washed out by glare; stride 8 at 640 px) and a product embedder (64×32 crops and packshot faces",
        "→ 96-d unit vectors, with a learned unknown threshold).",
        "SKU identity comes from the catalog's packshots at run time: no SKU is known to the weights.",
        "",
        "## Data",
        f"- Training: {recipe['catalogs']} simulated catalogs (seeds {card['training_catalog_seeds'][0]}–"
        f"{card['training_catalog_seeds'][1]}), {recipe['scenes_per_catalog']} bays each, easy/normal/hard mixed,",
        "  decoded and lighting-normalised as the pipeline does; windows rescaled 0.7–1.3×, mirrored, relit,",
        "  blurred and noised; a few SKUs' packshots hidden per step so their crops must come out unknown.",
        f"- Validation: {recipe['validation_catalogs']} other catalogs (seeds {card['validation_catalog_seeds'][0]}–"
        f"{card['validation_catalog_seeds'][1]}); the per-fixture peak thresholds are tuned there.",
        "",
        "## Training",
        f"- Seed {card['seed']}; detector {recipe['detector']['steps']} steps × {recipe['detector']['batch_size']} "
        f"windows, embedder {recipe['embedder']['steps']} steps × {recipe['embedder']['crops_per_step']} crops.",
        f"- Trained {card['trained_at']} in {card['training_minutes']} min on {card['machine']}.",
        f"- Reproduce: `shelf-audit train --seed {card['seed']} --out shelf_assets/models`.",
        "",
        "## Validation (unseen catalogs)",
        "| fixture | bays | AP50 | F1 at threshold | peak threshold | shelf count right | occluder IoU |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for fixture_type, metrics in card["validation"]["detector"].items():
        lines.append(f"| {fixture_type} | {metrics['bays']} | {metrics['ap50']} | {metrics['f1_at_threshold']} | "
                     f"{metrics['peak_threshold']} | {metrics['shelf_count_right']} | {metrics['occluder_iou']} |")
    embedder = card["validation"]["embedder"]
    matcher = card["validation"]["matcher"]
    lines += [
        "",
        f"Embedder on {embedder['crops']} crops from truth boxes: SKU top-1 {embedder['sku_top1']}, unknown recall "
        f"{embedder['unknown_recall']}, catalog products called unknown {embedder['false_unknown_rate']}.",
        f"Fused with the packshot correlation (weight {matcher['correlation_weight']}, unknown below "
        f"{matcher['unknown_threshold']}), as the pipeline matches: SKU top-1 {matcher['sku_top1']}, unknown recall "
        f"{matcher['unknown_recall']}.",
        "",
        "End-to-end figures on fresh chains come from `shelf-audit evaluate`; see the README.",
        "",
    ]
    return "\n".join(lines)
