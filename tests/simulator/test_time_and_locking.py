"""The time model (lazy, clock-driven action ends), locking, and droplet status changes."""

from __future__ import annotations

import threading
import time

import pydo
import pytest
from azure.core.exceptions import HttpResponseError

from dosim import ManualClock, RealClock, Simulator
from dosim.testing import make_pydo_client


def _post(client: pydo.Client, droplet_id: int, kind: str, **params: str) -> dict:
    return client.droplet_actions.post(droplet_id, {"type": kind, **params})["action"]


def test_snapshot_takes_its_duration_then_exists_everywhere(sim, pydo_client, manual_clock):
    droplet = sim.add_droplet("gpu-1", size="gpu-h100x1-80gb", region="tor1")
    start = manual_clock.now()
    action = _post(pydo_client, droplet["id"], "snapshot", name="gpu-1-snap")
    assert (action["status"], action["type"], action["resource_id"], action["region_slug"]) == (
        "in-progress",
        "snapshot",
        droplet["id"],
        "tor1",
    )
    manual_clock.advance(599.0)
    assert pydo_client.actions.get(action["id"])["action"]["status"] == "in-progress"
    assert pydo_client.droplets.list_snapshots(droplet["id"])["snapshots"] == []
    manual_clock.advance(1.0)
    done = pydo_client.actions.get(action["id"])["action"]
    assert done["status"] == "completed"
    assert done["completed_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 600))

    [listed] = pydo_client.snapshots.list()["snapshots"]
    assert listed["name"] == "gpu-1-snap" and listed["resource_id"] == str(droplet["id"])
    assert listed["resource_type"] == "droplet" and listed["regions"] == ["tor1"]
    assert listed["min_disk_size"] == 720 and 0 < listed["size_gigabytes"] < 720
    assert pydo_client.droplets.get(droplet["id"])["droplet"]["snapshot_ids"] == [int(listed["id"])]
    [own] = pydo_client.droplets.list_snapshots(droplet["id"])["snapshots"]
    assert own["id"] == int(listed["id"]) and own["type"] == "snapshot"
    image = pydo_client.images.get(int(listed["id"]))["image"]
    assert image["type"] == "snapshot" and image["public"] is False
    assert action["started_at"] <= listed["created_at"] <= done["completed_at"]


def test_a_droplet_is_locked_while_an_action_runs(sim, pydo_client, manual_clock):
    droplet = sim.add_droplet("gpu-1")
    _post(pydo_client, droplet["id"], "snapshot")
    assert pydo_client.droplets.get(droplet["id"])["droplet"]["locked"] is True
    with pytest.raises(HttpResponseError) as refused:
        _post(pydo_client, droplet["id"], "power_off")
    assert refused.value.status_code == 422
    assert refused.value.response.json() == {
        "id": "unprocessable_entity",
        "message": "Droplet already has a pending event.",
    }
    manual_clock.advance(600)
    assert pydo_client.droplets.get(droplet["id"])["droplet"]["locked"] is False
    assert _post(pydo_client, droplet["id"], "power_off")["status"] == "in-progress"
    assert [a["type"] for a in pydo_client.droplet_actions.list(droplet["id"])["actions"]] == ["snapshot", "power_off"]


def test_power_actions_change_status_when_they_complete(sim, pydo_client, manual_clock):
    droplet = sim.add_droplet("gpu-1")

    def status() -> str:
        return pydo_client.droplets.get(droplet["id"])["droplet"]["status"]

    _post(pydo_client, droplet["id"], "shutdown")
    manual_clock.advance(4.9)
    assert status() == "active"
    manual_clock.advance(0.1)
    assert status() == "off"
    _post(pydo_client, droplet["id"], "snapshot")
    manual_clock.advance(600)
    assert status() == "off", "a snapshot leaves the status as it was"
    _post(pydo_client, droplet["id"], "power_on")
    manual_clock.advance(5)
    assert status() == "active"
    _post(pydo_client, droplet["id"], "power_off")
    manual_clock.advance(2)
    assert status() == "off"


def test_a_created_droplet_is_new_and_locked_until_its_create_action_ends(sim, pydo_client, manual_clock):
    answer = pydo_client.droplets.create(
        {"name": "gpu-1", "size": "gpu-h100x1-80gb", "region": "nyc2", "image": "gpu-h100x1-base"}
    )
    droplet, [link] = answer["droplet"], answer["links"]["actions"]
    assert (droplet["status"], droplet["locked"]) == ("new", True)
    assert pydo_client.actions.get(link["id"])["action"]["type"] == "create"
    manual_clock.advance(30)
    after = pydo_client.droplets.get(droplet["id"])["droplet"]
    assert (after["status"], after["locked"]) == ("active", False)


def test_durations_can_depend_on_the_droplet_disk(manual_clock):
    with Simulator(manual_clock, rate_limiting=False, durations={"snapshot": lambda d: d["disk"] * 0.5}) as sim:
        client = make_pydo_client(sim)
        small = sim.add_droplet("small", size="s-1vcpu-1gb", region="nyc2")
        big = sim.add_droplet("big", size="gpu-h100x8-640gb", region="nyc2")
        quick, slow = (_post(client, d["id"], "snapshot")["id"] for d in (small, big))
        manual_clock.advance(12.5)
        assert [client.actions.get(a)["action"]["status"] for a in (quick, slow)] == ["completed", "in-progress"]
        manual_clock.advance(2046 * 0.5 - 12.5)
        assert client.actions.get(slow)["action"]["status"] == "completed"


def test_on_real_time_actions_end_by_themselves():
    with Simulator(RealClock(), rate_limiting=False, durations={"power_off": 0.2}) as sim:
        client = make_pydo_client(sim)
        droplet = sim.add_droplet("gpu-1")
        action = _post(client, droplet["id"], "power_off")
        assert client.actions.get(action["id"])["action"]["status"] == "in-progress"
        time.sleep(0.25)
        assert client.actions.get(action["id"])["action"]["status"] == "completed"


def test_manual_clock_sleep_advances_time_and_is_thread_safe():
    clock = ManualClock(start=100.0)
    clock.sleep(2.5)
    assert clock.now() == 102.5
    threads = [threading.Thread(target=lambda: [clock.advance(0.5) for _ in range(1000)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.now() == 102.5 + 4 * 1000 * 0.5
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_events_apply_in_time_order_even_when_read_late(sim, pydo_client, manual_clock):
    """A droplet that vanishes before its snapshot ends makes that snapshot fail, however late we look."""
    first, second = sim.add_droplet("gpu-1"), sim.add_droplet("gpu-2")
    start = manual_clock.now()
    doomed = _post(pydo_client, first["id"], "snapshot")
    kept = _post(pydo_client, second["id"], "snapshot")
    sim.faults.add("droplet_vanishes", droplet_id=first["id"], at_time=start + 300)
    sim.faults.add("droplet_vanishes", droplet_id=second["id"], at_time=start + 900)
    manual_clock.advance(3600)
    failed = pydo_client.actions.get(doomed["id"])["action"]
    assert failed["status"] == "errored"
    assert failed["completed_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 300))
    assert pydo_client.actions.get(kept["id"])["action"]["status"] == "completed"
    assert [s["resource_id"] for s in sim.snapshots.values()] == [str(second["id"])]
