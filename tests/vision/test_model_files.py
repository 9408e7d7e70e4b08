import pickle

import pytest
import torch

from shelf_assets.vision.model_files import (
    CARD_FILE,
    DETECTOR_FILE,
    EMBEDDER_FILE,
    PACKAGED_BUNDLE,
    ModelFilesError,
    bundle_version,
    load_bundle,
    save_bundle,
)
from shelf_assets.vision.nets import ProductEmbedder, ShelfDetectorNet


def _save(folder, seed: int) -> str:
    torch.manual_seed(seed)
    return save_bundle(folder, ShelfDetectorNet(width=8), ProductEmbedder(dimensions=16, width=8),
                       {"fixture_settings": {"freezer": {"peak_threshold": 0.2}}}, "# card {version}\n")


def test_a_saved_bundle_loads_back_with_its_shapes_settings_and_version(tmp_path):
    version = _save(tmp_path, seed=1)
    bundle = load_bundle(tmp_path)
    assert bundle.version == version == bundle_version(tmp_path)
    assert bundle.detector.width == 8 and bundle.embedder.dimensions == 16
    assert bundle.settings["freezer"].peak_threshold == 0.2
    assert bundle.settings["gondola"].peak_threshold != 0.2
    assert version in (tmp_path / "MODEL_CARD.md").read_text()
    assert bundle.card["version"] == version


def test_new_weights_get_a_new_version_and_the_same_weights_the_same_one(tmp_path):
    first = _save(tmp_path / "a", seed=1)
    assert _save(tmp_path / "b", seed=1) == first
    assert _save(tmp_path / "c", seed=2) != first


class _Payload:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('ran')",))


def test_a_pickled_checkpoint_in_place_of_weights_is_refused_without_running_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _save(tmp_path, seed=1)
    (tmp_path / DETECTOR_FILE).write_bytes(pickle.dumps({"weights": _Payload()}))
    with pytest.raises(Exception):
        load_bundle(tmp_path)
    assert not (tmp_path / "PWNED").exists()


def test_a_missing_weight_file_is_named(tmp_path):
    _save(tmp_path, seed=1)
    (tmp_path / EMBEDDER_FILE).unlink()
    with pytest.raises(ModelFilesError, match=EMBEDDER_FILE):
        load_bundle(tmp_path)


def test_the_committed_bundle_is_complete_and_carries_its_card():
    bundle = load_bundle(PACKAGED_BUNDLE)
    card = bundle.card
    assert card["version"] == bundle.version
    assert {"seed", "recipe", "trained_at", "validation", "fixture_settings"} <= set(card)
    assert (PACKAGED_BUNDLE / CARD_FILE).is_file() and (PACKAGED_BUNDLE / "MODEL_CARD.md").is_file()
