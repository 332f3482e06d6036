"""The engine's delete waves for what the real program registers, and a fleet destroyed in them.

``registered_graph`` runs the real program under Pulumi's mocks and records, for every resource,
the dependencies the SDK sends in ``RegisterResourceRequest`` (``dependencies``: property
dependencies and ``depends_on`` alike, the union the engine keeps in state). ``delete_waves`` is
``ScheduleDeletes`` (pulumi/pulumi pkg/resource/deploy/step_generator.go ~2747): antichains of
condemned resources, built by repeatedly taking those whose dependencies are no longer condemned,
then reversed; graph.DependenciesOf also counts the parent. The executor runs one wave after the
other and stops after a wave in which a delete failed (deployment_executor.go ~501-553,
step_executor.go ~460).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest.mock import patch

import grpc
from pulumi.runtime import mocks as pulumi_mocks

from gpuforge.guard import START_TYPE_TOKEN, TYPE_TOKEN
from tests.guard.host import DynamicHost
from tests.program.harness import DROPLET, Recorder, execute_program

DYNAMIC = (START_TYPE_TOKEN, TYPE_TOKEN)


@dataclass(frozen=True)
class Registered:
    urn: str
    typ: str
    name: str
    parent: str
    dependencies: frozenset[str]


@contextmanager
def recording() -> Iterator[dict[str, Registered]]:
    """Record every RegisterResource the mock monitor receives (urn → registration)."""
    seen: dict[str, Registered] = {}
    original = pulumi_mocks.MockMonitor.RegisterResource

    def register(self: Any, request: Any) -> Any:
        response = original(self, request)
        if request.type != "pulumi:pulumi:Stack":
            seen[response.urn] = Registered(
                response.urn, request.type, request.name, request.parent, frozenset(request.dependencies)
            )
        return response

    with patch.object(pulumi_mocks.MockMonitor, "RegisterResource", register):
        yield seen


def registered_graph(
    stack: str, droplet_id: str, name: str, overrides: dict[str, Any] | None = None
) -> tuple[dict[str, Registered], Recorder]:
    """What the real program registers for ``stack`` with one droplet (id, name, config overrides)."""
    with recording() as seen:
        run = execute_program(stack, {"name": name, **(overrides or {})}, mocks=Recorder(droplet_id=droplet_id))
    return dict(seen), run.mocks


def delete_waves(resources: dict[str, Registered]) -> list[list[Registered]]:
    """``ScheduleDeletes`` over every resource: the waves in which a destroy deletes them."""
    condemned = dict(resources)
    chains: list[list[Registered]] = []
    while condemned:
        wave = [
            r
            for r in condemned.values()
            if not ({*r.dependencies, r.parent} & set(condemned))  # no condemned dependency (or parent) left
        ]
        assert wave, "a dependency cycle"
        for r in wave:
            del condemned[r.urn]
        chains.append(wave)
    chains.reverse()
    return chains


@dataclass
class FleetMember:
    """One droplet of a fleet: its id and its dynamic resources' (type, name, id, outputs) in state."""

    droplet_id: int
    dynamic: dict[str, tuple[str, dict[str, Any]]]  # resource name → (id, outputs)


def fleet_state(
    host: DynamicHost, stack: str, droplets: list[dict[str, Any]], overrides: dict[str, Any] | None = None
) -> tuple[list[list[str]], list[FleetMember]]:
    """Check and Create every droplet's dynamic resources through ``host``; the waves by resource
    name *pattern* (the program registered per droplet: ``<name>-…``) and the fleet's state."""
    members: list[FleetMember] = []
    waves: list[list[str]] = []
    for droplet in droplets:
        graph, recorder = registered_graph(stack, str(droplet["id"]), droplet["name"], overrides)
        inputs = {r.name: dict(r.inputs) for r in recorder.resources if r.typ in DYNAMIC}
        created = {name: host.create(host.check(props)) for name, props in inputs.items()}
        members.append(FleetMember(int(droplet["id"]), created))
        if not waves:
            waves = [
                [r.name.replace(droplet["name"], "{}", 1) for r in wave if r.typ in (*DYNAMIC, DROPLET)]
                for wave in delete_waves(graph)
            ]
            waves = [w for w in waves if w]
    return waves, members


def destroy_in_waves(
    host: DynamicHost,
    waves: list[list[str]],
    members: list[FleetMember],
    names: dict[int, str],
    delete_droplet: Callable[[int], None],
    timeout: float = 300,
) -> list[str]:
    """Send each wave's Deletes at once (every droplet's), wait for the wave, stop after a failed one.

    A droplet's own delete is ``delete_droplet(id)``. Returns the failures' details, as the user sees them.
    """
    failures: list[str] = []
    for wave in waves:
        futures = []
        for member in members:
            for pattern in wave:
                name = pattern.format(names[member.droplet_id])
                if name in member.dynamic:
                    resource_id, outputs = member.dynamic[name]
                    futures.append((member, name, host.delete_future(resource_id, outputs)))
                elif pattern == "{}":
                    delete_droplet(member.droplet_id)
        for member, name, future in futures:
            try:
                future.result(timeout=timeout)
                del member.dynamic[name]
            except grpc.RpcError as err:
                failures.append(f"{name}: {err.details()}")
        if failures:
            break
    return failures
