"""Bearer tokens (401, read-only 403) and DigitalOcean-style rate limiting (headers, 429)."""

from __future__ import annotations

import json
import urllib.request
from urllib.error import HTTPError

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from dosim import ManualClock, Simulator
from dosim.testing import make_pydo_client


def test_a_missing_token_gets_401_with_digitaloceans_body(sim):
    with pytest.raises(HTTPError) as refused:
        urllib.request.urlopen(sim.url + "/v2/account")
    assert refused.value.code == 401
    assert json.loads(refused.value.read()) == {"id": "unauthorized", "message": "Unable to authenticate you"}
    assert refused.value.headers["ratelimit-limit"] == "5000"


def test_a_wrong_token_gets_401(sim):
    with pytest.raises(ClientAuthenticationError) as refused:
        make_pydo_client(sim, "not-the-token").droplets.list()
    assert refused.value.status_code == 401
    assert refused.value.response.json()["id"] == "unauthorized"


def test_a_read_only_token_reads_but_may_not_write(sim):
    droplet = sim.add_droplet("gpu-1")
    read_only = make_pydo_client(sim, sim.read_only_token)
    assert read_only.droplets.get(droplet["id"])["droplet"]["id"] == droplet["id"]
    with pytest.raises(HttpResponseError) as refused:
        read_only.droplet_actions.post(droplet["id"], {"type": "snapshot"})
    assert refused.value.status_code == 403 and refused.value.response.json()["id"] == "forbidden"
    assert sim.actions == {}


def _limited(clock: ManualClock, **limits: int) -> Simulator:
    return Simulator(clock, **limits)


def test_the_per_minute_limit(manual_clock):
    with _limited(manual_clock, rate_limit_per_minute=3, rate_limit_per_hour=100) as sim:
        client = make_pydo_client(sim, retry_total=0)
        remaining = []
        for _ in range(3):
            client.account.get(cls=lambda response, body, headers: remaining.append(headers["ratelimit-remaining"]))
        assert remaining == [99, 98, 97]
        manual_clock.advance(20)
        with pytest.raises(HttpResponseError) as refused:
            client.account.get()
        assert refused.value.status_code == 429
        assert refused.value.response.json() == {"id": "too_many_requests", "message": "API rate limit exceeded."}
        headers = refused.value.response.headers
        assert headers["retry-after"] == "40" and headers["ratelimit-remaining"] == "97"
        assert headers["ratelimit-reset"] == str(int(manual_clock.now() - 20 + 3600))
        manual_clock.advance(40)
        assert client.account.get()["account"]["status"] == "active"


def test_the_per_hour_limit(manual_clock):
    with _limited(manual_clock, rate_limit_per_minute=250, rate_limit_per_hour=5) as sim:
        client = make_pydo_client(sim, retry_total=0)
        for _ in range(5):
            client.regions.list()
            manual_clock.advance(60)
        with pytest.raises(HttpResponseError) as refused:
            client.regions.list()
        assert refused.value.response.headers["retry-after"] == str(3600 - 5 * 60)
        assert refused.value.response.headers["ratelimit-remaining"] == "0"
        manual_clock.advance(3600 - 5 * 60)
        assert client.regions.list()["regions"]


def test_the_defaults_are_digitaloceans(manual_clock):
    with Simulator(manual_clock) as sim:
        client = make_pydo_client(sim, retry_total=0)
        for _ in range(250):
            client.account.get()
        with pytest.raises(HttpResponseError) as refused:
            client.account.get()
        assert refused.value.status_code == 429
        assert refused.value.response.headers["ratelimit-limit"] == "5000"
        assert refused.value.response.headers["ratelimit-remaining"] == "4750"


def test_rate_limiting_can_be_switched_off(sim, pydo_client):
    assert not sim.rate_limiter.enabled
    for _ in range(300):
        pydo_client.account.get()
    assert sim.count("GET", "/v2/account", status=200) == 300
