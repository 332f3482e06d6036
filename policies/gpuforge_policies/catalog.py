"""Today's DigitalOcean GPU sizes and regions: the defaults of the pack's config.

A policy cannot call DigitalOcean's API, so prices and disk sizes come from the pack's config; these
defaults are DigitalOcean's size list (``GET /v2/sizes``: ``price_hourly``, ``disk``) as the pack was
written. When prices change, override ``hourlyPrices`` / ``diskGb`` in the policy pack config.
"""

from __future__ import annotations

from gpuforge.sizes import EXPENSIVE_GPU_COUNT, gpu_count

#: Hourly price in USD of each GPU size.
HOURLY_PRICES: dict[str, float] = {
    "gpu-rtx4000x1-20gb": 0.76,
    "gpu-rtx6000x1-48gb": 1.57,
    "gpu-l40sx1-48gb": 1.57,
    "gpu-h100x1-80gb": 3.39,
    "gpu-h100x8-640gb": 23.92,
    "gpu-mi300x1-192gb": 1.99,
    "gpu-mi300x8-1536gb": 15.92,
    "gpu-h200x1-141gb": 3.44,
}

#: Boot disk in GB of each GPU size (what a snapshot may have to copy).
DISK_GB: dict[str, int] = {
    "gpu-rtx4000x1-20gb": 500,
    "gpu-rtx6000x1-48gb": 500,
    "gpu-l40sx1-48gb": 500,
    "gpu-h100x1-80gb": 720,
    "gpu-h100x8-640gb": 2046,
    "gpu-mi300x1-192gb": 720,
    "gpu-mi300x8-1536gb": 2046,
    "gpu-h200x1-141gb": 720,
}

#: Regions that offer GPU droplets.
GPU_REGIONS: list[str] = ["ams3", "atl1", "nyc2", "tor1"]

#: The 8-GPU sizes (gpuforge's own "expensive by GPU count" rule, read from the slug).
EIGHT_GPU_SIZES: list[str] = sorted(s for s in HOURLY_PRICES if gpu_count(s, None) >= EXPENSIVE_GPU_COUNT)

GPU_SIZE_PREFIX = "gpu-"
