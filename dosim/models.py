"""The simulator's records. Plain data; `state.State` owns and changes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dosim.catalog import Size

# Outcomes an action is given when it starts (faults may choose the last two).
COMPLETED, ERRORED, STUCK = "completed", "errored", "stuck"
IN_PROGRESS = "in-progress"


@dataclass
class Droplet:
    id: int
    name: str
    size: Size
    region: str
    image: dict[str, Any]  # the image as the API showed it when the droplet was created
    status: str  # new | active | off | archive
    created_at: float
    tags: list[str] = field(default_factory=list)
    snapshot_ids: list[int] = field(default_factory=list)


@dataclass
class Action:
    id: int
    type: str
    droplet_id: int
    region: str
    started_at: float
    duration: float
    outcome: str  # COMPLETED | ERRORED | STUCK: decided at the start, revealed at the end
    params: dict[str, Any] = field(default_factory=dict)
    status: str = IN_PROGRESS
    completed_at: float | None = None

    @property
    def ends_at(self) -> float | None:
        return None if self.outcome == STUCK else self.started_at + self.duration


@dataclass
class Snapshot:
    id: int
    name: str
    created_at: float
    regions: list[str]
    min_disk_size: int
    size_gigabytes: float
    resource_id: int | None
    distribution: str = "Ubuntu"
    tags: list[str] = field(default_factory=list)


@dataclass
class Firewall:
    id: str
    name: str
    created_at: float
    droplet_ids: list[int]
    tags: list[str]
    inbound_rules: list[dict[str, Any]]
    outbound_rules: list[dict[str, Any]]


@dataclass
class SshKey:
    id: int
    name: str
    public_key: str
    fingerprint: str
