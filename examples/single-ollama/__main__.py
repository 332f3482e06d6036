"""One GPU droplet serving Ollama, built with the GPUForge library."""

import pulumi
import pulumi_digitalocean as digitalocean

from gpuforge import GpuDroplet, GpuDropletArgs

config = pulumi.Config()

# An SSH key created by this program: its fingerprint is known only once DigitalOcean has it.
key = digitalocean.SshKey(
    "me", name=f"{pulumi.get_project()}-{pulumi.get_stack()}", public_key=config.require("publicKey")
)

llm = GpuDroplet(
    "llm",
    GpuDropletArgs(
        region=config.get("region") or "tor1",
        gpu_size="gpu-h100x1-80gb",
        ssh_keys=[key.fingerprint],
        ollama_models=["llama3.2:3b"],
        snapshot_timeout="45m",
    ),
)

pulumi.export("ssh_command", llm.ssh_command)
pulumi.export("ollama_tunnel", llm.tunnel_commands.apply(lambda commands: commands["ollama"]))
pulumi.export("hourly_cost_usd", llm.hourly_cost_usd)
pulumi.export("snapshot_info", llm.snapshot_info)
