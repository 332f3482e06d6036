"""A Pulumi stack of guarded droplets, driven as the engine drives it, against the simulator.

The engine's side of every operation is emulated from Pulumi's rules (see docs/DESIGN.md):

* create: the program registers a droplet and its guard (the guard's inputs, ``__provider``
  blob included, come from a real program run under Pulumi's mocks), then Check and Create;
* update: Check, Diff (must not be a replacement), Update;
* destroy: Delete of the guard; the droplet is deleted only if that succeeded; a failed Delete
  leaves both in state, to be destroyed again later;
* replace: the new droplet and guard are created first, then the old guard is deleted, then
  (only if that succeeded) the old droplet.

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
from gpuforge.guard import TYPE_TOKEN
from gpuforge.timemachine import SnapshotSettings
from tests.guard.conftest import Recorder, small_program
from tests.guard.host import URN, DynamicHost, from_struct, to_struct

GPU_SIZE, REGION, IMAGE = "gpu-h100x1-80gb", "nyc2", "gpu-h100x1-base"


def wait_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.02) -> None:
    """Poll ``condition`` until it holds; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


class CampaignHost(DynamicHost):
    """The SDK's host, plus Update, and its stdout kept (the harness only reads the port line)."""

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

    def update(self, resource_id: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        response = self.stub.Update(
            provider_pb2.UpdateRequest(
                id=resource_id, urn=URN, olds=to_struct(olds), news=to_struct(news), type=TYPE_TOKEN
            )
        )
        return from_struct(response.properties)

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
        droplet = self.sim.add_droplet(name=name, size=GPU_SIZE, region=REGION, image=image)
        inputs = self.program_inputs(settings, droplet["id"])
        host = self.host(self.token)
        guard_id, outs = host.create(host.check(inputs))
        self.outputs_seen.append(outs)
        guarded = Guarded(name, droplet["id"], settings, inputs, guard_id, outs, self.sim.clock.now())
        self.live.append(guarded)
        return guarded

    def update(self, guarded: Guarded, **changes: Any) -> None:
        """``pulumi up`` after a settings change: Check, Diff (an update, not a replacement), Update."""
        host = self.host(self.token)
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

    def delete_guard(self, guarded: Guarded, token: str | None = None) -> DeleteResult:
        """The engine's Delete of the guard; a failure is an RpcError whose details the user sees."""
        future = self.host(token or self.token).delete_future(guarded.guard_id, guarded.outs)
        return self.settle(future, guarded)

    def settle(self, future: Any, guarded: Guarded) -> DeleteResult:
        try:
            future.result(timeout=self.rpc_timeout(guarded))
        except grpc.RpcError as err:
            details = err.details() or ""
            self.errors_seen.append(details)
            return DeleteResult(False, details)
        return DeleteResult(True)

    def finish_destroy(self, guarded: Guarded, result: DeleteResult) -> Deleted | None:
        """After the guard's Delete: delete the droplet if it succeeded, else keep both in state."""
        if not result.ok:
            guarded.failed_destroys += 1
            if guarded in self.live:
                self.live.remove(guarded)
                self.pending.append(guarded)
            return None
        vanished = guarded.droplet_id not in self.sim.droplets
        snapshot_ids = [
            str(s["id"]) for s in self.sim.snapshots.values() if s["resource_id"] == str(guarded.droplet_id)
        ]
        if not vanished:
            self.sim.delete_droplet_now(guarded.droplet_id)
        for group in (self.live, self.pending):
            if guarded in group:
                group.remove(guarded)
        deleted = Deleted(guarded, snapshot_ids, vanished or guarded.vanish_scheduled)
        self.deleted.append(deleted)
        return deleted

    def destroy(self, guarded: Guarded, token: str | None = None) -> tuple[DeleteResult, Deleted | None]:
        result = self.delete_guard(guarded, token)
        return result, self.finish_destroy(guarded, result)

    def destroy_all(
        self, targets: list[Guarded], token: str | None = None
    ) -> list[tuple[Guarded, DeleteResult, Deleted | None]]:
        """``pulumi destroy``: every guard's Delete at once on one host, then the droplets."""
        host = self.host(token or self.token)
        futures = [(g, host.delete_future(g.guard_id, g.outs)) for g in targets]
        results = [(g, self.settle(f, g)) for g, f in futures]
        return [(g, r, self.finish_destroy(g, r)) for g, r in results]

    def replace(self, old: Guarded, token: str | None = None) -> tuple[Guarded, DeleteResult, Deleted | None]:
        """A replacement (create-before-delete): new droplet and guard, then the old guard and droplet."""
        host = self.host(self.token)
        droplet = self.sim.add_droplet(name=old.name, size=GPU_SIZE, region=REGION, image=IMAGE)
        inputs = self.program_inputs(old.settings, droplet["id"])
        inputs = {**inputs, "enabled": old.inputs["enabled"]}
        news = host.check(inputs, olds=old.inputs)
        diff = host.diff(old.guard_id, old.outs, news)
        assert list(diff.replaces) == ["droplet_id"], f"a new droplet id must replace the guard: {diff}"
        guard_id, outs = host.create(news)
        self.outputs_seen.append(outs)
        new = Guarded(old.name, droplet["id"], old.settings, inputs, guard_id, outs, self.sim.clock.now())
        self.live.append(new)
        result, deleted = self.destroy(old, token)
        return new, result, deleted
