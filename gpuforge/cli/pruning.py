"""What ``gpuforge snapshots prune`` deletes: the retention rules applied per droplet, within a scope. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from gpuforge.cli.inventory import Entry
from gpuforge.timemachine.retention import (
    RetentionPolicy,
    SnapshotInfo,
    select_for_pruning,
)


def plan_prune(
    entries: Sequence[Entry],
    *,
    policy: RetentionPolicy,
    now: float,
    droplet: str | None = None,
    include_all: bool = False,
) -> list[Entry]:
    """The entries to delete, oldest first.

    In scope: GPUForge snapshots by record or automatic name, never by tag alone (every snapshot with
    ``include_all``), of droplet ``droplet`` (name or id) when given. Per droplet, the newest ``keep_last`` in scope are kept, and so is anything younger
    than ``max_age_seconds``; nothing out of scope is touched.
    """
    by_id = {e.id: e for e in entries}

    def in_scope(info: SnapshotInfo) -> bool:
        e = by_id[info.id]
        return (include_all or e.retainable) and (droplet is None or droplet in (e.droplet, e.droplet_id))

    doomed = select_for_pruning(
        [e.info for e in entries],
        policy=policy,
        now=now,
        droplet_of=lambda info: by_id[info.id].droplet_label,
        in_scope=in_scope,
    )
    return [by_id[info.id] for info in doomed]
