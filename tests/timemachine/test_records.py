import json
import os

import pytest

from gpuforge.timemachine.records import SnapshotRecord, estimated_monthly_cost, find_record, write_record
from tests.record_fields import RECORD_FIELDS as FIELDS


def record(snapshot_id="7", name="gpu-dev-snapshot-20240724-151900"):
    return SnapshotRecord(
        snapshot_name=name,
        snapshot_id=snapshot_id,
        droplet_id="123",
        droplet_name="gpu-dev",
        action_id="9",
        status="completed",
        created_at="2024-07-24T15:19:01Z",
        started_at="2024-07-24T15:19:00Z",
        completed_at="2024-07-24T15:29:00Z",
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


def test_cost_uses_six_cents_per_gb_month():
    assert estimated_monthly_cost(25) == 1.5
    assert estimated_monthly_cost(200) == 12.0


def test_record_written_with_every_field_and_no_leftovers(tmp_path):
    path = write_record(tmp_path / "snapshots", record())
    assert path == tmp_path / "snapshots" / "gpu-dev-snapshot-20240724-151900.json"
    data = json.loads(path.read_text())
    assert set(data) == FIELDS
    assert data["estimated_monthly_cost_usd"] == 1.5
    assert os.listdir(path.parent) == [path.name]


def test_existing_record_is_never_overwritten(tmp_path):
    first = write_record(tmp_path, record("7", "custom"))
    second = write_record(tmp_path, record("8", "custom"))
    assert first.name == "custom.json" and second.name == "custom-8.json"
    assert json.loads(first.read_text())["snapshot_id"] == "7"
    with pytest.raises(FileExistsError):
        write_record(tmp_path, record("8", "custom"))
    assert sorted(os.listdir(tmp_path)) == ["custom-8.json", "custom.json"]


def test_find_record_by_snapshot_id(tmp_path):
    assert find_record(tmp_path / "missing", "7") is None
    (tmp_path / "junk.json").write_text("{not json")
    path = write_record(tmp_path, record("7"))
    assert find_record(tmp_path, "7") == path
    assert find_record(tmp_path, "8") is None
