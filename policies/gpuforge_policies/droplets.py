"""GPU droplets: only allowed regions and sizes, and the tags that tie them to gpuforge and their stack."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from gpuforge.tags import GPUFORGE_TAG, stack_tag

from . import settings
from .catalog import GPU_REGIONS, HOURLY_PRICES
from .resources import UNKNOWN, gpu_size, known, known_strings
from .stack import STACK_TAG_PREFIX, StackContext

PLACEMENT = "allowed-gpu-regions-and-sizes"
TAGS = "gpu-droplet-tags"

PLACEMENT_SCHEMA = PolicyConfigSchema(
    properties={
        "regions": settings.string_list(GPU_REGIONS, "Regions GPU droplets may run in."),
        "sizes": settings.string_list(sorted(HOURLY_PRICES), "GPU sizes droplets may use."),
    }
)

TAGS_SCHEMA = PolicyConfigSchema(
    properties={
        "extraTags": settings.string_list([], "Tags every GPU droplet must carry besides gpuforge and its stack tag."),
    }
)


def validate_placement(args: ResourceValidationArgs, report: ReportViolation) -> None:
    size = gpu_size(args.resource_type, args.props)
    if size is None:
        return
    config = settings.read(args.get_config(), PLACEMENT_SCHEMA)
    region = known(args.props, "region")
    if isinstance(region, str) and region not in config["regions"]:
        report(
            f"droplet {args.name} ({size}) is in region {region}, where GPU droplets are not allowed "
            f"(allowed: {', '.join(config['regions'])}): set gpuforge:region to one of them, or add {region} "
            f"to the regions config of {PLACEMENT}",
            None,
        )
    if size not in config["sizes"]:
        allowed = ", ".join(config["sizes"])
        report(
            f"droplet {args.name} uses GPU size {size}, which is not allowed (allowed: {allowed}): set "
            f"gpuforge:gpuSize to one of them, or add {size} to the sizes config of {PLACEMENT}",
            None,
        )


def validate_tags(args: ResourceValidationArgs, report: ReportViolation) -> None:
    size = gpu_size(args.resource_type, args.props)
    tags = known_strings(args.props, "tags")
    if size is None or tags is UNKNOWN:
        return
    stack = StackContext.from_environ().name
    required = [GPUFORGE_TAG, *settings.read(args.get_config(), TAGS_SCHEMA)["extraTags"]]
    if stack is not None:
        required.append(stack_tag(stack))
    elif not any(tag.startswith(STACK_TAG_PREFIX) for tag in tags):
        required.append(f"{STACK_TAG_PREFIX}<stack>")
    missing = [tag for tag in required if tag not in tags]
    if missing:
        report(
            f"droplet {args.name} ({size}) lacks tag(s) {', '.join(missing)}: add them to its tags "
            f"(gpuforge's GpuDroplet adds {GPUFORGE_TAG} and {STACK_TAG_PREFIX}<stack> itself, others go in "
            "gpuforge:tags)",
            None,
        )


allowed_regions_and_sizes = ResourceValidationPolicy(
    name=PLACEMENT,
    description="GPU droplets run only in allowed regions and with allowed GPU sizes.",
    validate=validate_placement,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PLACEMENT_SCHEMA,
)

droplet_tags = ResourceValidationPolicy(
    name=TAGS,
    description="Every GPU droplet carries the gpuforge tag and its stack's tag (gpuforge-stack-<stack>).",
    validate=validate_tags,
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=TAGS_SCHEMA,
)
