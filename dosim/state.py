"""The simulated account: its records and how they change with time.

Nothing runs in the background: `settle()` applies, in time order, everything that the clock says
has happened since the last call (actions ending, droplets vanishing). Callers hold `lock` and call
`settle()` before reading or changing anything (`session()` does both).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import random
import re
import struct
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dosim import catalog
from dosim.clock import Clock
from dosim.errors import bad_request, int_id, not_found, unprocessable
from dosim.models import COMPLETED, ERRORED, Action, Droplet, Firewall, Snapshot, SshKey
from dosim.views import base_image_view, droplet_view, snapshot_image_view

Duration = float | Callable[[dict[str, Any]], float]
"""Seconds, or a function of the droplet (as the API shows it) giving seconds."""

DEFAULT_DURATIONS: dict[str, Duration] = {
    "create": 30.0,
    "snapshot": 600.0,
    "shutdown": 5.0,
    "power_off": 2.0,
    "power_on": 5.0,
    "reboot": 10.0,
    "power_cycle": 10.0,
}
ACTION_TYPES = frozenset({"snapshot", "shutdown", "power_off", "power_on", "reboot", "power_cycle"})
STATUS_AFTER = {
    "create": "active",
    "shutdown": "off",
    "power_off": "off",
    "power_on": "active",
    "reboot": "active",
    "power_cycle": "active",
}
SNAPSHOT_FILL = 0.18
"""A snapshot's size is this fraction of its droplet's disk."""

NAME_RE = re.compile(r"^[a-zA-Z0-9]?[a-z0-9A-Z.\-]*[a-z0-9A-Z]$")
TAG_RE = re.compile(r"^[a-zA-Z0-9_\-:]+$")
FIREWALL_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9.-]+$")


class State:
    """All records of one simulated account."""

    def __init__(
        self,
        clock: Clock,
        durations: Mapping[str, Duration] | None = None,
        outcome_for: Callable[[str], str] = lambda _type: COMPLETED,
        seed: int = 0,
    ) -> None:
        self.clock = clock
        #: The team this account's tokens belong to (`account.team` of `GET /v2/account`); None: the default.
        self.team: dict[str, str] | None = None
        self.lock = threading.RLock()
        self.durations: dict[str, Duration] = {**DEFAULT_DURATIONS, **(durations or {})}
        self.outcome_for = outcome_for
        self.rng = random.Random(seed)
        self.droplets: dict[int, Droplet] = {}
        self.actions: dict[int, Action] = {}
        self.snapshots: dict[int, Snapshot] = {}
        self.firewalls: dict[str, Firewall] = {}
        self.ssh_keys: dict[int, SshKey] = {}
        self.tags: dict[str, None] = {}  # an ordered set
        self._pending: set[int] = set()
        self._vanish_at: dict[int, float] = {}
        self._droplet_ids = itertools.count(400_000_001)
        self._action_ids = itertools.count(2_100_000_001)
        self._image_ids = itertools.count(190_000_001)
        self._key_ids = itertools.count(41_000_001)
        self.add_ssh_key("gpuforge-sim")

    @contextmanager
    def session(self) -> Iterator[State]:
        """Hold the lock, with the records brought up to the clock's time."""
        with self.lock:
            self.settle()
            yield self

    # time

    def settle(self) -> None:
        """Apply every action end and scheduled vanishing due by now, oldest first."""
        now = self.clock.now()
        while True:
            due: list[tuple[float, int, int]] = [
                (end, 0, action_id)
                for action_id in self._pending
                if (end := self.actions[action_id].ends_at) is not None and end <= now
            ]
            due += [(at, 1, droplet_id) for droplet_id, at in self._vanish_at.items() if at <= now]
            if not due:
                return
            at, kind, ident = min(due)
            if kind == 0:
                self._finish(self.actions[ident], at)
            else:
                self.vanish(ident, at)

    def _finish(self, action: Action, at: float) -> None:
        self._pending.discard(action.id)
        action.completed_at = at
        action.status = COMPLETED if action.outcome == COMPLETED else ERRORED
        droplet = self.droplets.get(action.droplet_id)
        if action.status != COMPLETED or droplet is None:
            return
        if action.type == "snapshot":
            name = action.params.get("name") or f"{droplet.name}-{int(action.started_at)}"
            self.add_snapshot(droplet.id, name, created_at=action.started_at)
        elif action.type in STATUS_AFTER:
            droplet.status = STATUS_AFTER[action.type]

    def schedule_vanish(self, droplet_id: int, at: float) -> None:
        """Make the droplet disappear at time `at`."""
        self._vanish_at[droplet_id] = at

    def vanish(self, droplet_id: int, at: float | None = None) -> None:
        """Remove the droplet now: its running actions end `errored`, its snapshots stay."""
        at = self.clock.now() if at is None else at
        self._vanish_at.pop(droplet_id, None)
        if self.droplets.pop(droplet_id, None) is None:
            return
        for action_id in sorted(self._pending):
            action = self.actions[action_id]
            if action.droplet_id == droplet_id:
                action.outcome = ERRORED
                self._finish(action, at)

    # droplets

    def droplet(self, droplet_id: int) -> Droplet:
        droplet = self.droplets.get(droplet_id)
        if droplet is None:
            raise not_found()
        return droplet

    def locked(self, droplet_id: int) -> bool:
        return any(self.actions[a].droplet_id == droplet_id for a in self._pending)

    def view(self, droplet: Droplet) -> dict[str, Any]:
        return droplet_view(droplet, self.locked(droplet.id))

    def create_droplet(
        self,
        name: str,
        size: str,
        region: str | None,
        image: str | int,
        tags: list[str] | None = None,
        status: str = "new",
    ) -> Droplet:
        """Validate like DigitalOcean and create; a `new` droplet gets a `create` action."""
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise unprocessable(f"Name is invalid: {name!r}.")
        size_ = catalog.SIZES_BY_SLUG.get(size)
        if size_ is None:
            raise unprocessable("You specified an invalid size for Droplet creation.")
        image_view, min_disk = self._image_for_create(image)
        region = region or next((r for r in size_.regions if r in image_view["regions"]), None)
        if region not in catalog.REGIONS_BY_SLUG:
            raise unprocessable("You specified an invalid region for Droplet creation.")
        if not size_.available or region not in size_.regions:
            raise unprocessable("Size is not available in this region.")
        if region not in image_view["regions"]:
            raise unprocessable("The image is not available in the selected region.")
        if size_.disk_gb < min_disk:
            raise unprocessable("The image's minimum disk size is larger than the size's disk.")
        droplet = Droplet(
            next(self._droplet_ids),
            name,
            size_,
            region,
            image_view,
            status,
            self.clock.now(),
            tags=self._use_tags(tags or []),
        )
        self.droplets[droplet.id] = droplet
        if status == "new":
            self._start(droplet, "create", {})
        return droplet

    def _image_for_create(self, ref: str | int) -> tuple[dict[str, Any], int]:
        if isinstance(ref, int) and ref in self.snapshots:
            return snapshot_image_view(self.snapshots[ref]), self.snapshots[ref].min_disk_size
        base = catalog.BASE_IMAGES_BY_ID.get(ref) if isinstance(ref, int) else catalog.BASE_IMAGES_BY_SLUG.get(ref)
        if base is None:
            raise unprocessable("You specified an invalid image for Droplet creation.")
        return base_image_view(base), base.min_disk_size

    # actions

    def start_action(self, droplet_id: int, action_type: str, params: dict[str, Any]) -> Action:
        """Start a droplet action; 422 while the droplet is locked by another one."""
        droplet = self.droplet(droplet_id)
        if action_type not in ACTION_TYPES:
            raise unprocessable(f"'{action_type}' is not a supported action type.")
        if self.locked(droplet_id):
            raise unprocessable("Droplet already has a pending event.")
        return self._start(droplet, action_type, params)

    def _start(self, droplet: Droplet, action_type: str, params: dict[str, Any]) -> Action:
        duration = self.durations.get(action_type, 1.0)
        seconds = float(duration(self.view(droplet)) if callable(duration) else duration)
        action = Action(
            next(self._action_ids),
            action_type,
            droplet.id,
            droplet.region,
            self.clock.now(),
            seconds,
            self.outcome_for(action_type),
            params,
        )
        self.actions[action.id] = action
        self._pending.add(action.id)
        return action

    def action(self, action_id: int) -> Action:
        action = self.actions.get(action_id)
        if action is None:
            raise not_found()
        return action

    # snapshots

    def add_snapshot(
        self,
        droplet_id: int | None,
        name: str,
        created_at: float,
        size_gigabytes: float | None = None,
        tags: list[str] | None = None,
        regions: list[str] | None = None,
        min_disk_size: int | None = None,
    ) -> Snapshot:
        """Record a finished snapshot of a droplet, existing (its region and disk are the defaults) or not."""
        droplet = self.droplets.get(droplet_id) if droplet_id is not None else None
        disk = min_disk_size or (droplet.size.disk_gb if droplet else 720)
        snap = Snapshot(
            next(self._image_ids),
            name,
            created_at,
            list(regions or ([droplet.region] if droplet else ["nyc2"])),
            disk,
            round(disk * SNAPSHOT_FILL, 2) if size_gigabytes is None else size_gigabytes,
            droplet_id,
            droplet.image.get("distribution", "Ubuntu") if droplet else "Ubuntu",
            self._use_tags(tags or []),
        )
        self.snapshots[snap.id] = snap
        if droplet is not None:
            droplet.snapshot_ids.append(snap.id)
        return snap

    def snapshot(self, snapshot_id: int) -> Snapshot:
        snap = self.snapshots.get(snapshot_id)
        if snap is None:
            raise not_found()
        return snap

    def delete_snapshot(self, snapshot_id: int) -> None:
        snap = self.snapshot(snapshot_id)
        del self.snapshots[snap.id]
        if snap.resource_id in self.droplets:
            self.droplets[snap.resource_id].snapshot_ids.remove(snap.id)

    # tags, firewalls, keys

    def _use_tags(self, names: list[str]) -> list[str]:
        for name in names:
            if not isinstance(name, str) or not TAG_RE.match(name):
                raise unprocessable(f"Tag name is invalid: {name!r}.")
            self.tags.setdefault(name)
        return list(dict.fromkeys(names))

    def tag_resource(self, tag: str, resource_id: str, resource_type: str) -> None:
        self.tags.setdefault(tag)
        if resource_type == "droplet":
            tagged = self.droplet(int_id(resource_id)).tags
        elif resource_type == "image":
            tagged = self.snapshot(int_id(resource_id)).tags
        else:
            raise unprocessable(f"Tagging '{resource_type}' resources is not simulated.")
        if tag not in tagged:
            tagged.append(tag)

    def create_firewall(self, body: dict[str, Any]) -> Firewall:
        name = body.get("name")
        if not isinstance(name, str) or not FIREWALL_NAME_RE.match(name):
            raise bad_request("name must match ^[a-zA-Z0-9][a-zA-Z0-9.-]+$.")
        droplet_ids = [int(i) for i in body.get("droplet_ids") or []]
        missing = [i for i in droplet_ids if i not in self.droplets]
        if missing:
            raise bad_request(f"droplet_ids not found: {missing}.")
        fw = Firewall(
            str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            name,
            self.clock.now(),
            droplet_ids,
            self._use_tags(body.get("tags") or []),
            list(body.get("inbound_rules") or []),
            list(body.get("outbound_rules") or []),
        )
        self.firewalls[fw.id] = fw
        return fw

    def firewall(self, firewall_id: str) -> Firewall:
        fw = self.firewalls.get(firewall_id)
        if fw is None:
            raise not_found()
        return fw

    def add_ssh_key(self, name: str, public_key: str | None = None) -> SshKey:
        """Register a key; without `public_key`, a deterministic ed25519 one is made up."""
        if public_key is None:
            blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + self.rng.randbytes(32)
            public_key = f"ssh-ed25519 {base64.b64encode(blob).decode()} {name}@dosim"
        digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
        key = SshKey(
            next(self._key_ids), name, public_key, ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
        )
        self.ssh_keys[key.id] = key
        return key
