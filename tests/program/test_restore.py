"""``restoreFrom`` under Pulumi's mocks: the droplet's image is the resolved snapshot."""

from __future__ import annotations

import inspect

import pulumi
import pulumi_digitalocean as digitalocean
import pytest

from gpuforge.provider_data import error_summary
from tests.program.harness import DROPLET, GET_DROPLET_SNAPSHOT, GET_IMAGES

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


# --- the look-up answers as the real provider does (issue 15, item 7) ---------------------------


def test_latest_before_the_first_snapshot_falls_back_under_the_providers_real_answers(run_program, caplog):
    """The harness answers getDropletSnapshot with its real error text for no match
    (``No DROPLET snapshot found with name %!s(<nil>)``, an invoke failure): the program does not ask
    it, but getImages, whose empty answer is data."""
    run = run_program("dev", {"restoreFrom": "latest"}, snapshots=[])
    (droplet,) = run.mocks.of_type(DROPLET)
    assert droplet.inputs["image"] == "gpu-h100x1-base"
    assert "restoreFrom is latest but there is no GPUForge snapshot of it yet" in caplog.text
    assert GET_IMAGES in run.mocks.invokes and GET_DROPLET_SNAPSHOT not in run.mocks.invokes


def test_a_missing_name_names_the_snapshot_not_the_token(run_program):
    with pytest.raises(pulumi.RunError) as err:
        run_program("dev", {"restoreFrom": "gpu-dev-nightly"}, snapshots=SNAPSHOTS)
    message = str(err.value)
    assert message.startswith("gpuforge:restoreFrom = 'gpu-dev-nightly' is not valid")
    assert "TOKEN" not in message and "\n" not in message


def test_a_backup_or_a_public_image_is_never_restored_as_a_snapshot(run_program, caplog):
    backup = {"id": 9100, "name": "gpu-dev-snapshot-20261130-080000", "type": "backup", "regions": ["tor1"]}
    snapshots = [{**backup, "created_at": "2026-11-30T08:00:00Z"}]
    run = run_program("dev", {"restoreFrom": "latest"}, snapshots=snapshots)
    (droplet,) = run.mocks.of_type(DROPLET)
    assert droplet.inputs["image"] == "gpu-h100x1-base"
    with pytest.raises(pulumi.RunError, match="gpuforge:restoreFrom = 'gpu-h100x1-base' is not valid"):
        run_program("dev", {"restoreFrom": "gpu-h100x1-base"}, snapshots=snapshots)


def test_a_refused_token_fails_in_one_line_with_the_reason_and_the_advice(run_program):
    with pytest.raises(pulumi.RunError) as err:
        run_program("dev", {"restoreFrom": "latest"}, snapshots=[], images_fail=True)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("Could not look up the snapshot to restore from: Unable to load records: ")
    assert "401" in message and "Unable to authenticate you" in message and "DIGITALOCEAN_TOKEN" in message


def test_error_summary_unwraps_the_sdk_and_multierror_text():
    wrapped = Exception(
        "invoke of digitalocean:index/getDropletSnapshot:getDropletSnapshot failed: 1 error occurred:\n"
        "\t* No DROPLET snapshot found with name %!s(<nil>)\n\n ()"
    )
    assert error_summary(wrapped) == "No DROPLET snapshot found with name %!s(<nil>)"
    assert error_summary(Exception("")) == "Exception"


def test_the_provider_sdk_has_the_data_source_and_fields_used():
    """get_images with filters and sorts, filter keys id, name, private and type, sort key created,
    and the result fields read (pulumi_digitalocean as installed)."""
    assert {"filters", "sorts"} <= set(inspect.signature(digitalocean.get_images).parameters)
    keys_doc = inspect.getdoc(digitalocean.GetImagesFilterArgs.key.fget) or ""
    for key in ("`id`", "`name`", "`private`", "`type`"):
        assert key in keys_doc
    assert {"key", "direction"} <= set(inspect.signature(digitalocean.GetImagesSortArgs).parameters)
    fields = set(vars(digitalocean.outputs.GetImagesImageResult))
    assert {"id", "name", "regions", "created", "min_disk_size", "type", "private"} <= fields
