"""The campaign's model of a droplet's resources matches what the real program registers.

The campaign registers a droplet, its guard and the guard's two early steps with the product's
``SnapshotGuard`` and ``snapshot_starts`` (tests/campaign/stack.py, ``campaign_program``); the
stack-config program registers them through ``GpuDroplet`` (tests/guard/waves.py records it under
Pulumi's mocks). Same inputs, same delete waves (``ScheduleDeletes``, step_generator.go ~2747).
"""

from __future__ import annotations

from gpuforge.guard import START_TYPE_TOKEN, TYPE_TOKEN
from gpuforge.timemachine import SnapshotSettings
from tests.campaign.stack import GPU_SIZE, IMAGE, REGION, Guarded, Stack, Step, registered_inputs, schedule_deletes
from tests.guard.waves import delete_waves, registered_graph
from tests.program.harness import DROPLET, FIREWALL

KINDS = {START_TYPE_TOKEN: "step", TYPE_TOKEN: "guard", FIREWALL: "firewall", DROPLET: "droplet"}


def _settings() -> SnapshotSettings:
    return SnapshotSettings("gpu-dev", region=REGION, gpu_size=GPU_SIZE, image=IMAGE)


def test_the_campaign_registers_the_steps_with_the_programs_inputs() -> None:
    _, recorder = registered_graph("dev", "4242", "gpu-dev")
    real = {str(r.inputs["stage"]): dict(r.inputs) for r in recorder.resources if r.typ == START_TYPE_TOKEN}
    _, steps = registered_inputs(_settings(), 4242)
    assert sorted(steps) == sorted(real) == ["shutdown", "snapshot"]
    for stage, inputs in steps.items():
        assert set(inputs) == set(real[stage]), stage
        assert inputs["droplet_id"] == real[stage]["droplet_id"] == "4242"
        assert inputs["__provider"] == real[stage]["__provider"]  # the same provider, by reference


def _kind(typ: str, name: str) -> str:
    """A registered resource as a node kind of the campaign's delete graph (the steps by their names'
    ends, as gpuforge.guard.snapshot_starts names them)."""
    if typ == START_TYPE_TOKEN:
        return "shutdown" if name.endswith("-snapshot-shutdown") else "snapshot"
    return KINDS[typ]


def test_the_campaign_deletes_in_the_programs_waves() -> None:
    graph, _ = registered_graph("dev", "4242", "gpu-dev")
    real = [sorted(_kind(r.typ, r.name) for r in wave if r.typ in KINDS) for wave in delete_waves(graph)]
    g = Guarded("gpu-dev", 4242, _settings(), {}, "guard", {}, 0.0, firewall_id="fw")
    g.steps = {stage: Step(stage, {}, stage, {}) for stage in ("snapshot", "shutdown")}
    model = [sorted(kind for _, kind in wave) for wave in schedule_deletes(Stack.delete_graph([g]))]
    assert [w for w in real if w] == model == [["shutdown"], ["snapshot"], ["guard"], ["firewall"], ["droplet"]]


def test_a_failed_snapshot_in_a_fleet_destroy_keeps_every_droplet_with_its_firewall(tmp_path) -> None:
    """Deterministic, whatever the campaign's seed draws: a ``pulumi destroy`` of two guarded droplets
    whose first snapshot errors. The failed guard stops the later waves (step_executor.go ~460), so
    neither firewall nor droplet is deleted, and the invariant of every campaign step holds."""
    from dosim import RealClock, Simulator
    from tests.campaign.invariants import kept_droplets_keep_their_firewall
    from tests.campaign.tokens import TOKEN

    sim = Simulator(
        clock=RealClock(), token=TOKEN, durations={"snapshot": 1.0, "shutdown": 0.2, "power_off": 0.2}
    ).start()
    stack = Stack(sim, tmp_path, TOKEN, token_via_env=True)
    try:
        fleet = [
            stack.create(name, SnapshotSettings(name, directory=str(tmp_path / "snapshots"), timeout_seconds=60.0))
            for name in ("gpu-a", "gpu-b")
        ]
        sim.faults.add("action_errored", action_type="snapshot", times=1)
        outcome = stack.destroy_all(fleet)
        assert [result.ok for _, result, _ in outcome].count(False) == 1
        assert all(deleted is None for _, _, deleted in outcome)  # no droplet went
        for g in fleet:
            assert g.droplet_id in sim.droplets and g.firewall_id is not None
        assert kept_droplets_keep_their_firewall(stack) == []
    finally:
        stack.close()
        sim.stop()
