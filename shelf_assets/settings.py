"""Where a deployment's data lives: one data root (DESIGN §2), overridable by CLI flag or environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_ROOT_VARIABLE = "SHELF_AUDIT_DATA"
BUCKET_URL_VARIABLE = "SHELF_AUDIT_BUCKET"
DEFAULT_DATA_ROOT = "data"
TIMEZONE_VARIABLE = "SHELF_AUDIT_TIMEZONE"
SETTLE_SECONDS_VARIABLE = "SHELF_AUDIT_SETTLE_SECONDS"
DETECTOR_ROUTE_VARIABLE = "SHELF_AUDIT_DETECTOR"
DEFAULT_SETTLE_SECONDS = 120


def chain_timezone() -> str:
    """The chain's time zone (IANA name): it decides what 'yesterday' and 'today' mean for audits."""
    return os.environ.get(TIMEZONE_VARIABLE, "UTC")


def detector_route() -> str:
    """`learned` (the model first, the classical detector where it is unsure) or `classical` alone."""
    return os.environ.get(DETECTOR_ROUTE_VARIABLE, "learned")


def settle_seconds() -> int:
    """How long a store-day's upload folder must stay unchanged before the sensor audits it."""
    return int(os.environ.get(SETTLE_SECONDS_VARIABLE, DEFAULT_SETTLE_SECONDS))


@dataclass(frozen=True)
class DataRoot:
    """A deployment's data root, and the detection route its audits take (`learned`, or `classical` only)."""

    root: Path
    bucket_url: str
    detector_route: str = "learned"

    @classmethod
    def at(cls, root: str | Path, bucket_url: str | None = None, detector_route: str = "learned") -> "DataRoot":
        root = Path(root).expanduser().resolve()
        return cls(root, bucket_url or str(root / "bucket"), detector_route)

    @classmethod
    def from_environment(cls) -> "DataRoot":
        return cls.at(os.environ.get(DATA_ROOT_VARIABLE, DEFAULT_DATA_ROOT), os.environ.get(BUCKET_URL_VARIABLE) or None,
                      detector_route())

    @property
    def master(self) -> Path:
        return self.root / "master"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def truth(self) -> Path:
        return self.root / "truth"

    @property
    def dagster_home(self) -> Path:
        return self.root / ".dagster"
