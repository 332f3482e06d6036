"""Policy arguments as the engine and pulumi-policy build them, from hand-written or recorded resources.

pulumi-policy's analyzer (``_PolicyAnalyzerServicer``) hands ``validate``:
- resource policies: the resource's *inputs* with engine property names, wrapped by
  ``unknown_checking_proxy``; its URN, name, options (``opts.parent`` is the parent's URN), provider
  and this policy's config;
- stack policies: every resource with its *outputs* (for a DigitalOcean resource that includes
  ``id``), ``parent``, ``dependencies`` and ``property_dependencies`` resolved to ``PolicyResource``s.
During preview, a value computed from another resource's outputs is an unknown sentinel string
(``UNKNOWN_STRING_VALUE``): reading it through the proxy raises ``UnknownValueError``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

STACK_TYPE = "pulumi:pulumi:Stack"
Violation = tuple[str, "str | None"]


def urn(resource_type: str, name: str, stack: str = "dev") -> str:
    return f"urn:pulumi:{stack}::gpuforge::{resource_type}::{name}"


def options(parent: str | None = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=parent,
    )


def resource_args(
    resource_type: str,
    props: Mapping[str, Any],
    *,
    name: str = "r",
    parent: str | None = None,
    config: Mapping[str, Any] | None = None,
) -> ResourceValidationArgs:
    proxied = unknown_checking_proxy(copy.deepcopy(dict(props)))
    return ResourceValidationArgs(
        resource_type,
        proxied,
        urn(resource_type, name),
        name,
        options(parent),
        None,
        dict(config) if config is not None else None,
    )


def policy_resource(
    resource_type: str,
    props: Mapping[str, Any],
    *,
    name: str,
    parent: PolicyResource | None = None,
    property_dependencies: Mapping[str, list[PolicyResource]] | None = None,
) -> PolicyResource:
    return PolicyResource(
        resource_type,
        unknown_checking_proxy(copy.deepcopy(dict(props))),
        urn(resource_type, name),
        name,
        options(parent.urn if parent else None),
        None,
        parent,
        [],
        dict(property_dependencies or {}),
    )


AnyPolicy = ResourceValidationPolicy | StackValidationPolicy


def violations(policy: AnyPolicy, args: ResourceValidationArgs | StackValidationArgs) -> list[Violation]:
    """What ``validate`` reports. An ``UnknownValueError`` escaping it fails the test: the SDK would skip the policy."""
    found: list[Violation] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append((message, urn))

    policy.validate(args, report)  # type: ignore[arg-type]  # a policy of either kind with its own kind of args
    return found


def messages(policy: AnyPolicy, args: ResourceValidationArgs | StackValidationArgs) -> list[str]:
    return [message for message, _ in violations(policy, args)]


# --- what the real program registers, under the program harness's mocks ------------------------------


@dataclass
class Registered:
    """One resource the program registered: the request the SDK sent, the mock's answer, its inputs."""

    resource_type: str
    name: str
    urn: str
    id: str
    parent: str | None
    inputs: dict[str, Any]
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)

    @property
    def outputs(self) -> dict[str, Any]:
        """The state the engine keeps: inputs, plus ``id`` for DigitalOcean (bridged) resources."""
        return {**self.inputs, "id": self.id} if self.resource_type.startswith("digitalocean:") else dict(self.inputs)


def engine_props(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The engine drops internal keys (``__provider``) before calling a policy pack."""
    return {key: value for key, value in inputs.items() if not key.startswith("__")}


def as_preview(resources: Iterable[Registered]) -> list[Registered]:
    """The same resources in a first preview: ids, and every property computed from them, unknown."""
    previewed = []
    for resource in resources:
        inputs = {
            key: UNKNOWN_STRING_VALUE if key in resource.property_dependencies else value
            for key, value in resource.inputs.items()
        }
        previewed.append(
            Registered(
                resource.resource_type,
                resource.name,
                resource.urn,
                UNKNOWN_STRING_VALUE,
                resource.parent,
                inputs,
                resource.property_dependencies,
            )
        )
    return previewed


def resource_args_of(resources: Iterable[Registered], config: Mapping[str, Any]) -> list[ResourceValidationArgs]:
    return [
        ResourceValidationArgs(
            r.resource_type,
            unknown_checking_proxy(copy.deepcopy(r.inputs)),
            r.urn,
            r.name,
            options(r.parent),
            None,
            config,
        )
        for r in resources
    ]


def stack_args_of(resources: Iterable[Registered], config: Mapping[str, Any]) -> StackValidationArgs:
    """Like the analyzer's AnalyzeStack: outputs, then parents and property dependencies resolved by URN."""
    resources = list(resources)
    built = {
        r.urn: PolicyResource(
            r.resource_type,
            unknown_checking_proxy(copy.deepcopy(r.outputs)),
            r.urn,
            r.name,
            options(r.parent),
            None,
            None,
            [],
            {},
        )
        for r in resources
    }
    for r in resources:
        built[r.urn].parent = built.get(r.parent or "")
        built[r.urn].property_dependencies = {
            key: [built[u] for u in urns if u in built] for key, urns in r.property_dependencies.items()
        }
    return StackValidationArgs(list(built.values()), config)


def run_policies(
    policies: Iterable[Policy], resources: list[Registered], config: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, list[str]]:
    """Every policy against the resources, as in one preview/update: policy name -> violation messages."""
    config = config or {}
    found: dict[str, list[str]] = {}
    for policy in policies:
        policy_config = dict(config.get(policy.name, {}))
        if isinstance(policy, ResourceValidationPolicy):
            reported = [m for args in resource_args_of(resources, policy_config) for m in messages(policy, args)]
        else:
            assert isinstance(policy, StackValidationPolicy)
            reported = messages(policy, stack_args_of(resources, policy_config))
        if reported:
            found[policy.name] = reported
    return found
