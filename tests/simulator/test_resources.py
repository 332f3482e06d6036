"""Droplets, sizes, regions, images, tags, firewalls and SSH keys through pydo."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

GPU_SIZES = {
    "gpu-h100x1-80gb": 3.39,
    "gpu-h100x8-640gb": 23.92,
    "gpu-l40sx1-48gb": None,
    "gpu-rtx4000x1-20gb": None,
    "gpu-rtx6000x1-48gb": None,
    "gpu-mi300x1-192gb": None,
    "gpu-mi300x8-1536gb": None,
}


def _create(client, **overrides):
    body = {"name": "gpu-1", "size": "gpu-h100x1-80gb", "region": "nyc2", "image": "gpu-h100x1-base", **overrides}
    return client.droplets.create(body)["droplet"]


def test_sizes_describe_gpus_prices_and_regions(pydo_client):
    sizes = {s["slug"]: s for s in pydo_client.sizes.list(per_page=200)["sizes"]}
    for slug, hourly in GPU_SIZES.items():
        size = sizes[slug]
        assert size["gpu_info"]["count"] >= 1 and size["gpu_info"]["vram"]["amount"] > 0
        assert size["available"] and size["regions"] and size["price_hourly"] > 0.5
        assert size["price_monthly"] == pytest.approx(size["price_hourly"] * 672)
        assert hourly is None or size["price_hourly"] == hourly
    assert sizes["gpu-h100x8-640gb"]["gpu_info"] == {
        "count": 8,
        "model": "nvidia_h100",
        "vram": {"amount": 640, "unit": "gib"},
    }
    basic = [s for s in sizes.values() if s["slug"].startswith("s-")]
    assert basic and all("gpu_info" not in s for s in basic)
    assert any(not s["available"] for s in sizes.values())
    assert any(set(s["regions"]) != set(sizes["gpu-h100x1-80gb"]["regions"]) for s in sizes.values() if "gpu_info" in s)


def test_regions_list_the_sizes_offered_there(pydo_client):
    regions = {r["slug"]: r for r in pydo_client.regions.list()["regions"]}
    assert {"nyc2", "tor1", "atl1", "ams3"} <= set(regions)
    for size in pydo_client.sizes.list(per_page=200)["sizes"]:
        for slug in size["regions"]:
            assert size["slug"] in regions[slug]["sizes"]
    assert "gpu-mi300x1-192gb" not in regions["nyc2"]["sizes"]


def test_droplets_create_get_list_by_tag_and_delete(sim, pydo_client):
    tagged = _create(pydo_client, name="gpu-1", tags=["gpuforge", "team-a"])
    _create(pydo_client, name="web-1", size="s-1vcpu-1gb", image="ubuntu-24-04-x64")
    got = pydo_client.droplets.get(tagged["id"])["droplet"]
    assert (got["name"], got["size_slug"], got["region"]["slug"], got["tags"]) == (
        "gpu-1",
        "gpu-h100x1-80gb",
        "nyc2",
        ["gpuforge", "team-a"],
    )
    assert got["gpu_info"]["model"] == "nvidia_h100" and got["image"]["slug"] == "gpu-h100x1-base"
    assert [d["id"] for d in pydo_client.droplets.list(tag_name="gpuforge")["droplets"]] == [tagged["id"]]
    assert pydo_client.droplets.list()["meta"]["total"] == 2
    assert [d["name"] for d in pydo_client.droplets.list(type="gpus")["droplets"]] == ["gpu-1"]
    assert pydo_client.droplets.destroy(tagged["id"]) is None
    assert tagged["id"] not in sim.droplets
    assert pydo_client.droplets.get(tagged["id"])["id"] == "not_found"


def test_a_droplet_can_be_created_from_a_snapshot(sim, pydo_client):
    source = sim.add_droplet("gpu-1", region="tor1")
    snap = sim.add_snapshot(source["id"], name="gpu-1-snap")
    sim.delete_droplet_now(source["id"])
    restored = _create(pydo_client, name="gpu-1", region="tor1", image=int(snap["id"]))
    assert restored["image"]["id"] == int(snap["id"]) and restored["image"]["type"] == "snapshot"
    with pytest.raises(HttpResponseError, match="not available in the selected region") as elsewhere:
        _create(pydo_client, name="gpu-2", region="nyc2", image=int(snap["id"]))
    assert elsewhere.value.status_code == 422
    with pytest.raises(HttpResponseError, match="minimum disk size"):
        _create(pydo_client, name="tiny", size="s-1vcpu-1gb", region="tor1", image=int(snap["id"]))


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"size": "gpu-h100x9-720gb"}, "invalid size"),
        ({"size": "gpu-mi300x1-192gb", "region": "nyc2"}, "not available in this region"),
        ({"size": "gpu-h200x1-141gb"}, "not available in this region"),
        ({"image": "no-such-image"}, "invalid image"),
        ({"image": 999}, "invalid image"),
        ({"name": "bad name!"}, "Name is invalid"),
    ],
)
def test_invalid_droplets_are_refused_with_422(pydo_client, overrides, message):
    with pytest.raises(HttpResponseError, match=message) as refused:
        _create(pydo_client, **overrides)
    assert refused.value.status_code == 422


def test_tags_on_droplets_and_snapshots(sim, pydo_client):
    droplet = sim.add_droplet("gpu-1")
    snap = sim.add_snapshot(droplet["id"], name="gpu-1-snap")
    assert pydo_client.tags.create({"name": "keep"})["tag"]["name"] == "keep"
    pydo_client.tags.assign_resources(
        "keep",
        {
            "resources": [
                {"resource_id": str(droplet["id"]), "resource_type": "droplet"},
                {"resource_id": snap["id"], "resource_type": "image"},
            ]
        },
    )
    assert pydo_client.snapshots.get(snap["id"])["snapshot"]["tags"] == ["keep"]
    assert pydo_client.droplets.get(droplet["id"])["droplet"]["tags"] == ["keep"]
    assert [i["id"] for i in pydo_client.images.list(tag_name="keep")["images"]] == [int(snap["id"])]
    assert pydo_client.tags.get("keep")["tag"]["resources"]["count"] == 2
    seeded = sim.add_snapshot(droplet["id"], name="tagged", tags=["gpuforge"])
    assert pydo_client.snapshots.get(seeded["id"])["snapshot"]["tags"] == ["gpuforge"]
    assert pydo_client.tags.assign_resources("missing", {"resources": []})["id"] == "not_found"


def test_images_list_base_images_and_snapshots(sim, pydo_client):
    droplet = sim.add_droplet("gpu-1")
    snap = sim.add_snapshot(droplet["id"], name="gpu-1-snap")
    private = pydo_client.images.list(private=True)["images"]
    assert [(i["id"], i["type"]) for i in private] == [(int(snap["id"]), "snapshot")]
    slugs = {i["slug"] for i in pydo_client.images.list(type="distribution")["images"]}
    assert {"gpu-h100x1-base", "gpu-amd-base", "ubuntu-24-04-x64"} <= slugs
    assert pydo_client.images.get("gpu-amd-base")["image"]["public"] is True


def test_firewalls_create_get_delete(sim, pydo_client):
    droplet = sim.add_droplet("gpu-1")
    rules = {
        "inbound_rules": [{"protocol": "tcp", "ports": "22", "sources": {"addresses": ["0.0.0.0/0"]}}],
        "outbound_rules": [{"protocol": "udp", "ports": "53", "destinations": {"addresses": ["0.0.0.0/0"]}}],
    }
    created = pydo_client.firewalls.create({"name": "gpu-1-fw", "droplet_ids": [droplet["id"]], **rules})["firewall"]
    got = pydo_client.firewalls.get(created["id"])["firewall"]
    assert got["droplet_ids"] == [droplet["id"]] and got["inbound_rules"] == rules["inbound_rules"]
    assert pydo_client.firewalls.delete(created["id"]) is None
    assert pydo_client.firewalls.get(created["id"])["id"] == "not_found"
    assert pydo_client.firewalls.create({"name": "x", "droplet_ids": [1]})["id"] == "bad_request"


def test_ssh_keys_are_listed(sim, pydo_client):
    added = sim.add_ssh_key("laptop")
    keys = pydo_client.ssh_keys.list()["ssh_keys"]
    assert [k["name"] for k in keys] == ["gpuforge-sim", "laptop"]
    assert keys[1] == added and added["public_key"].startswith("ssh-ed25519 ")
    assert len(added["fingerprint"].split(":")) == 16


def test_seeded_droplets_default_to_a_region_and_base_image_of_their_size(sim):
    amd = sim.add_droplet("amd-1", size="gpu-mi300x1-192gb")
    assert (amd["region"]["slug"], amd["image"]["slug"]) == ("atl1", "gpu-amd-base")
    with pytest.raises(ValueError):
        sim.add_droplet("nope", size="gpu-nothing")


def test_another_teams_token_sees_its_own_account_and_none_of_our_droplets() -> None:
    """A token belongs to one team: under another team's token our droplet is a 404, as on DigitalOcean."""
    from dosim import Simulator
    from dosim.testing import make_pydo_client

    with Simulator(rate_limiting=False) as sim:
        droplet = sim.add_droplet(name="gpu-dev")
        other = sim.add_team("other-team-token", "Personal")
        ours = make_pydo_client(sim).account.get()["account"]["team"]
        theirs = make_pydo_client(sim, "other-team-token")
        assert theirs.account.get()["account"]["team"] == other != ours == sim.team
        assert theirs.droplets.get(droplet["id"]).get("id") == "not_found"
        assert make_pydo_client(sim).droplets.get(droplet["id"])["droplet"]["id"] == droplet["id"]
