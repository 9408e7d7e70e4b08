"""Write a whole synthetic chain: master data, the photo bucket and the truth beside it.

Every file is written atomically and files a previous run left in the simulator's own folders are removed,
so a re-run with other parameters never leaves stale photos or truth for the pipeline to stumble over.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from shelf_assets.atomic import write_bytes
from shelf_assets.simulation.catalog import Catalog, build_catalog, draw_packshot
from shelf_assets.simulation.drawing import derive_rng
from shelf_assets.simulation.planograms import (
    Planogram,
    Store,
    StoreBay,
    build_planograms,
    build_store_bays,
    build_stores,
)
from shelf_assets.simulation.render import RenderedPhoto, difficulty_named, encode_photo, render_photo, store_look
from shelf_assets.simulation.shelf_state import ShelfState, true_shelf

CORRUPT_FRACTION = 0.4
STORE_COLUMNS = ("store_id", "name", "format", "region")
CATALOG_COLUMNS = ("sku_id", "name", "brand", "category", "width_mm", "height_mm")
PLANOGRAM_COLUMNS = ("planogram_id", "fixture_type", "shelf", "position", "sku_id", "facings")
STORE_BAY_COLUMNS = ("store_id", "bay_id", "planogram_id")
_MANAGED_FOLDERS = ("bucket", "truth", "master/packshots")
SIMULATED_MARKER = ".simulated-chain"
"""Written at the root of every simulated chain: only such a root may have its bucket and truth replaced."""


class SimulationError(ValueError):
    """The chain cannot be simulated with these arguments."""


@dataclass(frozen=True)
class SimulationSummary:
    root: Path
    stores: list[str]
    dates: list[str]
    photos: int
    corrupt_photos: int
    skus: int


def _csv_bytes(columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _format_mm(value: float) -> str:
    return f"{value:g}"


def _write_master(root: Path, catalog: Catalog, planograms: list[Planogram], stores: list[Store],
                  bays: list[StoreBay], written: set[Path]) -> dict[str, Image.Image]:
    master = root / "master"
    outputs = {
        "stores.csv": _csv_bytes(STORE_COLUMNS, [(s.store_id, s.name, s.format, s.region) for s in stores]),
        "catalog.csv": _csv_bytes(CATALOG_COLUMNS, [
            (sku.product_id, sku.name, sku.brand, sku.category, _format_mm(sku.width_mm), _format_mm(sku.height_mm))
            for sku in catalog.skus]),
        "planograms.csv": _csv_bytes(PLANOGRAM_COLUMNS, [
            (planogram.planogram_id, planogram.fixture_type, slot.shelf, slot.position, slot.sku_id, slot.facings)
            for planogram in planograms for slot in planogram.slots()]),
        "store_bays.csv": _csv_bytes(STORE_BAY_COLUMNS, [(b.store_id, b.bay_id, b.planogram_id) for b in bays]),
    }
    for name, data in outputs.items():
        write_bytes(data, master / name)
        written.add(master / name)
    packshots: dict[str, Image.Image] = {}
    for product in (*catalog.skus, *catalog.foreign):
        packshots[product.product_id] = draw_packshot(product)
    for sku in catalog.skus:
        buffer = io.BytesIO()
        packshots[sku.product_id].save(buffer, "PNG", compress_level=6)
        path = master / "packshots" / f"{sku.product_id}.png"
        write_bytes(buffer.getvalue(), path)
        written.add(path)
    return packshots


def truth_record(store_id: str, date: str, bay_id: str, planogram: Planogram, photo: RenderedPhoto,
                 state: ShelfState, photo_path: str) -> dict[str, object]:
    """The truth contract (DESIGN §4) for one rendered photo; a slot's `hidden` is the share of its face nobody
    could see."""
    return {
        "store_id": store_id, "date": date, "bay_id": bay_id,
        "planogram_id": planogram.planogram_id, "fixture_type": planogram.fixture_type,
        "image_size": list(photo.size), "exif_orientation": photo.exif_orientation, "photo": photo_path,
        "products": [
            {"box": list(product.box), "sku_id": product.product_id, "in_catalog": product.in_catalog,
             "shelf": product.shelf, "position": product.position, "occluded": product.occluded}
            for product in photo.products
        ],
        "slots": [
            {"shelf": slot.shelf, "position": slot.position, "sku_id": slot.sku_id, "facings": slot.facings,
             "present": slot.present, "hidden": hidden}
            for slot, hidden in zip(state.slots, photo.slot_hidden, strict=True)
        ],
    }


def _claim_root(root: Path) -> None:
    """Refuse to overwrite a real retailer's data root; mark an empty or simulated one as ours."""
    marker = root / SIMULATED_MARKER
    if not marker.exists() and any((root / folder).exists() for folder in ("master", "bucket", "truth")):
        raise SimulationError(
            f"{root} already holds master data or photos that the simulator did not write "
            f"(no {SIMULATED_MARKER} marker); refusing to replace them — choose another output folder"
        )
    write_bytes(b"written by shelf-audit simulate; its bucket/, truth/ and master/ are replaced on every run\n", marker)


def _remove_stale(root: Path, written: set[Path]) -> None:
    for folder in _MANAGED_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*"), reverse=True):
            if path.is_file() and path not in written:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()


def simulate_chain(out_root: Path, *, stores: int = 3, days: int = 2, seed: int = 0,
                   start_date: datetime.date = datetime.date(2026, 11, 2), difficulty: str = "normal",
                   corrupt_photos: int = 0, progress: Callable[[str], None] | None = None) -> SimulationSummary:
    """Write a chain of `stores` stores photographed on `days` consecutive days into `out_root`."""
    camera = difficulty_named(difficulty)
    if stores < 1 or stores > 999:
        raise SimulationError(f"stores must be between 1 and 999, got {stores}")
    if days < 1:
        raise SimulationError(f"days must be at least 1, got {days}")
    if corrupt_photos < 0:
        raise SimulationError(f"corrupt_photos must not be negative, got {corrupt_photos}")
    root = Path(out_root)
    _claim_root(root)
    catalog = build_catalog(seed)
    planograms = build_planograms(catalog, seed)
    by_id = {planogram.planogram_id: planogram for planogram in planograms}
    store_list = build_stores(stores, seed)
    bays = build_store_bays(store_list, planograms, seed)
    dates = [(start_date + datetime.timedelta(days=offset)).isoformat() for offset in range(days)]
    shots = [(bay, date) for bay in bays for date in dates]
    shots.sort(key=lambda shot: (shot[0].store_id, shot[1], shot[0].bay_id))
    if corrupt_photos > len(shots):
        raise SimulationError(f"corrupt_photos={corrupt_photos} exceeds the {len(shots)} photos of this chain")
    corrupt_rng = derive_rng(seed, "corrupt")
    corrupt = {int(index) for index in corrupt_rng.choice(len(shots), size=corrupt_photos, replace=False)}

    written: set[Path] = set()
    packshots = _write_master(root, catalog, planograms, store_list, bays, written)
    looks = {store.store_id: store_look(seed, store.store_id) for store in store_list}
    for index, (bay, date) in enumerate(shots):
        planogram = by_id[bay.planogram_id]
        state = true_shelf(planogram, catalog, seed, bay.store_id, date, bay.bay_id)
        rng = derive_rng(seed, "photo", bay.store_id, date, bay.bay_id)
        photo = render_photo(planogram, state, catalog, packshots, looks[bay.store_id], camera, rng)
        taken_at = datetime.datetime.fromisoformat(date) + datetime.timedelta(hours=7 + float(rng.uniform(0, 12)))
        data = encode_photo(photo, taken_at.replace(microsecond=0))
        extension = "png" if photo.file_format == "PNG" else "jpg"
        relative = f"bucket/{bay.store_id}/{date}/{bay.bay_id}.{extension}"
        if index in corrupt:
            data = data[: int(len(data) * CORRUPT_FRACTION)]
        write_bytes(data, root / relative)
        written.add(root / relative)
        if index not in corrupt:
            record = truth_record(bay.store_id, date, bay.bay_id, planogram, photo, state, relative)
            truth_path = root / "truth" / bay.store_id / date / f"{bay.bay_id}.json"
            write_bytes(json.dumps(record, indent=1).encode("utf-8"), truth_path)
            written.add(truth_path)
        if progress is not None:
            width, height = photo.size
            note = " corrupt" if index in corrupt else ""
            progress(f"{bay.store_id} {date} {bay.bay_id} {width}x{height}{note}")
    _remove_stale(root, written)
    return SimulationSummary(root=root, stores=[store.store_id for store in store_list], dates=dates,
                             photos=len(shots), corrupt_photos=corrupt_photos, skus=len(catalog.skus))
