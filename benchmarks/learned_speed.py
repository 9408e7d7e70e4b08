"""Detector plus matcher per photo, learned path beside the classical one, in one run (on demand, not a test).

    .venv/bin/python benchmarks/learned_speed.py [--photos 24] [--threads 1] [--device cpu|cuda] [--batch 1]

Renders a fresh simulated chain (seed 4321, never used in training), decodes and normalises its photos to the
working resolution first (not timed: that is the normalized_images stage), then times on the same working
images: the learned detector with the embedding matcher, and the classical detector with the packshot
correlation matcher. The goal for the learned path is 150 ms per photo on one CPU core.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from shelf_assets.audit.detect import build_detectors  # noqa: E402
from shelf_assets.simulation.chain import simulate_chain  # noqa: E402
from shelf_assets.vision.accelerator import select_device  # noqa: E402
from shelf_assets.vision.classical import detect_classical  # noqa: E402
from shelf_assets.vision.lighting import normalize_lighting  # noqa: E402
from shelf_assets.vision.model_files import load_bundle  # noqa: E402
from shelf_assets.vision.photos import decode_photo  # noqa: E402

GOAL_MS = 150.0


def _working_images(root: Path, count: int) -> list[tuple[object, str]]:
    images = []
    for truth_path in sorted((root / "truth").rglob("*.json"))[:count]:
        truth = json.loads(truth_path.read_text())
        decoded = decode_photo((root / truth["photo"]).read_bytes())
        images.append((normalize_lighting(decoded.image), truth["fixture_type"]))
    return images


def _time_per_photo(images, run, batch: int) -> list[float]:
    timings = []
    for start in range(0, len(images), batch):
        chunk = images[start:start + batch]
        begun = time.perf_counter()
        run(chunk)
        timings.extend([(time.perf_counter() - begun) * 1000 / len(chunk)] * len(chunk))
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = select_device(args.device)

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "chain"
        stores = max(1, -(-args.photos // 6))
        simulate_chain(root, stores=stores, days=1, seed=4321, difficulty="hard")
        images = _working_images(root, args.photos)
        sku_ids = [line.split(",")[0] for line in (root / "master" / "catalog.csv").read_text().splitlines()[1:]]
        bundle = load_bundle()
        learned = build_detectors(bundle, bundle.version, root / "master" / "packshots", sku_ids, device)
        classical = build_detectors(None, "classical", root / "master" / "packshots", sku_ids)

        def run_learned(chunk):
            results = learned.learned.detect_batch([image for image, _ in chunk], [fixture for _, fixture in chunk])
            for (image, fixture), result in zip(chunk, results):
                found = result.detection or detect_classical(image, fixture)
                learned.matcher.identify(image, found.products)

        def run_classical(chunk):
            for image, fixture in chunk:
                classical.matcher.identify(image, detect_classical(image, fixture).products)

        run_learned(images[:2])
        run_classical(images[:2])
        learned_ms = _time_per_photo(images, run_learned, args.batch)
        classical_ms = _time_per_photo(images, run_classical, 1)

    size = images[0][0].size
    print(f"{len(images)} hard photos at working size {size[0]}x{size[1]}, {args.threads} torch thread(s), "
          f"device {device}, batch {args.batch}, model {bundle.version}")
    for name, timings in (("learned detector + embedder", learned_ms), ("classical detector + matcher", classical_ms)):
        print(f"  {name:30s} median {statistics.median(timings):6.1f} ms/photo, "
              f"p90 {sorted(timings)[int(0.9 * (len(timings) - 1))]:6.1f} ms")
    ratio = statistics.median(classical_ms) / statistics.median(learned_ms)
    verdict = "meets" if statistics.median(learned_ms) <= GOAL_MS else "misses"
    print(f"  learned path is {ratio:.2f}x the classical path's speed; {verdict} the {GOAL_MS:.0f} ms goal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
