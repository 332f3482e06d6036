"""``restoreFrom`` under Pulumi's mocks: the droplet's image is the resolved snapshot."""

from __future__ import annotations

import pulumi
import pytest

from tests.program.harness import DROPLET

SNAPSHOTS = [
    {"id": 9001, "name": "gpu-dev-snapshot-20261101-080000", "regions": ["tor1"], "created_at": "2026-11-01T08:00:00Z"},
    {"id": 9002, "name": "gpu-dev-snapshot-20261120-080000", "regions": ["tor1"], "created_at": "2026-11-20T08:00:00Z"},
    {"id": 9003, "name": "gpu-dev-experiment", "regions": ["tor1"], "created_at": "2026-11-25T08:00:00Z"},
    {"id": 9004, "name": "other-snapshot-20261124-080000", "regions": ["tor1"], "created_at": "2026-11-24T08:00:00Z"},
    {"id": 9005, "name": "gpu-dev-snapshot-20261010-080000", "regions": ["nyc2"], "created_at": "2026-10-10T08:00:00Z"},
]


def test_latest_restores_the_newest_gpuforge_snapshot_of_this_droplet(run_program):
    run = run_program("dev", {"restoreFrom": "latest"}, snapshots=SNAPSHOTS)
    (droplet,) = run.mocks.of_type(DROPLET)
    assert droplet.inputs["image"] == "9002"  # not the hand-named 9003 nor another droplet's 9004
    assert run.outputs["restored_from"] == {
        "snapshot_id": "9002",
        "snapshot_name": "gpu-dev-snapshot-20261120-080000",
        "created_at": "2026-11-20T08:00:00Z",
    }


def test_latest_with_no_snapshot_falls_back_to_the_base_image_with_a_warning(run_program, caplog):
    run = run_program("dev", {"restoreFrom": "latest"}, snapshots=[])
    (droplet,) = run.mocks.of_type(DROPLET)
    assert droplet.inputs["image"] == "gpu-h100x1-base"
    assert run.outputs["restored_from"] is None
    assert "no GPUForge snapshot of it yet" in caplog.text


@pytest.mark.parametrize("wanted", ["gpu-dev-experiment", "9003"])
def test_a_name_or_id_restores_exactly_that_snapshot(run_program, wanted):
    run = run_program("dev", {"restoreFrom": wanted}, snapshots=SNAPSHOTS)
    (droplet,) = run.mocks.of_type(DROPLET)
    assert droplet.inputs["image"] == "9003"


@pytest.mark.parametrize("wanted", ["no-such-snapshot", "12345"])
def test_a_missing_snapshot_fails_at_preview(run_program, wanted):
    with pytest.raises(
        pulumi.RunError, match=rf"^gpuforge:restoreFrom = '{wanted}' is not valid: the name or id of an existing"
    ):
        run_program("dev", {"restoreFrom": wanted}, snapshots=SNAPSHOTS)


def test_a_snapshot_in_another_region_fails_naming_its_regions(run_program):
    with pytest.raises(
        pulumi.RunError, match=r"a snapshot available in tor1; gpu-dev-snapshot-20261010-080000 \(9005\) is in: nyc2"
    ):
        run_program("dev", {"restoreFrom": "9005"}, snapshots=SNAPSHOTS)


def test_custom_snapshot_name_is_what_latest_looks_for(run_program):
    snapshots = [{"id": 77, "name": "llama-70b-trained-v1", "regions": ["nyc2"], "created_at": "2026-11-02T00:00:00Z"}]
    run = run_program("prod", {"restoreFrom": "latest"}, snapshots=snapshots)
    (droplet,) = run.mocks.of_type(DROPLET)
    assert droplet.inputs["image"] == "77"
