"""take_snapshot against the simulator: the happy path, re-runs, faults, retention."""

from dataclasses import replace
import json
from pathlib import Path

import pytest

from gpuforge.do_client import ApiError, AuthError, DoApi
from gpuforge.timemachine import SnapshotFailed
from gpuforge.timemachine.naming import iso
from tests.record_fields import RECORD_FIELDS


def test_snapshot_taken_recorded_and_reported(world):
    droplet = world.droplet()
    outcome = world.take(droplet["id"])

    assert outcome.how == "taken" and outcome.trigger == "destroy"
    (snapshot,) = world.snapshots_of(droplet["id"])
    assert snapshot["id"] == outcome.snapshot_id
    assert snapshot["name"] == outcome.snapshot_name == "gpu-dev-snapshot-20260921-141320"
    record = json.loads(Path(outcome.record_location).read_text())
    assert set(record) == RECORD_FIELDS
    assert record["snapshot_id"] == snapshot["id"] and record["droplet_id"] == str(droplet["id"])
    assert record["size_gigabytes"] == snapshot["size_gigabytes"]
    assert record["estimated_monthly_cost_usd"] == round(snapshot["size_gigabytes"] * 0.06, 2)
    assert record["duration_seconds"] == 600.0 and record["trigger"] == "destroy"
    assert (record["region"], record["gpu_size"], record["image"]) == ("nyc2", "gpu-h100x1-80gb", "gpu-h100x1-base")
    assert world.sim.count("POST", "/v2/droplets/{id}/actions", body_type="shutdown") == 1
    assert droplet["id"] in world.sim.droplets, "the droplet is Pulumi's to delete"
    assert world.lines[0] == f"Creating snapshot of droplet {droplet['id']} (gpu-dev) before destruction..."
    assert f"Snapshot creation initiated. Action ID: {outcome.action_id}" in world.lines
    progress = [line for line in world.lines if line.startswith("Snapshot in progress... Status: in-progress (")]
    assert 15 <= len(progress) <= 22, "about one line per 30 s of a 10-minute snapshot"
    assert f"✅ Snapshot created successfully: {outcome.snapshot_name}" in world.lines
    assert f"Snapshot log saved to: {outcome.record_location}" == world.lines[-1]


def test_requests_per_snapshot_stay_few(world):
    droplet = world.droplet()
    world.take(droplet["id"], world.settings(power_off=False))
    # 10-minute snapshot: ~58 polls (the price of noticing within 15 s, see polling.py) + 6 other calls
    # + tagging it: one request per tag, three per tag the first time (404, create the tag, retry)
    assert len(world.sim.requests) <= 70 + 9


def test_droplet_already_gone_is_not_an_error(world):
    droplet = world.droplet()
    world.sim.delete_droplet_now(droplet["id"])
    outcome = world.take(droplet["id"])
    assert outcome.how == "droplet-gone" and world.snapshot_posts() == 0
    assert "no longer exists: nothing to snapshot" in world.lines[-1]


def test_an_off_droplet_is_not_shut_down(world):
    droplet = world.droplet(status="off")
    world.take(droplet["id"])
    assert world.sim.count("POST", "/v2/droplets/{id}/actions") == 1


def test_replacement_is_recognised_by_a_namesake(world):
    old = world.droplet()
    world.droplet()  # the replacement Pulumi created first
    assert world.take(old["id"]).trigger == "replace"
    assert "before replacement" in world.lines[0]
    assert world.take(world.droplet("solo")["id"], world.settings("solo"), trigger="manual").trigger == "manual"


def test_timeout_then_rerun_resumes_the_same_action(world):
    droplet = world.droplet()
    with pytest.raises(SnapshotFailed) as err:
        world.take(droplet["id"], world.settings(timeout_seconds=120))
    message = str(err.value)
    assert f"droplet {droplet['id']} (gpu-dev)" in message and "did not complete within 120s" in message
    assert f"action {err.value.action_id} shows under the droplet's History" in message and "resumes" in message
    outcome = world.take(droplet["id"])
    assert outcome.how == "resumed" and outcome.action_id == err.value.action_id
    assert world.snapshot_posts() == 1 and len(world.snapshots_of(droplet["id"])) == 1


def test_completed_but_unrecorded_snapshot_is_adopted(world):
    droplet = world.droplet()
    with pytest.raises(SnapshotFailed):
        world.take(droplet["id"], world.settings(timeout_seconds=60))
    world.clock.advance(900)  # the interrupted run's snapshot completes meanwhile
    outcome = world.take(droplet["id"])
    assert outcome.how == "adopted" and world.snapshot_posts() == 1
    assert json.loads(Path(outcome.record_location).read_text())["snapshot_id"] == outcome.snapshot_id
    again = world.take(droplet["id"])  # still off, untouched: the same snapshot, not a second one
    assert again.how == "adopted" and again.snapshot_id == outcome.snapshot_id and world.snapshot_posts() == 1


def test_a_droplet_changed_since_its_snapshot_gets_a_new_one(world):
    droplet = world.droplet(status="off")
    world.take(droplet["id"])
    DoApi("sim-token", world.sim.url).post_action(droplet["id"], {"type": "power_on"})
    world.clock.advance(600)  # powered on and used: the old snapshot is no longer the disk
    outcome = world.take(droplet["id"])
    assert outcome.how == "taken" and len(world.snapshots_of(droplet["id"])) == 2


@pytest.mark.parametrize("kind", ["500", "502", "503", "drop"])
def test_snapshot_post_applied_but_answer_lost_is_followed_not_repeated(world, kind):
    droplet = world.droplet(status="off")
    world.sim.faults.add(kind, "POST /v2/droplets/{id}/actions", times=1, applied=True)
    outcome = world.take(droplet["id"])
    assert world.snapshot_posts() == 1 and len(world.snapshots_of(droplet["id"])) == 1
    assert outcome.snapshot_id == world.snapshots_of(droplet["id"])[0]["id"]


def test_snapshot_post_refused_is_posted_again(world):
    droplet = world.droplet(status="off")
    world.sim.faults.add("503", "POST /v2/droplets/{id}/actions", times=2)
    world.take(droplet["id"])
    assert world.snapshot_posts() == 3 and len(world.snapshots_of(droplet["id"])) == 1


def test_storms_of_429_and_5xx_are_ridden_out_honouring_retry_after(world):
    droplet = world.droplet()
    world.sim.faults.add("429", "GET /v2/actions/{id}", times=5, retry_after=20)
    world.sim.faults.add("500", "GET /v2/actions/{id}", probability=0.3)
    world.sim.faults.add("502", "GET /v2/droplets/{id}", times=3)
    outcome = world.take(droplet["id"])
    assert outcome.how == "taken" and world.snapshot_posts() == 1
    refused = [r.time for r in world.sim.requests if r.status == 429]
    assert len(refused) == 5
    assert all(b - a >= 20 for a, b in zip(refused, refused[1:], strict=False))


def test_endless_5xx_gives_up_at_the_timeout(world):
    droplet = world.droplet()
    world.sim.faults.add("503", "GET /v2/droplets/{id}", probability=1.0)
    with pytest.raises(ApiError, match="still failing") as err:
        world.take(droplet["id"], world.settings(timeout_seconds=300))
    assert "the droplet was kept" in str(err.value)
    assert world.clock.now() - 1_790_000_000.0 == pytest.approx(300, abs=1)


def test_errored_snapshot_fails_with_the_action_to_inspect(world):
    droplet = world.droplet(status="off")
    world.sim.faults.add("action_errored", action_type="snapshot")
    with pytest.raises(SnapshotFailed) as err:
        world.take(droplet["id"])
    assert f"action {err.value.action_id} errored" in str(err.value)
    assert f"action {err.value.action_id} shows under the droplet's History" in str(err.value)
    assert world.snapshots_of(droplet["id"]) == []


def test_failed_shutdown_falls_back_to_power_off(world):
    droplet = world.droplet()
    world.sim.faults.add("action_errored", action_type="shutdown")
    world.take(droplet["id"])
    assert world.sim.count("POST", "/v2/droplets/{id}/actions", body_type="power_off") == 1
    assert any("still on: powering it off" in line for line in world.lines)
    assert world.snapshot_posts() == 1


def test_shutdown_stuck_until_the_timeout_keeps_the_droplet(world):
    droplet = world.droplet()
    world.sim.faults.add("action_stuck", action_type="shutdown")
    with pytest.raises(SnapshotFailed, match="Could not power off .* stayed locked"):
        world.take(droplet["id"], world.settings(timeout_seconds=300, shutdown_timeout_seconds=60))
    assert world.snapshot_posts() == 0


def test_power_off_failing_keeps_the_droplet_and_takes_no_snapshot(world):
    droplet = world.droplet()
    world.sim.faults.add("action_errored", action_type="shutdown")
    world.sim.faults.add("action_errored", action_type="power_off")
    with pytest.raises(SnapshotFailed, match="Could not power off") as err:
        world.take(droplet["id"])
    assert "snapshotPowerOff" in str(err.value)
    assert world.snapshot_posts() == 0


@pytest.mark.parametrize("token, status", [("wrong-token", 401), ("sim-ro-token", 403)])
def test_auth_failures_say_which_scopes_are_needed(world, token, status):
    droplet = world.droplet()
    with pytest.raises(AuthError) as err:
        world.take(droplet["id"], token=token)
    assert err.value.status == status
    assert "droplet:read" in str(err.value) and "actions:read" in str(err.value)


def test_retention_prunes_only_this_droplets_older_gpuforge_snapshots(world):
    droplet = world.droplet(status="off")
    now = world.clock.now()
    mine = [
        world.sim.add_snapshot(
            droplet_id=droplet["id"], name=f"gpu-dev-snapshot-2026090{d}-000000", created_at=now - (10 - d) * 86400
        )
        for d in range(1, 4)
    ]
    others = [
        world.sim.add_snapshot(
            droplet_name="gpu-dev2",
            name="gpu-dev2-snapshot-20260901-000000",
            created_at=now - 30 * 86400,
            regions=["nyc2"],
            min_disk_size=50,
        ),
        world.sim.add_snapshot(droplet_id=droplet["id"], name="gpu-dev-before-upgrade", created_at=now - 30 * 86400),
    ]
    outcome = world.take(droplet["id"], world.settings(keep_last=2))
    assert set(outcome.retention_deleted) == {mine[0]["id"], mine[1]["id"]}
    remaining = set(world.sim.snapshots)
    assert {int(s["id"]) for s in others} <= remaining
    assert {int(mine[2]["id"]), int(outcome.snapshot_id)} <= remaining


def test_retention_failure_is_only_a_warning(world):
    droplet = world.droplet(status="off")
    world.sim.add_snapshot(
        droplet_id=droplet["id"],
        name="gpu-dev-snapshot-20200101-000000",
        created_at=iso(world.clock.now() - 400 * 86400),
    )
    world.sim.faults.add("500", "DELETE /v2/snapshots/{id}", probability=1.0)
    outcome = world.take(droplet["id"], world.settings(max_age_seconds=30 * 86400))
    assert outcome.retention_deleted == () and Path(outcome.record_location).exists()
    assert world.lines[-1].startswith("⚠️ Retention was not fully applied")


def test_a_failed_manual_snapshot_names_the_cli_not_pulumi(world):
    droplet = world.droplet()
    world.sim.faults.add("action_errored", action_type="snapshot")
    with pytest.raises(SnapshotFailed) as err:
        world.take(droplet["id"], trigger="manual")
    assert f"`gpuforge snapshot take {droplet['id']}` again takes a new snapshot" in str(err.value)
    assert "pulumi destroy" not in str(err.value)


def test_a_failed_destroy_snapshot_names_pulumi_destroy(world):
    droplet = world.droplet()
    world.sim.faults.add("action_errored", action_type="snapshot")
    with pytest.raises(SnapshotFailed, match="running `pulumi destroy` again takes a new snapshot"):
        world.take(droplet["id"])


def test_an_off_droplet_adopts_its_unrecorded_snapshot_however_old(world, tmp_path):
    droplet = world.droplet(status="off")
    unwritable = tmp_path / "not-a-directory"
    unwritable.write_text("a file where the record directory should be")
    with pytest.raises(SnapshotFailed):  # the record cannot be written: the snapshot is kept
        world.take(droplet["id"], replace(world.settings(), directory=str(unwritable)))
    world.clock.advance(3 * 86400)  # fixed three days later
    outcome = world.take(droplet["id"])
    assert outcome.how == "adopted" and world.snapshot_posts() == 1


def test_a_live_droplet_does_not_adopt_an_old_unrecorded_snapshot(world, tmp_path):
    droplet = world.droplet()
    unwritable = tmp_path / "not-a-directory"
    unwritable.write_text("a file where the record directory should be")
    with pytest.raises(SnapshotFailed):
        world.take(droplet["id"], replace(world.settings(power_off=False), directory=str(unwritable)))
    world.clock.advance(3 * 86400)
    outcome = world.take(droplet["id"], world.settings(power_off=False))
    assert outcome.how == "taken" and world.snapshot_posts() == 2
