"""A gpuSize change of a running droplet is an in-place resize (no snapshot): said at preview, and refused
at preview where DigitalOcean would refuse it (docs.digitalocean.com/products/droplets/details/limits/,
"GPU Droplet Limits"; a disk never shrinks, docs.digitalocean.com/products/droplets/how-to/resize/)."""

from __future__ import annotations

from typing import Any

import pytest

from dosim.catalog import SIZES_BY_SLUG
from gpuforge.errors import ConfigError
from gpuforge.resize import ExistingDroplet, check_resize
from gpuforge.sizes import SizeInfo
from tests.program.harness import Recorder, execute_program

GET_DROPLETS = "digitalocean:index/getDroplets:getDroplets"


def size_info(slug: str) -> SizeInfo:
    s = SIZES_BY_SLUG[slug]
    return SizeInfo(
        slug,
        s.price_hourly,
        s.price_monthly,
        tuple(s.regions),
        s.available,
        s.gpu.count if s.gpu else 0,
        s.gpu.model if s.gpu else "",
        s.disk_gb,
    )


def existing(slug: str) -> ExistingDroplet:
    return ExistingDroplet(id="412345678", size=slug, disk_gb=SIZES_BY_SLUG[slug].disk_gb)


def test_no_droplet_yet_or_same_size_says_nothing():
    assert check_resize("gpu-dev", None, "gpu-h100x1-80gb", size_info("gpu-h100x1-80gb")) is None
    assert check_resize("gpu-dev", existing("gpu-h100x1-80gb"), "gpu-h100x1-80gb", size_info("gpu-h100x1-80gb")) is None


def test_a_bigger_size_is_an_in_place_resize_without_snapshot():
    note = check_resize("gpu-dev", existing("gpu-h100x1-80gb"), "gpu-h100x8-640gb", size_info("gpu-h100x8-640gb"))
    assert note is not None and "in place" in note and "No snapshot is taken" in note
    assert "gpuforge snapshot take 412345678" in note and "cannot be undone" in note


def test_eight_gpus_to_one_is_refused_in_one_line():
    with pytest.raises(ConfigError) as err:
        check_resize("llm-training", existing("gpu-h100x8-640gb"), "gpu-h100x1-80gb", size_info("gpu-h100x1-80gb"))
    text = str(err.value)
    assert "gpuforge:gpuSize" in text and "8-GPU droplet to a single-GPU one" in text and "\n" not in text


def test_a_smaller_disk_is_refused():
    with pytest.raises(ConfigError, match="cannot shrink"):
        check_resize("gpu-dev", existing("gpu-h100x1-80gb"), "gpu-l40sx1-48gb", size_info("gpu-l40sx1-48gb"))


def droplets_call_result(slug: str, name: str) -> dict[str, Any]:
    """What getDroplets answers (the shape of pulumi_digitalocean's GetDropletsDropletResult, camelCase
    on the wire as the engine passes it)."""
    s = SIZES_BY_SLUG[slug]
    droplet = {
        "backups": False,
        "createdAt": "2026-11-26T15:19:00Z",
        "disk": s.disk_gb,
        "gpuPartitionMode": "",
        "id": 412345678,
        "image": "gpu-h100x1-base",
        "ipv4Address": "203.0.113.10",
        "ipv4AddressPrivate": "10.0.0.2",
        "ipv6": True,
        "ipv6Address": "2001:db8::10",
        "ipv6AddressPrivate": "",
        "locked": False,
        "memory": s.memory_mb,
        "monitoring": True,
        "name": name,
        "priceHourly": s.price_hourly,
        "priceMonthly": s.price_monthly,
        "privateNetworking": True,
        "region": "tor1",
        "size": slug,
        "status": "active",
        "tags": ["gpuforge"],
        "urn": "do:droplet:412345678",
        "vcpus": s.vcpus,
        "volumeIds": [],
        "vpcUuid": "",
    }
    return {
        "droplets": [droplet],
        "filters": [{"key": "name", "values": [name], "all": False, "matchBy": "exact"}],
        "id": "droplets",
        "sorts": [],
    }


class WithExisting(Recorder):
    def __init__(self, slug: str, name: str) -> None:
        super().__init__()
        self.existing = (slug, name)

    def call(self, args):  # type: ignore[no-untyped-def]
        if args.token == GET_DROPLETS:
            return droplets_call_result(*self.existing), []
        return super().call(args)


def test_the_program_warns_at_preview_for_a_resize(monkeypatch):
    warnings: list[str] = []
    monkeypatch.setattr("pulumi.log.warn", lambda msg, *a, **k: warnings.append(msg))
    execute_program(
        "dev", {"gpuSize": "gpu-h100x8-640gb", "region": "nyc2"}, mocks=WithExisting("gpu-h100x1-80gb", "gpu-dev")
    )
    assert any("resizes droplet 412345678 in place" in w for w in warnings), warnings


def test_the_program_stops_at_preview_for_a_refused_resize():
    import pulumi

    with pytest.raises(Exception) as err:
        execute_program("prod", {"gpuSize": "gpu-h100x1-80gb"}, mocks=WithExisting("gpu-h100x8-640gb", "llm-training"))
    assert isinstance(err.value, pulumi.RunError), "one line at preview, no traceback"
    assert "8-GPU droplet to a single-GPU one" in str(err.value)
