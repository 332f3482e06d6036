"""Policy tests: the pack's module on sys.path as the engine puts it, and the program's mock harness."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.mocks import MockMonitor

# The engine runs a Python pack with `runpy.run_path("policies")`, which puts policies/ first on sys.path:
# `gpuforge_policies` is imported here the same way.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "policies"))

from tests.policies.engine import Registered, engine_props
from tests.program.harness import execute_program


@pytest.fixture(autouse=True)
def no_engine_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets PULUMI_STACK / PULUMI_CONFIG itself, as the engine would, or leaves them unset."""
    for name in ("PULUMI_STACK", "PULUMI_PROJECT", "PULUMI_DRY_RUN", "PULUMI_CONFIG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., list[Registered]]:
    """Run the program for a stack (plus overrides) and return every resource it registered.

    Inputs come from the program harness's recorder (``.mocks.resources``); ``MockResourceArgs`` has no
    parent or dependencies, so URN, id, parent and property dependencies are taken from the SDK's
    requests to the mock monitor.
    """
    monkeypatch.chdir(tmp_path)

    def run(stack: str, overrides: Mapping[str, Any] | None = None) -> list[Registered]:
        seen: dict[tuple[str, str], tuple[str, str, str | None, dict[str, list[str]]]] = {}
        original = MockMonitor.RegisterResource

        def register(monitor: MockMonitor, request: Any) -> Any:
            response = original(monitor, request)
            deps = {key: list(value.urns) for key, value in request.propertyDependencies.items() if value.urns}
            seen[(request.type, request.name)] = (response.urn, response.id, request.parent or None, deps)
            return response

        monkeypatch.setattr(MockMonitor, "RegisterResource", register)
        program = execute_program(stack, overrides)
        monkeypatch.setattr(MockMonitor, "RegisterResource", original)
        resources = []
        for args in program.mocks.resources:
            urn, resource_id, parent, deps = seen[(args.typ, args.name)]
            resources.append(Registered(args.typ, args.name, urn, resource_id, parent, engine_props(args.inputs), deps))
        return resources

    return run
