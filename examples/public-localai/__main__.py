"""LocalAI on a GPU droplet, reachable from chosen networks and protected by an API key."""

import pulumi

from gpuforge import GpuDroplet, GpuDropletArgs

config = pulumi.Config()

api = GpuDroplet(
    "localai",
    GpuDropletArgs(
        region=config.get("region") or "atl1",
        gpu_size="gpu-l40sx1-48gb",
        install_ollama=False,
        install_localai=True,
        localai_models=["phi-2"],
        # A secret output: the user data that holds it is stored encrypted in the state.
        localai_api_key=config.require_secret("localaiApiKey"),
        # Port 8080 opens to these networks only; without them it stays closed (use the SSH tunnel).
        allowed_api_cidrs=config.require_object("allowedApiCidrs"),
    ),
)

pulumi.export("endpoint", api.ipv4_address.apply(lambda ip: f"http://{ip}:8080/v1"))
pulumi.export("ssh_command", api.ssh_command)
