"""A Pulumi stack of guarded droplets, driven as the engine drives it, against the simulator.

Each droplet comes with its firewall and its guard, wired as the component wires them: the firewall
depends on the droplet, the guard on the droplet (``droplet_id``) and on the firewall (``depends_on``);
tests/guard/test_delete_waves.py pins those edges on the real program. The engine's side of every
operation is emulated from Pulumi's rules (docs/DESIGN.md, "Pulumi semantics"):

* create: the program registers a droplet, its firewall and its guard (the guard's inputs,
  ``__provider`` blob included, come from a real program run under Pulumi's mocks), then Check and Create;
* update: Check, Diff (must not be a replacement), Update; a droplet whose guard went in an earlier,
  partly failed destroy gets a new guard (Create) at the next ``pulumi up``;
* destroy: deletes in waves (``ScheduleDeletes``, pkg/resource/deploy/step_generator.go ~2747-2796,
  pulumi v3.260): a resource goes in a wave after everything that depends on it, so the guards first,
  then the firewalls, then the droplets; the executor waits for each wave (deployment_executor.go
  ~515-553) and a failed delete cancels the later waves while the deletes already running finish
  (step_executor.go ~460): one failed guard keeps every droplet and firewall of that destroy, and
  the guards that succeeded are gone from state;
* replace: delete-before-replace, because the program sets the droplet's ``name``
  (``nameRequiresDeleteBeforeReplace`` in the bridge): the old guard (its snapshot), then the old
  droplet, then the new droplet and its guard; the firewall is updated to the new droplet, not deleted;
* the DigitalOcean provider's own deletes (firewall, droplet) use the same token as the guard: under a
  refused (401) or read-only (403) token they fail too, and stop the run.

One dynamic provider host per token (the engine starts one per provider configuration); a killed
host is replaced by a fresh one at its next use.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pulumi
from pulumi.runtime.proto import provider_pb2

from dosim import Simulator
from gpuforge.timemachine import SnapshotSettings
from tests.guard.conftest import Recorder, small_program
from tests.guard.host import DynamicHost

GPU_SIZE, REGION, IMAGE = "gpu-h100x1-80gb", "nyc2", "gpu-h100x1-base"
#: The result of a destroy for a droplet whose guard was already gone from state (no Delete of a guard ran).
NO_GUARD = "no guard in state"


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

    def program_inputs(self, settings: SnapshotSettings, droplet_id: int) -> dict[str, Any]:
        """The guard's inputs as the real component wiring registers them (``__provider`` included)."""
        recorder = Recorder(droplet_id=str(droplet_id))
        pulumi.runtime.set_mocks(recorder, project="gpuforge", stack="dev", preview=False)

        @pulumi.runtime.test
        def run() -> None:
            small_program(settings)()

        run()
        inputs = recorder.guard_inputs()
        self.blobs_seen.add(inputs["__provider"])
        return inputs

    def create(self, name: str, settings: SnapshotSettings, image: str | int = IMAGE) -> Guarded:
        """``pulumi up`` of a new droplet: the droplet, then its firewall, then its guard."""
        droplet = self.sim.add_droplet(name=name, size=GPU_SIZE, region=REGION, image=image)
        firewall = self.sim.add_firewall(f"{name}-firewall", [droplet["id"]])
        inputs = self.program_inputs(settings, droplet["id"])
        host = self.host(self.token)
        guard_id, outs = host.create(host.check(inputs))
        self.outputs_seen.append(outs)
        guarded = Guarded(
            name, droplet["id"], settings, inputs, guard_id, outs, self.sim.clock.now(), firewall_id=firewall["id"]
        )
        self.live.append(guarded)
        return guarded

    def update(self, guarded: Guarded, **changes: Any) -> None:
        """``pulumi up`` after a settings change: Check, Diff (an update, not a replacement), Update."""
        host = self.host(self.token)
        if not guarded.guard_in_state:  # its guard went in a partly failed destroy: the program registers it again
            guarded.inputs = {**guarded.inputs, **changes}
            guarded.guard_id, guarded.outs = host.create(host.check(guarded.inputs))
            guarded.guard_in_state = True
            self.outputs_seen.append(guarded.outs)
            return
        news = host.check({**guarded.inputs, **changes}, olds=guarded.inputs)
        diff = host.diff(guarded.guard_id, guarded.outs, news)
        assert list(diff.replaces) == [], f"a settings change must not replace the guard: {diff}"
        assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
        guarded.outs = host.update(guarded.guard_id, guarded.outs, news)
        guarded.inputs = {**guarded.inputs, **changes}
        self.outputs_seen.append(guarded.outs)

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

    def delete_in_waves(
        self, targets: list[Guarded], token: str | None = None, *, guard_results: dict[int, DeleteResult] | None = None
    ) -> list[tuple[Guarded, DeleteResult, Deleted | None]]:
        """Delete the targets' guards, firewalls and droplets in the engine's waves (see the module docstring).

        ``guard_results`` (by droplet id): guard deletes that already ran (the first wave). Returns, per
        target, its guard's result (ok when it had none) and its droplet's deletion, if it got that far.
        """
        token = token or self.token
        deps: dict[tuple[int, str], set[tuple[int, str]]] = {}
        by_id = {g.droplet_id: g for g in targets}
        for g in targets:
            deps[(g.droplet_id, "droplet")] = set()
            if g.firewall_id is not None:
                deps[(g.droplet_id, "firewall")] = {(g.droplet_id, "droplet")}
            if g.guard_in_state:
                deps[(g.droplet_id, "guard")] = {node for node in deps if node[0] == g.droplet_id}
        results = {g.droplet_id: DeleteResult(True, NO_GUARD) for g in targets if not g.guard_in_state}
        existed = {g.droplet_id: g.droplet_id in self.sim.droplets for g in targets}
        done: set[tuple[int, str]] = set()
        for wave in schedule_deletes(deps):
            outcome: dict[tuple[int, str], DeleteResult] = {}
            guards = [by_id[d] for d, kind in wave if kind == "guard"]
            if guards and guard_results is not None:
                outcome.update({(g.droplet_id, "guard"): guard_results[g.droplet_id] for g in guards})
            elif guards:
                host = self.host(token)
                futures = [(g, host.delete_future(g.guard_id, g.outs)) for g in guards]
                outcome.update({(g.droplet_id, "guard"): self.settle(f, g) for g, f in futures})
            for node in sorted(wave - set(outcome)):
                outcome[node] = self.provider_delete(by_id[node[0]], node[1], token)
            for (droplet_id, kind), result in outcome.items():
                if kind == "guard":
                    results[droplet_id] = result
                if result.ok:
                    done.add((droplet_id, kind))
            if not all(r.ok for r in outcome.values()):
                break  # se.cancel(): the later waves never start
        return [(g, results[g.droplet_id], self._account(g, results[g.droplet_id], done, existed)) for g in targets]

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
        """After the guard's Delete ran (a kill, say): the rest of that destroy's waves."""
        ((_, _, deleted),) = self.delete_in_waves([guarded], guard_results={guarded.droplet_id: result})
        return deleted

    def destroy(self, guarded: Guarded, token: str | None = None) -> tuple[DeleteResult, Deleted | None]:
        """``pulumi destroy --target`` of one droplet with its dependents (or its removal from the program)."""
        ((_, result, deleted),) = self.delete_in_waves([guarded], token)
        return result, deleted

    def destroy_all(
        self, targets: list[Guarded], token: str | None = None
    ) -> list[tuple[Guarded, DeleteResult, Deleted | None]]:
        """``pulumi destroy``: every guard's Delete at once on one host, then the firewalls, then the droplets."""
        return self.delete_in_waves(targets, token)

    def replace(self, old: Guarded, token: str | None = None) -> tuple[Guarded | None, DeleteResult, Deleted | None]:
        """A replacement, delete-before-replace: the old guard, then the old droplet, then the new droplet
        and guard; the firewall is updated to the new droplet. Returns None as the new one when the
        chain stopped before creating it."""
        host = self.host(self.token)
        if old.guard_in_state:
            # The new droplet's id is unknown at preview: any new id replaces the guard.
            news = host.check({**old.inputs, "droplet_id": "0"}, olds=old.inputs)
            diff = host.diff(old.guard_id, old.outs, news)
            assert list(diff.replaces) == ["droplet_id"], f"a new droplet id must replace the guard: {diff}"
        firewall_id, old.firewall_id = old.firewall_id, None  # updated, not deleted: not in the delete chain
        ((_, result, deleted),) = self.delete_in_waves([old], token)
        if deleted is None:
            old.firewall_id = firewall_id
            return None, result, None
        droplet = self.sim.add_droplet(name=old.name, size=GPU_SIZE, region=REGION, image=IMAGE)
        if firewall_id is not None:
            self.sim.set_firewall_droplets(firewall_id, [droplet["id"]])
        inputs = {**self.program_inputs(old.settings, droplet["id"]), "enabled": old.inputs["enabled"]}
        guard_id, outs = host.create(host.check(inputs))
        self.outputs_seen.append(outs)
        new = Guarded(
            old.name, droplet["id"], old.settings, inputs, guard_id, outs, self.sim.clock.now(), firewall_id=firewall_id
        )
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
