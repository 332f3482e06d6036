"""Render records as the DigitalOcean API shows them."""

from __future__ import annotations

import time
from typing import Any

from dosim.catalog import REGIONS_BY_SLUG, BaseImage, Size, sizes_in
from dosim.models import Action, Droplet, Firewall, Snapshot, SshKey

JSON = dict[str, Any]


def iso(t: float) -> str:
    """Epoch seconds as DigitalOcean's ISO 8601 UTC timestamp."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def region_view(slug: str) -> JSON:
    region = REGIONS_BY_SLUG[slug]
    return {
        "name": region.name,
        "slug": region.slug,
        "features": list(region.features),
        "available": True,
        "sizes": sizes_in(slug),
    }


def _gpu_info(size: Size) -> JSON:
    assert size.gpu is not None
    return {"count": size.gpu.count, "model": size.gpu.model, "vram": {"amount": size.gpu.vram_gib, "unit": "gib"}}


def _disk_info(size: Size) -> list[JSON]:
    disks = [{"type": "local", "size": {"amount": size.disk_gb, "unit": "gib"}}]
    if size.scratch_gb:
        disks.append({"type": "scratch", "size": {"amount": size.scratch_gb, "unit": "gib"}})
    return disks


def size_view(size: Size) -> JSON:
    view: JSON = {
        "slug": size.slug,
        "memory": size.memory_mb,
        "vcpus": size.vcpus,
        "disk": size.disk_gb,
        "transfer": size.transfer_tb,
        "price_monthly": size.price_monthly,
        "price_hourly": size.price_hourly,
        "regions": list(size.regions),
        "available": size.available,
        "description": size.description,
        "disk_info": _disk_info(size),
    }
    if size.gpu:
        view["gpu_info"] = _gpu_info(size)
    return view


def base_image_view(image: BaseImage) -> JSON:
    return {
        "id": image.id,
        "name": image.name,
        "type": "base",
        "distribution": image.distribution,
        "slug": image.slug,
        "public": True,
        "regions": list(image.regions),
        "created_at": image.created_at,
        "min_disk_size": image.min_disk_size,
        "size_gigabytes": image.size_gigabytes,
        "description": image.description,
        "tags": list(image.tags),
        "status": "available",
        "error_message": "",
    }


def snapshot_image_view(snap: Snapshot) -> JSON:
    """A snapshot as `/v2/images` shows it: an image of type `snapshot`."""
    return {
        "id": snap.id,
        "name": snap.name,
        "type": "snapshot",
        "distribution": snap.distribution,
        "slug": None,
        "public": False,
        "regions": list(snap.regions),
        "created_at": iso(snap.created_at),
        "min_disk_size": snap.min_disk_size,
        "size_gigabytes": snap.size_gigabytes,
        "description": "",
        "tags": list(snap.tags),
        "status": "available",
        "error_message": "",
    }


def snapshot_view(snap: Snapshot) -> JSON:
    """A snapshot as `/v2/snapshots` shows it (string ids)."""
    return {
        "id": str(snap.id),
        "name": snap.name,
        "created_at": iso(snap.created_at),
        "regions": list(snap.regions),
        "min_disk_size": snap.min_disk_size,
        "size_gigabytes": snap.size_gigabytes,
        "resource_id": "" if snap.resource_id is None else str(snap.resource_id),
        "resource_type": "droplet",
        "tags": list(snap.tags),
    }


def droplet_snapshot_view(snap: Snapshot) -> JSON:
    """A snapshot as `/v2/droplets/{id}/snapshots` shows it (integer id, `type`)."""
    return {
        "id": snap.id,
        "name": snap.name,
        "distribution": snap.distribution,
        "slug": None,
        "public": False,
        "regions": list(snap.regions),
        "created_at": iso(snap.created_at),
        "min_disk_size": snap.min_disk_size,
        "type": "snapshot",
        "size_gigabytes": snap.size_gigabytes,
    }


def droplet_view(droplet: Droplet, locked: bool) -> JSON:
    size = droplet.size
    view: JSON = {
        "id": droplet.id,
        "name": droplet.name,
        "memory": size.memory_mb,
        "vcpus": size.vcpus,
        "disk": size.disk_gb,
        "disk_info": _disk_info(size),
        "locked": locked,
        "status": droplet.status,
        "kernel": None,
        "created_at": iso(droplet.created_at),
        "features": ["monitoring", "droplet_agent"],
        "backup_ids": [],
        "next_backup_window": None,
        "snapshot_ids": list(droplet.snapshot_ids),
        "image": dict(droplet.image),
        "volume_ids": [],
        "size": size_view(size),
        "size_slug": size.slug,
        "networks": {
            "v4": [
                {
                    "ip_address": f"203.0.113.{droplet.id % 250 + 1}",
                    "netmask": "255.255.255.0",
                    "gateway": "203.0.113.254",
                    "type": "public",
                }
            ],
            "v6": [],
        },
        "region": region_view(droplet.region),
        "tags": list(droplet.tags),
        "vpc_uuid": "5a4981aa-9653-4bd1-bef5-d6bff52042e4",
    }
    if size.gpu:
        view["gpu_info"] = _gpu_info(size)
    return view


def action_view(action: Action) -> JSON:
    return {
        "id": action.id,
        "status": action.status,
        "type": action.type,
        "started_at": iso(action.started_at),
        "completed_at": None if action.completed_at is None else iso(action.completed_at),
        "resource_id": action.droplet_id,
        "resource_type": "droplet",
        "region": region_view(action.region),
        "region_slug": action.region,
    }


def firewall_view(fw: Firewall) -> JSON:
    return {
        "id": fw.id,
        "status": "succeeded",
        "created_at": iso(fw.created_at),
        "pending_changes": [],
        "name": fw.name,
        "droplet_ids": list(fw.droplet_ids),
        "tags": list(fw.tags),
        "inbound_rules": fw.inbound_rules,
        "outbound_rules": fw.outbound_rules,
    }


def ssh_key_view(key: SshKey) -> JSON:
    return {"id": key.id, "fingerprint": key.fingerprint, "public_key": key.public_key, "name": key.name}


def tag_view(name: str, droplet_ids: list[int], image_ids: list[int]) -> JSON:
    """A tag with its resource counts (`images` as in the spec's example; its schema says `imgages`)."""

    def group(kind: str, ids: list[int]) -> JSON:
        last = f"https://api.digitalocean.com/v2/{kind}/{ids[-1]}" if ids else ""
        return {"count": len(ids), "last_tagged_uri": last}

    droplets, images = group("droplets", droplet_ids), group("images", image_ids)
    return {
        "name": name,
        "resources": {
            "count": len(droplet_ids) + len(image_ids),
            "last_tagged_uri": images["last_tagged_uri"] or droplets["last_tagged_uri"],
            "droplets": droplets,
            "images": images,
            "volumes": {"count": 0, "last_tagged_uri": ""},
            "volume_snapshots": {"count": 0, "last_tagged_uri": ""},
            "databases": {"count": 0, "last_tagged_uri": ""},
        },
    }
