"""allowed-gpu-regions-and-sizes and gpu-droplet-tags, on single droplets."""

from __future__ import annotations

from typing import Any

import pytest
from gpuforge_policies.droplets import allowed_regions_and_sizes, droplet_tags
from gpuforge_policies.resources import DROPLET_TYPE, FIREWALL_TYPE
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_STRING_VALUE

from tests.policies.engine import messages, resource_args


def droplet(config: dict[str, Any] | None = None, **props: Any) -> list[str]:
    values = {
        "name": "gpu-dev",
        "region": "tor1",
        "size": "gpu-h100x1-80gb",
        "tags": ["dev", "gpuforge", "gpuforge-stack-dev"],
        **props,
    }
    args = resource_args(DROPLET_TYPE, values, name="gpu-dev", config=config)
    return messages(allowed_regions_and_sizes, args) + messages(droplet_tags, args)


def test_a_gpuforge_droplet_in_a_gpu_region_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "dev")
    assert droplet() == []


def test_region_outside_the_list_names_it_the_allowed_ones_and_the_fix() -> None:
    (message,) = droplet(config={"regions": ["nyc2", "atl1"]})
    assert message == (
        "droplet gpu-dev (gpu-h100x1-80gb) is in region tor1, where GPU droplets are not allowed "
        "(allowed: nyc2, atl1): set gpuforge:region to one of them, or add tor1 to the regions "
        "config of allowed-gpu-regions-and-sizes"
    )


def test_size_outside_the_list_is_caught() -> None:
    (message,) = droplet(config={"sizes": ["gpu-h100x1-80gb"]}, size="gpu-h100x8-640gb")
    assert message.startswith(
        "droplet gpu-dev uses GPU size gpu-h100x8-640gb, which is not allowed "
        "(allowed: gpu-h100x1-80gb): set gpuforge:gpuSize"
    )


def test_default_lists_are_todays_gpu_regions_and_sizes() -> None:
    assert droplet(region="sfo3")[0].startswith("droplet gpu-dev (gpu-h100x1-80gb) is in region sfo3")
    assert "uses GPU size gpu-b300x8-2304gb" in droplet(size="gpu-b300x8-2304gb")[0]


def test_non_gpu_droplets_and_other_resources_are_ignored() -> None:
    assert droplet(size="s-2vcpu-4gb", region="sfo3", tags=[]) == []
    args = resource_args(FIREWALL_TYPE, {"size": "gpu-h100x1-80gb", "region": "sfo3"})
    assert messages(allowed_regions_and_sizes, args) == []


def test_unknown_region_or_size_in_preview_is_not_judged() -> None:
    assert droplet(region=UNKNOWN_STRING_VALUE, config={"regions": ["nyc2"]}) == []
    assert droplet(size=UNKNOWN_STRING_VALUE, config={"sizes": []}) == []


def test_missing_stack_tag_names_the_engines_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "prod")
    (message,) = droplet()
    assert message.startswith("droplet gpu-dev (gpu-h100x1-80gb) lacks tag(s) gpuforge-stack-prod: add them")


def test_missing_gpuforge_and_extra_tags_are_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "dev")
    (message,) = droplet(config={"extraTags": ["team-ml"]}, tags=["gpuforge-stack-dev"])
    assert "lacks tag(s) gpuforge, team-ml:" in message


def test_without_a_stack_name_any_stack_tag_will_do() -> None:
    assert droplet(tags=["gpuforge", "gpuforge-stack-anything"]) == []
    (message,) = droplet(tags=["gpuforge"])
    assert "lacks tag(s) gpuforge-stack-<stack>:" in message


def test_stack_tag_uses_gpuforges_spelling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "team.a")
    assert droplet(tags=["gpuforge", "gpuforge-stack-team-a"]) == []


def test_unknown_tags_in_preview_are_not_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "dev")
    assert droplet(tags=UNKNOWN_ARRAY_VALUE) == []
    assert droplet(tags=["gpuforge", UNKNOWN_STRING_VALUE]) == []
