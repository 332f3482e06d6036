"""The guard through the dynamic provider host with both record stores: the local directory and a
bucket on a real S3 API (moto on 127.0.0.1), the Spaces keys arriving only in Configure's config."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest

from dosim import Simulator
from gpuforge.guard import SnapshotGuardProvider
from gpuforge.timemachine import SnapshotSettings
from tests.guard.conftest import small_program
from tests.s3server import SECRET_KEY, SPACES_CONFIG, Bucket

SNAPSHOT_POSTS = ("POST", "/v2/droplets/{id}/actions")


@pytest.fixture
def destroy(sim: Simulator, start_host: Callable[..., Any], capture_guard_inputs: Callable[..., dict[str, Any]]):
    """``destroy(record_store, **settings)`` → (host, resource id, state outputs) of a guard about to be deleted."""

    def make(record_store: str = "", **settings: Any) -> tuple[Any, str, dict[str, Any]]:
        droplet = sim.add_droplet(name="gpu-dev", size="gpu-h100x1-80gb", region="nyc2", status="active")
        full = SnapshotSettings(
            "gpu-dev",
            region="nyc2",
            gpu_size="gpu-h100x1-80gb",
            image="gpu-h100x1-base",
            record_store=record_store,
            **settings,
        )
        inputs = capture_guard_inputs(small_program(full), droplet_id=str(droplet["id"]))
        host = start_host({"digitalocean:token": sim.token, "digitalocean:apiEndpoint": sim.url, **SPACES_CONFIG})
        resource_id, outs = host.create(host.check(inputs))
        return host, resource_id, outs

    return make


def records_in(store: str, tmp_path: Path, bucket: Bucket) -> list[dict[str, Any]]:
    if store == "local":
        return [json.loads(p.read_text()) for p in sorted((tmp_path / "snapshots").glob("*.json"))]
    return list(bucket.objects().values())


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET_KEY not in text and base64.b64encode(SECRET_KEY.encode()).decode()[:20] not in text


@pytest.mark.parametrize("store", ["local", "s3"])
def test_destroy_records_the_snapshot_in_the_configured_store(sim, tmp_path, bucket, destroy, store):
    spec = bucket.spec() if store == "s3" else ""
    host, resource_id, outs = destroy(spec)
    assert outs["record_store"] == spec
    host.delete(resource_id, outs)

    (snapshot,) = sim.snapshots.values()
    assert sim.count(*SNAPSHOT_POSTS, body_type="snapshot") == 1
    assert snapshot["tags"] == ["gpuforge", "gpuforge-droplet-gpu-dev", "gpuforge-stack-dev"]
    (record,) = records_in(store, tmp_path, bucket)
    assert record["snapshot_id"] == snapshot["id"] and record["trigger"] == "destroy"
    where = (
        f"s3://{bucket.name}/{bucket.prefix}/{snapshot['name']}-{snapshot['id']}.json"
        if store == "s3"
        else f"snapshots/{snapshot['name']}.json"
    )
    assert f"Snapshot log saved to: {where}" in host.stderr
    assert (tmp_path / "snapshots").exists() == (store == "local")
    assert_no_secret(json.dumps(outs), json.dumps(record), host.stderr)


def test_a_bucket_refusing_the_record_aborts_the_delete_and_keeps_the_snapshot(sim, bucket, destroy):
    host, resource_id, outs = destroy(bucket.spec())
    bucket.deny("s3:PutObject")
    with pytest.raises(grpc.RpcError) as err:
        host.delete(resource_id, outs)
    (snapshot,) = sim.snapshots.values()
    details = err.value.details()
    assert f"Could not write the snapshot record to s3://{bucket.name}/{bucket.prefix}: AccessDenied" in details
    assert f"the snapshot {snapshot['id']} ({snapshot['name']}) exists" in details and "Traceback" not in details
    assert bucket.objects() == {} and len(sim.droplets) == 1
    assert_no_secret(details, host.stderr)


@pytest.mark.parametrize("power_off", [True, False], ids=["powered-off", "live"])
def test_an_upload_dropped_mid_way_is_finished_by_the_rerun_without_a_second_snapshot(
    sim, bucket, dropping_proxy, destroy, power_off
):
    host, resource_id, outs = destroy(bucket.spec(dropping_proxy.url), power_off=power_off)
    dropping_proxy.drop_puts = True
    with pytest.raises(grpc.RpcError) as err:
        host.delete(resource_id, outs)
    (snapshot,) = sim.snapshots.values()
    assert dropping_proxy.dropped == 3  # botocore's attempts, each cut off mid-request
    assert "connection failed" in err.value.details() and f"the snapshot {snapshot['id']}" in err.value.details()
    assert bucket.objects() == {}

    dropping_proxy.drop_puts = False
    host.delete(resource_id, outs)
    assert sim.count(*SNAPSHOT_POSTS, body_type="snapshot") == 1 and len(sim.snapshots) == 1
    assert "adopting it instead of taking another" in host.stderr
    (record,) = bucket.objects().values()
    assert record["snapshot_id"] == snapshot["id"]


def test_a_bucket_store_without_spaces_keys_fails_before_any_snapshot(sim, bucket, start_host, capture_guard_inputs):
    droplet = sim.add_droplet(name="gpu-dev", size="gpu-h100x1-80gb", region="nyc2", status="active")
    inputs = capture_guard_inputs(
        small_program(SnapshotSettings("gpu-dev", record_store=bucket.spec())), droplet_id=str(droplet["id"])
    )
    host = start_host()
    with pytest.raises(grpc.RpcError) as err:
        host.delete(*host.create(host.check(inputs)))
    assert "No Spaces access key for the record store" in err.value.details()
    assert sim.count(*SNAPSHOT_POSTS, body_type="snapshot") == 0


def test_continue_lets_the_droplet_go_and_says_the_snapshot_is_kept_unrecorded(sim, bucket, capsys):
    droplet = sim.add_droplet(name="gpu-dev", size="gpu-h100x1-80gb", region="nyc2", status="off")
    props = {
        "droplet_id": str(droplet["id"]),
        **SnapshotSettings("gpu-dev", on_failure="continue", record_store=bucket.spec()).to_props(),
    }
    provider = SnapshotGuardProvider()
    # what configure keeps, in memory only
    provider._config = {"digitalocean:token": sim.token, "digitalocean:apiEndpoint": sim.url, **SPACES_CONFIG}
    bucket.deny("s3:PutObject")
    provider.delete("guard", props)
    (snapshot,) = sim.snapshots.values()
    stderr = capsys.readouterr().err
    assert "SNAPSHOT NOT RECORDED" in stderr and f"its snapshot {snapshot['id']} is kept, without a record" in stderr
    assert "WITHOUT a snapshot" not in stderr
