"""A Pulumi stack of guarded droplets, driven as the engine drives it, against the simulator.

Each droplet comes with its firewall, its guard and the guard's two early steps (``SnapshotStart``,
stages ``shutdown`` and ``snapshot``: gpuforge/guard.py, "fleet destroy"), wired as the component
wires them: the firewall depends on the droplet, the guard on the droplet (``droplet_id``) and on the
firewall (``depends_on``), the ``snapshot`` step on the droplet (``droplet_id``) and on the guard
(``depends_on``), the ``shutdown`` step on the droplet and on the ``snapshot`` step;
tests/guard/test_delete_waves.py and tests/guard/test_fleet.py pin those edges on the real program.
The engine's side of every operation is emulated from Pulumi's rules (docs/DESIGN.md, "Pulumi semantics"):

* create: the program registers a droplet, its firewall, its guard and the two steps (their inputs,
  ``__provider`` blobs included, come from a program run under Pulumi's mocks that calls the
  product's ``SnapshotGuard`` and ``snapshot_starts``), then Check and Create each, in dependency order;
* update: Check, Diff (must not be a replacement), Update, for the guard and both steps (all carry
  ``enabled``); a droplet whose guard or steps went in an earlier, partly failed destroy gets them
  again (Create) at the next ``pulumi up``;
* destroy: deletes in waves (``ScheduleDeletes``, pkg/resource/deploy/step_generator.go ~2747-2796,
  pulumi v3.260): a resource goes in a wave after everything that depends on it, so the shutdown
  steps first, then the snapshot steps, then the guards, then the firewalls, then the droplets; the
  executor waits for each wave (deployment_executor.go ~515-553) and a failed delete cancels the
  later waves while the deletes already running finish (step_executor.go ~460): one failed guard
  (or early step) keeps every droplet and firewall of that destroy, and what succeeded is gone from state;
* replace: delete-before-replace, because the program sets the droplet's ``name``
  (``nameRequiresDeleteBeforeReplace`` in the bridge): every dependent whose Diff replaces it once
  ``droplet_id`` is unknown is deleted first, in reverse dependency order, as one serial chain
  (calculateDependentReplacements ~3268, generateStepsFromDiff ~2060-2100, ExecuteSerial in
  deployment_executor.go ~651): the shutdown step, the snapshot step, the old guard (its snapshot),
  the old droplet, then the new droplet, its guard and steps; the firewall is updated to the new
  droplet, not deleted;
* the DigitalOcean provider's own deletes (firewall, droplet) use the same token as the guard: under a
  refused (401) or read-only (403) token they fail too, and stop the run.

One dynamic provider host per token (the engine starts one per provider configuration); a killed
host is replaced by a fresh one at its next use.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pulumi_digitalocean as digitalocean
from pulumi.runtime.proto import provider_pb2

from dosim import Simulator
from gpuforge.guard import START_STAGES, START_TYPE_TOKEN, SnapshotGuard, snapshot_starts
from gpuforge.timemachine import SnapshotSettings
from tests.guard.conftest import Recorder
from tests.guard.host import DynamicHost

GPU_SIZE, REGION, IMAGE = "gpu-h100x1-80gb", "nyc2", "gpu-h100x1-base"
#: The result of a destroy for a droplet whose guard was already gone from state (no Delete of a guard ran).
NO_GUARD = "no guard in state"
#: The result of a destroy stopped (an earlier wave failed) before its droplet's guard was called.
NOT_REACHED = "stopped before the guard: an earlier delete wave failed"
#: The dynamic resources of a droplet, as node kinds of the delete graph: the two early steps (by stage) and the guard.
DYNAMIC = (*START_STAGES, "guard")
#: Creation order of the steps: the snapshot step depends on the guard, the shutdown step on the snapshot step.
STEP_CREATE_ORDER = ("snapshot", "shutdown")


def campaign_program(settings: SnapshotSettings) -> Callable[[], None]:
    """A droplet, its guard and the guard's two early steps, wired as ``GpuDroplet`` wires them
    (gpuforge/component.py): the guard takes the droplet's id, ``snapshot_starts`` adds the steps."""

    def program() -> None:
        parent = pulumi.ComponentResource("gpuforge:campaign:GuardedDroplet", settings.droplet_name)
        droplet = digitalocean.Droplet(
            settings.droplet_name,
            name=settings.droplet_name,
            size=settings.gpu_size,
            region=settings.region,
            image=settings.image,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        guard = SnapshotGuard(
            f"{settings.droplet_name}-snapshot-guard",
            droplet.id,
            settings,
            pulumi.ResourceOptions(parent=parent, depends_on=[droplet]),
        )
        snapshot_starts(settings.droplet_name, droplet.id, settings, guard, parent)

    return program


def wait_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.02) -> None:
    """Poll ``condition`` until it holds; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


class CampaignHost(DynamicHost):
    """The SDK's host, its stdout kept (the harness only reads the port line)."""

    def __init__(self, cwd: Path, env: Mapping[str, str] | None = None) -> None:
        super().__init__(cwd, env)
        self.stdout_lines: list[str] = []
        self.killed = False
        self._drain = threading.Thread(target=self._read_stdout, daemon=True)
        self._drain.start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            self.stdout_lines.append(raw.decode("utf-8", "replace"))

    @property
    def transcript(self) -> str:
        """Everything the host printed, stderr and stdout."""
        return self.stderr + "".join(self.stdout_lines)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.killed = True
        super().kill()


def registered_inputs(settings: SnapshotSettings, droplet_id: int) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The guard's inputs and the early steps' (by stage) as :func:`campaign_program` registers them
    under Pulumi's mocks (``__provider`` included), for the droplet ``droplet_id``."""
    recorder = Recorder(droplet_id=str(droplet_id))
    pulumi.runtime.set_mocks(recorder, project="gpuforge", stack="dev", preview=False)

    @pulumi.runtime.test
    def run() -> None:
        campaign_program(settings)()

    run()
    steps = {str(r.inputs["stage"]): dict(r.inputs) for r in recorder.resources if r.typ == START_TYPE_TOKEN}
    assert sorted(steps) == sorted(START_STAGES), f"the program registered the steps {sorted(steps)}"
    return recorder.guard_inputs(), steps


@dataclass
class Step:
    """An early step (``SnapshotStart``) as the stack's state holds it."""

    stage: str
    inputs: dict[str, Any]
    resource_id: str
    outs: dict[str, Any]


@dataclass
class StepRun:
    """One early step's Delete, with what the simulator saw of its droplet during that wave."""

    droplet_id: int
    name: str
    stage: str
    enabled: bool
    power_off: bool
    ok: bool
    details: str
    #: Requests about this droplet (``/v2/droplets/<id>…``) during the wave (no other delete of it runs then).
    requests: int
    #: Snapshot actions of the droplet running or completed when the wave began.
    snapshots_before: int
    #: Snapshot actions of the droplet begun during the wave.
    snapshots_started: int


@dataclass
class Guarded:
    """A droplet and its guard as the stack's state holds them."""

    name: str
    droplet_id: int
    settings: SnapshotSettings
    inputs: dict[str, Any]
    guard_id: str
    outs: dict[str, Any]
    created_at: float
    firewall_id: str | None = None
    guard_in_state: bool = True
    failed_destroys: int = 0
    vanish_scheduled: bool = False
    #: The early steps in state, by stage.
    steps: dict[str, Step] = field(default_factory=dict)

    @property
    def guarded(self) -> bool:
        """Whether the promise applies: snapshots on, and a failed snapshot keeps the droplet."""
        return bool(self.outs.get("enabled")) and self.outs.get("on_failure") == "abort"


@dataclass
class DeleteResult:
    ok: bool
    details: str = ""


@dataclass
class Deleted:
    """A droplet the stack deleted (after its guard's Delete succeeded)."""

    guarded: Guarded
    snapshot_ids: list[str]
    vanished: bool


@dataclass
class Stack:
    sim: Simulator
    project: Path
    token: str
    token_via_env: bool
    live: list[Guarded] = field(default_factory=list)
    pending: list[Guarded] = field(default_factory=list)
    deleted: list[Deleted] = field(default_factory=list)
    hosts: dict[str, CampaignHost] = field(default_factory=dict)
    all_hosts: list[CampaignHost] = field(default_factory=list)
    outputs_seen: list[dict[str, Any]] = field(default_factory=list)
    blobs_seen: set[str] = field(default_factory=set)
    errors_seen: list[str] = field(default_factory=list)
    #: Temporary files a SIGKILL of the host left in the snapshot directory (nothing can remove them).
    litter: set[str] = field(default_factory=set)
    #: Every early step's Delete, in order.
    step_runs: list[StepRun] = field(default_factory=list)
    #: What happened to the early steps at ``pulumi up`` (created, updated, replaced, re-created).
    step_events: Counter[str] = field(default_factory=Counter)

    @property
    def snapshot_dir(self) -> Path:
        return self.project / "snapshots"

    # -- hosts ---------------------------------------------------------------------------------

    def host(self, token: str) -> CampaignHost:
        """The host configured with ``token`` (started, or restarted after a kill, on demand)."""
        host = self.hosts.get(token)
        if host is None or not host.alive():
            if token == self.token and self.token_via_env:
                host = CampaignHost(self.project, {"DIGITALOCEAN_TOKEN": token, "DIGITALOCEAN_API_URL": self.sim.url})
                host.configure({"gpuforge:name": "campaign"})
            else:
                host = CampaignHost(self.project)
                host.configure(
                    {"digitalocean:token": token, "digitalocean:apiEndpoint": self.sim.url, "gpuforge:name": "campaign"}
                )
            self.hosts[token] = host
            self.all_hosts.append(host)
        return host

    def close(self) -> None:
        for host in self.all_hosts:
            host.close()

    # -- the program ---------------------------------------------------------------------------

    def program_inputs(
        self, settings: SnapshotSettings, droplet_id: int
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """The guard's inputs and the early steps' (by stage), see :func:`registered_inputs`; their
        ``__provider`` blobs are kept for the token invariant."""
        inputs, steps = registered_inputs(settings, droplet_id)
        for props in (inputs, *steps.values()):
            self.blobs_seen.add(props["__provider"])
        return inputs, steps

    def create_step(self, guarded: Guarded, stage: str, inputs: dict[str, Any]) -> None:
        """Check and Create one early step; it joins the droplet's state."""
        host = self.host(self.token)
        resource_id, outs = host.create(host.check(inputs))
        self.outputs_seen.append(outs)
        guarded.steps[stage] = Step(stage, inputs, resource_id, outs)

    def create(self, name: str, settings: SnapshotSettings, image: str | int = IMAGE) -> Guarded:
        """``pulumi up`` of a new droplet: the droplet, its firewall, its guard, then its snapshot and shutdown steps."""
        droplet = self.sim.add_droplet(name=name, size=GPU_SIZE, region=REGION, image=image)
        firewall = self.sim.add_firewall(f"{name}-firewall", [droplet["id"]])
        inputs, steps = self.program_inputs(settings, droplet["id"])
        host = self.host(self.token)
        guard_id, outs = host.create(host.check(inputs))
        self.outputs_seen.append(outs)
        guarded = Guarded(
            name, droplet["id"], settings, inputs, guard_id, outs, self.sim.clock.now(), firewall_id=firewall["id"]
        )
        for stage in STEP_CREATE_ORDER:
            self.create_step(guarded, stage, steps[stage])
            self.step_events["early steps created"] += 1
        self.live.append(guarded)
        return guarded

    def update(self, guarded: Guarded, **changes: Any) -> None:
        """``pulumi up`` (after a settings change, or none): Check, Diff (never a replacement), Update when
        the Diff found a change, for the guard and then each early step; those a partly failed destroy
        deleted are created again."""
        host = self.host(self.token)
        if not guarded.guard_in_state:  # its guard went in a partly failed destroy: the program registers it again
            guarded.inputs = {**guarded.inputs, **changes}
            guarded.guard_id, guarded.outs = host.create(host.check(guarded.inputs))
            guarded.guard_in_state = True
            self.outputs_seen.append(guarded.outs)
        else:
            news = host.check({**guarded.inputs, **changes}, olds=guarded.inputs)
            diff = host.diff(guarded.guard_id, guarded.outs, news)
            assert list(diff.replaces) == [], f"a settings change must not replace the guard: {diff}"
            assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME or not changes
            if diff.changes == provider_pb2.DiffResponse.DIFF_SOME:
                guarded.outs = host.update(guarded.guard_id, guarded.outs, news)
                self.outputs_seen.append(guarded.outs)
            guarded.inputs = {**guarded.inputs, **changes}
        _, registered = self.program_inputs(guarded.settings, guarded.droplet_id)
        for stage in STEP_CREATE_ORDER:
            step = guarded.steps.get(stage)
            if step is None:  # deleted in a partly failed destroy: the program registers it again
                self.create_step(guarded, stage, {**registered[stage], "enabled": guarded.inputs["enabled"]})
                self.step_events["early steps re-created (after a partly failed destroy)"] += 1
                continue
            news = host.check({**step.inputs, **changes}, olds=step.inputs)
            diff = host.diff(step.resource_id, step.outs, news)
            assert list(diff.replaces) == [], f"a settings change must not replace the {stage} step: {diff}"
            if not changes:
                assert diff.changes != provider_pb2.DiffResponse.DIFF_SOME, f"the {stage} step changed: {diff}"
                continue
            assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME, f"the {stage} step saw no change: {diff}"
            step.outs = host.update(step.resource_id, step.outs, news)
            step.inputs = {**step.inputs, **changes}
            self.outputs_seen.append(step.outs)
            self.step_events["early steps updated"] += 1

    # -- destroy -------------------------------------------------------------------------------

    @staticmethod
    def rpc_timeout(guarded: Guarded) -> float:
        return guarded.settings.timeout_seconds + 90.0

    def settle(self, future: Any, guarded: Guarded) -> DeleteResult:
        try:
            future.result(timeout=self.rpc_timeout(guarded))
        except grpc.RpcError as err:
            details = err.details() or ""
            self.errors_seen.append(details)
            return DeleteResult(False, details)
        return DeleteResult(True)

    def provider_delete(self, guarded: Guarded, kind: str, token: str) -> DeleteResult:
        """The DigitalOcean provider deleting the firewall or the droplet, with the same token as the guard."""
        if token != self.token:
            return DeleteResult(False, f"the provider's {kind} delete was refused (token)")
        if kind == "firewall":
            assert guarded.firewall_id is not None
            self.sim.delete_firewall_now(guarded.firewall_id)
            guarded.firewall_id = None
        else:
            self.sim.delete_droplet_now(guarded.droplet_id)
        return DeleteResult(True)

    @staticmethod
    def delete_graph(targets: list[Guarded]) -> dict[tuple[int, str], set[tuple[int, str]]]:
        """The condemned resources of the targets and their dependencies (property and ``depends_on``),
        as the engine keeps them in state: only what is still in state is condemned."""
        deps: dict[tuple[int, str], set[tuple[int, str]]] = {}
        for g in targets:
            d = g.droplet_id
            deps[(d, "droplet")] = set()
            if g.firewall_id is not None:
                deps[(d, "firewall")] = {(d, "droplet")}
            if g.guard_in_state:
                deps[(d, "guard")] = {node for node in deps if node[0] == d}
            above = (d, "guard")
            for stage in STEP_CREATE_ORDER:  # snapshot depends_on guard, shutdown depends_on snapshot
                if stage in g.steps:
                    deps[(d, stage)] = {(d, "droplet")} | ({above} if above in deps else set())
                    above = (d, stage)
        return deps

    def _dynamic_deletes(self, nodes: list[tuple[Guarded, str]], token: str) -> dict[tuple[int, str], DeleteResult]:
        """One wave's Deletes of guards and early steps, sent at once to the host; every early step's
        run is kept in :attr:`step_runs` with what the simulator saw of its droplet meanwhile."""
        actions_before, seen_before = self.sim.actions, len(self.sim.requests)
        host = self.host(token)
        futures = [(g, kind, host.delete_future(*self._resource(g, kind))) for g, kind in nodes]
        outcome = {(g.droplet_id, kind): self.settle(future, g) for g, kind, future in futures}
        actions_after, requests = self.sim.actions, self.sim.requests[seen_before:]
        for g, kind in nodes:
            if kind == "guard":
                continue
            d, outs, result = g.droplet_id, g.steps[kind].outs, outcome[(g.droplet_id, kind)]
            mine = f"/v2/droplets/{d}"
            self.step_runs.append(
                StepRun(
                    d,
                    g.name,
                    kind,
                    bool(outs.get("enabled")),
                    bool(outs.get("power_off")),
                    result.ok,
                    result.details,
                    sum(1 for r in requests if r.path == mine or r.path.startswith(mine + "/")),
                    sum(
                        1
                        for a in actions_before.values()
                        if a["resource_id"] == d
                        and a["type"] == "snapshot"
                        and a["status"] in ("in-progress", "completed")
                    ),
                    sum(
                        1
                        for i, a in actions_after.items()
                        if i not in actions_before and a["resource_id"] == d and a["type"] == "snapshot"
                    ),
                )
            )
        return outcome

    @staticmethod
    def _resource(g: Guarded, kind: str) -> tuple[str, dict[str, Any]]:
        """The id and outputs in state of a droplet's guard or early step."""
        if kind == "guard":
            return g.guard_id, g.outs
        return g.steps[kind].resource_id, g.steps[kind].outs

    def delete_in_waves(
        self, targets: list[Guarded], token: str | None = None, *, guard_results: dict[int, DeleteResult] | None = None
    ) -> list[tuple[Guarded, DeleteResult, Deleted | None]]:
        """Delete the targets' early steps, guards, firewalls and droplets in the engine's waves (see the
        module docstring).

        ``guard_results`` (by droplet id): guard deletes that already ran (after the early steps' waves).
        Returns, per target, its guard's result (ok with NO_GUARD when it had none, NOT_REACHED when an
        earlier wave failed) and its droplet's deletion, if it got that far.
        """
        token = token or self.token
        deps = self.delete_graph(targets)
        by_id = {g.droplet_id: g for g in targets}
        results = {g.droplet_id: DeleteResult(True, NO_GUARD) for g in targets if not g.guard_in_state}
        results.update({g.droplet_id: DeleteResult(False, NOT_REACHED) for g in targets if g.guard_in_state})
        existed = {g.droplet_id: g.droplet_id in self.sim.droplets for g in targets}
        done: set[tuple[int, str]] = set()
        for wave in schedule_deletes(deps):
            outcome: dict[tuple[int, str], DeleteResult] = {}
            if guard_results is not None:
                outcome.update({(d, k): guard_results[d] for d, k in wave if k == "guard" and d in guard_results})
            calls = [(by_id[d], kind) for d, kind in sorted(wave) if kind in DYNAMIC and (d, kind) not in outcome]
            if calls:
                outcome.update(self._dynamic_deletes(calls, token))
            for node in sorted(wave - set(outcome)):
                outcome[node] = self.provider_delete(by_id[node[0]], node[1], token)
            for (droplet_id, kind), result in outcome.items():
                if kind == "guard":
                    results[droplet_id] = result
                if result.ok:
                    done.add((droplet_id, kind))
                    if kind in START_STAGES:
                        del by_id[droplet_id].steps[kind]
            if not all(r.ok for r in outcome.values()):
                break  # se.cancel(): the later waves never start
        return [(g, results[g.droplet_id], self._account(g, results[g.droplet_id], done, existed)) for g in targets]

    def run_early_steps(self, guarded: Guarded) -> bool:
        """The waves of a destroy of ``guarded`` before its guard's: its shutdown step, then its snapshot
        step (each a wave; a failed one stops the run, step_executor.go ~460). Whether both succeeded."""
        for stage in START_STAGES:  # ("shutdown", "snapshot"): the order ScheduleDeletes gives them
            if stage not in guarded.steps:
                continue
            result = self._dynamic_deletes([(guarded, stage)], self.token)[(guarded.droplet_id, stage)]
            if not result.ok:
                return False
            del guarded.steps[stage]
        return True

    def _account(
        self, g: Guarded, result: DeleteResult, done: set[tuple[int, str]], existed: dict[int, bool]
    ) -> Deleted | None:
        """Bring the stack's state up to date after a destroy's waves."""
        if (g.droplet_id, "guard") in done:
            g.guard_in_state = False
        if not result.ok:
            g.failed_destroys += 1
        if (g.droplet_id, "droplet") not in done:
            if g in self.live:
                self.live.remove(g)
                self.pending.append(g)
            return None
        snapshot_ids = [str(s["id"]) for s in self.sim.snapshots.values() if s["resource_id"] == str(g.droplet_id)]
        for group in (self.live, self.pending):
            if g in group:
                group.remove(g)
        deleted = Deleted(g, snapshot_ids, not existed[g.droplet_id] or g.vanish_scheduled)
        self.deleted.append(deleted)
        return deleted

    def finish_destroy(self, guarded: Guarded, result: DeleteResult) -> Deleted | None:
        """After the early steps' and the guard's Deletes ran (a kill, say): the rest of that destroy's waves."""
        ((_, _, deleted),) = self.delete_in_waves([guarded], guard_results={guarded.droplet_id: result})
        return deleted

    def destroy(self, guarded: Guarded, token: str | None = None) -> tuple[DeleteResult, Deleted | None]:
        """``pulumi destroy --target`` of one droplet with its dependents (or its removal from the program)."""
        ((_, result, deleted),) = self.delete_in_waves([guarded], token)
        return result, deleted

    def destroy_all(
        self, targets: list[Guarded], token: str | None = None
    ) -> list[tuple[Guarded, DeleteResult, Deleted | None]]:
        """``pulumi destroy``: every shutdown step's Delete at once on one host, then every snapshot step's,
        then every guard's, then the firewalls, then the droplets."""
        return self.delete_in_waves(targets, token)

    def replace(self, old: Guarded, token: str | None = None) -> tuple[Guarded | None, DeleteResult, Deleted | None]:
        """A replacement, delete-before-replace: the old early steps, the old guard, then the old droplet,
        then the new droplet, guard and steps; the firewall is updated to the new droplet. Returns None as the new one when the
        chain stopped before creating it."""
        host = self.host(self.token)
        if old.guard_in_state:
            # The new droplet's id is unknown at preview: any new id replaces the guard.
            news = host.check({**old.inputs, "droplet_id": "0"}, olds=old.inputs)
            diff = host.diff(old.guard_id, old.outs, news)
            assert list(diff.replaces) == ["droplet_id"], f"a new droplet id must replace the guard: {diff}"
        for step in old.steps.values():  # the same for the early steps: they join the delete-before-replace chain
            news = host.check({**step.inputs, "droplet_id": "0"}, olds=step.inputs)
            diff = host.diff(step.resource_id, step.outs, news)
            assert list(diff.replaces) == ["droplet_id"], f"a new droplet id must replace the {step.stage} step: {diff}"
        firewall_id, old.firewall_id = old.firewall_id, None  # updated, not deleted: not in the delete chain
        ((_, result, deleted),) = self.delete_in_waves([old], token)
        if deleted is None:
            old.firewall_id = firewall_id
            return None, result, None
        droplet = self.sim.add_droplet(name=old.name, size=GPU_SIZE, region=REGION, image=IMAGE)
        if firewall_id is not None:
            self.sim.set_firewall_droplets(firewall_id, [droplet["id"]])
        registered, steps = self.program_inputs(old.settings, droplet["id"])
        inputs = {**registered, "enabled": old.inputs["enabled"]}
        guard_id, outs = host.create(host.check(inputs))
        self.outputs_seen.append(outs)
        new = Guarded(
            old.name, droplet["id"], old.settings, inputs, guard_id, outs, self.sim.clock.now(), firewall_id=firewall_id
        )
        for stage in STEP_CREATE_ORDER:
            self.create_step(new, stage, {**steps[stage], "enabled": old.inputs["enabled"]})
            self.step_events["early steps replaced (with their droplet)"] += 1
        self.live.append(new)
        return new, result, deleted


def schedule_deletes(deps: Mapping[Any, set[Any]]) -> list[set[Any]]:
    """The engine's delete waves (``ScheduleDeletes``, step_generator.go ~2747-2796): repeatedly take the
    condemned resources none of whose dependencies is still condemned, then reverse the list."""
    condemned = set(deps)
    waves: list[set[Any]] = []
    while condemned:
        wave = {node for node in condemned if not deps[node] & condemned}
        assert wave, f"a dependency cycle among {condemned}"
        condemned -= wave
        waves.append(wave)
    return list(reversed(waves))
