"""Fault injection through pydo: every kind, scripted and seeded, and how pydo's retries meet them."""

from __future__ import annotations

import contextlib
import time

import pytest
from azure.core.exceptions import HttpResponseError, ServiceResponseError

from dosim import ManualClock, Simulator
from dosim.testing import make_pydo_client

ACTIONS = "POST /v2/droplets/{id}/actions"


@pytest.fixture
def droplet(sim):
    return sim.add_droplet("gpu-1")


@pytest.mark.parametrize(
    "kind, body_id",
    [("500", "server_error"), ("502", "bad_gateway"), ("503", "service_unavailable"), ("429", "too_many_requests")],
)
def test_scripted_error_answers(sim, droplet, kind, body_id):
    client = make_pydo_client(sim, retry_total=0)
    sim.faults.add(kind, "GET /v2/droplets/{id}", times=2, retry_after=7)
    for _ in range(2):
        with pytest.raises(HttpResponseError) as failed:
            client.droplets.get(droplet["id"])
        assert failed.value.status_code == int(kind) and failed.value.response.json()["id"] == body_id
        assert "ratelimit-remaining" in failed.value.response.headers
        assert (failed.value.response.headers.get("retry-after") == "7") == (kind == "429")
    assert client.droplets.get(droplet["id"])["droplet"]["id"] == droplet["id"]
    assert [(r.status, r.fault) for r in sim.requests] == [(int(kind), kind)] * 2 + [(200, None)]


def test_pydo_retries_a_get_through_5xx_and_429(sim, pydo_client, droplet):
    sim.faults.add("503", "GET /v2/droplets/{id}", times=2)
    sim.faults.add("429", "GET /v2/droplets/{id}", times=1, retry_after=0)
    assert pydo_client.droplets.get(droplet["id"])["droplet"]["status"] == "active"
    assert [r.status for r in sim.requests] == [503, 503, 429, 200]


def test_pydo_repeats_a_post_after_500_but_not_after_502(sim, pydo_client, droplet, manual_clock):
    sim.faults.add("500", ACTIONS, times=1)
    pydo_client.droplet_actions.post(droplet["id"], {"type": "power_off"})
    assert [r.status for r in sim.find_requests("POST", ACTIONS)] == [500, 201]
    manual_clock.advance(2)
    sim.faults.add("502", ACTIONS, times=1)
    with pytest.raises(HttpResponseError) as failed:
        pydo_client.droplet_actions.post(droplet["id"], {"type": "power_on"})
    assert failed.value.status_code == 502 and sim.count("POST", ACTIONS, body_type="power_on") == 1


def test_an_applied_post_whose_answer_is_lost_is_not_safe_to_repeat(sim, pydo_client, droplet):
    """The snapshot starts, the 500 reaches pydo, pydo posts again: the droplet is locked (422)."""
    sim.faults.add("500", ACTIONS, times=1, applied=True)
    with pytest.raises(HttpResponseError) as failed:
        pydo_client.droplet_actions.post(droplet["id"], {"type": "snapshot"})
    assert failed.value.status_code == 422
    assert sim.count("POST", ACTIONS, body_type="snapshot") == 2
    assert [a["type"] for a in sim.actions.values()] == ["snapshot"]


def test_a_dropped_connection(sim, droplet):
    client = make_pydo_client(sim, retry_total=0)
    sim.faults.add("drop", "GET /v2/droplets/{id}")
    with pytest.raises(ServiceResponseError):
        client.droplets.get(droplet["id"])
    assert sim.requests[-1].status is None and sim.requests[-1].fault == "drop"
    sim.faults.add("drop", "GET /v2/droplets/{id}")
    assert make_pydo_client(sim, retry_backoff_factor=0).droplets.get(droplet["id"])["droplet"]
    assert [r.status for r in sim.requests] == [None, None, 200]


def test_a_dropped_post_may_have_been_applied(sim, droplet):
    client = make_pydo_client(sim, retry_total=0)
    sim.faults.add("drop", ACTIONS, applied=True)
    with pytest.raises(ServiceResponseError):
        client.droplet_actions.post(droplet["id"], {"type": "snapshot"})
    assert sim.droplets[droplet["id"]]["locked"] is True


def test_a_slow_answer_takes_real_time_not_simulated_time(sim, pydo_client, manual_clock):
    sim.faults.add("slow", "GET /v2/account", delay=0.3)
    before, started = manual_clock.now(), time.monotonic()
    assert pydo_client.account.get()["account"]
    assert time.monotonic() - started >= 0.3 and manual_clock.now() == before
    started = time.monotonic()
    pydo_client.account.get()
    assert time.monotonic() - started < 0.3


def test_an_action_that_ends_errored(sim, pydo_client, droplet, manual_clock):
    sim.faults.add("action_errored", action_type="snapshot")
    action = pydo_client.droplet_actions.post(droplet["id"], {"type": "snapshot"})["action"]
    assert action["status"] == "in-progress"
    manual_clock.advance(600)
    assert pydo_client.actions.get(action["id"])["action"]["status"] == "errored"
    assert sim.snapshots == {} and sim.droplets[droplet["id"]]["locked"] is False
    again = pydo_client.droplet_actions.post(droplet["id"], {"type": "snapshot"})["action"]
    manual_clock.advance(600)
    assert pydo_client.actions.get(again["id"])["action"]["status"] == "completed"


def test_an_action_that_never_completes(sim, pydo_client, droplet, manual_clock):
    sim.faults.add("action_stuck", action_type="shutdown")
    action = pydo_client.droplet_actions.post(droplet["id"], {"type": "shutdown"})["action"]
    manual_clock.advance(30 * 86_400)
    assert pydo_client.actions.get(action["id"])["action"]["status"] == "in-progress"
    with pytest.raises(HttpResponseError) as locked:
        pydo_client.droplet_actions.post(droplet["id"], {"type": "power_off"})
    assert locked.value.status_code == 422
    assert sim.droplets[droplet["id"]]["status"] == "active"


def test_a_droplet_that_vanishes_after_some_requests(sim, pydo_client, droplet, manual_clock):
    action = pydo_client.droplet_actions.post(droplet["id"], {"type": "snapshot"})["action"]
    sim.faults.add("droplet_vanishes", droplet_id=droplet["id"], after_requests=2)
    assert pydo_client.droplets.get(droplet["id"])["droplet"]["locked"] is True
    assert pydo_client.actions.get(action["id"])["action"]["status"] == "in-progress"
    assert pydo_client.droplets.get(droplet["id"])["id"] == "not_found"
    assert pydo_client.actions.get(action["id"])["action"]["status"] == "errored"
    manual_clock.advance(600)
    assert sim.snapshots == {}


def test_a_droplet_that_vanishes_at_a_time(sim, pydo_client, droplet, manual_clock):
    sim.faults.add("droplet_vanishes", droplet_id=droplet["id"], at_time=manual_clock.now() + 60)
    manual_clock.advance(59)
    assert pydo_client.droplets.get(droplet["id"])["droplet"]
    manual_clock.advance(1)
    assert pydo_client.droplets.get(droplet["id"])["id"] == "not_found"
    assert pydo_client.droplet_actions.post(droplet["id"], {"type": "snapshot"})["id"] == "not_found"


def _statuses(seed: int, probability: float, n: int = 200) -> list[int | None]:
    with Simulator(ManualClock(), rate_limiting=False, seed=seed) as sim:
        sim.faults.add("500", "GET /v2/regions", probability=probability)
        client = make_pydo_client(sim, retry_total=0)
        for _ in range(n):
            with contextlib.suppress(HttpResponseError):
                client.regions.list()
        return [r.status for r in sim.requests]


def test_probabilistic_faults_are_seeded():
    first = _statuses(seed=7, probability=0.3)
    assert first == _statuses(seed=7, probability=0.3)
    assert first != _statuses(seed=8, probability=0.3)
    assert 0.2 < first.count(500) / len(first) < 0.4


def test_routes_match_by_method_and_shape_and_rules_can_be_cleared(sim, pydo_client, droplet):
    client = make_pydo_client(sim, retry_total=0)
    sim.faults.add("503", "/v2/droplets/{id}", probability=1.0)  # any method
    client.droplets.list()
    with pytest.raises(HttpResponseError):
        client.droplets.get(droplet["id"])
    with pytest.raises(HttpResponseError):
        client.droplets.destroy(droplet["id"])
    sim.faults.clear()
    assert client.droplets.get(droplet["id"])["droplet"]
    everything = sim.faults.add("502", times=2)  # no route: any request
    with pytest.raises(HttpResponseError):
        client.account.get()
    with pytest.raises(HttpResponseError):
        client.sizes.list()
    assert everything.fired == 2 and client.account.get()["account"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "418"},
        {"kind": "500", "probability": 1.5},
        {"kind": "droplet_vanishes"},
        {"kind": "droplet_vanishes", "droplet_id": 1, "after_requests": 1, "at_time": 5.0},
        {"kind": "droplet_vanishes", "droplet_id": 1, "after_requests": 0},
    ],
)
def test_bad_fault_rules_are_refused(sim, kwargs):
    with pytest.raises(ValueError):
        sim.faults.add(**kwargs)
