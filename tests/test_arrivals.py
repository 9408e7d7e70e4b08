import datetime
import os
import shutil

from shelf_assets.arrivals import ArrivalState, scan_arrivals
from shelf_assets.bucket import PhotoBucket

TODAY = datetime.date(2026, 11, 21)


def upload(bucket_root, store_id, date, bay_id, data=b"jpeg bytes", mtime=None):
    path = bucket_root / store_id / date / f"{bay_id}.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def scan(bucket_root, state, now, settle=60, lookback=2):
    return scan_arrivals(PhotoBucket(str(bucket_root)), state, today=TODAY, now=now, settle_seconds=settle,
                         lookback_days=lookback)


def test_a_store_day_is_ready_only_after_its_upload_settles(tmp_path):
    upload(tmp_path, "store-1", "2026-11-21", "bay-01")
    first = scan(tmp_path, ArrivalState(), now=1000)
    assert first.ready == [] and [(s.store_id, s.seconds_left) for s in first.settling] == [("store-1", 60)]

    upload(tmp_path, "store-1", "2026-11-21", "bay-02")
    second = scan(tmp_path, ArrivalState.from_cursor(first.state.to_cursor()), now=1050)
    assert second.ready == [], "a new photo restarts the settle clock"

    third = scan(tmp_path, second.state, now=1111)
    [ready] = third.ready
    assert (ready.store_id, ready.date) == ("store-1", "2026-11-21")
    assert scan(tmp_path, third.state, now=2000).ready == [], "an audited listing is not requested again"


def test_the_same_files_copied_again_give_the_same_run_key(tmp_path):
    upload(tmp_path, "store-1", "2026-11-20", "bay-01", b"one", mtime=100)
    ready = scan(tmp_path, ArrivalState(), now=1000, settle=0)
    shutil.rmtree(tmp_path / "store-1")
    upload(tmp_path, "store-1", "2026-11-20", "bay-01", b"one", mtime=500)
    again = scan(tmp_path, ready.state, now=1100, settle=0)
    assert again.ready[0].run_key == ready.ready[0].run_key

    upload(tmp_path, "store-1", "2026-11-20", "bay-01", b"two", mtime=900)
    changed = scan(tmp_path, again.state, now=1200, settle=0)
    assert changed.ready[0].run_key != ready.ready[0].run_key


def test_only_the_recent_window_is_listed(tmp_path):
    upload(tmp_path, "store-1", "2026-11-01", "bay-01")
    upload(tmp_path, "store-2", "2026-11-19", "bay-01")
    result = scan(tmp_path, ArrivalState(), now=1000, settle=0, lookback=2)
    assert [(r.store_id, r.date) for r in result.ready] == [("store-2", "2026-11-19")]
    assert sorted(result.stores) == ["store-1", "store-2"]
