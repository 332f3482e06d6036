"""A ``gpuSize`` change of an existing droplet: what DigitalOcean will do, said at preview.

The DigitalOcean provider does not replace a droplet whose ``size`` changes: it resizes it in place
(power off, resize, power on), with ``resize_disk`` on by default, so the disk grows to the new
size's and can never shrink again. No snapshot is taken: the guard only runs on a deletion.
DigitalOcean refuses to resize an 8-GPU droplet to a single-GPU one ("GPU Droplet Limits",
docs.digitalocean.com/products/droplets/details/limits/) and any resize to a smaller disk (a
droplet's disk cannot be decreased, docs.digitalocean.com/products/droplets/how-to/resize/). Those
are refused here, before anything is powered off; any other resize is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from gpuforge.errors import ConfigError
from gpuforge.sizes import SizeInfo, gpu_count


@dataclass(frozen=True)
class ExistingDroplet:
    """The droplet that already runs under the configured name (from the provider's ``get_droplets``)."""

    id: str
    size: str
    disk_gb: int


def check_resize(
    name: str, existing: ExistingDroplet | None, new_size: str, new_info: SizeInfo | None, *, where: str = ""
) -> str | None:
    """A warning for an in-place resize, None when the size does not change; :class:`ConfigError` for a
    resize DigitalOcean refuses. ``new_info`` is the catalog entry (None when the size list is unknown)."""
    if existing is None or existing.size == new_size:
        return None
    key = f"{where}gpuSize"
    old_gpus, new_gpus = gpu_count(existing.size, None), gpu_count(new_size, new_info)
    if old_gpus >= 8 and new_gpus == 1:
        raise ConfigError(
            key,
            new_size,
            f"a size DigitalOcean can resize droplet {existing.id} ({name}, {existing.size}) to: it refuses to "
            "resize an 8-GPU droplet to a single-GPU one; to move, snapshot it (`pulumi destroy`), then create "
            "the new size with restoreFrom: latest",
        )
    if new_info is not None and new_info.disk_gb and new_info.disk_gb < existing.disk_gb:
        raise ConfigError(
            key,
            new_size,
            f"a size with at least the {existing.disk_gb} GB disk of droplet {existing.id} ({name}, {existing.size}): "
            f"a droplet's disk cannot shrink, so DigitalOcean refuses to resize it to {new_info.disk_gb} GB",
        )
    grows = (
        f"; its disk grows from {existing.disk_gb} to {new_info.disk_gb} GB, which cannot be undone"
        if new_info is not None and new_info.disk_gb > existing.disk_gb
        else ""
    )
    return (
        f"{name}: gpuSize {existing.size} → {new_size} resizes droplet {existing.id} in place (powered off, "
        f"resized, powered on){grows}. No snapshot is taken: run `gpuforge snapshot take {existing.id}` first "
        "to keep a way back."
    )
