"""No firewall rule opens a model API (Ollama, LocalAI) to the whole internet."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from gpuforge.config import LOCALAI_PORT, OLLAMA_PORT

from . import settings
from .resources import FIREWALL_TYPE, UNKNOWN, known, known_strings

NAME = "no-public-model-api"
_API_NAMES = {OLLAMA_PORT: "Ollama", LOCALAI_PORT: "LocalAI"}
_ALL_PORTS = range(1, 65536)

SCHEMA = PolicyConfigSchema(
    properties={
        "ports": settings.option(
            "array",
            [OLLAMA_PORT, LOCALAI_PORT],
            "TCP ports of unauthenticated model APIs (Ollama, LocalAI).",
            items={"type": "integer", "minimum": 1, "maximum": 65535},
        ),
    }
)


def port_range(text: str) -> range:
    """DigitalOcean's ``portRange``: ``"8080"``, ``"8000-9000"``; ``""``, ``"0"`` or ``"all"`` mean every
    port. Anything else is treated as every port too: the policy fails closed."""
    low, _, high = text.strip().lower().partition("-")
    if low.isdigit() and (high.isdigit() or not high) and int(low) > 0:
        return range(int(low), int(high or low) + 1)
    return _ALL_PORTS


def is_everywhere(cidr: str) -> bool:
    """``0.0.0.0/0``, ``::/0`` or any other spelling of a /0 network."""
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def _describe(ports: list[int]) -> str:
    return " and ".join(f"{_API_NAMES[p]}'s port {p}" if p in _API_NAMES else f"port {p}" for p in ports)


def _open_ports(rule: Mapping[str, Any], api_ports: list[int]) -> list[int]:
    """The API ports a TCP rule opens, or [] when it is another protocol or not yet known."""
    protocol, text = known(rule, "protocol"), known(rule, "portRange")
    if protocol != "tcp" or text is UNKNOWN:
        return []
    opened = port_range(text or "")
    return [p for p in api_ports if p in opened]


def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != FIREWALL_TYPE:
        return
    api_ports = [int(p) for p in settings.read(args.get_config(), SCHEMA)["ports"]]
    rules = known(args.props, "inboundRules")
    if rules is None or rules is UNKNOWN:
        return
    for index in range(len(rules)):
        rule = known(rules, index)
        if rule is UNKNOWN:
            continue
        ports = _open_ports(rule, api_ports)
        sources = known_strings(rule, "sourceAddresses")
        public = [] if sources is UNKNOWN else [s for s in sources if is_everywhere(s)]
        if ports and public:
            report(
                f"firewall {args.name} opens {_describe(ports)} to {', '.join(public)} (inboundRules[{index}]: "
                f"tcp {known(rule, 'portRange') or 'all ports'}); these APIs have no authentication: set "
                "gpuforge:allowedApiCidrs to your own networks, or leave it empty and use the SSH tunnels "
                "of the tunnel_commands output",
                None,
            )


no_public_model_api = ResourceValidationPolicy(
    name=NAME,
    description="No firewall rule opens the Ollama or LocalAI port (or a range holding it) to 0.0.0.0/0 or ::/0.",
    validate=validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
)
