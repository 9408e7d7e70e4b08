import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from shelf_assets.learning import recipe as recipe_module
from shelf_assets.learning.dataset import ensure_shards, load_shard, shard_path
from shelf_assets.learning.detector_training import detector_targets
from shelf_assets.learning.recipe import TrainingError, net_checkpoint, recipe_named, train_models
from shelf_assets.vision.crops import DETECTOR_LONG_SIDE, EMBED_HEIGHT, EMBED_WIDTH
from shelf_assets.vision.model_files import load_bundle


def test_targets_peak_at_box_centres_and_follow_shelf_lines():
    boxes = np.array([[16, 16, 48, 80], [48, 16, 80, 80]], dtype=np.float32)
    lines = np.array([[0, 84, 128, 100]], dtype=np.float32)
    targets = detector_targets(boxes, lines, 128, 128)
    assert targets["mask"].sum() == 2
    assert targets["centre"][6, 4] == 1.0 and targets["centre"][6, 8] == 1.0
    assert targets["size"][:, 6, 4] == pytest.approx(np.log([4.0, 8.0]))
    line_rows = targets["shelf_line"].argmax(axis=0)
    assert line_rows[0] == 10 and line_rows[-1] == 12


def test_the_occluder_target_is_the_hidden_share_of_each_cell():
    occluders = np.zeros((128, 128), dtype=np.uint8)
    occluders[:, :12] = 255
    targets = detector_targets(np.zeros((0, 4), dtype=np.float32), np.zeros((0, 4), dtype=np.float32), 128, 128,
                               occluders)
    assert targets["occluder"].shape == (16, 16)
    assert targets["occluder"][:, 0] == pytest.approx(1.0) and targets["occluder"][:, 1] == pytest.approx(0.5)
    assert targets["occluder"][:, 2:].max() == 0.0


def test_a_shard_holds_detector_images_crops_and_packshot_faces(tmp_path):
    [path] = ensure_shards(tmp_path, [10_000], scenes_per_catalog=2, workers=1)
    shard = load_shard(path)
    assert shard.images.shape == (2, DETECTOR_LONG_SIDE, DETECTOR_LONG_SIDE, 3)
    assert all(len(boxes) > 5 for boxes in shard.boxes) and all(len(lines) >= 2 for lines in shard.lines)
    for (width, height), boxes in zip(shard.sizes, shard.boxes):
        assert max(width, height) == DETECTOR_LONG_SIDE
        assert boxes[:, 2].max() <= width + 1 and boxes[:, 3].max() <= height + 1
    assert shard.faces.shape[1:] == (EMBED_HEIGHT, EMBED_WIDTH, 3)
    assert len(shard.crops) == len(shard.crop_labels) and shard.crop_labels.max() < len(shard.faces)
    assert shard.occluders.shape == (2, DETECTOR_LONG_SIDE // 4, DETECTOR_LONG_SIDE // 4)
    assert ensure_shards(tmp_path, [10_000], scenes_per_catalog=2, workers=1) == [path]

    crops_only = load_shard(path, scenes=False)
    assert crops_only.images.size == 0 and not crops_only.boxes
    assert np.array_equal(crops_only.crops, shard.crops) and np.array_equal(crops_only.faces, shard.faces)
    assert np.array_equal(crops_only.crop_labels, shard.crop_labels)


@pytest.mark.slow
def test_training_from_a_seed_is_reproducible_and_writes_a_loadable_bundle(tmp_path):
    recipe = recipe_named("quick", seed=3)
    lines = []
    first = train_models(recipe, tmp_path / "cache", tmp_path / "first", progress=lines.append)
    assert "embedder first stage step 20/20" in " ".join(lines) and "embedder widening step 20/20" in " ".join(lines)
    shutil.rmtree(tmp_path / "cache" / "nets")
    second = train_models(recipe, tmp_path / "cache", tmp_path / "second")
    assert first.version == second.version
    bundle = load_bundle(tmp_path / "first")
    assert bundle.version == first.version
    card = json.loads((tmp_path / "first" / "model_card.json").read_text())
    assert card["seed"] == 3 and card["training_catalog_seeds"][0] == 13_000
    assert set(card["validation"]["detector"]) <= {"gondola", "freezer", "endcap"}
    assert 0.0 <= card["validation"]["embedder"]["sku_top1"] <= 1.0


def test_recipes_refuse_unknown_presets_and_seeds_that_would_overlap_other_catalogs():
    with pytest.raises(TrainingError, match="preset"):
        recipe_named("huge", 0)
    with pytest.raises(TrainingError, match="seed"):
        recipe_named("full", 5_000)


def test_the_embedders_widening_catalogs_are_its_own_and_a_changed_widening_retrains_only_that_stage(tmp_path):
    recipe = recipe_named("full", seed=0)
    widening = recipe.widening_seeds()
    assert len(widening) == recipe.widening.catalogs
    assert min(widening) > max(recipe.training_seeds())
    assert max(widening) < min(recipe_named("full", seed=1).training_seeds())
    wider = replace(recipe, widening=replace(recipe.widening, catalogs=recipe.widening.catalogs + 1))
    assert net_checkpoint(tmp_path, wider, "widened_embedder") != net_checkpoint(tmp_path, recipe, "widened_embedder")
    for first_stage in ("detector", "embedder"):
        assert net_checkpoint(tmp_path, wider, first_stage) == net_checkpoint(tmp_path, recipe, first_stage)


@pytest.mark.slow
def test_a_rerun_reuses_the_nets_already_trained_for_its_recipe_and_retrains_a_changed_one(tmp_path, monkeypatch):
    recipe = recipe_named("quick", seed=3)
    cache = tmp_path / "cache"
    first = train_models(recipe, cache, tmp_path / "first")
    assert net_checkpoint(cache, recipe, "detector").exists()

    def no_training(*args, **kwargs):
        raise AssertionError("a net trained for this recipe was trained again")

    monkeypatch.setattr(recipe_module, "train_detector", no_training)
    widening_shards = [shard_path(cache, seed, recipe.widening.scenes_per_catalog) for seed in recipe.widening_seeds()]
    for path in widening_shards:
        path.unlink()
    again = train_models(recipe, cache, tmp_path / "again")
    assert not any(path.exists() for path in widening_shards), "a trained embedder needs no widening catalogs"
    assert again.version == first.version
    assert first.card["reused_from_cache"] == [] and again.card["reused_from_cache"] == ["detector", "embedder"]
    assert "reused from the training cache" in (tmp_path / "again" / "MODEL_CARD.md").read_text()
    longer = replace(recipe, detector=replace(recipe.detector, steps=recipe.detector.steps + 1))
    assert net_checkpoint(cache, longer, "detector") != net_checkpoint(cache, recipe, "detector")
    assert net_checkpoint(cache, longer, "embedder") == net_checkpoint(cache, recipe, "embedder")
    with pytest.raises(AssertionError, match="trained again"):
        train_models(longer, cache, tmp_path / "longer")
