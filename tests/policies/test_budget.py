"""gpu-budget: the stack's GPU droplets together stay under an hourly ceiling."""

from __future__ import annotations

from typing import Any

import pytest
from gpuforge_policies.budget import gpu_budget
from gpuforge_policies.resources import DROPLET_TYPE
from pulumi_policy import StackValidationArgs
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from tests.policies.engine import policy_resource, violations


def stack(*sizes: str, config: dict[str, Any] | None = None) -> StackValidationArgs:
    droplets = [policy_resource(DROPLET_TYPE, {"size": size}, name=f"d{i}") for i, size in enumerate(sizes)]
    return StackValidationArgs(droplets, config)


def test_under_the_default_ceiling_passes() -> None:
    assert violations(gpu_budget, stack("gpu-h100x8-640gb", "gpu-h100x1-80gb", "s-4vcpu-8gb")) == []


def test_over_the_ceiling_itemizes_the_droplets_and_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "team-a")
    [(message, urn)] = violations(gpu_budget, stack("gpu-h100x8-640gb", "gpu-mi300x8-1536gb"))
    assert message == (
        "GPU droplets in team-a cost $39.84/hour (d0 gpu-h100x8-640gb $23.92, d1 gpu-mi300x8-1536gb "
        "$15.92), over the budget of $30.00/hour: remove or downsize a droplet, or raise maxHourlyUsd "
        "in the config of gpu-budget"
    )
    assert urn is None


def test_ceiling_and_prices_come_from_config() -> None:
    config = {"maxHourlyUsd": 5.0, "hourlyPrices": {"gpu-h100x1-80gb": 2.5}}
    assert violations(gpu_budget, stack("gpu-h100x1-80gb", "gpu-h100x1-80gb", config=config)) == []
    [(message, _)] = violations(gpu_budget, stack(*["gpu-h100x1-80gb"] * 3, config=config))
    assert "cost $7.50/hour" in message and "budget of $5.00/hour" in message


def test_a_size_without_a_price_is_reported_on_its_droplet() -> None:
    args = stack("gpu-b300x8-2304gb")
    [(message, urn)] = violations(gpu_budget, args)
    assert message.startswith(
        "droplet d0 uses GPU size gpu-b300x8-2304gb, which has no price in the hourlyPrices config of gpu-budget"
    )
    assert urn == args.resources[0].urn


def test_unknown_sizes_in_preview_are_not_counted() -> None:
    assert violations(gpu_budget, stack(UNKNOWN_STRING_VALUE, config={"maxHourlyUsd": 0.0})) == []
