"""GPU sizes as DigitalOcean lists them (``GET /v2/sizes`` / ``get_sizes``): prices, GPUs, regions.

Pure: the catalog is built from data the caller fetched. Prices are never hard-coded here; when the
size list cannot be read, checks that need it are skipped and costs are unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gpuforge.cloudinit.options import GpuVendor
from gpuforge.config import DropletConfig, StackConfig
from gpuforge.errors import ConfigError

#: A size at or above this hourly price counts as expensive for ``createSnapshotOnDestroy: auto``.
EXPENSIVE_HOURLY_USD = 10.0
#: Sizes with at least this many GPUs count as expensive even when no price is known.
EXPENSIVE_GPU_COUNT = 8
#: DigitalOcean bills a droplet at most 672 hours (28 days) a month.
HOURS_PER_MONTH = 672

_AMD_MODEL = re.compile(r"mi[0-9]{3}|amd|instinct", re.IGNORECASE)
_GPU_COUNT_IN_SLUG = re.compile(r"x([0-9]+)-")


@dataclass(frozen=True)
class SizeInfo:
    """One droplet size."""

    slug: str
    price_hourly: float
    price_monthly: float
    regions: tuple[str, ...]
    available: bool
    gpu_count: int
    gpu_model: str
    disk_gb: int

    @property
    def is_gpu(self) -> bool:
        return self.gpu_count > 0


@dataclass(frozen=True)
class SizeCatalog:
    """The sizes DigitalOcean offers, by slug."""

    sizes: Mapping[str, SizeInfo]

    @classmethod
    def from_api(cls, sizes: Iterable[Mapping[str, Any]]) -> SizeCatalog:
        """From ``GET /v2/sizes`` bodies (``gpu_info`` is an object there)."""
        return cls(
            {
                size["slug"]: _size_info(
                    size["slug"],
                    size.get("price_hourly"),
                    size.get("price_monthly"),
                    size.get("regions"),
                    size.get("available", True),
                    size.get("gpu_info") or {},
                    size.get("disk"),
                )
                for size in sizes
            }
        )

    @classmethod
    def from_pulumi(cls, sizes: Iterable[Any]) -> SizeCatalog:
        """From ``pulumi_digitalocean.get_sizes().sizes`` (``gpu_infos`` is a list there)."""
        infos = {}
        for size in sizes:
            gpus = list(getattr(size, "gpu_infos", None) or [])
            gpu = {"count": getattr(gpus[0], "count", 0), "model": getattr(gpus[0], "model", "")} if gpus else {}
            infos[size.slug] = _size_info(
                size.slug, size.price_hourly, size.price_monthly, size.regions, size.available, gpu, size.disk
            )
        return cls(infos)

    def gpu_sizes_in(self, region: str) -> list[str]:
        """GPU size slugs that can be created in ``region`` now, sorted."""
        return sorted(s.slug for s in self.sizes.values() if s.is_gpu and s.available and region in s.regions)

    def regions_of(self, slug: str) -> list[str]:
        return sorted(self.sizes[slug].regions) if slug in self.sizes else []


def _size_info(
    slug: str, price_hourly: Any, price_monthly: Any, regions: Any, available: Any, gpu: Mapping[str, Any], disk: Any
) -> SizeInfo:
    """One size from either source's fields, missing values as zero, empty or false."""
    return SizeInfo(
        slug=slug,
        price_hourly=float(price_hourly or 0.0),
        price_monthly=float(price_monthly or 0.0),
        regions=tuple(regions or ()),
        available=bool(available),
        gpu_count=int(gpu.get("count") or 0),
        gpu_model=str(gpu.get("model") or ""),
        disk_gb=int(disk or 0),
    )


def check_size(droplet: DropletConfig, catalog: SizeCatalog | None, *, where: str = "") -> SizeInfo | None:
    """The droplet's size as the catalog knows it; a clear error when it does not exist in its region.

    With no catalog (the size list could not be read), nothing is checked and ``None`` is returned.
    """
    if catalog is None:
        return None
    key = f"{where}gpuSize"
    in_region = catalog.gpu_sizes_in(droplet.region)
    info = catalog.sizes.get(droplet.gpu_size)
    offered = ", ".join(in_region) if in_region else "none"
    if info is None or not info.is_gpu:
        raise ConfigError(key, droplet.gpu_size, f"a GPU size; GPU sizes in {droplet.region}: {offered}")
    if droplet.region not in info.regions or not info.available:
        elsewhere = ", ".join(catalog.regions_of(droplet.gpu_size)) or "no region today"
        raise ConfigError(
            key,
            droplet.gpu_size,
            f"a GPU size offered in {droplet.region} (GPU sizes there: {offered}); {droplet.gpu_size} is offered in: {elsewhere}",
        )
    return info


def gpu_count(slug: str, info: SizeInfo | None) -> int:
    """How many GPUs the size has: from the catalog, else from the slug (``gpu-h100x8-640gb`` → 8)."""
    if info is not None and info.gpu_count:
        return info.gpu_count
    match = _GPU_COUNT_IN_SLUG.search(slug)
    return int(match.group(1)) if match else 1


def gpu_vendor(slug: str, info: SizeInfo | None) -> GpuVendor:
    """``amd`` for Instinct (MI300X, MI325X…) sizes, otherwise ``nvidia``."""
    model = info.gpu_model if info is not None and info.gpu_model else slug
    return "amd" if _AMD_MODEL.search(model) else "nvidia"


def default_image(slug: str, info: SizeInfo | None) -> str:
    """DigitalOcean's GPU base image for the size (drivers preinstalled): never reinstall drivers."""
    if gpu_vendor(slug, info) == "amd":
        return "gpu-amd-base"
    return "gpu-h100x8-base" if gpu_count(slug, info) > 1 else "gpu-h100x1-base"


def is_expensive(slug: str, info: SizeInfo | None) -> bool:
    """At or above :data:`EXPENSIVE_HOURLY_USD` an hour, or :data:`EXPENSIVE_GPU_COUNT` GPUs or more."""
    if info is not None and info.price_hourly >= EXPENSIVE_HOURLY_USD:
        return True
    return gpu_count(slug, info) >= EXPENSIVE_GPU_COUNT


def snapshot_on_destroy(droplet: DropletConfig, stack: StackConfig, info: SizeInfo | None) -> bool:
    """Resolve ``createSnapshotOnDestroy``: ``auto`` means a production stack or an expensive size."""
    setting = droplet.create_snapshot_on_destroy
    if setting == "auto":
        return stack.is_production or is_expensive(droplet.gpu_size, info)
    return setting == "true"


def monthly_cost(info: SizeInfo | None) -> float | None:
    """What keeping the droplet running for a month costs, from the size list (None when unknown)."""
    if info is None:
        return None
    return info.price_monthly or round(info.price_hourly * HOURS_PER_MONTH, 2)
