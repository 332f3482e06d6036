"""Every policy against what the real program registers: the shipped stacks pass, bad variants are caught."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from gpuforge_policies import POLICIES
from gpuforge_policies.resources import DROPLET_TYPE

from tests.policies.engine import Registered, as_preview, run_policies
from tests.program.harness import engine_config, stack_config

Run = Callable[..., list[Registered]]


def engine_environment(monkeypatch: pytest.MonkeyPatch, stack: str, overrides: Mapping[str, Any] | None = None) -> None:
    """What the engine puts in a policy pack's environment: the stack's name and its config as JSON."""
    config = {**stack_config(stack), **{f"gpuforge:{k}": v for k, v in (overrides or {}).items()}}
    monkeypatch.setenv("PULUMI_STACK", stack)
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(engine_config(config)))


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_shipped_stacks_pass_every_policy(
    registered: Run, monkeypatch: pytest.MonkeyPatch, stack: str, preview: bool
) -> None:
    resources = registered(stack)
    engine_environment(monkeypatch, stack)
    assert {r.resource_type for r in resources} >= {
        DROPLET_TYPE,
        "digitalocean:index/firewall:Firewall",
        "pulumi-python:dynamic/gpuforge:SnapshotGuard",
    }
    assert run_policies(POLICIES, as_preview(resources) if preview else resources) == {}


BAD_VARIANTS = [
    pytest.param(
        "prod",
        {"createSnapshotOnDestroy": "false"},
        {},
        "snapshot-required",
        "droplet llm-training (gpu-h100x8-640gb) in production stack prod",
        id="prod-without-snapshots",
    ),
    pytest.param(
        "dev",
        {"gpuSize": "gpu-h100x8-640gb", "createSnapshotOnDestroy": "false"},
        {},
        "snapshot-required",
        "droplet gpu-dev (gpu-h100x8-640gb) at $23.92/hour",
        id="dev-8xH100-without-snapshots",
    ),
    pytest.param(
        "dev",
        {"allowedApiCidrs": ["0.0.0.0/0"]},
        {},
        "no-public-model-api",
        "opens Ollama's port 11434 to 0.0.0.0/0",
        id="model-api-open-to-the-world",
    ),
    pytest.param(
        "dev",
        {},
        {"allowed-gpu-regions-and-sizes": {"regions": ["nyc2"]}},
        "allowed-gpu-regions-and-sizes",
        "droplet gpu-dev (gpu-h100x1-80gb) is in region tor1",
        id="region-not-allowed",
    ),
    pytest.param(
        "dev",
        {},
        {"gpu-droplet-tags": {"extraTags": ["team-ml"]}},
        "gpu-droplet-tags",
        "lacks tag(s) team-ml",
        id="team-tag-missing",
    ),
    pytest.param(
        "prod",
        {"droplets": [{"name": "train-a"}, {"name": "train-b"}]},
        {},
        "gpu-budget",
        "GPU droplets in prod cost $47.84/hour",
        id="two-8xH100-over-budget",
    ),
    pytest.param(
        "prod",
        {"snapshotTimeout": "30m"},
        {},
        "snapshot-timeout",
        "waits 30m for its snapshot",
        id="8xH100-with-default-timeout",
    ),
]


@pytest.mark.parametrize("stack, overrides, pack_config, policy, message", BAD_VARIANTS)
@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_bad_variant_is_caught_by_its_policy_only(
    registered: Run,
    monkeypatch: pytest.MonkeyPatch,
    stack: str,
    overrides: dict[str, Any],
    pack_config: dict[str, Any],
    policy: str,
    message: str,
    preview: bool,
) -> None:
    resources = registered(stack, overrides)
    engine_environment(monkeypatch, stack, overrides)
    found = run_policies(POLICIES, as_preview(resources) if preview else resources, pack_config)
    assert list(found) == [policy]
    assert any(message in reported for reported in found[policy]), found
