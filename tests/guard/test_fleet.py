"""A fleet destroyed as the engine deletes it: the program's real registrations, ScheduleDeletes'
waves (tests/guard/waves.py), one SDK dynamic provider host (four workers), the simulator in real time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
import json
import time
from pathlib import Path
from typing import Any

import grpc
import pytest

from dosim import Simulator
from tests.guard.host import DynamicHost
from tests.guard.waves import FleetMember, destroy_in_waves, fleet_state, registered_graph, delete_waves

ACTIONS = "/v2/droplets/{id}/actions"


def test_the_engine_deletes_the_two_early_steps_in_waves_before_the_guard():
    graph, _ = registered_graph("dev", "4242", "gpu-dev")
    kinds = [sorted(r.typ.rsplit(":", 1)[-1] + "/" + r.name for r in wave) for wave in delete_waves(graph)]
    assert kinds[:4] == [
        ["SnapshotStart/gpu-dev-snapshot-shutdown"],
        ["SnapshotStart/gpu-dev-snapshot-start"],
        ["SnapshotGuard/gpu-dev-snapshot-guard"],
        ["Firewall/gpu-dev-firewall"],  # kept while the guard snapshots (issue 12: guard depends_on firewall)
    ]
    assert kinds[4] == ["Droplet/gpu-dev"]


def test_both_early_steps_are_replaced_with_the_droplet_before_the_guard(start_host):
    """Delete-before-replace deletes every dependent whose Diff replaces it once droplet_id is unknown
    (step_generator.go calculateDependentReplacements): the early steps must say so, like the guard."""
    graph, recorder = registered_graph("dev", "4242", "gpu-dev")
    host = start_host()
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the SDK's unknown-value sentinel
    for resource in recorder.resources:
        if resource.typ.endswith(":SnapshotStart"):
            resource_id, outs = host.create(host.check(dict(resource.inputs)))
            diff = host.diff(resource_id, outs, {**resource.inputs, "droplet_id": unknown})
            assert list(diff.replaces) == ["droplet_id"]


@pytest.fixture
def fleet(sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """``fleet(n, **config)`` → (host, waves, members, names): n droplets as the dev stack registers them."""
    monkeypatch.chdir(tmp_path)  # the program's relative snapshot directory
    hosts: list[DynamicHost] = []

    def make(size: int, **overrides: Any) -> tuple[DynamicHost, list[list[str]], list[FleetMember], dict[int, str]]:
        host = DynamicHost(tmp_path)
        hosts.append(host)
        host.configure({"digitalocean:token": sim.token, "digitalocean:apiEndpoint": sim.url})
        droplets = [sim.add_droplet(f"fleet-{i}", region="nyc2") for i in range(size)]
        waves, members = fleet_state(host, "dev", droplets, overrides)
        return host, waves, members, {int(d["id"]): d["name"] for d in droplets}

    yield make
    for host in hosts:
        host.close()


def _destroy(
    sim: Simulator, host: DynamicHost, waves: list[list[str]], members: list[FleetMember], names: dict[int, str]
) -> list[str]:
    """The waves' Deletes; a droplet's own delete (the DigitalOcean provider's) removes it from the simulator."""
    return destroy_in_waves(host, waves, members, names, sim.delete_droplet_now)


def test_every_snapshot_starts_before_any_guard_waits_and_each_droplet_gets_one(sim, fleet, tmp_path):
    host, waves, members, names = fleet(6)
    assert _destroy(sim, host, waves, members, names) == []
    assert sim.droplets == {}
    posts = sim.find_requests("POST", ACTIONS, body_type="snapshot")
    assert len(posts) == 6 and len(sim.snapshots) == 6
    shutdowns = sim.find_requests("POST", ACTIONS, body_type="shutdown")
    assert len(shutdowns) == 6 and max(s.time for s in shutdowns) < min(p.time for p in posts)
    snapshot_actions = {f"/v2/actions/{a['id']}" for a in sim.actions.values() if a["type"] == "snapshot"}
    first_poll = min(r.time for r in sim.requests if r.method == "GET" and r.path in snapshot_actions)
    assert max(p.time for p in posts) < first_poll, "all six snapshots were started before any guard polled"
    assert len(list((tmp_path / "snapshots").glob("*.json"))) == 6
    assert "resuming it instead of starting another" in host.stderr


def test_snapshots_off_the_early_steps_do_nothing(sim, fleet):
    host, waves, members, names = fleet(2, createSnapshotOnDestroy=False)
    assert _destroy(sim, host, waves, members, names) == []
    assert sim.count("POST", ACTIONS) == 0 and sim.snapshots == {} and sim.droplets == {}


def test_a_live_fleet_is_not_shut_down_and_gets_one_snapshot_each(sim, fleet):
    host, waves, members, names = fleet(2, snapshotPowerOff=False)
    assert _destroy(sim, host, waves, members, names) == []
    assert sim.count("POST", ACTIONS, body_type="shutdown") == 0
    assert sim.count("POST", ACTIONS, body_type="snapshot") == 2 and len(sim.snapshots) == 2


def test_an_early_step_that_fails_only_warns_and_the_guard_does_the_job(sim, fleet, tmp_path):
    host, waves, members, names = fleet(1)
    # The first step's shutdown errors, then the start's own shutdown and power-off: the start gives up.
    sim.faults.add("action_errored", action_type="shutdown", times=2)
    sim.faults.add("action_errored", action_type="power_off", times=1)
    assert _destroy(sim, host, waves, members, names) == []
    assert "Could not start the snapshot of droplet" in host.stderr and "the guard does it" in host.stderr
    assert sim.count("POST", ACTIONS, body_type="snapshot") == 1 and len(sim.snapshots) == 1
    assert len(list((tmp_path / "snapshots").glob("*.json"))) == 1 and sim.droplets == {}


@pytest.mark.parametrize("power_off", [True, False])
def test_a_start_that_comes_after_its_guard_takes_no_second_snapshot(sim, fleet, power_off):
    """Were the engine to change its order, a late start finds the guard's snapshot and starts nothing."""
    host, waves, members, names = fleet(1, snapshotPowerOff=power_off)
    late = [wave for wave in waves if not any("snapshot-s" in name for name in wave)]
    early = [wave for wave in waves if any("snapshot-s" in name for name in wave)]
    assert _destroy(sim, host, [late[0], *early], members, names) == []
    assert sim.count("POST", ACTIONS, body_type="snapshot") == 1 and len(sim.snapshots) == 1


def test_a_failed_snapshot_stops_the_destroy_and_the_rerun_takes_one_that_works(sim, fleet, tmp_path):
    """The early step started the snapshot and it errored: the guard fails (abort), the run stops
    before the droplet; the re-run (only the guard is left in state) takes one new snapshot."""
    host, waves, members, names = fleet(1)
    sim.faults.add("action_errored", action_type="snapshot", times=1)
    failures = _destroy(sim, host, waves, members, names)
    assert len(failures) == 1 and "failed: action" in failures[0]
    assert len(sim.droplets) == 1
    (member,) = members
    assert list(member.dynamic) == ["fleet-0-snapshot-guard"]
    assert _destroy(sim, host, waves, members, names) == []
    assert sim.count("POST", ACTIONS, body_type="snapshot") == 2 and len(sim.snapshots) == 1
    assert sim.droplets == {} and len(list((tmp_path / "snapshots").glob("*.json"))) == 1


def test_the_host_killed_while_the_guard_waits_then_the_rerun_resumes_the_same_snapshot(sim, fleet, tmp_path):
    host, waves, members, names = fleet(1, snapshotTimeout="2m")
    guard_wave = [w for w in waves if any(n.endswith("snapshot-guard") for n in w)]
    early = waves[: waves.index(guard_wave[0])]
    assert _destroy(sim, host, early, members, names) == []
    (member,) = members
    resource_id, outputs = member.dynamic["fleet-0-snapshot-guard"]
    future = host.delete_future(resource_id, outputs)
    time.sleep(0.2)  # the guard is waiting for the 1.5 s snapshot the early step started
    host.kill()
    with pytest.raises(grpc.RpcError):
        future.result(timeout=10)
    fresh = DynamicHost(tmp_path)
    try:
        fresh.configure({"digitalocean:token": sim.token, "digitalocean:apiEndpoint": sim.url})
        assert _destroy(sim, fresh, waves, members, names) == []
        assert "resuming it instead of starting another" in fresh.stderr or "adopting it" in fresh.stderr
    finally:
        fresh.close()
    assert sim.count("POST", ACTIONS, body_type="snapshot") == 1 and len(sim.snapshots) == 1
    assert sim.droplets == {}


def test_the_early_steps_keep_state_small_and_their_provider_by_reference(start_host):
    _, recorder = registered_graph("prod", "4242", "llm-training")
    host = start_host()
    steps = [r for r in recorder.resources if r.typ.endswith(":SnapshotStart")]
    assert sorted(r.inputs["stage"] for r in steps) == ["shutdown", "snapshot"]
    for step in steps:
        resource_id, outputs = host.create(host.check(dict(step.inputs)))
        assert len(outputs["__provider"]) < 100  # gpuforge.guard.SnapshotStartProvider, by reference
        assert len(json.dumps({"id": resource_id, "inputs": step.inputs, "outputs": outputs})) < 1024
