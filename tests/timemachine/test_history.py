"""The expected duration of the next snapshot, from this droplet's records."""

from __future__ import annotations

from pathlib import Path

from gpuforge.timemachine.history import expected_duration, read_expected_duration
from gpuforge.timemachine.stores import LocalStore
from gpuforge.timemachine.stores.base import RecordStoreError


def rec(duration: float, completed: str, name: str = "gpu-dev", **extra: object) -> dict[str, object]:
    return {
        "droplet_name": name,
        "duration_seconds": duration,
        "completed_at": completed,
        "status": "completed",
        "gpu_size": "gpu-h100x1-80gb",
        **extra,
    }


def test_median_of_the_three_newest_of_the_same_droplet_and_size():
    records = [
        rec(100, "2026-11-01T00:00:00Z"),  # too old: only the three newest count
        rec(600, "2026-11-02T00:00:00Z"),
        rec(700, "2026-11-04T00:00:00Z"),
        rec(650, "2026-11-03T00:00:00Z"),
        rec(5, "2026-11-05T00:00:00Z", name="other"),
        rec(9000, "2026-11-06T00:00:00Z", gpu_size="gpu-h100x8-640gb"),  # another disk
    ]
    assert expected_duration(records, droplet_name="gpu-dev", gpu_size="gpu-h100x1-80gb") == 650
    assert expected_duration(records, droplet_name="gpu-dev") == 700  # any size: 9000, 700, 650


def test_no_usable_history_is_none():
    assert expected_duration([], droplet_name="gpu-dev") is None
    broken = [{"droplet_name": "gpu-dev"}, rec(0, "2026-11-01T00:00:00Z"), rec(60, "not a time")]
    assert expected_duration(broken, droplet_name="gpu-dev") is None


def test_an_unreadable_store_means_no_history(tmp_path: Path):
    class Broken:
        where = "s3://bucket"

        def list(self) -> list[object]:
            raise RecordStoreError("Could not list the snapshot records in s3://bucket: AccessDenied")

    assert read_expected_duration(Broken(), droplet_name="gpu-dev") is None  # type: ignore[arg-type]
    assert read_expected_duration(LocalStore(tmp_path / "none-yet"), droplet_name="gpu-dev") is None
