"""The stack's GPU droplets together stay under an hourly budget."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import settings
from .catalog import HOURLY_PRICES
from .resources import gpu_size
from .stack import StackContext

NAME = "gpu-budget"

SCHEMA = PolicyConfigSchema(
    properties={
        "maxHourlyUsd": settings.option(
            "number", 30.0, "Most the stack's GPU droplets may cost together, in USD an hour.", minimum=0
        ),
        "hourlyPrices": settings.number_table(HOURLY_PRICES, "Hourly price in USD of each GPU size."),
    }
)


def validate(args: StackValidationArgs, report: ReportViolation) -> None:
    config = settings.read(args.get_config(), SCHEMA)
    prices, ceiling = config["hourlyPrices"], float(config["maxHourlyUsd"])
    costs: list[tuple[str, str, float]] = []
    for resource in args.resources:
        size = gpu_size(resource.resource_type, resource.props)
        if size is None:
            continue
        if size not in prices:
            report(
                f"droplet {resource.name} uses GPU size {size}, which has no price in the hourlyPrices config "
                f"of {NAME}, so the budget cannot be checked: add its price_hourly from DigitalOcean's size list",
                resource.urn,
            )
            continue
        costs.append((resource.name, size, float(prices[size])))
    total = sum(cost for _, _, cost in costs)
    if total > ceiling:
        stack = StackContext.from_environ().name or "this stack"
        itemized = ", ".join(f"{name} {size} ${cost:.2f}" for name, size, cost in costs)
        report(
            f"GPU droplets in {stack} cost ${total:.2f}/hour ({itemized}), over the budget of "
            f"${ceiling:.2f}/hour: remove or downsize a droplet, or raise maxHourlyUsd in the config of {NAME}",
            None,
        )


gpu_budget = StackValidationPolicy(
    name=NAME,
    description="The stack's GPU droplets together cost at most a configured amount per hour.",
    validate=validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
)
