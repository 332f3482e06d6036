"""`Simulator`: the public face of dosim — state, faults, limits and log behind one HTTP server."""

from __future__ import annotations

import calendar
import hashlib
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from dosim.app import App
from dosim.catalog import SIZES_BY_SLUG
from dosim.clock import Clock, RealClock
from dosim.faults import Faults
from dosim.handlers import build_router
from dosim.handlers.account import ACCOUNT
from dosim.ratelimit import RateLimiter
from dosim.requestlog import RequestLog, RequestRecord
from dosim.server import SimHTTPServer
from dosim.state import Duration, State
from dosim.views import action_view, firewall_view, snapshot_view, ssh_key_view

JSON = dict[str, Any]


def default_image(size: str) -> str:
    """The base image DigitalOcean suggests for a size."""
    if size.startswith("gpu-mi300"):
        return "gpu-amd-base"
    if size.startswith("gpu-h100x8"):
        return "gpu-h100x8-base"
    return "gpu-h100x1-base" if size.startswith("gpu-") else "ubuntu-24-04-x64"


class Simulator:
    """A stateful DigitalOcean API v2 on 127.0.0.1, driven by `clock`.

    Seeding helpers (`add_*`, `delete_droplet_now`) and the read-only views (`droplets`, `snapshots`,
    `actions`, `firewalls`: dicts keyed by id, values as the API shows them) work whether or not the
    server is started.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        token: str = "sim-token",
        read_only_token: str | None = "sim-ro-token",
        rate_limit_per_minute: int = 250,
        rate_limit_per_hour: int = 5000,
        rate_limiting: bool = True,
        durations: Mapping[str, Duration] | None = None,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.clock: Clock = clock or RealClock()
        self.token = token
        self.read_only_token = read_only_token
        self.host, self.port = host, port
        self._state = State(self.clock, durations, lambda kind: self.faults.action_outcome(kind), seed)
        self.faults = Faults(seed, self._schedule_vanish)
        self.rate_limiter = RateLimiter(self.clock, rate_limit_per_minute, rate_limit_per_hour, rate_limiting)
        self.log = RequestLog()
        self._app = App(self._state, self.faults, self.rate_limiter, self.log, build_router(), token, read_only_token)
        self._server: SimHTTPServer | None = None

    # lifecycle

    def start(self) -> Simulator:
        """Listen (on `port`, or a free one) and serve in a background thread."""
        if self._server is None:
            self._server = SimHTTPServer(self.host, self.port, self._app)
            self.port = self._server.server_address[1]
            self._app.base_url = self.url
            threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"dosim:{self.port}",
                daemon=True,
            ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>`, the endpoint to give pydo."""
        return f"http://{self.host}:{self.port}"

    @property
    def routes(self) -> list[str]:
        """Every route served, as `"METHOD /v2/path/{param}"`."""
        return self._app.router.routes

    # seeding

    def add_droplet(
        self,
        name: str,
        size: str = "gpu-h100x1-80gb",
        region: str | None = None,
        image: str | int | None = None,
        status: str = "active",
        tags: list[str] | None = None,
    ) -> JSON:
        """Create a droplet directly (as the API shows it). Without `region`, the size's first one;
        without `image`, the size's usual base image; `status="new"` starts a `create` action."""
        if size not in SIZES_BY_SLUG:
            raise ValueError(f"unknown size {size!r}")
        with self._state.session() as state:
            droplet = state.create_droplet(name, size, region, image or default_image(size), tags, status)
            return state.view(droplet)

    def add_snapshot(
        self,
        droplet_id: int | None = None,
        name: str | None = None,
        created_at: str | float | None = None,
        size_gigabytes: float | None = None,
        tags: list[str] | None = None,
        droplet_name: str | None = None,
        regions: list[str] | None = None,
        min_disk_size: int | None = None,
    ) -> JSON:
        """Seed a finished snapshot (as `/v2/snapshots` shows it) of a droplet, existing or not.

        For a droplet that exists, regions, disk and size come from it unless given; otherwise
        pass `droplet_name` (for the default name), `regions` and `min_disk_size`.
        """
        with self._state.session() as state:
            droplet = state.droplets.get(droplet_id) if droplet_id is not None else None
            when = self.clock.now() if created_at is None else _epoch(created_at)
            source = droplet.name if droplet else droplet_name or "droplet"
            snap = state.add_snapshot(
                droplet_id, name or f"{source}-{int(when)}", when, size_gigabytes, tags or [], regions, min_disk_size
            )
            return snapshot_view(snap)

    def add_ssh_key(self, name: str, public_key: str | None = None) -> JSON:
        """Register an SSH key (a made-up ed25519 one unless `public_key` is given)."""
        with self._state.session() as state:
            return ssh_key_view(state.add_ssh_key(name, public_key))

    def add_firewall(self, name: str, droplet_ids: list[int], inbound_rules: list[JSON] | None = None) -> JSON:
        """Create a firewall directly (as `POST /v2/firewalls` would), applied to `droplet_ids`."""
        rules = (
            inbound_rules
            if inbound_rules is not None
            else [{"protocol": "tcp", "ports": "22", "sources": {"addresses": ["0.0.0.0/0", "::/0"]}}]
        )
        with self._state.session() as state:
            return firewall_view(
                state.create_firewall({"name": name, "droplet_ids": droplet_ids, "inbound_rules": rules})
            )

    def set_firewall_droplets(self, firewall_id: str, droplet_ids: list[int]) -> None:
        """Apply a firewall to exactly `droplet_ids` (as the provider's update of `droplet_ids` does)."""
        with self._state.session() as state:
            state.firewall(firewall_id).droplet_ids = list(droplet_ids)

    def delete_firewall_now(self, firewall_id: str) -> None:
        """Delete a firewall directly (as `DELETE /v2/firewalls/{id}` would)."""
        with self._state.session() as state:
            state.firewalls.pop(firewall_id, None)

    def add_team(self, token: str, name: str, uuid: str | None = None) -> JSON:
        """A token of another team: its own, empty account (a droplet of this simulator's team is a 404
        there, as on DigitalOcean), and `GET /v2/account` naming that team. Returns the team."""
        team = {"uuid": uuid or hashlib.md5(f"{token}/{name}".encode()).hexdigest(), "name": name}
        other = State(self.clock, self._state.durations, self._state.outcome_for)
        other.team = team
        self._app.team_states[token] = other
        return dict(team)

    @property
    def team(self) -> JSON:
        """The team of `token` and `read_only_token`, as `GET /v2/account` shows it."""
        return dict(self._state.team or ACCOUNT["team"])

    def delete_droplet_now(self, droplet_id: int) -> None:
        """Make a droplet vanish: from now on it is a 404, its running actions end `errored`."""
        with self._state.session() as state:
            state.vanish(droplet_id)

    def _schedule_vanish(self, droplet_id: int, at: float) -> None:
        with self._state.lock:
            self._state.schedule_vanish(droplet_id, at)

    # reading

    @property
    def droplets(self) -> dict[int, JSON]:
        with self._state.session() as state:
            return {i: state.view(d) for i, d in state.droplets.items()}

    @property
    def snapshots(self) -> dict[int, JSON]:
        with self._state.session() as state:
            return {i: snapshot_view(s) for i, s in state.snapshots.items()}

    @property
    def actions(self) -> dict[int, JSON]:
        with self._state.session() as state:
            return {i: action_view(a) for i, a in state.actions.items()}

    @property
    def firewalls(self) -> dict[str, JSON]:
        with self._state.session() as state:
            return {i: firewall_view(f) for i, f in state.firewalls.items()}

    @property
    def requests(self) -> list[RequestRecord]:
        return self.log.records()

    def find_requests(
        self,
        method: str | None = None,
        route: str | None = None,
        body_type: str | None = None,
        status: int | None = None,
    ) -> list[RequestRecord]:
        """Logged requests matching every filter given (`route` like `/v2/droplets/{id}/actions`)."""
        return self.log.find(method, route, body_type, status)

    def count(
        self,
        method: str | None = None,
        route: str | None = None,
        body_type: str | None = None,
        status: int | None = None,
    ) -> int:
        """How many logged requests match, e.g. `count("POST", "/v2/droplets/{id}/actions", body_type="snapshot")`."""
        return len(self.find_requests(method, route, body_type, status))


def _epoch(value: str | float) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    return float(calendar.timegm(time.strptime(value.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S%z")))
