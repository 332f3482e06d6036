"""The CLI with a shared record store (a bucket on moto's S3 server) and the gpuforge tag."""

from __future__ import annotations

import json

import pytest

from gpuforge.timemachine.records import SnapshotRecord
from gpuforge.timemachine.stores import LocalStore, open_store
from tests.cli.conftest import DAY, assert_one_line_error, automatic, parsed, record_for
from tests.s3server import SPACES_ENV


@pytest.fixture(autouse=True)
def spaces_keys(monkeypatch):
    """The Spaces keys, as a teammate or a CI job exports them."""
    for name, value in SPACES_ENV.items():
        monkeypatch.setenv(name, value)


def test_records_sync_copies_local_records_once(sim, gpuforge, records, bucket):
    first, second = automatic(sim, "gpu-dev", 3), automatic(sim, "gpu-dev", 1)
    record_for(records, first, "gpu-dev")
    record_for(records, second, "gpu-dev")
    (records / "notes.json").write_text(json.dumps({"snapshot_id": "5"}))
    sync = ("records", "sync", "--from", str(records), "--to", bucket.spec())
    body = parsed(gpuforge(*sync, "--json", dir_option=False))
    assert len(body["copied"]) == 2 and body["skipped"] == [] and body["invalid"] == [str(records / "notes.json")]
    again = gpuforge(*sync, dir_option=False)
    assert again.exit_code == 0, again.stderr
    assert (
        f"0 record(s) copied to s3://{bucket.name}/{bucket.prefix}, 2 already there, 1 incomplete file(s) left out"
    ) in again.stdout
    assert sorted(r["snapshot_id"] for r in bucket.objects().values()) == sorted([first["id"], second["id"]])


def test_records_sync_wants_a_bucket(gpuforge, records):
    assert_one_line_error(gpuforge("records", "sync", "--to", str(records), dir_option=False), "is not an s3:// URL")


def test_a_teammate_sees_the_bucket_records_and_tagged_snapshots(sim, gpuforge, tmp_path, bucket, monkeypatch):
    finetuned = sim.add_snapshot(name="llama-finetuned", droplet_name="trainer", regions=["nyc2"])
    tagged = sim.add_snapshot(
        name="before-upgrade",
        droplet_name="gpu-dev",
        regions=["nyc2"],
        tags=["gpuforge"],
        created_at=sim.clock.now() - 10 * DAY,
    )
    by_hand = sim.add_snapshot(name="by-hand", droplet_name="x", regions=["nyc2"])
    laptop = LocalStore(tmp_path / "laptop")
    record_for(laptop.directory, finetuned, "trainer")
    store = open_store(bucket.spec(), directory="", config=None, env=SPACES_ENV)
    store.write(SnapshotRecord.from_dict(laptop.list()[0].data))

    monkeypatch.setenv("GPUFORGE_RECORD_STORE", bucket.spec())
    listed = {s["id"]: s for s in parsed(gpuforge("snapshots", "list", "--json"))["snapshots"]}
    assert listed[finetuned["id"]]["record"] == store.find(finetuned["id"])
    assert (listed[finetuned["id"]]["droplet"], listed[finetuned["id"]]["gpuforge"]) == ("trainer", True)
    assert listed[tagged["id"]]["gpuforge"] and not listed[by_hand["id"]]["gpuforge"]
    shown = parsed(gpuforge("snapshots", "show", "llama-finetuned", "--json"))
    assert shown["record"]["snapshot_id"] == finetuned["id"]
    old = ("snapshots", "prune", "--older-than", "1d", "--json")
    assert parsed(gpuforge(*old))["snapshots"] == []  # a tag alone never makes a snapshot prunable
    assert [s["id"] for s in parsed(gpuforge(*old, "--all"))["snapshots"]] == [tagged["id"]]


def test_take_records_into_the_bucket(sim, gpuforge, records, bucket):
    sim.add_droplet("gpu-dev", region="nyc2", tags=["gpuforge", "gpuforge-stack-dev"])
    body = parsed(gpuforge("snapshot", "take", "gpu-dev", "--live", "--json", "--record-store", bucket.spec()))
    (record,) = bucket.objects().values()
    assert body["record"].startswith(f"s3://{bucket.name}/") and record["snapshot_id"] == body["snapshot_id"]
    assert not records.exists()
    assert sim.snapshots[int(body["snapshot_id"])]["tags"] == [
        "gpuforge",
        "gpuforge-droplet-gpu-dev",
        "gpuforge-stack-dev",
    ]
