"""Snapshots: pagination over more than a thousand, filters, get and delete."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

TOTAL = 1234


@pytest.fixture
def many(sim):
    droplet = sim.add_droplet("gpu-1")
    ids = [sim.add_snapshot(droplet["id"], name=f"gpu-1-{n:04d}")["id"] for n in range(TOTAL)]
    return droplet, ids


def test_paging_through_more_than_a_thousand_snapshots(pydo_client, many):
    _, ids = many
    seen, page, pages = [], 1, []
    while True:
        answer = pydo_client.snapshots.list(per_page=200, page=page, resource_type="droplet")
        assert answer["meta"]["total"] == TOTAL
        seen += [s["id"] for s in answer["snapshots"]]
        pages.append(answer["links"]["pages"])
        if "next" not in answer["links"]["pages"]:
            break
        page = int(parse_qs(urlsplit(answer["links"]["pages"]["next"]).query)["page"][0])
    assert seen == ids and len(pages) == 7
    assert "first" not in pages[0] and "prev" not in pages[0]
    assert set(pages[3]) == {"first", "prev", "next", "last"}
    last = parse_qs(urlsplit(pages[0]["last"]).query)
    assert last == {"page": ["7"], "per_page": ["200"], "resource_type": ["droplet"]}


def test_per_page_is_capped_at_200_and_defaults_to_20(pydo_client, many):
    assert len(pydo_client.snapshots.list(per_page=500)["snapshots"]) == 200
    assert len(pydo_client.snapshots.list()["snapshots"]) == 20
    assert len(pydo_client.snapshots.list(per_page=200, page=7)["snapshots"]) == TOTAL - 6 * 200
    assert pydo_client.snapshots.list(per_page=200, page=8)["snapshots"] == []


def test_the_droplets_own_snapshot_list_pages_too(pydo_client, many):
    droplet, ids = many
    answer = pydo_client.droplets.list_snapshots(droplet["id"], per_page=200, page=2)
    assert [s["id"] for s in answer["snapshots"]] == [int(i) for i in ids[200:400]]
    assert answer["meta"]["total"] == TOTAL


def test_volume_snapshots_are_none(pydo_client, many):
    assert pydo_client.snapshots.list(resource_type="volume") == {
        "snapshots": [],
        "links": {"pages": {}},
        "meta": {"total": 0},
    }


def test_get_by_string_or_int_id_and_delete(sim, pydo_client):
    droplet = sim.add_droplet("gpu-1")
    snap = sim.add_snapshot(
        droplet["id"], name="gpu-1-snapshot-20261126-101500", created_at="2026-11-26T10:15:00Z", size_gigabytes=42.5
    )
    for ref in (snap["id"], int(snap["id"])):
        got = pydo_client.snapshots.get(ref)["snapshot"]
        assert (got["created_at"], got["size_gigabytes"]) == ("2026-11-26T10:15:00Z", 42.5)
    assert pydo_client.snapshots.delete(snap["id"]) is None
    assert pydo_client.snapshots.get(snap["id"])["id"] == "not_found"
    assert pydo_client.droplets.get(droplet["id"])["droplet"]["snapshot_ids"] == []
    assert pydo_client.images.list(private=True)["images"] == []


def test_snapshots_of_droplets_that_are_gone(sim, pydo_client):
    old = sim.add_snapshot(
        droplet_id=123, droplet_name="gpu-old", regions=["tor1"], min_disk_size=2046, created_at=1_700_000_000.0
    )
    got = pydo_client.snapshots.get(old["id"])["snapshot"]
    assert got["name"] == "gpu-old-1700000000" and got["resource_id"] == "123"
    assert got["regions"] == ["tor1"] and got["min_disk_size"] == 2046 and got["size_gigabytes"] > 0
