"""The landing bucket as a Dagster resource: a local folder by default, any fsspec URL (s3://…) in production."""

from __future__ import annotations

from dagster import ConfigurableResource

from shelf_assets.bucket import PhotoBucket


class PhotoBucketResource(ConfigurableResource):
    url: str

    def open(self) -> PhotoBucket:
        return PhotoBucket(self.url)
