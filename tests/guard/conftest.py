"""Run a small program under Pulumi's mocks and capture what the engine would receive for the guard."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

import pulumi
import pulumi_digitalocean as digitalocean
import pytest

from dosim import RealClock, Simulator
from gpuforge.guard import TYPE_TOKEN, SnapshotGuard
from gpuforge.timemachine import SnapshotSettings
from tests.guard.host import DynamicHost

DROPLET = "digitalocean:index/droplet:Droplet"


@dataclass
class Recorder(pulumi.runtime.Mocks):
    """Registers every resource; a droplet gets ``droplet_id`` as its id (a simulator droplet)."""

    droplet_id: str = "1"
    resources: list[pulumi.runtime.MockResourceArgs] = field(default_factory=list)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        return (self.droplet_id if args.typ == DROPLET else f"{args.name}-id"), dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []

    def guard_inputs(self) -> dict[str, Any]:
        (guard,) = [r for r in self.resources if r.typ == TYPE_TOKEN]
        return dict(guard.inputs)


def small_program(settings: SnapshotSettings) -> Callable[[], None]:
    """A droplet and its guard, wired like the component does (the guard takes the droplet's id)."""

    def program() -> None:
        droplet = digitalocean.Droplet(
            settings.droplet_name,
            name=settings.droplet_name,
            size=settings.gpu_size,
            region=settings.region,
            image=settings.image,
        )
        SnapshotGuard(
            f"{settings.droplet_name}-guard", droplet.id, settings, pulumi.ResourceOptions(depends_on=[droplet])
        )

    return program


@pytest.fixture
def capture_guard_inputs() -> Callable[..., dict[str, Any]]:
    """``capture(program, droplet_id=...)`` → the guard's inputs as registered, ``__provider`` included."""

    def capture(program: Callable[[], None], droplet_id: str = "1") -> dict[str, Any]:
        recorder = Recorder(droplet_id=droplet_id)
        pulumi.runtime.set_mocks(recorder, project="gpuforge", stack="dev", preview=False)

        @pulumi.runtime.test
        def run() -> None:
            program()

        run()
        return recorder.guard_inputs()

    return capture


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(
        clock=RealClock(), rate_limiting=False, seed=0, durations={"snapshot": 1.5, "shutdown": 0.3, "power_off": 0.2}
    ) as simulator:
        yield simulator


@pytest.fixture
def start_host(tmp_path: Path, sim: Simulator) -> Iterator[Callable[..., DynamicHost]]:
    """Start a host in the project directory, configured as the engine does (stack config in Configure)."""
    hosts: list[DynamicHost] = []

    def start(config: dict[str, str] | None = None, env: dict[str, str] | None = None) -> DynamicHost:
        host = DynamicHost(tmp_path, env)
        hosts.append(host)
        host.configure(
            {"digitalocean:token": sim.token, "digitalocean:apiEndpoint": sim.url, "gpuforge:x": "1"}
            if config is None
            else config
        )
        return host

    yield start
    for host in hosts:
        host.close()


@pytest.fixture
def guard(sim: Simulator, capture_guard_inputs: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """``guard(**settings)`` → a simulator droplet and the guard inputs a program registers for it."""

    def make(status: str = "active", **settings: Any) -> dict[str, Any]:
        droplet = sim.add_droplet(name="gpu-dev", size="gpu-h100x1-80gb", region="nyc2", status=status)
        full = SnapshotSettings(
            "gpu-dev", region="nyc2", gpu_size="gpu-h100x1-80gb", image="gpu-h100x1-base", **settings
        )
        inputs = capture_guard_inputs(small_program(full), droplet_id=str(droplet["id"]))
        return {"droplet": droplet, "inputs": inputs}

    return make
