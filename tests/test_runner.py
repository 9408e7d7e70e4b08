from shelf_assets.bucket import StoreDay
from shelf_assets.runner import store_day_batches


def test_consecutive_days_of_a_store_share_a_run_and_gaps_split_it():
    days = [StoreDay("s2", "2026-11-02"), StoreDay("s1", "2026-11-03"), StoreDay("s1", "2026-11-02"),
            StoreDay("s1", "2026-11-05"), StoreDay("s1", "2026-11-06"), StoreDay("s1", "2026-11-07")]
    batches = store_day_batches(days, max_per_run=2)
    assert [[(d.store_id, d.date) for d in batch] for batch in batches] == [
        [("s1", "2026-11-02"), ("s1", "2026-11-03")],
        [("s1", "2026-11-05"), ("s1", "2026-11-06")],
        [("s1", "2026-11-07")],
        [("s2", "2026-11-02")],
    ]
