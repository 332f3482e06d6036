"""Every route's answers, successes and errors, checked against DigitalOcean's OpenAPI spec.

A scenario drives every route through pydo (raw HTTP only where pydo cannot: no token); a response
hook captures each exchange, and openapi-core validates its status, headers and body.
"""

from __future__ import annotations

import contextlib
import json
import re
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from azure.core.exceptions import HttpResponseError
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from dosim import ManualClock, Simulator
from dosim.routing import RoutePattern
from dosim.testing import make_pydo_client

# Vendored from DigitalOcean's public OpenAPI specification (Apache-2.0): see do-openapi/README.md.
SPEC_PATH = Path(__file__).resolve().parent / "do-openapi/digitalocean-openapi-subset.yaml"
SPEC_HOST = "https://api.digitalocean.com"
# Served by the simulator but absent from the spec subset: only their status is checked.
NOT_IN_SPEC = {"GET /v2/tags/{tag}", "POST /v2/tags/{tag}/resources"}
ROUTES = Simulator().routes


def _patch(node: Any) -> None:
    """Two known defects of the subset, fixed where they occur.

    - The droplet status enum reads `[new, active, false, archive]`: upstream's `off`, turned
      into a boolean by a YAML 1.1 round-trip.
    - The image region enum predates atl1 (DigitalOcean's Atlanta GPU region).
    """
    if isinstance(node, dict):
        enum = node.get("enum")
        if isinstance(enum, list) and "active" in enum and False in enum:
            enum[enum.index(False)] = "off"
        if isinstance(enum, list) and "nyc2" in enum and "atl1" not in enum:
            enum.append("atl1")
        for value in node.values():
            _patch(value)
    elif isinstance(node, list):
        for value in node:
            _patch(value)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(SPEC_PATH.read_text(), Loader=yaml.CSafeLoader)
    _patch(loaded)
    return loaded


@pytest.fixture(scope="module")
def openapi(spec: dict[str, Any]) -> OpenAPI:
    return OpenAPI.from_dict(spec)


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    query: dict[str, str]
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def route(self) -> str:
        return next(r for r in ROUTES if RoutePattern(r).match(self.method, self.path) is not None)


def _raw(sim: Simulator, method: str, path: str, token: str | None) -> Exchange:
    """One request without pydo (pydo always sends a token)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(sim.url + path, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as answer:
            status, got, body = answer.status, dict(answer.headers), answer.read()
    except HTTPError as error:
        status, got, body = error.code, dict(error.headers), error.read()
    return Exchange(method, path, {}, status, {k.lower(): v for k, v in got.items()}, body)


def _scenario(sim: Simulator, clock: ManualClock) -> list[Exchange]:
    """Exercise every route, with its success and its error answers."""
    captured: list[Exchange] = []

    def hook(response: Any) -> None:
        request, answer = response.http_request, response.http_response
        url = urlsplit(request.url)
        captured.append(
            Exchange(
                request.method,
                url.path,
                dict(parse_qsl(url.query)),
                answer.status_code,
                {k.lower(): v for k, v in answer.headers.items()},
                answer.body(),
            )
        )

    do = make_pydo_client(sim, raw_response_hook=hook, retry_total=0)
    read_only = make_pydo_client(sim, sim.read_only_token, raw_response_hook=hook, retry_total=0)
    wrong = make_pydo_client(sim, "not-a-token", raw_response_hook=hook, retry_total=0)
    sim.add_team("other-team-token", "Personal")
    other_team = make_pydo_client(sim, "other-team-token", raw_response_hook=hook, retry_total=0)

    def run(*calls: Callable[[], Any]) -> None:
        """Some error answers raise in pydo, others come back as bodies: the hook has them either way."""
        for call in calls:
            with contextlib.suppress(HttpResponseError):
                call()

    run(
        do.account.get,
        do.ssh_keys.list,
        lambda: do.sizes.list(per_page=200),
        do.regions.list,
        lambda: do.tags.create({"name": "gpuforge"}),
    )
    gone = sim.add_droplet("gone-1", region="tor1")
    old_id = int(sim.add_snapshot(gone["id"], name="gone-1-before", tags=["gpuforge"])["id"])
    sim.delete_droplet_now(gone["id"])
    droplet_id = do.droplets.create(
        {"name": "gpu-1", "size": "gpu-h100x1-80gb", "region": "nyc2", "image": "gpu-h100x1-base", "tags": ["gpuforge"]}
    )["droplet"]["id"]
    run(
        lambda: do.droplets.create(
            {"names": ["s-1", "s-2"], "size": "s-1vcpu-1gb", "region": "ams3", "image": "ubuntu-24-04-x64"}
        ),
        lambda: do.droplets.create(
            {"name": "x", "size": "gpu-h100x1-80gb", "region": "sfo3", "image": "gpu-h100x1-base"}
        ),  # 422: not in that region
        lambda: do.droplets.create({"name": "bad name!", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"}),
        lambda: do.droplet_actions.post(droplet_id, {"type": "snapshot"}),
    )  # 422: locked by its create action
    clock.advance(60)
    action_id = do.droplet_actions.post(droplet_id, {"type": "snapshot", "name": "gpu-1-snap"})["action"]["id"]
    run(lambda: do.actions.get(action_id), lambda: do.droplet_actions.get(droplet_id, action_id))
    clock.advance(600)
    run(
        lambda: do.actions.get(action_id),
        do.actions.list,
        lambda: do.droplet_actions.list(droplet_id),
        lambda: do.droplet_actions.post(droplet_id, {"type": "power_off"}),
    )
    clock.advance(10)
    snap_id = do.droplets.list_snapshots(droplet_id)["snapshots"][0]["id"]
    firewall_id = do.firewalls.create(
        {
            "name": "gpu-1-fw",
            "droplet_ids": [droplet_id],
            "inbound_rules": [{"protocol": "tcp", "ports": "22", "sources": {"addresses": ["0.0.0.0/0"]}}],
            "outbound_rules": [
                {"protocol": "tcp", "ports": "all", "destinations": {"addresses": ["0.0.0.0/0", "::/0"]}}
            ],
        }
    )["firewall"]["id"]
    run(
        lambda: do.droplets.get(droplet_id),
        lambda: do.droplets.list(tag_name="gpuforge"),
        lambda: do.droplets.list(type="gpus"),
        lambda: do.tags.assign_resources(
            "gpuforge", {"resources": [{"resource_id": str(snap_id), "resource_type": "image"}]}
        ),
        lambda: do.tags.get("gpuforge"),
        do.tags.list,
        lambda: do.snapshots.list(resource_type="droplet", per_page=1, page=2),
        lambda: do.snapshots.get(snap_id),
        lambda: do.images.list(private=True),
        lambda: do.images.list(type="distribution"),
        lambda: do.images.get(snap_id),
        lambda: do.images.get("gpu-h100x1-base"),
        lambda: do.droplets.create(
            {"name": "gpu-restored", "size": "gpu-h100x1-80gb", "region": "tor1", "image": old_id}
        ),
        lambda: do.firewalls.get(firewall_id),
        do.firewalls.list,
        lambda: do.firewalls.create({"name": "-bad"}),  # 400
        lambda: do.tags.create({"name": "not a tag"}),  # 400
        lambda: do.firewalls.delete(firewall_id),
        lambda: do.firewalls.get(firewall_id),  # 404 from here on
        lambda: do.snapshots.delete(snap_id),
        lambda: do.snapshots.get(snap_id),
        lambda: do.images.delete(old_id),
        lambda: do.images.get(old_id),
        lambda: do.images.delete(old_id),
        lambda: do.tags.get("nothing"),
        lambda: do.tags.assign_resources("nothing", {"resources": []}),
        lambda: do.droplet_actions.get(droplet_id, 1),
        lambda: do.actions.get(1),
        lambda: do.droplets.list_snapshots(1),
        lambda: do.droplet_actions.list(1),
        lambda: do.droplet_actions.post(1, {"type": "power_on"}),
        lambda: do.droplets.destroy(droplet_id),
        lambda: do.droplets.get(droplet_id),
        lambda: do.droplets.destroy(droplet_id),
        read_only.droplets.list,
        lambda: read_only.droplet_actions.post(droplet_id, {"type": "snapshot"}),  # 403
        lambda: read_only.snapshots.delete(1),  # 403
        wrong.account.get,  # 401
        other_team.account.get,  # another team's account
        lambda: other_team.droplets.get(droplet_id),  # 404: the droplet is not in that team
    )
    captured.append(_raw(sim, "GET", "/v2/droplets", token=None))  # 401 without a token
    return captured


def _rate_limited() -> list[Exchange]:
    """429 from the rate limiter, on a simulator that allows one request a minute."""
    with Simulator(ManualClock(), rate_limit_per_minute=1) as sim:
        return [_raw(sim, "GET", "/v2/account", sim.token), _raw(sim, "GET", "/v2/account", sim.token)]


@pytest.fixture(scope="module")
def exchanges() -> list[Exchange]:
    clock = ManualClock()
    with Simulator(clock, rate_limiting=False) as sim:
        return _scenario(sim, clock) + _rate_limited()


def test_the_scenario_exercises_every_route_and_error(exchanges: list[Exchange]) -> None:
    assert {e.route for e in exchanges} == set(ROUTES)
    assert {200, 201, 202, 204, 400, 401, 403, 404, 422, 429} <= {e.status for e in exchanges}


@pytest.mark.parametrize("route", ROUTES)
def test_answers_match_the_spec(route: str, exchanges: list[Exchange], openapi: OpenAPI) -> None:
    mine = [e for e in exchanges if e.route == route]
    assert mine, f"{route} was not exercised"
    for e in mine:
        assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= set(e.headers)
        if route in NOT_IN_SPEC:
            assert e.status in (201, 204, 200, 404, 422)
            continue
        request = MockRequest(SPEC_HOST, e.method, e.path, args=e.query)
        response = MockResponse(e.body, e.status, e.headers, "application/json" if e.body else "")
        try:
            openapi.validate_response(request, response)
        except Exception as error:  # noqa: BLE001 -- show which answer failed, and why
            detail = getattr(error, "__cause__", None) or error
            pytest.fail(f"{e.method} {e.path} -> {e.status}: {error!r}\n{detail}\n{json.loads(e.body or b'null')}")


def test_routes_outside_the_spec_are_really_outside_it(spec: dict[str, Any]) -> None:
    shapes = {re.sub(r"\{\w+\}", "{}", path) for path in spec["paths"]}
    assert all(re.sub(r"\{\w+\}", "{}", route.split(" ")[1]) not in shapes for route in NOT_IN_SPEC)
