"""Seconds per detector training step with batches drawn ahead in a thread and drawn in turn, side by side
(on demand, not a test).

    .venv/bin/python benchmarks/training_step_speed.py [--steps 50] [--threads 2]

Renders one training catalog (6 bays), trains the detector from seed 0 for `--steps` steps both ways and prints
each one's seconds per step, their ratio, and whether the two nets came out with identical weights (they must:
prefetching changes when a batch is drawn, not what is drawn).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from shelf_assets.learning import detector_training  # noqa: E402
from shelf_assets.learning.dataset import build_shard  # noqa: E402
from shelf_assets.learning.recipe import TRAINING_SEED_BASE  # noqa: E402


def _in_turn(draw, count):
    for _ in range(count):
        yield draw()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    shard = build_shard(TRAINING_SEED_BASE, 6)
    config = detector_training.DetectorTrainingConfig(steps=args.steps)
    seconds, weights = {}, {}
    prefetched = detector_training.prefetched
    for way, draw_batches in (("drawn ahead", prefetched), ("drawn in turn", _in_turn)):
        detector_training.prefetched = draw_batches
        started = time.perf_counter()
        weights[way] = detector_training.train_detector([shard], config, seed=0).state_dict()
        seconds[way] = (time.perf_counter() - started) / args.steps
        print(f"{way}: {seconds[way]:.3f} s per step ({args.threads} torch threads)")
    detector_training.prefetched = prefetched
    same = all(torch.equal(weights["drawn ahead"][name], tensor) for name, tensor in weights["drawn in turn"].items())
    print(f"drawn in turn / drawn ahead: {seconds['drawn in turn'] / seconds['drawn ahead']:.2f}; "
          f"identical weights: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
