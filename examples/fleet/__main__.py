"""A fleet of GPU droplets: shared arguments, per-droplet overrides, one VPC and one record store."""

import dataclasses

import pulumi
import pulumi_digitalocean as digitalocean

from gpuforge import GpuDroplet, GpuDropletArgs

config = pulumi.Config()
region = config.get("region") or "tor1"

vpc = digitalocean.Vpc("gpu-net", name=f"gpu-net-{pulumi.get_stack()}", region=region, ip_range="10.40.0.0/24")

# What every droplet shares: the region, the keys, the VPC, the team's record bucket and retention.
shared = GpuDropletArgs(
    region=region,
    ssh_keys=config.require_object("sshKeys"),
    vpc_uuid=vpc.id,
    tags=["fleet"],
    record_store=config.require("recordStore"),
    snapshot_retention={"keepLast": 3, "maxAge": "30d"},
)

fleet = {
    # Eight GPUs for training: no model server, a long snapshot timeout for its large disk.
    "trainer": dataclasses.replace(shared, gpu_size="gpu-h100x8-640gb", install_ollama=False, snapshot_timeout="2h"),
    "chat": dataclasses.replace(shared, ollama_models=["llama3.1:8b"]),
    # A cheap embedding box that is rebuilt rather than restored: no snapshot when it goes.
    "embed": dataclasses.replace(
        shared, gpu_size="gpu-l40sx1-48gb", ollama_models=["nomic-embed-text"], create_snapshot_on_destroy=False
    ),
}

droplets = {name: GpuDroplet(name, args) for name, args in fleet.items()}

pulumi.export(
    "fleet",
    {
        name: {
            "ssh_command": gpu.ssh_command,
            "hourly_cost_usd": gpu.hourly_cost_usd,
            "snapshot_info": gpu.snapshot_info,
        }
        for name, gpu in droplets.items()
    },
)
