"""Where the learned models live, as a Dagster resource.

A data root's `models/` folder holds one folder per trained version and a `CURRENT` file naming the one in
use; without it, the bundle committed with the code (`shelf_assets/models`) is used. Bundles are loaded once
per process and version, so a run over many store-days does not read the weights again per partition.
`route` picks the detection path: `learned` (the model, with the classical detector taking over where it is
unsure) or `classical` (the model is not loaded at all).
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from pathlib import Path

from dagster import ConfigurableResource

from shelf_assets.atomic import write_bytes
from shelf_assets.vision.model_files import PACKAGED_BUNDLE, ModelBundle, bundle_version, load_bundle

ROUTES = ("learned", "classical")
CURRENT_FILE = "CURRENT"
CLASSICAL_VERSION = "classical-1"


class ModelStoreError(ValueError):
    """The model store cannot serve a model: an unknown route, a CURRENT naming a missing version."""


class ModelStore(ConfigurableResource):
    folder: str
    route: str = "learned"

    def current_folder(self) -> Path:
        pointer = Path(self.folder) / CURRENT_FILE
        if not pointer.is_file():
            return PACKAGED_BUNDLE
        version = pointer.read_text(encoding="utf-8").strip()
        folder = Path(self.folder) / version
        if not folder.is_dir():
            raise ModelStoreError(f"{pointer} names {version!r}, but {folder} does not exist")
        return folder

    def version(self) -> str:
        """The version detections will carry: the learned bundle's digest, or the classical detector's name."""
        return version_of(self.load())

    def load(self) -> ModelBundle | None:
        """The bundle in use, or None on the classical route."""
        self._check_route()
        if self.route == "classical":
            return None
        folder = self.current_folder()
        return _load_cached(folder, bundle_version(folder))

    def publish(self, trained: Path) -> str:
        """Move a freshly trained bundle folder into the store and make it current; returns its version."""
        version = bundle_version(trained)
        target = Path(self.folder) / version
        if target.exists():
            shutil.rmtree(trained)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(trained, target)
        write_bytes(f"{version}\n".encode("utf-8"), Path(self.folder) / CURRENT_FILE)
        return version

    def staging_folder(self) -> Path:
        Path(self.folder).mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".training-", dir=self.folder))

    def training_cache(self) -> Path:
        return Path(self.folder) / ".training-cache"

    def _check_route(self) -> None:
        if self.route not in ROUTES:
            raise ModelStoreError(f"unknown detector route {self.route!r}: use one of {', '.join(ROUTES)}")


def version_of(bundle: ModelBundle | None) -> str:
    return CLASSICAL_VERSION if bundle is None else bundle.version


@functools.lru_cache(maxsize=2)
def _load_cached(folder: Path, version: str) -> ModelBundle:
    return load_bundle(folder)
