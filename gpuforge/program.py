"""The Pulumi program: read config, create one ``GpuDroplet`` per configured droplet, export outputs."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from gpuforge.component import GpuDroplet, GpuDropletArgs
from gpuforge.config import StackConfig, load_stack_config
from gpuforge.errors import GpuForgeError
from gpuforge.provider_data import ProviderLookup, fetch_existing_droplet, fetch_size_catalog
from gpuforge.resize import check_resize
from gpuforge.restore import Lookup, resolve
from gpuforge.sizes import SizeCatalog, check_size, is_expensive, snapshot_on_destroy

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


def _warn_about_choices(args: list[GpuDropletArgs]) -> None:
    for arg in args:
        droplet, stack, size = arg.droplet, arg.stack, arg.size
        if not droplet.ssh_keys:
            pulumi.log.warn(f"{droplet.name}: no sshKeys configured; you will not be able to log in with a key.")
        if droplet.allowed_api_cidrs:
            pulumi.log.warn(
                f"{droplet.name}: model APIs are reachable from {', '.join(droplet.allowed_api_cidrs)} "
                "and have no authentication by default."
            )
        if not snapshot_on_destroy(droplet, stack, size) and (
            stack.is_production or is_expensive(droplet.gpu_size, size)
        ):
            pulumi.log.warn(
                f"{droplet.name}: no snapshot will be taken on destroy (createSnapshotOnDestroy: "
                f"{droplet.create_snapshot_on_destroy}) although it is a production or expensive droplet."
            )


def build(
    stack: StackConfig, catalog: SizeCatalog | None, lookup: Lookup, localai_api_key: pulumi.Output[str] | None
) -> dict[str, GpuDroplet]:
    """Create the components. Sizes and restore points are resolved first, so a bad one fails at preview."""
    args = []
    for index, droplet in enumerate(stack.droplets):
        where = f"droplets[{index}]." if len(stack.droplets) > 1 else ""
        size = check_size(droplet, catalog, where=where)
        resize_note = check_resize(
            droplet.name, fetch_existing_droplet(droplet.name), droplet.gpu_size, size, where=where
        )
        if resize_note:
            pulumi.log.warn(resize_note)
        plan = resolve(droplet, lookup, where=where)
        if plan.warning:
            pulumi.log.warn(plan.warning)
        args.append(
            GpuDropletArgs(
                droplet=droplet,
                stack=stack,
                size=size,
                image=plan.image,
                restored_from=plan.point,
                localai_api_key=localai_api_key,
            )
        )
    _warn_about_choices(args)
    return {arg.droplet.name: GpuDroplet(arg.droplet.name, arg) for arg in args}


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
