"""The record stores against a real filesystem and a real S3 API (moto's server on 127.0.0.1)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from gpuforge.credentials import SpacesKeys
from gpuforge.errors import GpuForgeError
from gpuforge.timemachine.records import SnapshotRecord, estimated_monthly_cost
from gpuforge.timemachine.stores import (
    LocalStore,
    RecordExists,
    RecordStore,
    RecordStoreError,
    open_store,
    parse_s3_url,
)
from gpuforge.timemachine.stores.s3 import S3Store
from tests.s3server import ACCESS_ID, SECRET_KEY, SPACES_ENV

NAME = "gpu-dev-snapshot-20261126-151900"


def record(snapshot_id: str = "7", name: str = NAME) -> SnapshotRecord:
    return SnapshotRecord(
        snapshot_name=name,
        snapshot_id=snapshot_id,
        droplet_id="123",
        droplet_name="gpu-dev",
        action_id="9",
        status="completed",
        created_at="2026-11-26T15:19:01Z",
        started_at="2026-11-26T15:19:00Z",
        completed_at="2026-11-26T15:29:00Z",
        duration_seconds=600.0,
        size_gigabytes=25.0,
        min_disk_size=50,
        regions=["nyc2"],
        region="nyc2",
        gpu_size="gpu-h100x1-80gb",
        image="gpu-h100x1-base",
        project="gpuforge",
        stack="dev",
        trigger="destroy",
        estimated_monthly_cost_usd=estimated_monthly_cost(25.0),
    )


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path) -> RecordStore:
    if request.param == "local":
        return LocalStore(tmp_path / "snapshots")
    bucket = request.getfixturevalue("bucket")
    return open_store(bucket.spec(), directory="unused", config=None, env=SPACES_ENV)


def test_write_find_and_list(store):
    assert store.list() == [] and store.find("7") is None
    location = store.write(record("7"))
    assert location.endswith(".json") and NAME in location
    assert store.find("7") == location and store.find("8") is None
    (stored,) = store.list()
    assert stored.location == location and SnapshotRecord.from_dict(stored.data) == record("7")


def test_a_second_write_of_the_same_snapshot_is_refused_and_changes_nothing(store):
    location = store.write(record("7"))
    with pytest.raises(RecordExists) as err:
        store.write(replace(record("7"), trigger="manual"))
    assert err.value.location == location
    (stored,) = store.list()
    assert stored.data["trigger"] == "destroy"


def test_concurrent_writers_with_the_same_snapshot_name_lose_nothing(store):
    ids = [str(100 + i) for i in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        locations = list(pool.map(lambda i: store.write(record(i)), ids))
    assert len(set(locations)) == len(ids)
    by_id = {r.data["snapshot_id"]: r for r in store.list()}
    assert sorted(by_id) == ids
    assert all(by_id[i].location == loc for i, loc in zip(ids, locations, strict=True))


def test_concurrent_writers_of_the_same_record_leave_one(store):
    def write() -> str:
        try:
            return store.write(record("7"))
        except RecordExists as exists:
            return exists.location

    with ThreadPoolExecutor(max_workers=8) as pool:
        locations = set(pool.map(lambda _: write(), range(8)))
    (stored,) = store.list()  # a local loser may have seen its own `<name>-<id>.json` before removing it
    assert stored.location in locations and stored.data["snapshot_id"] == "7"


def test_s3_keys_hold_the_snapshot_id_and_foreign_objects_are_skipped(bucket):
    store = open_store(bucket.spec(), directory="unused", config=None, env=SPACES_ENV)
    bucket.client.put_object(Bucket=bucket.name, Key=f"{bucket.prefix}/notes.json", Body=b"[not a record")
    bucket.client.put_object(
        Bucket=bucket.name, Key=f"{bucket.prefix}/deeper/x.json", Body=json.dumps({"snapshot_id": "1"}).encode()
    )
    assert store.write(record("7")) == f"s3://{bucket.name}/{bucket.prefix}/{NAME}-7.json"
    assert [r.data["snapshot_id"] for r in store.list()] == ["7"]


def test_a_bucket_that_refuses_writes_is_a_one_line_error(bucket):
    store = open_store(bucket.spec(), directory="unused", config=None, env=SPACES_ENV)
    bucket.deny("s3:PutObject")
    with pytest.raises(RecordStoreError) as err:
        store.write(record("7"))
    assert str(err.value) == (
        f"Could not write the snapshot record to s3://{bucket.name}/{bucket.prefix}: "
        "AccessDenied — check the bucket's policy and that the Spaces key may read and write it"
    )


def test_a_missing_bucket_and_an_unreachable_endpoint_say_so(bucket):
    keys = SpacesKeys(ACCESS_ID, SECRET_KEY)
    missing = S3Store(parse_s3_url(f"s3://no-such-bucket/x?endpoint={bucket.endpoint}"), keys)
    with pytest.raises(RecordStoreError, match="NoSuchBucket — create the bucket"):
        missing.list()
    closed = S3Store(parse_s3_url("s3://team/x?endpoint=http://127.0.0.1:9"), keys, attempts=1, timeout=2)
    with pytest.raises(RecordStoreError, match=r"connection failed \(EndpointConnectionError\)"):
        closed.write(record("7"))


def test_a_local_directory_that_cannot_be_written_is_a_store_error(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(RecordStoreError, match="Could not write the snapshot record to"):
        LocalStore(tmp_path / "file" / "snapshots").write(record("7"))


@pytest.mark.parametrize(
    "spec, bucket_, prefix, endpoint, region",
    [
        ("s3://team/gpuforge?region=nyc3", "team", "gpuforge/", "https://nyc3.digitaloceanspaces.com", "nyc3"),
        ("s3://team.records/a/b/?region=ams3", "team.records", "a/b/", "https://ams3.digitaloceanspaces.com", "ams3"),
        ("s3://team?endpoint=http://127.0.0.1:9000", "team", "", "http://127.0.0.1:9000", "us-east-1"),
    ],
)
def test_urls_name_a_bucket_a_prefix_and_an_endpoint(spec, bucket_, prefix, endpoint, region):
    location = parse_s3_url(spec)
    assert (location.bucket, location.prefix, location.endpoint, location.region) == (bucket_, prefix, endpoint, region)


@pytest.mark.parametrize(
    "spec, words",
    [
        ("s3://team/gpuforge", "?region=nyc3"),
        ("s3://KEY:SECRET@team/x?region=nyc3", "without credentials"),
        ("gs://team/x?region=nyc3", "an s3:// URL"),
        ("s3://team/x?region=nyc3&acl=public", "only options"),
        ("s3://Team_Bucket/x?region=nyc3", "bucket name"),
    ],
)
def test_bad_urls_are_refused_with_what_is_allowed(spec, words):
    with pytest.raises(GpuForgeError) as err:
        open_store(spec, directory="snapshots", config=None, env=SPACES_ENV)
    assert words in str(err.value) and ":SECRET@" not in str(err.value)


def test_keys_come_from_the_stack_config_else_the_environment_and_are_required():
    spec = "s3://team/x?region=nyc3"
    from_config = open_store(
        spec,
        directory="",
        config={"digitalocean:spacesAccessId": "id", "digitalocean:spacesSecretKey": "s3cret"},
        env={},
    )
    assert "s3cret" not in repr(from_config)
    with pytest.raises(GpuForgeError) as err:
        open_store(spec, directory="", config={}, env={})
    assert "digitalocean:spacesAccessId" in str(err.value) and "SPACES_ACCESS_KEY_ID" in str(err.value)
    assert isinstance(open_store("", directory="snapshots", config=None, env={}), LocalStore)


def test_a_file_in_place_of_the_record_directory_is_an_error_not_an_existing_record(tmp_path):
    """Found while testing adoption: mkdir's FileExistsError was once taken for 'already recorded'."""
    blocker = tmp_path / "snapshots"
    blocker.write_text("not a directory")
    with pytest.raises(RecordStoreError, match="Could not write the snapshot record"):
        LocalStore(blocker).write(record())
