import os

import pytest

from shelf_assets.bucket import BucketError, PhotoBucket


def test_scan_keeps_valid_store_days_and_explains_the_rest(tmp_path):
    for folder in ["store-1/2026-11-02", "store-1/2026-11-03", "store-2/2026-11-02", "bad store/2026-11-02",
                   "store-3/not-a-date"]:
        (tmp_path / folder).mkdir(parents=True)
    listing = PhotoBucket(str(tmp_path)).scan()
    assert [(s.store_id, s.date) for s in listing.store_days] == [
        ("store-1", "2026-11-02"), ("store-2", "2026-11-02"), ("store-1", "2026-11-03")]
    assert any("bad store" in line and "invalid store id" in line for line in listing.ignored)
    assert any("not-a-date" in line and "invalid date" in line for line in listing.ignored)


def test_photos_are_listed_and_read(tmp_path):
    day = tmp_path / "store-1" / "2026-11-02"
    day.mkdir(parents=True)
    (day / "bay-02.jpg").write_bytes(b"two")
    (day / "bay-01.jpg").write_bytes(b"one")
    bucket = PhotoBucket(str(tmp_path))
    photos = bucket.list_photos("store-1", "2026-11-02")
    assert [p.file_name for p in photos] == ["bay-01.jpg", "bay-02.jpg"]
    assert photos[0].uri == f"file://{day}/bay-01.jpg" and photos[0].size == 3
    assert bucket.read(photos[1]) == b"two"


def test_a_link_that_leads_outside_the_bucket_is_never_read(tmp_path):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"private")
    bucket_root = tmp_path / "bucket"
    day = bucket_root / "store-1" / "2026-11-02"
    day.mkdir(parents=True)
    os.symlink(secret, day / "bay-01.jpg")
    bucket = PhotoBucket(str(bucket_root))
    [photo] = bucket.list_photos("store-1", "2026-11-02")
    with pytest.raises(BucketError, match="resolves outside the bucket"):
        bucket.read(photo)


def test_missing_bucket_is_a_clear_error(tmp_path):
    with pytest.raises(BucketError, match="does not exist"):
        PhotoBucket(str(tmp_path / "nowhere")).scan()


def test_a_bucket_url_no_installed_filesystem_can_open_is_a_clear_error():
    with pytest.raises(BucketError, match="bucket nosuchscheme://photos cannot be opened: .*nosuchscheme"):
        PhotoBucket("nosuchscheme://photos")
