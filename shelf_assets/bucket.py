"""The landing zone: `<bucket>/<store_id>/<YYYY-MM-DD>/<bay_id>.jpg`, on local disk or any fsspec URL.

Only folder names that are valid identifiers and dates become store-days; a file is never read from outside
the bucket, even through a symbolic link.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import fsspec
from fsspec.implementations.local import LocalFileSystem

from shelf_assets.identifiers import InvalidIdentifier, check_date, check_identifier, is_identifier

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")


class BucketError(RuntimeError):
    """A photo that cannot be fetched from the bucket as asked."""


@dataclass(frozen=True)
class BucketObject:
    uri: str
    store_id: str
    date: str
    file_name: str
    size: int
    version: str = ""
    """Changes whenever the object is rewritten: the local file's mtime, or the object store's ETag."""


@dataclass(frozen=True)
class StoreDay:
    store_id: str
    date: str


@dataclass(frozen=True)
class BucketListing:
    store_days: list[StoreDay]
    ignored: list[str]
    """Folders outside the layout (bad store id or date), with the reason; they cannot become partitions."""


class PhotoBucket:
    def __init__(self, url: str):
        self.url = url
        try:
            self.fs, root = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as error:
            raise BucketError(f"bucket {url} cannot be opened: {error}") from None
        self.root = root.rstrip("/")
        self._local = isinstance(self.fs, LocalFileSystem)

    def scan(self) -> BucketListing:
        store_days: list[StoreDay] = []
        ignored: list[str] = []
        for store_path in self._store_folders():
            store_name = store_path.rsplit("/", 1)[-1]
            try:
                store_id = check_identifier(store_name, "store id")
            except InvalidIdentifier as error:
                ignored.append(f"{store_path}: {error}")
                continue
            for day_path in self._subfolders(store_path):
                try:
                    date = check_date(day_path.rsplit("/", 1)[-1])
                except InvalidIdentifier as error:
                    ignored.append(f"{day_path}: {error}")
                    continue
                store_days.append(StoreDay(store_id, date))
        return BucketListing(sorted(store_days, key=lambda s: (s.date, s.store_id)), ignored)

    def list_stores(self) -> list[str]:
        """Store folders whose names are valid store ids (others are reported by `scan`)."""
        names = (path.rsplit("/", 1)[-1] for path in self._store_folders())
        return [name for name in names if is_identifier(name)]

    def list_photos(self, store_id: str, date: str) -> list[BucketObject]:
        """Every file uploaded for one store-day, photo or not: the caller accounts for each one."""
        folder = f"{self.root}/{check_identifier(store_id, 'store id')}/{check_date(date)}"
        if not self._is_folder(folder):
            return []
        objects = []
        for entry in self._entries(folder):
            if entry["type"] == "directory":
                continue
            path = entry["name"]
            version = str(entry.get("ETag") or entry.get("etag") or entry.get("mtime") or entry.get("LastModified") or "")
            objects.append(BucketObject(
                self.fs.unstrip_protocol(path), store_id, date, path.rsplit("/", 1)[-1], int(entry["size"]), version
            ))
        return sorted(objects, key=lambda o: o.file_name)

    def read(self, obj: BucketObject) -> bytes:
        path = self._path_of(obj)
        if self._local:
            real = os.path.realpath(path)
            if os.path.commonpath([real, os.path.realpath(self.root)]) != os.path.realpath(self.root):
                raise BucketError(f"{obj.uri} resolves outside the bucket (to {real})")
        try:
            with self.fs.open(path, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            raise BucketError(f"{obj.uri} disappeared from the bucket before it could be read") from None
        except Exception as error:  # refused or unreachable: this photo is dead-lettered, the others go on
            raise BucketError(f"{obj.uri} could not be read: {type(error).__name__}: {error}") from None

    def _path_of(self, obj: BucketObject) -> str:
        return f"{self.root}/{obj.store_id}/{obj.date}/{obj.file_name}"

    def _store_folders(self) -> list[str]:
        if not self._is_folder(self.root):
            raise BucketError(f"bucket {self.url} does not exist or is not a folder")
        return self._subfolders(self.root)

    def _subfolders(self, path: str) -> list[str]:
        return sorted(entry["name"].rstrip("/") for entry in self._entries(path) if entry["type"] == "directory")

    def _is_folder(self, path: str) -> bool:
        with self._listing():
            return self.fs.isdir(path)

    def _entries(self, path: str) -> list[dict]:
        with self._listing():
            return self.fs.ls(path, detail=True)

    @contextmanager
    def _listing(self) -> Iterator[None]:
        """An object store that cannot be reached or refuses the credentials is the bucket's problem, said plainly,
        not a stack trace from the storage client."""
        try:
            yield
        except Exception as error:
            raise BucketError(f"bucket {self.url} could not be listed: {type(error).__name__}: {error}") from None
