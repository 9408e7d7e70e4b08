"""A model bundle on disk: detector and embedder weights as safetensors, plus the model card.

safetensors holds raw tensors and a string header, nothing executable, so loading a bundle from a shared
folder cannot run code the way unpickling a torch checkpoint can. The version is a digest of the weight files:
the same weights give the same version wherever they were trained, and any retraining gives a new one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from shelf_assets.atomic import write_bytes
from shelf_assets.vision.learned import DEFAULT_SETTINGS, FixtureSettings, MatcherSettings

PACKAGED_BUNDLE = Path(__file__).resolve().parent.parent / "models"
DETECTOR_FILE = "detector.safetensors"
EMBEDDER_FILE = "embedder.safetensors"
CARD_FILE = "model_card.json"
CARD_TEXT_FILE = "MODEL_CARD.md"
SETTINGS_KEYS = ("fixture_settings", "matcher_settings")


class ModelFilesError(ValueError):
    """A bundle folder is missing a file or holds weights that do not fit the networks."""


@dataclass(eq=False)
class ModelBundle:
    """Hashed by identity: the store loads each version once, and matchers are cached per loaded bundle."""

    version: str
    detector: object
    embedder: object
    settings: dict[str, FixtureSettings]
    card: dict
    matcher_settings: MatcherSettings = MatcherSettings()


def bundle_version(folder: Path) -> str:
    """Digest of the weights and of the settings they are read with (a retuned threshold is a new version too)."""
    digest = hashlib.sha256()
    for name in (DETECTOR_FILE, EMBEDDER_FILE):
        path = Path(folder) / name
        if not path.is_file():
            raise ModelFilesError(f"{path} is missing: the model bundle in {folder} is incomplete")
        digest.update(path.read_bytes())
    card_path = Path(folder) / CARD_FILE
    card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.is_file() else {}
    digest.update(json.dumps({key: card.get(key) for key in SETTINGS_KEYS}, sort_keys=True).encode("utf-8"))
    return f"learned-{digest.hexdigest()[:12]}"


def _tensor_bytes(net, hyperparameters: dict[str, int]) -> bytes:
    from safetensors.torch import save

    state = {name: tensor.detach().cpu().contiguous() for name, tensor in net.state_dict().items()}
    # One metadata entry: safetensors does not keep the order of several, and the version digests these bytes.
    return save(state, metadata={"hyperparameters": json.dumps(hyperparameters, sort_keys=True)})


def save_bundle(folder: Path, detector, embedder, card: dict, card_text: str) -> str:
    """Write weights, card and its readable twin atomically; returns the bundle's version."""
    folder = Path(folder)
    save_detector(detector, folder / DETECTOR_FILE)
    save_embedder(embedder, folder / EMBEDDER_FILE)
    write_bytes(json.dumps(card, indent=1).encode("utf-8"), folder / CARD_FILE)
    version = bundle_version(folder)
    write_bytes(json.dumps({**card, "version": version}, indent=1).encode("utf-8"), folder / CARD_FILE)
    write_bytes(card_text.replace("{version}", version).encode("utf-8"), folder / CARD_TEXT_FILE)
    return version


def save_detector(detector, path: Path) -> None:
    """The detector's weights with the hyperparameters it is rebuilt from: a bundle file or a training checkpoint."""
    write_bytes(_tensor_bytes(detector, {"width": detector.width}), path)


def save_embedder(embedder, path: Path) -> None:
    write_bytes(_tensor_bytes(embedder, {"dimensions": embedder.dimensions, "width": embedder.width}), path)


def load_detector(path: Path):
    from shelf_assets.vision.nets import ShelfDetectorNet

    return _load_net(path, lambda meta: ShelfDetectorNet(**meta))


def load_embedder(path: Path):
    from shelf_assets.vision.nets import ProductEmbedder

    return _load_net(path, lambda meta: ProductEmbedder(**meta))


def _load_net(path: Path, build):
    from safetensors import safe_open

    if not path.is_file():
        raise ModelFilesError(f"{path} is missing: the model bundle is incomplete")
    with safe_open(str(path), framework="pt") as weights:
        metadata = weights.metadata() or {}
        state = {name: weights.get_tensor(name) for name in weights.keys()}
    net = build(json.loads(metadata.get("hyperparameters", "{}")))
    try:
        net.load_state_dict(state)
    except RuntimeError as error:
        raise ModelFilesError(f"{path} does not fit the network this code builds: {error}") from error
    return net.eval()


def load_bundle(folder: Path = PACKAGED_BUNDLE) -> ModelBundle:
    folder = Path(folder)
    card_path = folder / CARD_FILE
    card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.is_file() else {}
    settings = dict(DEFAULT_SETTINGS)
    for fixture_type, values in card.get("fixture_settings", {}).items():
        settings[fixture_type] = FixtureSettings(**values)
    return ModelBundle(
        version=bundle_version(folder),
        detector=load_detector(folder / DETECTOR_FILE),
        embedder=load_embedder(folder / EMBEDDER_FILE),
        settings=settings,
        card=card,
        matcher_settings=MatcherSettings(**card.get("matcher_settings", {})),
    )


def settings_record(settings: dict[str, FixtureSettings]) -> dict[str, dict]:
    return {fixture_type: asdict(values) for fixture_type, values in settings.items()}
