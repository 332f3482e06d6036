"""Policy config: JSON-schema properties that carry their defaults, and reading them back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyConfigSchema


def option(json_type: str, default: Any, description: str, **schema: Any) -> dict[str, Any]:
    """One config property; ``default`` is what the policy uses when the pack's config omits it."""
    return {"type": json_type, "default": default, "description": description, **schema}


def string_list(default: list[str], description: str) -> dict[str, Any]:
    return option("array", default, description, items={"type": "string"})


def number_table(default: Mapping[str, float], description: str) -> dict[str, Any]:
    return option("object", dict(default), description, additionalProperties={"type": "number", "minimum": 0})


def read(config: Mapping[str, Any], schema: PolicyConfigSchema) -> dict[str, Any]:
    """The policy's config with the schema's default for every key the pack's config leaves out.

    The engine delivers numbers as floats (a protobuf Struct); callers convert as they need.
    """
    return {key: config.get(key, spec["default"]) for key, spec in schema.properties.items()}
