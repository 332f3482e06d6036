"""GPUForge: DigitalOcean GPU droplets that serve models, with a time machine.

Use it in any Pulumi program (examples/ has whole projects)::

    import pulumi
    from gpuforge import GpuDroplet, GpuDropletArgs

    gpu = GpuDroplet("gpu", GpuDropletArgs(region="tor1", gpu_size="gpu-h100x1-80gb", snapshot_timeout="45m"))
    pulumi.export("ip", gpu.ipv4_address)

The two names are imported on first use, so that the ``gpuforge`` command and the guard's provider
host (which import ``gpuforge.cli`` and ``gpuforge.guard``) do not load the DigitalOcean provider SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gpuforge.args import GpuDropletArgs
    from gpuforge.component import GpuDroplet

__all__ = ["GpuDroplet", "GpuDropletArgs"]


def __getattr__(name: str) -> Any:
    if name == "GpuDroplet":
        from gpuforge.component import GpuDroplet

        return GpuDroplet
    if name == "GpuDropletArgs":
        from gpuforge.args import GpuDropletArgs

        return GpuDropletArgs
    raise AttributeError(f"module 'gpuforge' has no attribute {name!r}")
