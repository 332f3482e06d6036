"""snapshot-required (stack) and snapshot-timeout (guard): which droplets need a guard, and its timeout."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gpuforge_policies.resources import DROPLET_TYPE
from gpuforge_policies.snapshots import guards, snapshot_required, snapshot_timeout
from pulumi_policy import PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from tests.policies.engine import messages, policy_resource, resource_args, violations

GUARD_TYPE = "pulumi-python:dynamic/gpuforge:SnapshotGuard"
COMPONENT_TYPE = "gpuforge:index:GpuDroplet"


def gpu_droplet(
    size: str = "gpu-h100x1-80gb",
    *,
    name: str = "gpu-dev",
    droplet_id: str = "412345678",
    tags: tuple[str, ...] = (),
    parent: PolicyResource | None = None,
) -> PolicyResource:
    return policy_resource(
        DROPLET_TYPE, {"name": name, "size": size, "id": droplet_id, "tags": list(tags)}, name=name, parent=parent
    )


def guard(
    droplet: PolicyResource | None,
    *,
    enabled: Any = True,
    droplet_id: str = "412345678",
    droplet_name: str = "gpu-dev",
    parent: PolicyResource | None = None,
) -> PolicyResource:
    deps = {"droplet_id": [droplet]} if droplet is not None else {}
    return policy_resource(
        GUARD_TYPE,
        {"droplet_id": droplet_id, "droplet_name": droplet_name, "enabled": enabled},
        name=f"{droplet_name}-snapshot-guard",
        parent=parent,
        property_dependencies=deps,
    )


def required(*resources: PolicyResource, config: dict[str, Any] | None = None) -> list[str]:
    return [message for message, _ in violations(snapshot_required, StackValidationArgs(list(resources), config))]


# --- relating a guard to its droplet ---------------------------------------------------------------------


def test_a_guard_belongs_to_the_droplet_its_droplet_id_depends_on() -> None:
    mine, other = gpu_droplet(), gpu_droplet(name="other", droplet_id="1")
    the_guard = guard(mine, droplet_id=UNKNOWN_STRING_VALUE)
    assert guards(the_guard, mine) and not guards(the_guard, other)


def test_without_dependencies_known_ids_decide() -> None:
    mine, other = gpu_droplet(droplet_id="7"), gpu_droplet(droplet_id="8")
    the_guard = guard(None, droplet_id="7")
    assert guards(the_guard, mine) and not guards(the_guard, other)


def test_in_preview_without_ids_the_droplet_name_and_parent_decide() -> None:
    component, elsewhere = (policy_resource(COMPONENT_TYPE, {}, name=n) for n in ("gpu-dev", "elsewhere"))
    droplet = gpu_droplet(droplet_id=UNKNOWN_STRING_VALUE, parent=component)
    assert guards(guard(None, droplet_id=UNKNOWN_STRING_VALUE, parent=component), droplet)
    assert not guards(guard(None, droplet_id=UNKNOWN_STRING_VALUE, parent=elsewhere), droplet)
    assert not guards(guard(None, droplet_id=UNKNOWN_STRING_VALUE, droplet_name="other", parent=component), droplet)


# --- snapshot-required -----------------------------------------------------------------------------------


def test_production_droplet_with_a_disabled_guard_names_droplet_size_stack_and_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PULUMI_STACK", "prod")
    droplet = gpu_droplet()
    [(message, urn)] = violations(snapshot_required, StackValidationArgs([droplet, guard(droplet, enabled=False)]))
    assert message == (
        "droplet gpu-dev (gpu-h100x1-80gb) in production stack prod has no enabled snapshot guard: "
        "set gpuforge:createSnapshotOnDestroy to true and run pulumi up"
    )
    assert urn == droplet.urn


def test_a_droplet_without_any_guard_is_told_to_use_the_component(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "prod")
    (message,) = required(gpu_droplet())
    assert "has no snapshot guard: create it with gpuforge's GpuDroplet component" in message


def test_expensive_and_listed_sizes_need_a_guard_on_any_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "dev")
    droplet = gpu_droplet("gpu-h100x8-640gb")
    (message,) = required(droplet, guard(droplet, enabled=False))
    assert message.startswith(
        "droplet gpu-dev (gpu-h100x8-640gb) at $23.92/hour (guards required from $10.00/hour) "
        "and of a size that always requires one has no enabled snapshot guard"
    )


def test_a_cheap_droplet_on_a_dev_stack_needs_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "dev")
    droplet = gpu_droplet()
    assert required(droplet) == []
    assert required(droplet, guard(droplet, enabled=False)) == []


def test_an_enabled_guard_or_one_not_yet_known_satisfies_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "prod")
    droplet = gpu_droplet()
    assert required(droplet, guard(droplet)) == []
    assert required(droplet, guard(droplet, enabled=UNKNOWN_STRING_VALUE)) == []


def test_another_droplets_guard_does_not_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "prod")
    droplet, other = gpu_droplet(), gpu_droplet(name="other", droplet_id="1")
    (message,) = required(droplet, other, guard(other, droplet_name="other", droplet_id="1"))
    assert message.startswith("droplet gpu-dev ")


def test_a_previewed_gpuforge_droplet_is_related_to_its_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "prod")
    component = policy_resource(COMPONENT_TYPE, {}, name="gpu-dev")
    droplet = gpu_droplet(droplet_id=UNKNOWN_STRING_VALUE, parent=component)
    assert required(component, droplet, guard(None, droplet_id=UNKNOWN_STRING_VALUE, parent=component)) == []
    disabled = guard(None, enabled=False, droplet_id=UNKNOWN_STRING_VALUE, parent=component)
    assert "has no enabled snapshot guard" in required(component, droplet, disabled)[0]


@pytest.mark.parametrize(
    "stack, environment, extra, production",
    [
        ("main", "production", [], True),
        ("prod", "staging", [], False),
        ("prod-eu", None, [], True),
        ("live", None, [], True),
        ("staging-eu", None, ["staging-eu"], True),
        ("staging", None, [], False),
    ],
)
def test_production_is_gpuforges_environment_or_a_listed_stack(
    monkeypatch: pytest.MonkeyPatch, stack: str, environment: str | None, extra: list[str], production: bool
) -> None:
    monkeypatch.setenv("PULUMI_STACK", stack)
    if environment:
        monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"gpuforge:environment": environment}))
    assert bool(required(gpu_droplet(), config={"productionStacks": extra})) is production


def test_without_the_engines_stack_name_the_droplets_stack_tag_tells() -> None:
    (message,) = required(gpu_droplet(tags=("gpuforge", "gpuforge-stack-prod")))
    assert "in production stack prod" in message
    assert required(gpu_droplet(tags=("gpuforge", "gpuforge-stack-dev"))) == []


def test_price_threshold_sizes_and_prices_come_from_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "dev")
    assert "at $3.39/hour (guards required from $3.00/hour)" in required(gpu_droplet(), config={"minHourlyUsd": 3.0})[0]
    assert "of a size that always requires one" in required(gpu_droplet(), config={"sizes": ["gpu-h100x1-80gb"]})[0]
    assert required(gpu_droplet("gpu-h100x8-640gb"), config={"sizes": [], "hourlyPrices": {}}) == []


# --- snapshot-timeout ------------------------------------------------------------------------------------


def timeout(
    seconds: Any, size: str = "gpu-h100x8-640gb", config: dict[str, Any] | None = None, enabled: Any = True
) -> list[str]:
    props = {"droplet_name": "llm-training", "gpu_size": size, "timeout_seconds": seconds, "enabled": enabled}
    args = resource_args(GUARD_TYPE, props, name="llm-training-snapshot-guard", config=config)
    return messages(snapshot_timeout, args)


def test_default_30m_is_too_short_for_an_8_gpu_disk_and_the_message_says_what_to_set() -> None:
    (message,) = timeout(1800.0)
    assert message == (
        "snapshot guard llm-training-snapshot-guard of droplet llm-training (gpu-h100x8-640gb, "
        "2046 GB disk) waits 30m for its snapshot, less than the 1h8m12s such a disk may need: "
        "set gpuforge:snapshotTimeout to 1h9m or more"
    )


def test_enough_time_passes_and_small_disks_are_held_to_the_floor() -> None:
    assert timeout(7200.0) == []
    assert timeout(1800.0, "gpu-h100x1-80gb") == []
    assert "set gpuforge:snapshotTimeout to 17m or more" in timeout(600.0, "gpu-rtx4000x1-20gb")[0]
    small_disk = {"diskGb": {"gpu-rtx4000x1-20gb": 100}}
    assert "less than the 15m such a disk may need" in timeout(600.0, "gpu-rtx4000x1-20gb", small_disk)[0]


def test_rate_floor_and_disks_come_from_config() -> None:
    config = {"secondsPerGb": 10.0, "minSeconds": 60.0, "diskGb": {"gpu-h100x1-80gb": 100.0}}
    assert timeout(1000.0, "gpu-h100x1-80gb", config) == []
    assert "100 GB disk" in timeout(900.0, "gpu-h100x1-80gb", config)[0]


def test_advice_never_exceeds_gpuforges_24h_maximum() -> None:
    assert "set gpuforge:snapshotTimeout to 1d or more" in timeout(3600.0, config={"secondsPerGb": 100.0})[0]


def test_unknown_disk_asks_for_its_size() -> None:
    (message,) = timeout(1800.0, "gpu-b300x8-2304gb")
    assert "add gpu-b300x8-2304gb to the diskGb config of snapshot-timeout" in message


def test_disabled_guards_and_unknown_values_are_not_judged() -> None:
    assert timeout(60.0, enabled=False) == []
    assert timeout(UNKNOWN_STRING_VALUE) == []
    assert timeout(60.0, size=UNKNOWN_STRING_VALUE) == []
