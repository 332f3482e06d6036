"""Static catalogue: regions, sizes (GPU and a few basic ones) and public base images."""

from __future__ import annotations

from dataclasses import dataclass, field

HOURS_PER_MONTH = 672  # DigitalOcean bills at most 672 hours (28 days) a month.


@dataclass(frozen=True)
class Gpu:
    count: int
    model: str
    vram_gib: int


@dataclass(frozen=True)
class Size:
    slug: str
    description: str
    vcpus: int
    memory_mb: int
    disk_gb: int
    transfer_tb: float
    price_hourly: float
    regions: tuple[str, ...]
    scratch_gb: int = 0
    gpu: Gpu | None = None
    available: bool = True

    @property
    def price_monthly(self) -> float:
        return round(self.price_hourly * HOURS_PER_MONTH, 2)


@dataclass(frozen=True)
class Region:
    slug: str
    name: str
    features: tuple[str, ...] = ("backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer")


@dataclass(frozen=True)
class BaseImage:
    id: int
    slug: str
    name: str
    description: str
    min_disk_size: int
    size_gigabytes: float
    regions: tuple[str, ...]
    distribution: str = "Ubuntu"
    created_at: str = "2026-01-15T00:00:00Z"
    tags: tuple[str, ...] = field(default=())


REGIONS: tuple[Region, ...] = (
    Region("nyc1", "New York 1"),
    Region("nyc2", "New York 2"),
    Region("nyc3", "New York 3"),
    Region("sfo3", "San Francisco 3"),
    Region("tor1", "Toronto 1"),
    Region("atl1", "Atlanta 1"),
    Region("ams3", "Amsterdam 3"),
    Region("lon1", "London 1"),
    Region("fra1", "Frankfurt 1"),
    Region("sgp1", "Singapore 1"),
    Region("blr1", "Bangalore 1"),
    Region("syd1", "Sydney 1"),
)
ALL_REGIONS = tuple(r.slug for r in REGIONS)
_H100 = ("nyc2", "tor1", "atl1", "ams3")
_ADA = ("tor1", "atl1")
_MI300 = ("atl1",)

SIZES: tuple[Size, ...] = (
    Size("s-1vcpu-1gb", "Basic", 1, 1024, 25, 1.0, 0.00893, ALL_REGIONS),
    Size("s-2vcpu-4gb", "Basic", 2, 4096, 80, 4.0, 0.03571, ALL_REGIONS),
    Size("s-4vcpu-8gb", "Basic", 4, 8192, 160, 5.0, 0.07143, ALL_REGIONS),
    Size(
        "gpu-rtx4000x1-20gb",
        "RTX 4000 Ada GPU - 1X",
        8,
        32768,
        500,
        10.0,
        0.76,
        _ADA,
        gpu=Gpu(1, "nvidia_rtx_4000_ada", 20),
    ),
    Size(
        "gpu-rtx6000x1-48gb",
        "RTX 6000 Ada GPU - 1X",
        8,
        65536,
        500,
        10.0,
        1.57,
        _ADA,
        gpu=Gpu(1, "nvidia_rtx_6000_ada", 48),
    ),
    Size("gpu-l40sx1-48gb", "L40S GPU - 1X", 8, 65536, 500, 10.0, 1.57, _ADA, gpu=Gpu(1, "nvidia_l40s", 48)),
    Size(
        "gpu-h100x1-80gb",
        "H100 GPU - 1X",
        20,
        245760,
        720,
        15.0,
        3.39,
        _H100,
        scratch_gb=5120,
        gpu=Gpu(1, "nvidia_h100", 80),
    ),
    Size(
        "gpu-h100x8-640gb",
        "H100 GPU - 8X",
        160,
        1966080,
        2046,
        60.0,
        23.92,
        _H100[:3],
        scratch_gb=40960,
        gpu=Gpu(8, "nvidia_h100", 640),
    ),
    Size(
        "gpu-mi300x1-192gb",
        "AMD MI300X - 1X",
        20,
        245760,
        720,
        15.0,
        1.99,
        _MI300,
        scratch_gb=5120,
        gpu=Gpu(1, "amd_mi300x", 192),
    ),
    Size(
        "gpu-mi300x8-1536gb",
        "AMD MI300X - 8X",
        160,
        1966080,
        2046,
        60.0,
        15.92,
        _MI300,
        scratch_gb=40960,
        gpu=Gpu(8, "amd_mi300x", 1536),
    ),
    # No longer offered: exercises `available: false` with no regions.
    Size(
        "gpu-h200x1-141gb",
        "H200 GPU - 1X",
        24,
        245760,
        720,
        15.0,
        3.44,
        (),
        scratch_gb=5120,
        gpu=Gpu(1, "nvidia_h200", 141),
        available=False,
    ),
)

_GPU_REGIONS = tuple(sorted({r for s in SIZES if s.gpu for r in s.regions}))

BASE_IMAGES: tuple[BaseImage, ...] = (
    BaseImage(1001, "ubuntu-24-04-x64", "24.04 (LTS) x64", "Ubuntu 24.04 (LTS) x64", 7, 2.36, ALL_REGIONS),
    BaseImage(
        1101,
        "gpu-h100x1-base",
        "AI/ML Ready (NVIDIA, 1 GPU)",
        "Ubuntu 22.04 with NVIDIA drivers and CUDA",
        30,
        18.2,
        _GPU_REGIONS,
    ),
    BaseImage(
        1102,
        "gpu-h100x8-base",
        "AI/ML Ready (NVIDIA, 8 GPUs)",
        "Ubuntu 22.04 with NVIDIA drivers, CUDA and fabric manager",
        30,
        19.6,
        _GPU_REGIONS,
    ),
    BaseImage(1103, "gpu-amd-base", "AI/ML Ready (AMD)", "Ubuntu 22.04 with ROCm", 30, 21.4, _GPU_REGIONS),
)

SIZES_BY_SLUG = {s.slug: s for s in SIZES}
REGIONS_BY_SLUG = {r.slug: r for r in REGIONS}
BASE_IMAGES_BY_SLUG = {i.slug: i for i in BASE_IMAGES}
BASE_IMAGES_BY_ID = {i.id: i for i in BASE_IMAGES}


def sizes_in(region: str) -> list[str]:
    """Slugs of the sizes that can be created in `region`."""
    return [s.slug for s in SIZES if s.available and region in s.regions]
