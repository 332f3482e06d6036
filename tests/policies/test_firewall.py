"""no-public-model-api: no inbound rule opens Ollama's or LocalAI's port to 0.0.0.0/0 or ::/0."""

from __future__ import annotations

from typing import Any

import pytest
from gpuforge_policies.firewall import is_everywhere, no_public_model_api, port_range
from gpuforge_policies.resources import DROPLET_TYPE, FIREWALL_TYPE
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_STRING_VALUE

from tests.policies.engine import messages, resource_args


def firewall(*rules: dict[str, Any], config: dict[str, Any] | None = None) -> list[str]:
    args = resource_args(
        FIREWALL_TYPE, {"name": "gpu-dev-firewall", "inboundRules": list(rules)}, name="gpu-dev-firewall", config=config
    )
    return messages(no_public_model_api, args)


def tcp(port_range_: str, *sources: str) -> dict[str, Any]:
    return {"protocol": "tcp", "portRange": port_range_, "sourceAddresses": list(sources)}


def test_ollama_open_to_the_world_names_the_firewall_port_source_and_fix() -> None:
    (message,) = firewall(tcp("22", "0.0.0.0/0"), tcp("11434", "0.0.0.0/0", "203.0.113.0/24"))
    assert message.startswith(
        "firewall gpu-dev-firewall opens Ollama's port 11434 to 0.0.0.0/0 (inboundRules[1]: tcp 11434)"
    )
    assert "set gpuforge:allowedApiCidrs to your own networks" in message


@pytest.mark.parametrize(
    "ports, opened",
    [
        ("8000-9000", "LocalAI's port 8080"),
        ("1-65535", "Ollama's port 11434 and LocalAI's port 8080"),
        ("0", "Ollama's port 11434 and LocalAI's port 8080"),
        ("all", "Ollama's port 11434 and LocalAI's port 8080"),
        ("", "Ollama's port 11434 and LocalAI's port 8080"),
    ],
)
def test_a_range_or_all_ports_holding_an_api_port_is_caught(ports: str, opened: str) -> None:
    (message,) = firewall(tcp(ports, "::/0"))
    assert f"opens {opened} to ::/0" in message


@pytest.mark.parametrize(
    "rule",
    [
        tcp("11434", "203.0.113.0/24", "2001:db8::/32"),
        tcp("22", "0.0.0.0/0", "::/0"),
        tcp("8081-9000", "0.0.0.0/0"),
        {"protocol": "udp", "portRange": "11434", "sourceAddresses": ["0.0.0.0/0"]},
        {"protocol": "icmp", "sourceAddresses": ["0.0.0.0/0"]},
        {"protocol": "tcp", "portRange": "8080", "sourceTags": ["gateway"]},
    ],
    ids=["own-networks", "ssh", "range-beside", "udp", "icmp", "tag-source"],
)
def test_rules_that_do_not_expose_an_api_pass(rule: dict[str, Any]) -> None:
    assert firewall(rule) == []


def test_unknown_values_in_preview_are_skipped_not_fatal() -> None:
    assert firewall(tcp("11434", UNKNOWN_STRING_VALUE)) == []
    assert firewall({"protocol": "tcp", "portRange": UNKNOWN_STRING_VALUE, "sourceAddresses": ["0.0.0.0/0"]}) == []
    assert firewall({"protocol": "tcp", "portRange": "8080", "sourceAddresses": UNKNOWN_ARRAY_VALUE}) == []
    args = resource_args(FIREWALL_TYPE, {"inboundRules": UNKNOWN_ARRAY_VALUE}, name="fw")
    assert messages(no_public_model_api, args) == []


def test_a_known_rule_beside_an_unknown_one_is_still_checked() -> None:
    (message,) = firewall(UNKNOWN_STRING_VALUE, tcp("8080", "0.0.0.0/0"))  # type: ignore[arg-type]
    assert "LocalAI's port 8080" in message and "inboundRules[1]" in message


def test_configured_ports_replace_the_defaults() -> None:
    config = {"ports": [9000.0]}  # the engine delivers numbers as floats
    (message,) = firewall(tcp("8000-9000", "0.0.0.0/0"), config=config)
    assert "opens port 9000 to 0.0.0.0/0" in message
    assert firewall(tcp("11434", "0.0.0.0/0"), config=config) == []


def test_other_resources_are_ignored() -> None:
    args = resource_args(DROPLET_TYPE, {"inboundRules": [tcp("11434", "0.0.0.0/0")]})
    assert messages(no_public_model_api, args) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("8080", range(8080, 8081)),
        ("8000-9000", range(8000, 9001)),
        (" 22 ", range(22, 23)),
        ("0", range(1, 65536)),
        ("all", range(1, 65536)),
        ("", range(1, 65536)),
        ("http", range(1, 65536)),
    ],
)
def test_port_range_reads_digitalocean_spellings_and_fails_closed(text: str, expected: range) -> None:
    assert port_range(text) == expected


@pytest.mark.parametrize(
    "cidr, expected",
    [
        ("0.0.0.0/0", True),
        ("::/0", True),
        ("10.0.0.0/0", True),
        ("0.0.0.0/1", False),
        ("203.0.113.0/24", False),
        ("not-a-network", False),
    ],
)
def test_is_everywhere(cidr: str, expected: bool) -> None:
    assert is_everywhere(cidr) is expected
