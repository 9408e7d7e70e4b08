"""Speed of the vision stages on this machine, side by side in one run (run on demand, not a test).

    python benchmarks/vision_speed.py [--chain ROOT] [--photos N]

With --chain, photos, packshots and fixture types come from a simulated chain (`shelf-audit simulate`);
without it, a few 12 MP shelf-like JPEGs are drawn in memory and the matcher uses drawn packshots.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shelf_assets.vision.classical import detect_classical  # noqa: E402
from shelf_assets.vision.lighting import normalize_lighting  # noqa: E402
from shelf_assets.vision.matcher import PackshotMatcher  # noqa: E402
from shelf_assets.vision.photos import WORKING_LONG_SIDE, decode_photo  # noqa: E402


def _drawn_photo(seed: int, size: tuple[int, int] = (4032, 3024)) -> bytes:
    """A textured 12 MP shelf-like JPEG: boards, coloured packs, sensor noise (so entropy is realistic)."""
    rng = np.random.default_rng(seed)
    small = Image.new("RGB", (size[0] // 4, size[1] // 4), (190, 190, 185))
    draw = ImageDraw.Draw(small)
    for shelf_y in range(120, small.height, 160):
        draw.rectangle((40, shelf_y, small.width - 40, shelf_y + 12), fill=(230, 230, 235))
        x = 50
        while x < small.width - 80:
            width = int(rng.integers(25, 60))
            colour = tuple(int(c) for c in rng.integers(20, 235, 3))
            draw.rectangle((x, shelf_y - int(rng.integers(60, 140)), x + width, shelf_y - 1), fill=colour)
            x += width + int(rng.integers(2, 12))
    photo = small.resize(size, Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(1.0))
    noisy = np.asarray(photo, dtype=np.int16) + rng.integers(-6, 7, (size[1], size[0], 3), dtype=np.int16)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _inputs(chain: Path | None, count: int) -> tuple[list[tuple[bytes, str]], PackshotMatcher]:
    if chain is None:
        photos = [(_drawn_photo(seed), "gondola") for seed in range(count)]
        rng = np.random.default_rng(7)
        packshots = [Image.new("RGB", (200, 400), tuple(int(c) for c in rng.integers(0, 255, 3))) for _ in range(50)]
        return photos, PackshotMatcher([f"SKU-{i:04d}" for i in range(50)], packshots)
    truths = sorted((chain / "truth").rglob("*.json"))[:count]
    photos = []
    for truth_path in truths:
        truth = json.loads(truth_path.read_text())
        photos.append(((chain / truth["photo"]).read_bytes(), truth["fixture_type"]))
    sku_ids = [line.split(",")[0] for line in (chain / "master" / "catalog.csv").read_text().splitlines()[1:]]
    return photos, PackshotMatcher.from_folder(chain / "master" / "packshots", sku_ids)


def _per_photo_ms(step, items, repeats: int = 2) -> float:
    started = time.perf_counter()
    for _ in range(repeats):
        for item in items:
            step(item)
    return (time.perf_counter() - started) * 1000.0 / (repeats * len(items))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chain", type=Path, default=None)
    parser.add_argument("--photos", type=int, default=6)
    args = parser.parse_args()
    photos, matcher = _inputs(args.chain, args.photos)
    payloads = [data for data, _ in photos]
    sizes = {Image.open(io.BytesIO(data)).size for data in payloads}
    print(f"{len(photos)} photos, stored sizes {sorted(sizes)}, working long side {WORKING_LONG_SIDE}")

    def full_decode(data: bytes) -> Image.Image:
        image = Image.open(io.BytesIO(data)).convert("RGB")
        factor = WORKING_LONG_SIDE / max(image.size)
        return image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS)

    full_ms = _per_photo_ms(full_decode, payloads)
    draft_ms = _per_photo_ms(lambda data: decode_photo(data), payloads)
    working = [decode_photo(data).image for data in payloads]
    normalise_ms = _per_photo_ms(normalize_lighting, working)
    normalised = [normalize_lighting(image) for image in working]
    pairs = list(zip(normalised, [fixture for _, fixture in photos]))
    detect_ms = _per_photo_ms(lambda pair: detect_classical(*pair), pairs)
    detections = [detect_classical(*pair) for pair in pairs]
    match_ms = _per_photo_ms(lambda item: matcher.identify(item[0], item[1].products), list(zip(normalised, detections)))
    boxes = np.mean([len(detection.products) for detection in detections])
    print(f"full decode + LANCZOS : {full_ms:7.1f} ms/photo")
    print(f"draft decode (photos) : {draft_ms:7.1f} ms/photo   ({full_ms / draft_ms:.1f}x faster)")
    print(f"normalize_lighting    : {normalise_ms:7.1f} ms/photo")
    print(f"decode + normalise    : {draft_ms + normalise_ms:7.1f} ms/photo = {1000 / (draft_ms + normalise_ms):.1f} photos/s"
          f"   (full path {1000 / (full_ms + normalise_ms):.1f} photos/s)")
    print(f"detect_classical      : {detect_ms:7.1f} ms/photo   ({boxes:.0f} boxes/photo)")
    print(f"matcher.identify      : {match_ms:7.1f} ms/photo   ({len(matcher.sku_ids)} packshots)")
    print(f"detect + match        : {detect_ms + match_ms:7.1f} ms/photo")


if __name__ == "__main__":
    main()
