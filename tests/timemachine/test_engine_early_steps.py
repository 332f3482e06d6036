"""The fleet destroy's early steps in the core: begin_shutdown, start_snapshot, then take_snapshot resumes."""

from __future__ import annotations

from gpuforge.do_client import DoApi
from gpuforge.timemachine.engine import begin_shutdown, start_snapshot

ACTIONS = "/v2/droplets/{id}/actions"


def _steps(world, droplet_id, settings=None):
    api, settings = DoApi("sim-token", world.sim.url), settings or world.settings()
    begin_shutdown(api, droplet_id, settings, clock=world.clock, report=world.lines.append)
    return start_snapshot(api, droplet_id, settings, clock=world.clock, report=world.lines.append)


def test_the_steps_shut_down_and_start_the_snapshot_and_the_guard_resumes_it(world):
    droplet = world.droplet()
    action_id = _steps(world, droplet["id"])
    assert world.sim.actions[int(action_id)]["status"] == "in-progress"
    assert [world.sim.count("POST", ACTIONS, body_type=k) for k in ("shutdown", "power_off", "snapshot")] == [1, 0, 1]
    outcome = world.take(droplet["id"])
    assert (outcome.how, outcome.action_id) == ("resumed", action_id)
    assert world.snapshot_posts() == 1 and len(world.snapshots_of(droplet["id"])) == 1


def test_a_failed_first_shutdown_is_not_tried_again_gracefully(world):
    """One graceful attempt per destroy, as take_snapshot makes: the start powers off straight away."""
    droplet = world.droplet()
    world.sim.faults.add("action_errored", action_type="shutdown")
    assert _steps(world, droplet["id"]) is not None
    assert [world.sim.count("POST", ACTIONS, body_type=k) for k in ("shutdown", "power_off", "snapshot")] == [1, 1, 1]


def test_nothing_is_started_when_the_newest_action_is_a_snapshot(world):
    droplet = world.droplet()
    world.take(droplet["id"], world.settings(power_off=False))  # the guard came first (live)
    assert _steps(world, droplet["id"], world.settings(power_off=False)) is None
    assert world.snapshot_posts() == 1


def test_snapshots_off_or_live_never_shut_down(world):
    droplet = world.droplet()
    api = DoApi("sim-token", world.sim.url)
    live = world.settings(power_off=False)
    assert not begin_shutdown(api, droplet["id"], live, clock=world.clock, report=world.lines.append)
    off = world.droplet("gpu-off", status="off")
    assert not begin_shutdown(api, off["id"], world.settings("gpu-off"), clock=world.clock, report=world.lines.append)
    assert world.sim.count("POST", ACTIONS) == 0
