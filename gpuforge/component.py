"""``GpuDroplet``: a GPU droplet serving models, its firewall and its snapshot guard."""

from __future__ import annotations

import os
from dataclasses import replace
from collections.abc import Sequence
from typing import Any, cast

import pulumi
import pulumi_digitalocean as digitalocean

from gpuforge.args import DropletPlan, GpuDropletArgs, InputStrings, plan_droplet
from gpuforge.cloudinit import API_KEY_MAX_LENGTH, CloudInitOptions, render_user_data
from gpuforge.config import LOCALAI_PORT, OLLAMA_PORT, DropletConfig, StackConfig
from gpuforge.errors import GpuForgeError
from gpuforge.guard import SnapshotGuard, refuse_options_that_skip_the_snapshot, snapshot_starts
from gpuforge.provider_data import ProviderLookup, fetch_size_catalog
from gpuforge.restore import RestorePoint
from gpuforge.sizes import (
    SizeInfo,
    default_image,
    gpu_vendor,
    monthly_cost,
    snapshot_on_destroy,
)
from gpuforge.tags import GPUFORGE_TAG, stack_tag
from gpuforge.timemachine.settings import SnapshotSettings

TYPE_TOKEN = "gpuforge:index:GpuDroplet"
_EVERYWHERE = ["0.0.0.0/0", "::/0"]


def droplet_tags(droplet: DropletConfig, stack: StackConfig) -> list[str]:
    """The user's tags plus ``gpuforge`` and the stack tag, without duplicates, in a stable order."""
    tags = [*droplet.tags, GPUFORGE_TAG, stack_tag(stack.stack)]
    return list(dict.fromkeys(tags))


def snapshot_name_template(droplet: DropletConfig) -> str:
    """What the snapshot will be called, as shown before destruction (the timestamp is taken then)."""
    return droplet.snapshot_name or f"{droplet.name}-snapshot-[timestamp]"


def snapshot_settings(
    droplet: DropletConfig, stack: StackConfig, size: SizeInfo | None, image: str
) -> SnapshotSettings:
    """The guard's inputs: every snapshot setting of the droplet, with ``auto`` resolved."""
    return SnapshotSettings(
        droplet_name=droplet.name,
        enabled=snapshot_on_destroy(droplet, stack, size),
        snapshot_name=droplet.snapshot_name,
        timeout_seconds=float(droplet.snapshot_timeout_seconds),
        power_off=droplet.snapshot_power_off,
        directory=droplet.snapshot_directory,
        record_store=stack.record_store,
        on_failure=droplet.on_snapshot_failure,
        keep_last=droplet.snapshot_retention.keep_last,
        max_age_seconds=droplet.snapshot_retention.max_age_seconds,
        project=stack.project,
        stack=stack.stack,
        region=droplet.region,
        gpu_size=droplet.gpu_size,
        image=image,
    )


def cloud_init_options(droplet: DropletConfig, size: SizeInfo | None) -> CloudInitOptions:
    """What cloud-init installs; an API listens beyond loopback only when CIDRs are allowed for it."""
    public = bool(droplet.allowed_api_cidrs)
    return CloudInitOptions(
        droplet_name=droplet.name,
        gpu_vendor=gpu_vendor(droplet.gpu_size, size),
        install_ollama=droplet.install_ollama,
        ollama_models=droplet.ollama_models,
        ollama_listen_public=public,
        install_localai=droplet.install_localai,
        localai_models=droplet.localai_models,
        localai_listen_public=public,
        localai_api_key=None,
        ollama_port=OLLAMA_PORT,
        localai_port=LOCALAI_PORT,
    )


def firewall_inbound_rules(droplet: DropletConfig) -> list[digitalocean.FirewallInboundRuleArgs]:
    """SSH from ``allowedSshCidrs``; model-API ports only from ``allowedApiCidrs`` (none by default)."""
    rules = []
    if droplet.allowed_ssh_cidrs:
        rules.append(
            digitalocean.FirewallInboundRuleArgs(
                protocol="tcp", port_range="22", source_addresses=list(droplet.allowed_ssh_cidrs)
            )
        )
    if droplet.allowed_api_cidrs:
        for enabled, port in ((droplet.install_ollama, OLLAMA_PORT), (droplet.install_localai, LOCALAI_PORT)):
            if enabled:
                rules.append(
                    digitalocean.FirewallInboundRuleArgs(
                        protocol="tcp", port_range=str(port), source_addresses=list(droplet.allowed_api_cidrs)
                    )
                )
    return rules


def firewall_outbound_rules() -> list[digitalocean.FirewallOutboundRuleArgs]:
    """Outbound traffic is open: installers, model downloads, package mirrors."""
    return [
        digitalocean.FirewallOutboundRuleArgs(protocol="tcp", port_range="1-65535", destination_addresses=_EVERYWHERE),
        digitalocean.FirewallOutboundRuleArgs(protocol="udp", port_range="1-65535", destination_addresses=_EVERYWHERE),
        digitalocean.FirewallOutboundRuleArgs(protocol="icmp", destination_addresses=_EVERYWHERE),
    ]


def tunnel_commands(droplet: DropletConfig, ip: str) -> dict[str, str]:
    """SSH tunnels that reach the loopback-bound model APIs from the user's machine."""
    commands = {}
    if droplet.install_ollama:
        commands["ollama"] = f"ssh -N -L {OLLAMA_PORT}:127.0.0.1:{OLLAMA_PORT} root@{ip}"
    if droplet.install_localai:
        commands["localai"] = f"ssh -N -L {LOCALAI_PORT}:127.0.0.1:{LOCALAI_PORT} root@{ip}"
    return commands


class GpuDroplet(pulumi.ComponentResource):
    """A GPU droplet that comes up serving models, its firewall, and the guard that snapshots it before deletion.

    ``GpuDroplet(name, GpuDropletArgs(region="tor1", gpu_size="gpu-h100x1-80gb", …))`` in any Pulumi
    program. Bad arguments stop the program with one line naming the argument's config key. The
    stack-config program passes a :class:`~gpuforge.args.DropletPlan` it has already resolved.
    """

    #: The droplet's id, name and addresses.
    droplet_id: pulumi.Output[str]
    droplet_name: pulumi.Output[str]
    ipv4_address: pulumi.Output[str]
    ipv6_address: pulumi.Output[str]
    #: ``ssh root@<ip>`` and the SSH tunnels to the loopback-bound model APIs (``ollama``, ``localai``).
    ssh_command: pulumi.Output[str]
    tunnel_commands: pulumi.Output[dict[str, str]]
    #: From DigitalOcean's size list; None when it could not be read.
    hourly_cost_usd: float | None
    monthly_cost_usd: float | None
    #: The snapshot the droplet was created from (``snapshot_id``, ``snapshot_name``, ``created_at``), or None.
    restored_from: dict[str, str] | None
    #: The Terraform module's ``snapshot_info`` structure: ``config`` and ``commands``.
    snapshot_info: pulumi.Output[dict[str, dict[str, object]]]
    #: Every output above by its exported name (``id``, ``name``, …), as the program exports them.
    outputs: dict[str, Any]

    def __init__(
        self, name: str, args: GpuDropletArgs | DropletPlan, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        # Options that would make Pulumi skip the guard's delete (and so the snapshot) are refused
        # here, before anything is registered: children would inherit them (a RunError: one line).
        refuse_options_that_skip_the_snapshot(opts, "GpuDroplet")
        try:  # every check before anything is registered; a bad value is one line, no traceback
            plan = args if isinstance(args, DropletPlan) else _plan(name, args)
            user_data = _user_data(plan)
        except GpuForgeError as err:
            raise pulumi.RunError(str(err)) from None
        super().__init__(TYPE_TOKEN, name, None, opts)
        for warning in plan.warnings:
            pulumi.log.warn(warning)
        cfg, stack, size = plan.droplet, plan.stack, plan.size
        image = plan.restore.image or cfg.image or default_image(cfg.gpu_size, size)
        child = pulumi.ResourceOptions(parent=self)

        backup_policy = (
            digitalocean.DropletBackupPolicyArgs(plan=cfg.backup_plan, weekday=cfg.backup_weekday, hour=cfg.backup_hour)
            if cfg.backups
            else None
        )
        self.droplet = digitalocean.Droplet(
            name,
            name=cfg.name,
            region=cfg.region,
            size=cfg.gpu_size,
            image=image,
            ssh_keys=list(cfg.ssh_keys) if plan.ssh_keys is None else plan.ssh_keys,
            tags=droplet_tags(cfg, stack) if plan.tags is None else _with_gpuforge_tags(plan.tags, stack),
            monitoring=cfg.monitoring,
            ipv6=True,
            vpc_uuid=(cfg.vpc_uuid or None) if plan.vpc_uuid is None else plan.vpc_uuid,
            backups=cfg.backups,
            backup_policy=backup_policy,
            graceful_shutdown=True,
            user_data=user_data,
            # A new image or new user data must not rebuild a running GPU droplet; `pulumi up --replace` does.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["image", "user_data"]),
        )
        self.firewall = digitalocean.Firewall(
            f"{name}-firewall",
            name=f"{cfg.name}-firewall",
            droplet_ids=[self.droplet.id.apply(int)],
            inbound_rules=firewall_inbound_rules(cfg),
            outbound_rules=firewall_outbound_rules(),
            opts=child,
        )
        settings = snapshot_settings(cfg, stack, size, image)
        # The guard depends on the droplet through droplet_id, so Pulumi deletes it first; depends_on puts
        # it before the firewall too (deleted in waves), which is kept while a snapshot runs or after one fails.
        self.guard = SnapshotGuard(
            f"{name}-snapshot-guard",
            droplet_id=self.droplet.id,
            settings=settings,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.firewall]),
        )
        # A fleet destroy starts every snapshot before any guard waits (gpuforge/guard.py, "fleet destroy").
        self.snapshot_starts = snapshot_starts(name, self.droplet.id, settings, self.guard, self)

        ip = self.droplet.ipv4_address
        self.droplet_id = self.droplet.id
        self.droplet_name = self.droplet.name
        self.ipv4_address = ip
        self.ipv6_address = self.droplet.ipv6_address
        self.ssh_command = ip.apply(lambda a: f"ssh root@{a}")
        self.tunnel_commands = ip.apply(lambda a: tunnel_commands(cfg, a))
        self.hourly_cost_usd = size.price_hourly if size else None
        self.monthly_cost_usd = monthly_cost(size)
        self.restored_from = restored_from_output(plan.restore.point)
        self.snapshot_info = self.droplet.id.apply(
            lambda droplet_id: snapshot_info(cfg, settings.enabled, droplet_id, stack.record_store)
        )
        self.outputs = {
            "id": self.droplet_id,
            "name": self.droplet_name,
            "region": cfg.region,
            "size": cfg.gpu_size,
            "image": image,
            "ipv4_address": self.ipv4_address,
            "ipv6_address": self.ipv6_address,
            "ssh_command": self.ssh_command,
            "tunnel_commands": self.tunnel_commands,
            "hourly_cost_usd": self.hourly_cost_usd,
            "monthly_cost_usd": self.monthly_cost_usd,
            "restored_from": self.restored_from,
            "snapshot_info": self.snapshot_info,
        }
        self.register_outputs(self.outputs)


def _plan(name: str, args: GpuDropletArgs) -> DropletPlan:
    """Validate and resolve a library caller's arguments, reading the size list and snapshots now."""
    return plan_droplet(
        args,
        resource_name=name,
        project=pulumi.get_project(),
        stack=pulumi.get_stack(),
        catalog=fetch_size_catalog(),
        lookup=ProviderLookup(),
    )


def _user_data(plan: DropletPlan) -> pulumi.Input[str]:
    """The cloud-config; a secret output when it holds the LocalAI key. Too large: a CloudInitError now."""
    options = cloud_init_options(plan.droplet, plan.size)
    api_key = plan.localai_api_key
    if api_key is None or not plan.droplet.install_localai:
        return render_user_data(options)
    # Checked now, with the longest key allowed, so that a size error stops the preview in one line
    # instead of failing later inside the secret's apply.
    render_user_data(replace(options, localai_api_key="k" * API_KEY_MAX_LENGTH))
    secret_key: pulumi.Output[str] = pulumi.Output.secret(api_key)
    return secret_key.apply(lambda key: render_user_data(replace(options, localai_api_key=key)))


def _with_gpuforge_tags(tags: InputStrings, stack: StackConfig) -> pulumi.Output[list[str]]:
    """Tags given as outputs, plus ``gpuforge`` and the stack tag, without duplicates, once known."""
    # from_input resolves outputs inside the list too.
    known = cast("pulumi.Output[Sequence[str]]", pulumi.Output.from_input(tags))
    return known.apply(lambda values: list(dict.fromkeys([*values, GPUFORGE_TAG, stack_tag(stack.stack)])))


def restored_from_output(point: RestorePoint | None) -> dict[str, str] | None:
    """Which snapshot the droplet was created from (None: its base image)."""
    if point is None:
        return None
    return {"snapshot_id": point.snapshot_id, "snapshot_name": point.name, "created_at": point.created_at}


def snapshot_info(
    droplet: DropletConfig, enabled: bool, droplet_id: str, record_store: str = ""
) -> dict[str, dict[str, object]]:
    """The ``snapshot_info`` output, in the Terraform module's structure (records in a bucket are
    viewed through the CLI rather than ``ls``)."""
    directory = os.path.abspath(droplet.snapshot_directory)
    view_logs = (
        f"gpuforge snapshots list --droplet {droplet.name} --record-store '{record_store}'"
        if record_store
        else f"ls -la {directory}/"
    )
    return {
        "config": {
            "droplet_id": droplet_id,
            "droplet_name": droplet.name,
            "enabled": enabled,
            "snapshot_directory": directory,
            "snapshot_name": snapshot_name_template(droplet),
        },
        "commands": {
            "delete_snapshot": "gpuforge snapshots delete <snapshot-id>",
            "list_snapshots": f"gpuforge snapshots list --droplet {droplet.name}",
            "view_snapshot_logs": view_logs,
        },
    }
