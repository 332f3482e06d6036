"""Which of a droplet's earlier GPUForge snapshots ``snapshotRetention`` deletes: pure functions.

A snapshot is GPUForge's, for a droplet, when it is a Droplet snapshot whose name is one the
droplet's name template renders to (``gpu-dev-snapshot-20240724-151900`` for the automatic
template, the exact name for a custom one). Nothing else is ever a candidate: not a snapshot of
another droplet, not one a person named by hand, and never the snapshot just taken.

``keep_last`` and ``max_age_seconds`` each say what to keep, and a snapshot is kept when either
keeps it (the newest ``keep_last``, or those younger than ``max_age_seconds``); with neither set,
nothing is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from gpuforge.timemachine.naming import matches_template


@dataclass(frozen=True)
class SnapshotInfo:
    """A snapshot as listed by ``GET /v2/snapshots``."""

    id: str
    name: str
    created_at: float
    resource_type: str = "droplet"


@dataclass(frozen=True)
class RetentionPolicy:
    keep_last: int | None = None
    max_age_seconds: float | None = None

    @property
    def active(self) -> bool:
        return self.keep_last is not None or self.max_age_seconds is not None


def is_gpuforge_snapshot(snapshot: SnapshotInfo, name_template: str) -> bool:
    """Whether ``snapshot`` is one GPUForge took of the droplet with this name template."""
    return snapshot.resource_type == "droplet" and matches_template(snapshot.name, name_template)


def select_for_deletion(
    snapshots: Iterable[SnapshotInfo],
    *,
    policy: RetentionPolicy,
    name_template: str,
    now: float,
    just_taken_id: str,
) -> list[SnapshotInfo]:
    """The snapshots to delete, oldest first."""
    if not policy.active:
        return []
    ours = sorted(
        (s for s in snapshots if is_gpuforge_snapshot(s, name_template)),
        key=lambda s: (s.created_at, s.id),
        reverse=True,
    )
    doomed = []
    for rank, snapshot in enumerate(ours):
        if snapshot.id == just_taken_id:
            continue
        kept_by_count = policy.keep_last is not None and rank < policy.keep_last
        kept_by_age = policy.max_age_seconds is not None and now - snapshot.created_at < policy.max_age_seconds
        if not (kept_by_count or kept_by_age):
            doomed.append(snapshot)
    return doomed[::-1]
