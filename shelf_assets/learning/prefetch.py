"""Drawing training batches ahead, in a thread of their own, while the net trains on the last one.

On a CPU a detector step spends more time cutting, rescaling and re-lighting its windows than in the net, and most
of that work (Pillow's resize, NumPy's noise, torch's pooling) lets go of the GIL: drawn alongside, it hides behind
the forward and backward passes. Batches come out in the order they were drawn, from one thread only, so the
random generator they draw from meets the same calls as without the thread, and the weights do not change.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

Batch = TypeVar("Batch")

AHEAD = 2
"""Batches kept ready: one is enough to overlap; a second absorbs a slow draw."""


def prefetched(draw: Callable[[], Batch], count: int) -> Iterator[Batch]:
    """`count` results of `draw()`, each drawn while the one before it is being used.

    A draw that raises raises again here, at the batch it would have been; when the consumer stops early (its own
    error), the thread finishes the draw it is in and ends."""
    ready: queue.Queue = queue.Queue(maxsize=AHEAD)
    stop = threading.Event()

    def produce() -> None:
        for _ in range(count):
            if stop.is_set():
                return
            try:
                ready.put((draw(), None))
            except Exception as error:  # noqa: BLE001 - handed to the consumer, which raises it
                ready.put((None, error))
                return

    worker = threading.Thread(target=produce, name="batch-prefetch", daemon=True)
    worker.start()
    try:
        for _ in range(count):
            batch, error = ready.get()
            if error is not None:
                raise error
            yield batch
    finally:
        stop.set()
        while worker.is_alive():
            try:
                ready.get(timeout=0.1)
            except queue.Empty:
                pass
