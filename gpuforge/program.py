"""The Pulumi program: map ``Pulumi.<stack>.yaml`` onto ``GpuDropletArgs``, one ``GpuDroplet`` per droplet, export outputs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from gpuforge.args import GpuDropletArgs, plan_droplet
from gpuforge.component import GpuDroplet
from gpuforge.config import DropletConfig, StackConfig, load_stack_config
from gpuforge.errors import GpuForgeError
from gpuforge.provider_data import ProviderLookup, fetch_existing_droplet, fetch_size_catalog
from gpuforge.resize import check_resize
from gpuforge.restore import Lookup
from gpuforge.sizes import SizeCatalog

NAMESPACE = "gpuforge"
#: Outputs also exported at the top level when the stack has a single droplet (as the Terraform module did).
TOP_LEVEL_OUTPUTS = (
    "id",
    "name",
    "ipv4_address",
    "ipv6_address",
    "ssh_command",
    "tunnel_commands",
    "hourly_cost_usd",
    "monthly_cost_usd",
    "restored_from",
    "snapshot_info",
)


def read_namespace(namespace: str = NAMESPACE) -> dict[str, Any]:
    """Every ``namespace:`` config value the engine gave the program, keyed without the namespace."""
    prefix = f"{namespace}:"
    merged = {**get_config_env(), **CONFIG.get()}
    return {key[len(prefix) :]: value for key, value in merged.items() if key.startswith(prefix)}


def droplet_args(
    droplet: DropletConfig, stack: StackConfig, localai_api_key: pulumi.Output[str] | None
) -> GpuDropletArgs:
    """One droplet of ``Pulumi.<stack>.yaml`` as the component's arguments (the values are already valid)."""
    retention = droplet.snapshot_retention
    return GpuDropletArgs(
        name=droplet.name,
        region=droplet.region,
        gpu_size=droplet.gpu_size,
        image=droplet.image,
        ssh_keys=droplet.ssh_keys,
        tags=droplet.tags,
        vpc_uuid=droplet.vpc_uuid,
        monitoring=droplet.monitoring,
        backups=droplet.backups,
        backup_plan=droplet.backup_plan,
        backup_weekday=droplet.backup_weekday,
        backup_hour=droplet.backup_hour,
        install_ollama=droplet.install_ollama,
        ollama_models=droplet.ollama_models,
        install_localai=droplet.install_localai,
        localai_models=droplet.localai_models,
        localai_api_key=localai_api_key,
        allowed_ssh_cidrs=droplet.allowed_ssh_cidrs,
        allowed_api_cidrs=droplet.allowed_api_cidrs,
        environment=stack.environment,
        create_snapshot_on_destroy=droplet.create_snapshot_on_destroy,
        snapshot_name=droplet.snapshot_name,
        snapshot_timeout=droplet.snapshot_timeout_seconds,
        snapshot_power_off=droplet.snapshot_power_off,
        snapshot_directory=droplet.snapshot_directory,
        on_snapshot_failure=droplet.on_snapshot_failure,
        snapshot_retention=retention if retention.keep_last or retention.max_age_seconds else None,
        restore_from=droplet.restore_from,
        record_store=stack.record_store,
    )


def build(
    stack: StackConfig, catalog: SizeCatalog | None, lookup: Lookup, localai_api_key: pulumi.Output[str] | None
) -> dict[str, GpuDroplet]:
    """Create the components. Every droplet's size and restore point is resolved before any is
    created, so a bad one fails at preview with nothing registered."""
    plans = []
    for index, droplet in enumerate(stack.droplets):
        where = f"droplets[{index}]." if len(stack.droplets) > 1 else ""
        plan = plan_droplet(
            droplet_args(droplet, stack, localai_api_key),
            resource_name=droplet.name,
            project=stack.project,
            stack=stack.stack,
            catalog=catalog,
            lookup=lookup,
            where=where,
        )
        # A gpuSize change of a running droplet is an in-place resize (no snapshot): refused at
        # preview where DigitalOcean refuses it, a warning otherwise.
        existing = fetch_existing_droplet(plan.droplet.name)
        resize_note = check_resize(plan.droplet.name, existing, plan.droplet.gpu_size, plan.size, where=where)
        plans.append(replace(plan, warnings=(*plan.warnings, resize_note)) if resize_note else plan)
    return {plan.droplet.name: GpuDroplet(plan.droplet.name, plan) for plan in plans}


def run() -> None:
    """The program's entry point (``__main__.py``). A bad value ends the run with one line, no traceback."""
    try:
        stack = load_stack_config(read_namespace(), project=pulumi.get_project(), stack=pulumi.get_stack())
        localai_api_key = pulumi.Config(NAMESPACE).get_secret("localaiApiKey") if stack.localai_api_key_set else None
        components = build(stack, fetch_size_catalog(), ProviderLookup(), localai_api_key)
    except GpuForgeError as err:
        raise pulumi.RunError(str(err)) from None
    pulumi.export("droplets", {name: component.outputs for name, component in components.items()})
    if len(components) == 1:
        (only,) = components.values()
        for key in TOP_LEVEL_OUTPUTS:
            pulumi.export(key, only.outputs[key])
