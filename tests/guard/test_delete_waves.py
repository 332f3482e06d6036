"""The engine's delete order, derived from what the real program registers.

The engine deletes in waves (``ScheduleDeletes``, pkg/resource/deploy/step_generator.go ~2747-2796,
pulumi v3.260): it repeatedly takes the condemned resources none of whose dependencies is still
condemned, then reverses the list, so a resource goes in a wave after everything that depends on it;
the executor waits for each wave (deployment_executor.go ~515-553) and a failed delete stops the later
waves (step_executor.go ~460). Dependencies are ``DependenciesOf`` (pkg/resource/graph/dependency_graph.go
~207-252): ``dependencies``, ``propertyDependencies``, ``deletedWith``, the parent, and for a component
dependency its children registered before. This test reads those fields from the real
``RegisterResourceRequest`` s the program sends (Pulumi's mock monitor), for the dev and prod stacks and a
two-droplet stack with open API CIDRs, and checks every guard is deleted in a wave before its droplet's
firewall and its droplet: a failed snapshot keeps both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pulumi.runtime import mocks as pulumi_mocks

from gpuforge.guard import START_TYPE_TOKEN as EARLY_STEP
from gpuforge.guard import TYPE_TOKEN as GUARD
from tests.program.harness import DROPLET, FIREWALL, execute_program


@dataclass(frozen=True)
class Registered:
    urn: str
    type: str
    custom: bool
    parent: str
    depends_on: frozenset[str]
    retain_on_delete: bool | None
    property_dependencies: frozenset[str] = frozenset()


@pytest.fixture
def registrations(monkeypatch: pytest.MonkeyPatch) -> list[Registered]:
    """Every RegisterResourceRequest the program sends, as the engine would read its dependency fields."""
    seen: list[Registered] = []
    original = pulumi_mocks.MockMonitor.RegisterResource

    def register(self: Any, request: Any) -> Any:
        response = original(self, request)
        deps = set(request.dependencies)
        for prop in request.propertyDependencies.values():
            deps |= set(prop.urns)
        if request.deletedWith:
            deps.add(request.deletedWith)
        seen.append(
            Registered(
                urn=response.urn,
                type=request.type,
                custom=request.custom,
                parent=request.parent,
                depends_on=frozenset(deps),
                retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else None,
                property_dependencies=frozenset(u for p in request.propertyDependencies.values() for u in p.urns),
            )
        )
        return response

    monkeypatch.setattr(pulumi_mocks.MockMonitor, "RegisterResource", register)
    return seen


def dependencies_of(res: Registered, ordered: list[Registered]) -> set[str]:
    """``DependencyGraph.DependenciesOf``: explicit and property dependencies, deletedWith, the parent, and the
    children of a component dependency registered before ``res``."""
    index = ordered.index(res)
    before = ordered[:index]
    deps = set(res.depends_on) | ({res.parent} if res.parent else set())
    for dep in list(res.depends_on):
        component = next((r for r in before if r.urn == dep and not r.custom), None)
        if component is not None:
            deps |= {r.urn for r in before if r.parent == component.urn}
    return deps & {r.urn for r in ordered}


def delete_waves(ordered: list[Registered]) -> list[set[str]]:
    """``ScheduleDeletes`` for a destroy of everything: waves in the order they run."""
    condemned = {r.urn for r in ordered}
    deps = {r.urn: dependencies_of(r, ordered) for r in ordered}
    waves: list[set[str]] = []
    while condemned:
        wave = {urn for urn in condemned if not deps[urn] & condemned}
        assert wave, "a dependency cycle"
        condemned -= wave
        waves.append(wave)
    return list(reversed(waves))


def wave_of(waves: list[set[str]], urn: str) -> int:
    return next(i for i, wave in enumerate(waves) if urn in wave)


STACKS = {
    "dev": ("dev", {}),
    "prod": ("prod", {}),
    "two droplets, open API": (
        "dev",
        {"allowedApiCidrs": ["198.51.100.0/24"], "droplets": [{"name": "gpu-a"}, {"name": "gpu-b"}]},
    ),
}


@pytest.mark.parametrize("stack", STACKS)
def test_every_guard_is_deleted_before_its_firewall_and_its_droplet(stack: str, registrations: list[Registered]):
    name, overrides = STACKS[stack]
    execute_program(name, overrides)
    waves = delete_waves(registrations)
    guards = [r for r in registrations if r.type == GUARD]
    assert len(guards) == (2 if overrides.get("droplets") else 1)
    for guard in guards:
        siblings = [r for r in registrations if r.parent == guard.parent]
        (droplet,) = [r for r in siblings if r.type == DROPLET]
        (firewall,) = [r for r in siblings if r.type == FIREWALL]
        assert wave_of(waves, guard.urn) < wave_of(waves, firewall.urn) < wave_of(waves, droplet.urn), waves
        # A firewall change must not replace the guard: only property dependencies drive replacements
        # (step_generator.go ~3325-3340); the firewall is a plain dependency (depends_on) of the guard.
        assert firewall.urn in guard.depends_on and firewall.urn not in guard.property_dependencies
        assert droplet.urn in guard.property_dependencies
        # everything the component holds besides the guard protects or serves the droplet: kept while it snapshots
        # (the two early steps of the snapshot excepted: they go before the guard, issue 13's fleet destroy).
        early = [r for r in siblings if r.type == EARLY_STEP]
        assert len(early) == 2 and all(wave_of(waves, r.urn) < wave_of(waves, guard.urn) for r in early)
        others = [r for r in siblings if r.urn != guard.urn and r.type != EARLY_STEP]
        assert all(wave_of(waves, guard.urn) < wave_of(waves, r.urn) for r in others)


def test_without_depends_on_the_firewall_would_go_with_the_guard(registrations: list[Registered]):
    """The model shows the bug the depends_on fixes: remove the guard's edge to the firewall and both land
    in the same wave (the firewall is deleted while the snapshot runs, and gone if it fails)."""
    execute_program("dev", {})
    (firewall,) = [r for r in registrations if r.type == FIREWALL]
    patched = [
        Registered(r.urn, r.type, r.custom, r.parent, r.depends_on - {firewall.urn}, r.retain_on_delete)
        if r.type == GUARD
        else r
        for r in registrations
    ]
    waves = delete_waves(patched)
    (guard,) = [r for r in patched if r.type == GUARD]
    assert wave_of(waves, guard.urn) == wave_of(waves, firewall.urn)


def test_the_guard_sets_retain_on_delete_false_explicitly(registrations: list[Registered]):
    """An explicit false is kept by the engine over a parent's true (inheritFromParent copies the parent's
    value only when the child's ``optional bool retainOnDelete`` is unset, source_eval.go ~2004-2013)."""
    execute_program("dev", {})
    (guard,) = [r for r in registrations if r.type == GUARD]
    (droplet,) = [r for r in registrations if r.type == DROPLET]
    assert guard.retain_on_delete is False
    assert droplet.retain_on_delete is None


def effective_retain_on_delete(res: Registered, by_urn: dict[str, Registered]) -> bool:
    """``inheritFromParent`` (source_eval.go ~2004-2013): a child's unset value takes its parent's goal."""
    if res.retain_on_delete is not None:
        return res.retain_on_delete
    parent = by_urn.get(res.parent)
    return effective_retain_on_delete(parent, by_urn) if parent is not None else False


def test_a_retaining_component_above_gpu_droplet_does_not_reach_the_guard(registrations: list[Registered]):
    """GpuDroplet refuses retain_on_delete in its own options; a user's component further up may still set
    it, and the guard's explicit false wins there: its delete (the snapshot) still runs."""
    import pulumi

    from gpuforge import GpuDroplet, GpuDropletArgs
    from tests.program.harness import Recorder

    pulumi.runtime.set_mocks(Recorder(), project="gpuforge", stack="dev", preview=True)

    class Team(pulumi.ComponentResource):
        def __init__(self) -> None:
            super().__init__("acme:index:Team", "ml", None, pulumi.ResourceOptions(retain_on_delete=True))
            GpuDroplet("gpu-dev", GpuDropletArgs(name="gpu-dev", region="tor1"), pulumi.ResourceOptions(parent=self))

    @pulumi.runtime.test
    def program() -> None:
        Team()

    program()
    by_urn = {r.urn: r for r in registrations}
    (guard,) = [r for r in registrations if r.type == GUARD]
    (droplet,) = [r for r in registrations if r.type == DROPLET]
    assert effective_retain_on_delete(guard, by_urn) is False
    assert effective_retain_on_delete(droplet, by_urn) is True  # the user's choice for the droplet itself
