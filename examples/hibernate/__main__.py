"""A GPU workstation that hibernates: destroyed in the evening (snapshot first), restored in the morning."""

import pulumi

from gpuforge import GpuDroplet, GpuDropletArgs

config = pulumi.Config()

workstation = GpuDroplet(
    "workstation",
    GpuDropletArgs(
        name="gpu-workstation",
        region=config.get("region") or "tor1",
        gpu_size="gpu-h100x1-80gb",
        ssh_keys=config.get_object("sshKeys") or [],
        ollama_models=["llama3.2:3b"],
        # Before the first snapshot exists, `latest` creates the droplet from its base image, with a warning.
        restore_from=config.get("restoreFrom") or "",
        record_store=config.get("recordStore") or "",
        snapshot_timeout="1h",
        # A night's snapshot plus the six before it; older ones are deleted after each new snapshot.
        snapshot_retention={"keepLast": 7},
    ),
)

pulumi.export("ssh_command", workstation.ssh_command)
pulumi.export("restored_from", workstation.restored_from)
pulumi.export("hourly_cost_usd", workstation.hourly_cost_usd)
