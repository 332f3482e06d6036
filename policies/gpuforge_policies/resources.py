"""Reading resources as the engine hands them to a policy.

Properties carry engine names (``inboundRules``, ``portRange`` for DigitalOcean resources; the
guard's own snake_case names). During preview a value computed from another resource's outputs (a
droplet's id) is unknown: pulumi-policy wraps properties in a proxy that raises
``UnknownValueError`` on reading one, and a policy that lets it escape is skipped with an advisory
"can't run policy during preview" note. :func:`known` turns that into :data:`UNKNOWN` instead, so each
policy decides what an unknown means (resource policies run again at ``pulumi up`` with real values).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from .catalog import GPU_SIZE_PREFIX

DROPLET_TYPE = "digitalocean:index/droplet:Droplet"
FIREWALL_TYPE = "digitalocean:index/firewall:Firewall"
#: The guard's type token is ``pulumi-python:dynamic/gpuforge:SnapshotGuard``; its prefix depends on
#: how the dynamic resource is registered, so guards are recognised by the name after the last colon.
GUARD_TYPE_NAME = "SnapshotGuard"


class Unknown(enum.Enum):
    """A value the engine does not know yet (preview)."""

    VALUE = "unknown"


UNKNOWN = Unknown.VALUE
Container = Mapping[Any, Any] | Sequence[Any]


def known(container: Container, key: str | int) -> Any:
    """``container[key]`` (None when a mapping lacks the key), or :data:`UNKNOWN` during preview."""
    try:
        if isinstance(container, Mapping):
            return container.get(key)
        return container[key]  # type: ignore[index]  # only lists get here, by int index
    except UnknownValueError:
        return UNKNOWN


def known_strings(container: Container, key: str | int) -> tuple[str, ...] | Unknown:
    """A list of strings (empty when absent), or :data:`UNKNOWN` when the list or any item is unknown."""
    value = known(container, key)
    if value is None:
        return ()
    if value is UNKNOWN:
        return UNKNOWN
    items = [known(value, index) for index in range(len(value))]
    if any(item is UNKNOWN for item in items):
        return UNKNOWN
    return tuple(str(item) for item in items)


def is_guard(resource_type: str) -> bool:
    return resource_type.rsplit(":", 1)[-1] == GUARD_TYPE_NAME


def gpu_size(resource_type: str, props: Mapping[str, Any]) -> str | None:
    """The size of a GPU droplet; None for other resources, other droplets and unknown sizes."""
    if resource_type != DROPLET_TYPE:
        return None
    size = known(props, "size")
    return size if isinstance(size, str) and size.startswith(GPU_SIZE_PREFIX) else None
