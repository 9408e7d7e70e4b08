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
DEFAULT_SETTLE_SECONDS = 120


def chain_timezone() -> str:
    """The chain's time zone (IANA name): it decides what 'yesterday' and 'today' mean for audits."""
    return os.environ.get(TIMEZONE_VARIABLE, "UTC")


def settle_seconds() -> int:
    """How long a store-day's upload folder must stay unchanged before the sensor audits it."""
    return int(os.environ.get(SETTLE_SECONDS_VARIABLE, DEFAULT_SETTLE_SECONDS))


@dataclass(frozen=True)
class DataRoot:
    root: Path
    bucket_url: str

    @classmethod
    def at(cls, root: str | Path, bucket_url: str | None = None) -> "DataRoot":
        root = Path(root).expanduser().resolve()
        return cls(root, bucket_url or str(root / "bucket"))

    @classmethod
    def from_environment(cls) -> "DataRoot":
        return cls.at(os.environ.get(DATA_ROOT_VARIABLE, DEFAULT_DATA_ROOT), os.environ.get(BUCKET_URL_VARIABLE) or None)

    @property
    def master(self) -> Path:
        return self.root / "master"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse"

    @property
    def truth(self) -> Path:
        return self.root / "truth"

    @property
    def dagster_home(self) -> Path:
        return self.root / ".dagster"
