"""One training run from a seed: shards, both nets, validation, tuned settings, model card, bundle.

The seed fixes everything: which simulated catalogs are rendered for training and for validation, the nets'
initial weights, the order of samples and their augmentation. Training catalogs are seeds 10 000 and up (the
detector's first, then the embedder's widening ones), validation catalogs 900 000 and up, so neither meets the
small seeds that `shelf-audit simulate` and `shelf-audit evaluate` use by default.
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import json
import multiprocessing
import platform
import threading
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
from shelf_assets.learning.embedder_training import (EmbedderTrainingConfig, WideningConfig, train_embedder,
                                                     widen_embedder)
from shelf_assets.learning.validation import tune_matcher, validate_detector, validate_embedder
from shelf_assets.vision import nets
from shelf_assets.vision.model_files import (load_detector, load_embedder, save_bundle, save_detector,
                                             save_embedder, settings_record)

TRAINING_SEED_BASE = 10_000
VALIDATION_SEED_BASE = 900_000
EMBEDDER_PROGRESS_EVERY = 250


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
    widening: WideningConfig = field(default_factory=WideningConfig)

    def training_seeds(self) -> list[int]:
        start = TRAINING_SEED_BASE + 1_000 * self.seed
        return list(range(start, start + self.catalogs))

    def widening_seeds(self) -> list[int]:
        start = TRAINING_SEED_BASE + 1_000 * self.seed + self.catalogs
        return list(range(start, start + self.widening.catalogs))

    def validation_seeds(self) -> list[int]:
        start = VALIDATION_SEED_BASE + 1_000 * self.seed
        return list(range(start, start + self.validation_catalogs))


PRESETS = {
    "full": TrainingRecipe(),
    "quick": TrainingRecipe(catalogs=3, validation_catalogs=1, scenes_per_catalog=4,
                            detector=DetectorTrainingConfig(steps=20, batch_size=2),
                            embedder=EmbedderTrainingConfig(steps=20, crops_per_step=32),
                            widening=WideningConfig(catalogs=1, scenes_per_catalog=2, steps=20)),
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
    if min(recipe.detector.steps, recipe.embedder.steps, recipe.widening.steps) < 20:
        raise TrainingError("each net (and the embedder's widening) needs at least 20 training steps")
    started = time.monotonic()

    def report(stage: str) -> Callable[[int, int], None]:
        return lambda done, total: progress(f"{stage}: {done}/{total}")

    train_paths = ensure_shards(cache, recipe.training_seeds(), recipe.scenes_per_catalog, workers,
                                report("training catalogs rendered"))
    widening_paths = ([] if net_checkpoint(cache, recipe, "widened_embedder").exists() else
                      ensure_shards(cache, recipe.widening_seeds(), recipe.widening.scenes_per_catalog, workers,
                                    report("embedder's widening catalogs rendered")))
    validation_paths = ensure_shards(cache, recipe.validation_seeds(), recipe.scenes_per_catalog, workers,
                                     report("validation catalogs rendered"))
    validation_shards = [load_shard(path) for path in validation_paths]

    detector, embedder, reused = _trained_nets(recipe, cache, train_paths, widening_paths, workers, progress)
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
        "widening_catalog_seeds": [recipe.widening_seeds()[0], recipe.widening_seeds()[-1]],
        "validation_catalog_seeds": [recipe.validation_seeds()[0], recipe.validation_seeds()[-1]],
        "trained_at": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "training_minutes": round(minutes, 1),
        "reused_from_cache": reused,
        "machine": f"{platform.machine()} {torch.get_num_threads()} torch threads, torch {torch.__version__}",
        "fixture_settings": settings_record(settings),
        "matcher_settings": asdict(matcher_settings),
        "validation": {"detector": detector_metrics, "embedder": embedder_metrics, "matcher": matcher_metrics},
    }
    version = save_bundle(out_folder, detector, embedder, card, model_card_text(card))
    progress(f"model {version} written to {out_folder}")
    return TrainingOutcome(version, Path(out_folder), {**card, "version": version})


def _trained_nets(recipe: TrainingRecipe, cache: Path, train_paths: list[Path], widening_paths: list[Path],
                  workers: int, progress: Callable[[str], None]) -> tuple[torch.nn.Module, torch.nn.Module, list[str]]:
    """Both nets, from the cache or trained (the detector here, the embedder in a process of its own whose
    progress lines come back through a queue), and what was reused from the cache rather than trained."""
    detector_file, first_stage_file, embedder_file = (
        net_checkpoint(cache, recipe, name) for name in ("detector", "embedder", "widened_embedder"))
    detector_cached, embedder_cached = detector_file.exists(), embedder_file.exists()
    reused = ["detector"] if detector_cached else []
    if embedder_cached:
        reused.append("embedder")
    elif first_stage_file.exists():
        reused.append("embedder's first stage")
    spawn = multiprocessing.get_context("spawn")
    embedder_lines = spawn.SimpleQueue()

    def relay_embedder_lines() -> None:
        for line in iter(embedder_lines.get, None):
            progress(line)

    relay = threading.Thread(target=relay_embedder_lines, daemon=True)
    relay.start()
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn, initializer=_report_to,
                                 initargs=(embedder_lines,)) as pool:
            embedder_job = None
            if embedder_cached:
                progress(f"embedder already trained for this recipe: {embedder_file}")
            else:
                threads = max(1, workers) if detector_cached else 1
                embedder_job = pool.submit(_train_embedder_apart, train_paths, widening_paths, recipe, threads,
                                           first_stage_file, embedder_file)
                progress(f"embedder training in a process of its own ({threads} thread(s))")
            if detector_cached:
                progress(f"detector already trained for this recipe: {detector_file}")
                detector = load_detector(detector_file)
            else:
                torch.set_num_threads(max(1, workers if embedder_cached else workers - 1))
                detector = train_detector(
                    [load_shard(path) for path in train_paths], recipe.detector, recipe.seed,
                    lambda step, steps, loss: progress(f"detector step {step}/{steps} loss {loss:.3f}"))
                save_detector(detector, detector_file)
                progress("detector trained; waiting for the embedder")
            try:
                if embedder_job is not None:
                    embedder_job.result()
            except BrokenProcessPool as error:
                raise TrainingError(f"the embedder's training process died; the detector is kept in {detector_file}: "
                                    "run the same command again to train the embedder alone") from error
    finally:
        embedder_lines.put(None)
        relay.join()
    return detector, load_embedder(embedder_file), reused


def _train_embedder_apart(train_paths: list[Path], widening_paths: list[Path], recipe: TrainingRecipe, threads: int,
                          first_stage_file: Path, checkpoint: Path) -> None:
    """The embedder trains beside the detector: on a CPU the two small nets share the cores better than one
    net uses them all. It keeps its weights itself (after each stage), so they outlive whatever happens to the
    detector's process."""
    torch.set_num_threads(threads)
    shards = [load_shard(path, scenes=False) for path in train_paths]
    if first_stage_file.exists():
        net = load_embedder(first_stage_file)
    else:
        net = train_embedder(shards, recipe.embedder, recipe.seed, _report_embedder("first stage"))
        save_embedder(net, first_stage_file)
    shards += [load_shard(path, scenes=False) for path in widening_paths]
    save_embedder(widen_embedder(net, shards, recipe.embedder.crops_per_step, recipe.widening, recipe.seed,
                                 _report_embedder("widening")), checkpoint)


_embedder_lines = None
"""In the embedder's process: where its progress lines go, to be printed by the process that started it."""


def _report_to(lines) -> None:
    global _embedder_lines
    _embedder_lines = lines


def _report_embedder(stage: str) -> Callable[[int, int, float], None]:
    def report(step: int, steps: int, loss: float) -> None:
        if _embedder_lines is not None and (step % EMBEDDER_PROGRESS_EVERY == 0 or step == steps):
            _embedder_lines.put(f"embedder {stage} step {step}/{steps} loss {loss:.3f}")
    return report


NET_CODE = {
    "detector": (augment, detector_training, loop, nets),
    "embedder": (augment, embedder_training, loop, nets),
}
"""The modules a net's weights depend on besides its recipe: a change to any of them retrains that net."""


def net_checkpoint(cache: Path, recipe: TrainingRecipe, net: str) -> Path:
    """Where the training cache keeps `net` ("detector", "embedder" after its first stage, or "widened_embedder")
    once trained for this recipe and code.

    A training run is long; one that is stopped, or whose other net fails, should not have to train a finished
    net (or stage) again. The name digests everything the weights follow from, so a changed recipe or training code
    misses."""
    trained = "embedder" if net == "widened_embedder" else net
    key = {"seed": recipe.seed, "catalogs": recipe.training_seeds(), "scenes": recipe.scenes_per_catalog,
           "shards": SHARD_FORMAT, trained: asdict(getattr(recipe, trained)), "torch": torch.__version__,
           "code": hashlib.sha256("".join(inspect.getsource(module) for module in NET_CODE[trained]).encode())
           .hexdigest()}
    if net == "widened_embedder":
        key["widening"] = {**asdict(recipe.widening), "catalogs": recipe.widening_seeds()}
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
        f"- Widening: {recipe['widening']['catalogs']} more catalogs (seeds {card['widening_catalog_seeds'][0]}–"
        f"{card['widening_catalog_seeds'][1]}), {recipe['widening']['scenes_per_catalog']} bays each, for the "
        "embedder's second stage only.",
        f"- Validation: {recipe['validation_catalogs']} other catalogs (seeds {card['validation_catalog_seeds'][0]}–"
        f"{card['validation_catalog_seeds'][1]}); the per-fixture peak thresholds are tuned there.",
        "",
        "## Training",
        f"- Seed {card['seed']}; detector {recipe['detector']['steps']} steps × {recipe['detector']['batch_size']} "
        f"windows, embedder {recipe['embedder']['steps']} steps × {recipe['embedder']['crops_per_step']} crops, "
        f"then {recipe['widening']['steps']} widening steps at learning rate {recipe['widening']['learning_rate']}.",
        f"- Trained {card['trained_at']} in {card['training_minutes']} min on {card['machine']}"
        + (f" (reused from the training cache, so not in that time: {', '.join(card['reused_from_cache'])})."
           if card["reused_from_cache"] else "."),
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
