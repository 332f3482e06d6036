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
    assert not any(records.iterdir())  # nothing written locally
    assert sim.snapshots[int(body["snapshot_id"])]["tags"] == [
        "gpuforge",
        "gpuforge-droplet-gpu-dev",
        "gpuforge-stack-dev",
    ]


def test_records_sync_refuses_a_missing_or_file_source_and_warns_on_an_empty_one(gpuforge, records, bucket, tmp_path):
    sync = ("records", "sync", "--to", bucket.spec())
    missing = gpuforge(*sync, "--from", str(tmp_path / "no-such-dir"), dir_option=False)
    assert_one_line_error(missing, f"--from {tmp_path / 'no-such-dir'}: no such directory", "snapshotDirectory")
    a_file = tmp_path / "record.json"
    a_file.write_text("{}")
    assert_one_line_error(gpuforge(*sync, "--from", str(a_file), dir_option=False), "is a file, not a directory")
    empty = gpuforge(*sync, "--from", str(records), dir_option=False)
    assert empty.exit_code == 0
    assert empty.stderr == f"Warning: {records} holds no snapshot records (<snapshot-name>.json): nothing to copy.\n"
    assert "0 record(s) copied" in empty.stdout and bucket.objects() == {}


@pytest.mark.parametrize("command", [("snapshots", "list"), ("snapshots", "show", "x"), ("snapshots", "cost")])
def test_a_snapshot_dir_that_is_missing_or_a_file_fails_in_one_line(gpuforge, tmp_path, command):
    missing = gpuforge(*command, "--snapshot-dir", str(tmp_path / "typo"), dir_option=False)
    assert_one_line_error(missing, f"--snapshot-dir {tmp_path / 'typo'}: no such directory")
    a_file = tmp_path / "file"
    a_file.write_text("")
    assert_one_line_error(gpuforge(*command, "--snapshot-dir", str(a_file), dir_option=False), "is a file")


def test_the_default_snapshot_dir_may_be_missing_and_take_creates_a_given_one(sim, gpuforge, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./snapshots yet: a project before its first record
    assert parsed(gpuforge("snapshots", "list", "--json", dir_option=False))["count"] == 0
    sim.add_droplet("gpu-dev", region="nyc2")
    new_dir = tmp_path / "records" / "here"
    body = parsed(
        gpuforge("snapshot", "take", "gpu-dev", "--live", "--json", "--snapshot-dir", str(new_dir), dir_option=False)
    )
    assert body["record"].startswith(str(new_dir))
    a_file = tmp_path / "file"
    a_file.write_text("")
    refused = gpuforge("snapshot", "take", "gpu-dev", "--live", "--snapshot-dir", str(a_file), dir_option=False)
    assert_one_line_error(refused, "is a file")
    assert sim.count("POST", "/v2/droplets/{id}/actions") == 1  # refused before any snapshot was started
