from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from shelf_assets.simulation.chain import SIMULATED_MARKER, SimulationError, simulate_chain

SEED = 21
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
COLUMNS = {
    "stores.csv": ["store_id", "name", "format", "region"],
    "catalog.csv": ["sku_id", "name", "brand", "category", "width_mm", "height_mm"],
    "planograms.csv": ["planogram_id", "fixture_type", "shelf", "position", "sku_id", "facings"],
    "store_bays.csv": ["store_id", "bay_id", "planogram_id"],
}


def _digests(root: Path) -> dict[str, str]:
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    root = tmp_path_factory.mktemp("chain")
    lines: list[str] = []
    summary = simulate_chain(root, stores=1, days=1, seed=SEED, corrupt_photos=1, progress=lines.append)
    return root, summary, lines


def test_summary_and_progress_describe_what_was_written(chain) -> None:
    root, summary, lines = chain
    photos = sorted((root / "bucket").rglob("*.*"))
    assert summary.root == root
    assert summary.stores == ["store-001"] and summary.dates == ["2026-11-02"]
    assert summary.photos == len(photos) == len(lines)
    assert summary.corrupt_photos == 1
    assert summary.skus == len(_rows(root / "master" / "catalog.csv"))
    assert all(re.fullmatch(r"store-001 2026-11-02 bay-\d\d \d+x\d+( corrupt)?", line) for line in lines)
    assert len(list((root / "truth").rglob("*.json"))) == summary.photos - 1


def test_csvs_have_exactly_the_contract_columns_and_safe_ids(chain) -> None:
    root, _, _ = chain
    for name, columns in COLUMNS.items():
        with (root / "master" / name).open(newline="", encoding="utf-8") as stream:
            assert next(csv.reader(stream)) == columns
    ids = [row["store_id"] for row in _rows(root / "master" / "stores.csv")]
    catalog = _rows(root / "master" / "catalog.csv")
    ids += [row["sku_id"] for row in catalog]
    planograms = _rows(root / "master" / "planograms.csv")
    bays = _rows(root / "master" / "store_bays.csv")
    ids += [row["planogram_id"] for row in planograms] + [row["bay_id"] for row in bays]
    assert all(ID_PATTERN.fullmatch(value) for value in ids)
    sku_ids = {row["sku_id"] for row in catalog}
    assert {row["sku_id"] for row in planograms} <= sku_ids
    assert {row["planogram_id"] for row in bays} <= {row["planogram_id"] for row in planograms}
    assert {row["fixture_type"] for row in planograms} == {"gondola", "freezer", "endcap"}
    for sku_id in sku_ids:
        assert (root / "master" / "packshots" / f"{sku_id}.png").is_file()


def test_truth_matches_the_photo_it_describes(chain) -> None:
    root, _, _ = chain
    sku_ids = {row["sku_id"] for row in _rows(root / "master" / "catalog.csv")}
    bays = {row["bay_id"]: row["planogram_id"] for row in _rows(root / "master" / "store_bays.csv")}
    for truth_path in sorted((root / "truth").rglob("*.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        assert truth["planogram_id"] == bays[truth["bay_id"]]
        with Image.open(root / truth["photo"]) as stored:
            assert stored.getexif().get(0x0112, 1) == truth["exif_orientation"]
            upright = ImageOps.exif_transpose(stored)
            assert list(upright.size) == truth["image_size"]
        width, height = truth["image_size"]
        for product in truth["products"]:
            x0, y0, x1, y1 = product["box"]
            assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
            assert (product["sku_id"] in sku_ids) == product["in_catalog"]
        counts = Counter((p["shelf"], p["position"], p["sku_id"]) for p in truth["products"])
        for slot in truth["slots"]:
            assert slot["present"] == counts[(slot["shelf"], slot["position"], slot["sku_id"])]


def test_corrupt_photo_fails_to_decode_and_has_no_truth(chain) -> None:
    root, _, _ = chain
    broken = []
    for photo in sorted((root / "bucket").rglob("*.*")):
        try:
            with Image.open(photo) as image:
                image.load()
        except (OSError, SyntaxError):
            broken.append(photo)
    assert len(broken) == 1
    relative = broken[0].relative_to(root / "bucket").with_suffix(".json")
    assert not (root / "truth" / relative).exists()


def test_same_seed_writes_byte_identical_files(chain, tmp_path) -> None:
    root, _, _ = chain
    simulate_chain(tmp_path, stores=1, days=1, seed=SEED, corrupt_photos=1)
    assert _digests(tmp_path) == _digests(root)


def test_rerun_removes_stale_simulator_files_but_keeps_outputs(tmp_path) -> None:
    stale = [tmp_path / "bucket" / "store-009" / "2026-11-02" / "bay-01.jpg",
             tmp_path / "truth" / "store-009" / "2026-11-02" / "bay-01.json",
             tmp_path / "master" / "packshots" / "SKU-9999.png"]
    kept = tmp_path / "warehouse" / "detections" / "2026-11-02" / "store-009.parquet"
    for path in [*stale, kept]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"old")
    (tmp_path / SIMULATED_MARKER).write_bytes(b"")
    simulate_chain(tmp_path, stores=1, days=1, seed=4, corrupt_photos=1)
    assert not any(path.exists() for path in stale)
    assert not (tmp_path / "bucket" / "store-009").exists()
    assert kept.read_bytes() == b"old"
    photos = {p.relative_to(tmp_path / "bucket").with_suffix("") for p in (tmp_path / "bucket").rglob("*.*")}
    truths = {p.relative_to(tmp_path / "truth").with_suffix("") for p in (tmp_path / "truth").rglob("*.json")}
    assert len(truths) == len(photos) - 1 and truths < photos
    skus = {row["sku_id"] for row in _rows(tmp_path / "master" / "catalog.csv")}
    assert {p.stem for p in (tmp_path / "master" / "packshots").iterdir()} == skus
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize(("arguments", "message"), [
    ({"difficulty": "brutal"}, "difficulty"),
    ({"stores": 0}, "stores"),
    ({"days": 0}, "days"),
    ({"corrupt_photos": -1}, "corrupt_photos"),
    ({"corrupt_photos": 1000}, "corrupt_photos"),
])
def test_bad_arguments_raise_a_clear_error(tmp_path, arguments, message) -> None:
    with pytest.raises(ValueError, match=message):
        simulate_chain(tmp_path, **arguments)
    assert not (tmp_path / "bucket").exists()


def test_simulation_error_is_a_value_error() -> None:
    assert issubclass(SimulationError, ValueError)


def test_refuses_to_overwrite_a_data_root_it_did_not_write(tmp_path):
    (tmp_path / "bucket" / "store-1" / "2026-11-02").mkdir(parents=True)
    (tmp_path / "bucket" / "store-1" / "2026-11-02" / "bay-01.jpg").write_bytes(b"a real upload")
    with pytest.raises(SimulationError, match="did not write"):
        simulate_chain(tmp_path, stores=1, days=1)
    assert (tmp_path / "bucket" / "store-1" / "2026-11-02" / "bay-01.jpg").read_bytes() == b"a real upload"
