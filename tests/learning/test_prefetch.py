import threading

import pytest

from shelf_assets.learning.prefetch import prefetched


def test_batches_come_in_the_order_they_were_drawn_and_no_more_are_drawn():
    drawn = iter(range(100))
    assert list(prefetched(lambda: next(drawn), 7)) == list(range(7))
    assert next(drawn) == 7


def test_a_failing_draw_raises_at_the_batch_it_would_have_been():
    calls = []

    def draw():
        calls.append(None)
        if len(calls) == 3:
            raise ValueError("window outside the bay")
        return len(calls)

    batches = prefetched(draw, 5)
    assert [next(batches), next(batches)] == [1, 2]
    with pytest.raises(ValueError, match="window outside the bay"):
        next(batches)


def test_a_consumer_that_stops_early_leaves_no_thread_behind():
    batches = prefetched(lambda: 0, 1000)
    next(batches)
    batches.close()
    assert not any(thread.name == "batch-prefetch" for thread in threading.enumerate())
