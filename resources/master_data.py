"""The retailer's master data folder as a Dagster resource.

Loading is cached per process and refreshed when a file changes, so a run that audits many store-days
checks the CSVs once, yet an edited planogram is picked up by the next run.
"""

from __future__ import annotations

import functools
from pathlib import Path

from dagster import ConfigurableResource

from shelf_assets.master import MasterData, load_master_data


class MasterDataResource(ConfigurableResource):
    master_dir: str

    def load(self) -> MasterData:
        root = Path(self.master_dir).resolve()
        return _load_cached(root, _fingerprint(root))


def _fingerprint(root: Path) -> tuple:
    if not root.is_dir():
        return ()
    return tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*") if p.is_file()))


@functools.lru_cache(maxsize=4)
def _load_cached(root: Path, fingerprint: tuple) -> MasterData:
    return load_master_data(root)
