"""Snapshot guards: every droplet that matters has an enabled one, with time enough for its disk.

A guard belongs to a droplet when, in order of strength of the evidence available:
1. its ``droplet_id`` property depends on the droplet's URN (the engine passes property dependencies,
   known in preview as after ``pulumi up``);
2. else, when both are known, its ``droplet_id`` equals the droplet's ``id``;
3. else (preview without dependencies) it names the droplet in ``droplet_name`` and shares its parent
   (gpuforge's ``GpuDroplet`` component).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from gpuforge.config import MAX_SNAPSHOT_TIMEOUT_S
from gpuforge.durations import format_duration
from gpuforge.sizes import EXPENSIVE_HOURLY_USD

from . import settings
from .catalog import DISK_GB, EIGHT_GPU_SIZES, HOURLY_PRICES
from .resources import UNKNOWN, gpu_size, is_guard, known, known_strings
from .stack import StackContext

REQUIRED = "snapshot-required"
TIMEOUT = "snapshot-timeout"
_FIX_DISABLED = "set gpuforge:createSnapshotOnDestroy to true and run pulumi up"
_FIX_MISSING = "create it with gpuforge's GpuDroplet component, which adds a snapshot guard to each droplet"

REQUIRED_SCHEMA = PolicyConfigSchema(
    properties={
        "productionStacks": settings.string_list(
            [],
            "Stacks that are production besides gpuforge's own rule (gpuforge:environment, else prod, "
            "production, prd, live, prod-*).",
        ),
        "minHourlyUsd": settings.option(
            "number",
            EXPENSIVE_HOURLY_USD,
            "GPU droplets at or above this hourly price need a snapshot guard.",
            minimum=0,
        ),
        "sizes": settings.string_list(EIGHT_GPU_SIZES, "GPU sizes that always need a snapshot guard."),
        "hourlyPrices": settings.number_table(HOURLY_PRICES, "Hourly price in USD of each GPU size."),
    }
)

TIMEOUT_SCHEMA = PolicyConfigSchema(
    properties={
        "secondsPerGb": settings.option(
            "number", 2.0, "Seconds of snapshotTimeout needed per GB of the size's disk.", minimum=0
        ),
        "minSeconds": settings.option("number", 900, "The shortest snapshotTimeout accepted for any size.", minimum=0),
        "diskGb": settings.number_table(DISK_GB, "Disk in GB of each GPU size."),
    }
)


def guards(guard: PolicyResource, droplet: PolicyResource) -> bool:
    """Whether ``guard`` snapshots ``droplet`` (see the module's docstring for the rules)."""
    dependencies = guard.property_dependencies.get("droplet_id") or []
    if dependencies:
        return any(dependency.urn == droplet.urn for dependency in dependencies)
    guarded_id, droplet_id = known(guard.props, "droplet_id"), known(droplet.props, "id")
    if guarded_id not in (None, UNKNOWN) and droplet_id not in (None, UNKNOWN):
        return str(guarded_id) == str(droplet_id)
    name = known(droplet.props, "name")
    return (
        _parent_urn(guard) == _parent_urn(droplet)
        and name not in (None, UNKNOWN)
        and known(guard.props, "droplet_name") == name
    )


def _parent_urn(resource: PolicyResource) -> str | None:
    return resource.parent.urn if resource.parent is not None else None


def _reasons(size: str, tags: Sequence[str], config: Mapping[str, Any], context: StackContext) -> list[str]:
    """Why a droplet needs a guard: production stack, price, listed size; [] when it does not."""
    reasons = []
    if context.is_production(config["productionStacks"], tags):
        reasons.append(f"in production stack {context.stack_name(tags)}")
    price = config["hourlyPrices"].get(size)
    if price is not None and price >= config["minHourlyUsd"]:
        reasons.append(f"at ${price:.2f}/hour (guards required from ${config['minHourlyUsd']:.2f}/hour)")
    if size in config["sizes"]:
        reasons.append("of a size that always requires one")
    return reasons


def validate_required(args: StackValidationArgs, report: ReportViolation) -> None:
    config = settings.read(args.get_config(), REQUIRED_SCHEMA)
    context = StackContext.from_environ()
    all_guards = [r for r in args.resources if is_guard(r.resource_type)]
    for droplet in args.resources:
        size = gpu_size(droplet.resource_type, droplet.props)
        if size is None:
            continue
        tags = known_strings(droplet.props, "tags")
        reasons = _reasons(size, () if tags is UNKNOWN else tags, config, context)
        mine = [g for g in all_guards if guards(g, droplet)]
        if not reasons or any(known(g.props, "enabled") in (True, UNKNOWN) for g in mine):
            continue
        problem, fix = ("no enabled snapshot guard", _FIX_DISABLED) if mine else ("no snapshot guard", _FIX_MISSING)
        report(f"droplet {droplet.name} ({size}) {' and '.join(reasons)} has {problem}: {fix}", droplet.urn)


def validate_timeout(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_guard(args.resource_type) or known(args.props, "enabled") is False:
        return
    size, timeout = known(args.props, "gpu_size"), known(args.props, "timeout_seconds")
    if not isinstance(size, str) or not isinstance(timeout, (int, float)):
        return
    config = settings.read(args.get_config(), TIMEOUT_SCHEMA)
    droplet = known(args.props, "droplet_name") or args.name
    disk = config["diskGb"].get(size)
    if disk is None:
        report(
            f"snapshot guard {args.name} of droplet {droplet}: the disk of {size} is unknown, so its "
            f"snapshotTimeout cannot be checked: add {size} to the diskGb config of {TIMEOUT}",
            None,
        )
        return
    needed = max(float(config["minSeconds"]), float(config["secondsPerGb"]) * disk)
    if timeout < needed:
        advice = min(math.ceil(needed / 60) * 60, MAX_SNAPSHOT_TIMEOUT_S)
        report(
            f"snapshot guard {args.name} of droplet {droplet} ({size}, {disk:g} GB disk) waits "
            f"{format_duration(timeout)} for its snapshot, less than the {format_duration(needed)} such a disk "
            f"may need: set gpuforge:snapshotTimeout to {format_duration(advice)} or more",
            None,
        )


snapshot_required = StackValidationPolicy(
    name=REQUIRED,
    description="GPU droplets in production stacks, at or above a price, or of listed sizes have an enabled "
    "snapshot guard.",
    validate=validate_required,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=REQUIRED_SCHEMA,
)

snapshot_timeout = ResourceValidationPolicy(
    name=TIMEOUT,
    description="A snapshot guard waits long enough for its droplet's disk (seconds per GB, with a floor).",
    validate=validate_timeout,
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=TIMEOUT_SCHEMA,
)
