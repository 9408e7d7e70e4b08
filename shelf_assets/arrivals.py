"""Deciding which store-days have finished arriving in the bucket and should be audited.

The decision is incremental: each call looks only at the store folders and at the dates of a short recent
window, never at the whole history, so its cost stays flat as the bucket grows (older late uploads are
the daily schedule's and the backfills' job). A store-day is ready once its listing has not changed for
the settle time, so a half-uploaded day is not scored; its content key hashes the photos' bytes, so the
same upload copied again yields the same key and Dagster's run key skips it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from shelf_assets.bucket import BucketObject, PhotoBucket


@dataclass(frozen=True)
class Settling:
    store_id: str
    date: str
    seconds_left: float


@dataclass(frozen=True)
class ReadyStoreDay:
    store_id: str
    date: str
    content_key: str

    @property
    def run_key(self) -> str:
        return f"{self.store_id}|{self.date}|{self.content_key[:20]}"


@dataclass
class ArrivalState:
    """What the sensor remembers between ticks (its cursor)."""

    listings: dict[str, list] = field(default_factory=dict)
    """store|date → [listing fingerprint, time first seen with that fingerprint]."""
    audited: dict[str, str] = field(default_factory=dict)
    """store|date → listing fingerprint already turned into a run request."""

    def to_cursor(self) -> str:
        return json.dumps({"listings": self.listings, "audited": self.audited}, sort_keys=True)

    @classmethod
    def from_cursor(cls, cursor: str | None) -> "ArrivalState":
        if not cursor:
            return cls()
        data = json.loads(cursor)
        return cls(listings=data.get("listings", {}), audited=data.get("audited", {}))


@dataclass(frozen=True)
class ArrivalScan:
    stores: list[str]
    ready: list[ReadyStoreDay]
    settling: list[Settling]
    state: ArrivalState


def recent_dates(today: datetime.date, lookback_days: int) -> list[str]:
    return [(today - datetime.timedelta(days=offset)).isoformat() for offset in range(lookback_days, -1, -1)]


def scan_arrivals(
    bucket: PhotoBucket,
    state: ArrivalState,
    *,
    today: datetime.date,
    now: float,
    settle_seconds: float,
    lookback_days: int,
) -> ArrivalScan:
    window = recent_dates(today, lookback_days)
    stores = bucket.list_stores()
    listings: dict[str, list] = {}
    audited = {key: value for key, value in state.audited.items() if key.split("|")[1] in window}
    ready: list[ReadyStoreDay] = []
    settling: list[Settling] = []
    for store_id in stores:
        for date in window:
            photos = bucket.list_photos(store_id, date)
            if not photos:
                continue
            key = f"{store_id}|{date}"
            fingerprint = listing_fingerprint(photos)
            if audited.get(key) == fingerprint:
                continue
            previous = state.listings.get(key)
            first_seen = previous[1] if previous and previous[0] == fingerprint else now
            waited = now - first_seen
            if waited < settle_seconds:
                listings[key] = [fingerprint, first_seen]
                settling.append(Settling(store_id, date, settle_seconds - waited))
                continue
            ready.append(ReadyStoreDay(store_id, date, content_key(bucket, photos)))
            audited[key] = fingerprint
    return ArrivalScan(stores, ready, settling, ArrivalState(listings=listings, audited=audited))


def listing_fingerprint(photos: list[BucketObject]) -> str:
    """Cheap: names, sizes and versions. Changes whenever anything in the folder changes."""
    text = "\n".join(f"{p.file_name}\t{p.size}\t{p.version}" for p in sorted(photos, key=lambda p: p.file_name))
    return hashlib.sha256(text.encode()).hexdigest()


def content_key(bucket: PhotoBucket, photos: list[BucketObject]) -> str:
    """Expensive, computed once per settled change: the bytes of every file, so a re-copy changes nothing."""
    digest = hashlib.sha256()
    for photo in sorted(photos, key=lambda p: p.file_name):
        digest.update(photo.file_name.encode() + b"\0")
        try:
            digest.update(hashlib.sha256(bucket.read(photo)).digest())
        except Exception as error:  # an unreadable file still has to be audited (and dead-lettered)
            digest.update(f"unreadable:{type(error).__name__}:{photo.size}".encode())
    return digest.hexdigest()
