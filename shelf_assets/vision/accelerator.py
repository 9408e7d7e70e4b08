"""Where model inference runs and in what batches: CUDA when present, the CPU otherwise.

The batch size adapts to the device: it starts large, shrinks when the GPU's memory is nearly full or a batch
runs out of memory, and the allocator's cache is emptied between batches so that other steps sharing the GPU
get their memory back. torch is imported only when a batch actually runs, so steps that never touch a model
do not pay its ~3 s import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
log = logging.getLogger(__name__)


class AcceleratorError(RuntimeError):
    """The requested device cannot be used."""


@dataclass(frozen=True)
class BatchPolicy:
    initial_batch_size: int = 32
    min_batch_size: int = 8
    memory_high_water: float = 0.85
    """Share of GPU memory in use above which the next batch is made smaller."""


def select_device(requested: str = "auto") -> str:
    """'auto' → 'cuda' when a CUDA device is visible, else 'cpu'; an explicit 'cuda' without one is an error."""
    import torch

    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise AcceleratorError(f"device {requested!r} was requested but no CUDA device is available")
    if requested != "cpu" and not requested.startswith("cuda"):
        raise AcceleratorError(f"unknown device {requested!r}: use 'auto', 'cpu' or 'cuda[:N]'")
    return requested


def configure_cpu_threads(threads: int) -> None:
    """Cap torch's intra-op threads so parallel steps on one machine do not oversubscribe its cores."""
    import torch

    torch.set_num_threads(max(1, threads))


def gpu_memory_in_use(device: str) -> float:
    """Share of the device's memory in use (0 on the CPU)."""
    if not device.startswith("cuda"):
        return 0.0
    import torch

    free, total = torch.cuda.mem_get_info(torch.device(device))
    return 1.0 - free / total


def run_in_batches(
    items: Sequence[Item],
    infer: Callable[[Sequence[Item]], list[Result]],
    device: str,
    policy: BatchPolicy = BatchPolicy(),
    memory_in_use: Callable[[str], float] = gpu_memory_in_use,
) -> Iterator[Result]:
    """Yield `infer`'s results item by item, in order, over adaptively sized batches.

    Memory pressure shrinks the batch down to the policy's minimum; an out-of-memory error halves it (below the
    minimum if it must) and retries the same items, so no item is lost or done twice.
    """
    batch_size = policy.initial_batch_size
    start = 0
    while start < len(items):
        if memory_in_use(device) > policy.memory_high_water and batch_size > policy.min_batch_size:
            batch_size = max(policy.min_batch_size, batch_size // 4)
            log.info("GPU memory above %.0f %%: batch size now %d", 100 * policy.memory_high_water, batch_size)
        batch = items[start:start + batch_size]
        try:
            results = infer(batch)
        except Exception as error:
            if not is_out_of_memory(error) or batch_size <= 1:
                raise
            _empty_cache(device)
            batch_size = max(1, batch_size // 2)
            log.warning("out of memory on a batch of %d: retrying with %d", len(batch), batch_size)
            continue
        yield from results
        start += len(batch)
        _empty_cache(device)


def is_out_of_memory(error: Exception) -> bool:
    return type(error).__name__ == "OutOfMemoryError" or "out of memory" in str(error).lower()


def _empty_cache(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.empty_cache()
