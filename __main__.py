"""GPUForge: GPU droplets serving models, snapshotted before every destroy. See README.md."""

from gpuforge.program import run

run()
