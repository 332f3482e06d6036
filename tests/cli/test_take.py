"""``gpuforge snapshot take`` through the time machine core, against the simulator (a 10-minute snapshot)."""

from __future__ import annotations

import json

from gpuforge.timemachine.naming import iso
from gpuforge.cli.power_notes import has_note, write_note
from tests.cli.conftest import assert_one_line_error, parsed

ACTIONS = "/v2/droplets/{id}/actions"


def test_take_powers_off_snapshots_records_and_powers_back_on(sim, gpuforge, records):
    droplet = sim.add_droplet("gpu-dev", region="nyc2", tags=["gpuforge", "gpuforge-stack-dev"])
    result = gpuforge("snapshot", "take", "gpu-dev")
    assert result.exit_code == 0, result.stderr
    assert "Creating snapshot: gpu-dev-snapshot-" in result.stdout and "elapsed" in result.stdout
    assert "Powered droplet" in result.stdout and "back on" in result.stdout
    assert [sim.count("POST", ACTIONS, body_type=kind) for kind in ("shutdown", "snapshot", "power_on")] == [1, 1, 1]
    assert sim.droplets[droplet["id"]]["status"] == "active"
    (record,) = records.glob("*.json")
    data = json.loads(record.read_text())
    assert (data["trigger"], data["stack"], data["droplet_name"]) == ("manual", "dev", "gpu-dev")
    assert int(data["snapshot_id"]) in sim.snapshots


def test_take_live_by_id_with_a_custom_name_leaves_power_alone(sim, gpuforge):
    droplet = sim.add_droplet("gpu-dev", region="nyc2")
    body = parsed(gpuforge("snapshot", "take", str(droplet["id"]), "--live", "--name", "before-finetune", "--json"))
    assert body["snapshot_name"] == "before-finetune" and body["how"] == "taken" and not body["powered_back_on"]
    assert sim.count("POST", ACTIONS) == 1  # the snapshot only
    listed = parsed(gpuforge("snapshots", "list", "--json"))["snapshots"]
    assert listed[0]["gpuforge"] and listed[0]["droplet"] == "gpu-dev"  # a custom name, known by its record


def test_an_off_droplet_stays_off(sim, gpuforge):
    droplet = sim.add_droplet("gpu-dev", region="nyc2", status="off")
    assert gpuforge("snapshot", "take", "gpu-dev").exit_code == 0
    assert sim.count("POST", ACTIONS, body_type="power_on") == 0
    assert sim.droplets[droplet["id"]]["status"] == "off"


def test_take_failures_are_one_line(sim, gpuforge):
    assert_one_line_error(gpuforge("snapshot", "take", "nope"), "No droplet named nope")
    sim.add_droplet("twin", region="nyc2")
    sim.add_droplet("twin", region="nyc2")
    assert_one_line_error(gpuforge("snapshot", "take", "twin"), "2 droplets are named twin")
    assert_one_line_error(gpuforge("snapshot", "take", "twin", "--timeout", "10s"), "--timeout", "between 1m and 24h")
    sim.add_droplet("gpu-dev", region="nyc2")
    sim.faults.add("action_errored", action_type="snapshot")
    assert_one_line_error(
        gpuforge("snapshot", "take", "gpu-dev", "--live"), "failed", "shows under the droplet's History"
    )


def test_a_failed_snapshot_powers_the_droplet_back_on(sim, gpuforge):
    droplet = sim.add_droplet("gpu-dev", region="nyc2")
    sim.faults.add("action_errored", action_type="snapshot")
    result = gpuforge("snapshot", "take", "gpu-dev")
    assert_one_line_error(result, "failed: action", f"droplet {droplet['id']} was powered back on")
    assert sim.droplets[droplet["id"]]["status"] == "active" and not has_note(droplet["id"])


def test_a_timed_out_take_leaves_the_droplet_off_and_names_the_rerun(sim, gpuforge):
    droplet = sim.add_droplet("gpu-dev", region="nyc2")
    sim.faults.add("action_stuck", action_type="snapshot", times=1)
    result = gpuforge("snapshot", "take", "gpu-dev", "--timeout", "1m")
    assert_one_line_error(
        result,
        "did not complete within 60s",
        "the droplet is left powered off for now",
        f"`gpuforge snapshot take {droplet['id']} --snapshot-dir ",
        "also powers it back on",
    )
    assert sim.droplets[droplet["id"]]["status"] == "off"
    assert has_note(droplet["id"])  # the next take knows it was running
    (stuck,) = [a for a in sim.actions.values() if a["type"] == "snapshot"]
    assert stuck["status"] == "in-progress"


SNAPSHOT_SECONDS = 600.0  # dosim's default snapshot duration (dosim/state.py DEFAULT_DURATIONS)


def _snapshot_polls(sim) -> list[tuple[list[float], float]]:
    """Per snapshot, in order: the times of its action's polls and when it completed (post + duration)."""
    found = []
    for post in sim.find_requests("POST", ACTIONS, body_type="snapshot"):
        (action,) = [a for a in sim.actions.values() if a["type"] == "snapshot" and a["started_at"] == iso(post.time)]
        times = [r.time for r in sim.requests if r.method == "GET" and r.path == f"/v2/actions/{action['id']}"]
        found.append((times, post.time + SNAPSHOT_SECONDS))
    return found


def test_a_second_take_knows_the_first_ones_duration_and_polls_sparsely(sim, gpuforge, records):
    """Same droplet, same records: the second run expects 10 minutes (the first run's record), polls
    at most half as often and notices the end within 3 s (polling.py's predicted schedule)."""
    sim.add_droplet("gpu-dev", region="nyc2", tags=["gpuforge", "gpuforge-stack-dev"])
    first = gpuforge("snapshot", "take", "gpu-dev")
    assert first.exit_code == 0, first.stderr
    assert "Earlier snapshots" not in first.stdout  # no history yet
    second = gpuforge("snapshot", "take", "gpu-dev")
    assert second.exit_code == 0, second.stderr
    assert "Earlier snapshots of droplet" in second.stdout and "took about 10m" in second.stdout
    assert len(list(records.glob("*.json"))) == 2
    (first_polls, _), (second_polls, ended) = _snapshot_polls(sim)
    assert 2 * len(second_polls) <= len(first_polls), (len(second_polls), len(first_polls))
    assert 0 <= max(second_polls) - ended <= 3.0


def test_an_errored_snapshot_of_a_droplet_left_off_by_an_earlier_take_is_retaken_and_ends_on(sim, gpuforge):
    droplet = sim.add_droplet("gpu-dev", region="nyc2", status="off")
    write_note(droplet["id"], "gpu-dev")
    sim.faults.add("action_errored", action_type="snapshot", times=1)
    assert gpuforge("snapshot", "take", "gpu-dev").exit_code == 1
    assert sim.droplets[droplet["id"]]["status"] == "active"  # the promise kept even on failure
    again = gpuforge("snapshot", "take", "gpu-dev")
    assert again.exit_code == 0, again.stderr
    assert "back on" in again.stdout and sim.droplets[droplet["id"]]["status"] == "active"


def test_a_droplet_still_booting_is_snapshotted_after_its_create_and_ends_on(sim, gpuforge, manual_clock):
    droplet = sim.add_droplet("gpu-new", region="nyc2", status="new")  # a create action pending (30 s)
    result = gpuforge("snapshot", "take", "gpu-new")
    assert result.exit_code == 0, result.stderr
    assert "is busy (create action" in result.stdout and "waiting for it before shutting down" in result.stdout
    assert sim.count("POST", ACTIONS, status=422) == 0  # the shutdown was not refused
    assert [sim.count("POST", ACTIONS, body_type=kind) for kind in ("shutdown", "snapshot", "power_on")] == [1, 1, 1]
    assert sim.droplets[droplet["id"]]["status"] == "active"
    assert len([s for s in sim.snapshots.values() if str(s["resource_id"]) == str(droplet["id"])]) == 1


def test_an_off_droplet_without_a_note_stays_off_and_one_with_a_note_ends_on(sim, gpuforge):
    droplet = sim.add_droplet("gpu-dev", region="nyc2", status="off")
    write_note(droplet["id"], "gpu-dev")  # an earlier take found it running and was interrupted
    result = gpuforge("snapshot", "take", "gpu-dev")
    assert result.exit_code == 0, result.stderr
    assert sim.count("POST", ACTIONS, body_type="shutdown") == 0  # already off: nothing to shut down
    assert sim.droplets[droplet["id"]]["status"] == "active" and not has_note(droplet["id"])


def test_power_on_is_skipped_when_the_droplet_is_on_again(sim, gpuforge):
    droplet = sim.add_droplet("gpu-dev", region="nyc2")
    write_note(droplet["id"], "gpu-dev")
    body = parsed(gpuforge("snapshot", "take", "gpu-dev", "--live", "--json"))
    assert not body["powered_back_on"]  # --live never touches power
    assert sim.count("POST", ACTIONS, body_type="power_on") == 0


def test_a_droplet_that_will_not_power_off_is_left_on_with_advice_that_fits_the_cli(sim, gpuforge):
    droplet = sim.add_droplet("gpu-dev", region="nyc2")
    sim.faults.add("action_errored", action_type="shutdown")
    sim.faults.add("action_errored", action_type="power_off")
    result = gpuforge("snapshot", "take", "gpu-dev")
    assert_one_line_error(result, "Could not power off", "add --live", f"droplet {droplet['id']} is still on")
    assert "doctl" not in result.stderr and "snapshotPowerOff" not in result.stderr
    assert (
        sim.count("POST", ACTIONS, body_type="snapshot") == 0 and sim.count("POST", ACTIONS, body_type="power_on") == 0
    )
    assert sim.droplets[droplet["id"]]["status"] == "active" and not has_note(droplet["id"])
