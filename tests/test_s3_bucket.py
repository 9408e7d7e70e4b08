"""The landing bucket on an S3-compatible object store.

moto's standalone server listens on 127.0.0.1 and answers the S3 REST API over HTTP; the pipeline reaches it
through s3fs with only the standard AWS variables set, as it reaches a retailer's bucket.
"""

import uuid

import pandas as pd
import pytest
import s3fs
from dagster import DagsterInstance
from moto.server import ThreadedMotoServer

from resources.arrival_policy import ArrivalPolicy
from shelf_assets.bucket import BucketError, PhotoBucket
from shelf_assets.cli import main
from shelf_assets.settings import DataRoot
from tests.assets.test_audit_store_day import audit, table
from tests.conftest import store_day_of_chain
from tests.test_sensors import evaluate as evaluate_sensor


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch) -> tuple[s3fs.S3FileSystem, str]:
    """A fresh bucket on the server, and the URL of a `photos/` landing zone in it."""
    for name, value in {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_ACCESS_KEY_ID": "shelf-audit",
                        "AWS_SECRET_ACCESS_KEY": "shelf-audit-secret", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem()
    name = f"shelf-{uuid.uuid4().hex[:12]}"
    fs.mkdir(name)
    yield fs, f"s3://{name}/photos"
    s3fs.S3FileSystem.clear_instance_cache()


def test_photos_in_an_s3_bucket_are_listed_read_and_versioned(s3):
    fs, url = s3
    for key, data in {"store-1/2026-11-02/bay-01.jpg": b"one", "store-1/2026-11-02/bay-02.jpg": b"two",
                      "store-2/2026-11-03/bay-01.jpg": b"three", "bad store/2026-11-02/bay-01.jpg": b"stray"}.items():
        fs.pipe(f"{url}/{key}", data)
    bucket = PhotoBucket(url)

    listing = bucket.scan()
    assert [(s.store_id, s.date) for s in listing.store_days] == [("store-1", "2026-11-02"), ("store-2", "2026-11-03")]
    assert any("bad store" in line and "invalid store id" in line for line in listing.ignored)
    photos = bucket.list_photos("store-1", "2026-11-02")
    assert [(p.file_name, p.size) for p in photos] == [("bay-01.jpg", 3), ("bay-02.jpg", 3)]
    assert photos[0].uri == f"{url}/store-1/2026-11-02/bay-01.jpg"
    assert bucket.read(photos[1]) == b"two"

    fs.pipe(f"{url}/store-1/2026-11-02/bay-01.jpg", b"one, taken again")
    [again, _] = PhotoBucket(url).list_photos("store-1", "2026-11-02")
    assert photos[0].version and again.version != photos[0].version


def test_a_missing_s3_bucket_or_photo_is_a_clear_error(s3):
    fs, url = s3
    with pytest.raises(BucketError, match="does not exist"):
        PhotoBucket(f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/photos").scan()
    fs.pipe(f"{url}/store-1/2026-11-02/bay-01.jpg", b"one")
    bucket = PhotoBucket(url)
    [photo] = bucket.list_photos("store-1", "2026-11-02")
    fs.rm(f"{url}/store-1/2026-11-02/bay-01.jpg")
    with pytest.raises(BucketError, match="disappeared from the bucket"):
        bucket.read(photo)


def _without_credentials(monkeypatch, tmp_path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"):
        monkeypatch.setenv(name, str(tmp_path / "no-such-file"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    s3fs.S3FileSystem.clear_instance_cache()


def test_an_s3_bucket_without_credentials_is_a_clear_error(s3, tiny_chain, monkeypatch, tmp_path, capsys):
    fs, url = s3
    fs.pipe(f"{url}/store-1/2026-11-02/bay-01.jpg", b"one")
    [photo] = PhotoBucket(url).list_photos("store-1", "2026-11-02")
    _without_credentials(monkeypatch, tmp_path)

    with pytest.raises(BucketError, match=f"{photo.uri} could not be read: NoCredentialsError"):
        PhotoBucket(url).read(photo)
    assert main(["audit", "--data", str(tiny_chain.root), "--bucket", url]) == 2
    assert f"bucket {url} could not be listed: NoCredentialsError" in capsys.readouterr().err


def test_the_sensor_requests_a_store_day_uploaded_to_s3_once(s3):
    fs, url = s3
    today = ArrivalPolicy().today().isoformat()
    fs.pipe(f"{url}/store-9/{today}/bay-01.jpg", b"photo")
    result = evaluate_sensor(url)
    [request] = result.run_requests
    assert request.partition_key.keys_by_dimension == {"date": today, "store": "store-9"}
    assert evaluate_sensor(url, cursor=result.cursor).run_requests == []

    fs.pipe(f"{url}/store-9/{today}/bay-02.jpg", b"one more photo")
    [again] = evaluate_sensor(url, cursor=result.cursor).run_requests
    assert again.run_key != request.run_key


@pytest.mark.slow
def test_a_store_day_audited_from_s3_scores_as_from_the_local_folder(tiny_chain, s3, tmp_path):
    fs, url = s3
    fs.put(str(tiny_chain.root / "bucket") + "/", url, recursive=True)
    store_id, date = store_day_of_chain(tiny_chain)
    from_s3 = DataRoot.at(tmp_path / "from-s3", bucket_url=url)
    from_s3.root.mkdir()
    (from_s3.root / "master").symlink_to(tiny_chain.master)
    with DagsterInstance.ephemeral() as instance:
        audit(from_s3, store_id, date, instance)
    with DagsterInstance.ephemeral() as instance:
        audit(tiny_chain, store_id, date, instance)

    for name in ("bay_scores", "slot_status"):
        pd.testing.assert_frame_equal(table(from_s3, name, store_id, date), table(tiny_chain, name, store_id, date))
    assert len(table(from_s3, "detections", store_id, date)) == len(table(tiny_chain, "detections", store_id, date)) > 0
    assert table(from_s3, "dead_letter", store_id, date).empty
