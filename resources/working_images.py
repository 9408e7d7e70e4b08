"""Where normalised working copies of the photos are kept between the normalisation and detection steps."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from shelf_assets.warehouse import working_image_path


class WorkingImageStore(ConfigurableResource):
    base_dir: str

    def path_for(self, date: str, store_id: str, bay_id: str) -> Path:
        return working_image_path(Path(self.base_dir), date, store_id, bay_id)
