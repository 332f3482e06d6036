"""Which of a droplet's earlier GPUForge snapshots ``snapshotRetention`` deletes: pure functions.

A snapshot is GPUForge's, for a droplet, when it is a Droplet snapshot whose name is one the
droplet's name template renders to (``gpu-dev-snapshot-20240724-151900`` for the automatic
template, the exact name for a custom one). Nothing else is ever a candidate: not a snapshot of
another droplet, not one a person named by hand, and never the snapshot just taken.

``keep_last`` and ``max_age_seconds`` each say what to keep, and a snapshot is kept when either
keeps it (the newest ``keep_last``, or those younger than ``max_age_seconds``); with neither set,
nothing is deleted.

``gpuforge snapshots prune`` applies the same rules to every droplet's snapshots at once
(:func:`select_for_pruning`), within a scope the caller defines.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from gpuforge.timemachine.naming import (
    TIMESTAMP_PLACEHOLDER,
    matches_template,
    template_pattern,
)

_AUTOMATIC_NAME = re.compile(r"(?P<droplet>.+)-snapshot-" + template_pattern(TIMESTAMP_PLACEHOLDER))


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


def droplet_in_name(name: str) -> str | None:
    """The droplet an automatic GPUForge name (``<droplet>-snapshot-YYYYMMDD-HHMMSS``) names, else None."""
    match = _AUTOMATIC_NAME.fullmatch(name)
    return match.group("droplet") if match else None


def beyond_policy(snapshots: Sequence[SnapshotInfo], *, policy: RetentionPolicy, now: float) -> list[SnapshotInfo]:
    """Of one droplet's snapshots, those neither rule keeps, oldest first (none when no rule is set)."""
    if not policy.active:
        return []
    newest_first = sorted(snapshots, key=lambda s: (s.created_at, s.id), reverse=True)
    doomed = []
    for rank, snapshot in enumerate(newest_first):
        kept_by_count = policy.keep_last is not None and rank < policy.keep_last
        kept_by_age = policy.max_age_seconds is not None and now - snapshot.created_at < policy.max_age_seconds
        if not (kept_by_count or kept_by_age):
            doomed.append(snapshot)
    return doomed[::-1]


def select_for_deletion(
    snapshots: Iterable[SnapshotInfo],
    *,
    policy: RetentionPolicy,
    name_template: str,
    now: float,
    just_taken_id: str,
) -> list[SnapshotInfo]:
    """The snapshots to delete, oldest first. The one just taken counts among the newest, never goes."""
    ours = [s for s in snapshots if is_gpuforge_snapshot(s, name_template)]
    return [s for s in beyond_policy(ours, policy=policy, now=now) if s.id != just_taken_id]


def select_for_pruning(
    snapshots: Iterable[SnapshotInfo],
    *,
    policy: RetentionPolicy,
    now: float,
    droplet_of: Callable[[SnapshotInfo], str],
    in_scope: Callable[[SnapshotInfo], bool],
) -> list[SnapshotInfo]:
    """What ``gpuforge snapshots prune`` deletes, oldest first: per droplet (``droplet_of``), the
    in-scope snapshots the policy does not keep. Out-of-scope snapshots neither go nor count."""
    by_droplet: dict[str, list[SnapshotInfo]] = defaultdict(list)
    for snapshot in snapshots:
        if in_scope(snapshot):
            by_droplet[droplet_of(snapshot)].append(snapshot)
    doomed = [s for group in by_droplet.values() for s in beyond_policy(group, policy=policy, now=now)]
    return sorted(doomed, key=lambda s: (s.created_at, s.id))
