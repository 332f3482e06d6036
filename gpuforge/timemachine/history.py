"""How long this droplet's snapshots took before: the expected duration behind a sparse wait.

Records keep ``duration_seconds`` (the snapshot action's ``completed_at - started_at``). The
expected duration of the next snapshot is the median of the newest few of the same droplet (same
name, and the same GPU size when both are known: the size fixes the disk), or None without history.
Reading history never fails a snapshot: an unreadable store means no history.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from typing import Any

from gpuforge.errors import GpuForgeError
from gpuforge.timemachine.naming import parse_time
from gpuforge.timemachine.stores import RecordStore

RECENT = 3


def expected_duration(
    records: Iterable[Mapping[str, Any]], *, droplet_name: str, gpu_size: str = "", recent: int = RECENT
) -> float | None:
    """The median ``duration_seconds`` of the ``recent`` newest completed records of ``droplet_name``."""
    durations: list[tuple[float, float]] = []
    for data in records:
        if data.get("droplet_name") != droplet_name or data.get("status", "completed") != "completed":
            continue
        if gpu_size and data.get("gpu_size") and data.get("gpu_size") != gpu_size:
            continue
        try:
            duration = float(data["duration_seconds"])
            when = parse_time(str(data["completed_at"]))
        except (KeyError, TypeError, ValueError):
            continue
        if duration > 0:
            durations.append((when, duration))
    newest = [d for _, d in sorted(durations, reverse=True)[:recent]]
    return statistics.median(newest) if newest else None


def read_expected_duration(store: RecordStore, *, droplet_name: str, gpu_size: str = "") -> float | None:
    """:func:`expected_duration` over ``store``'s records; None when the store cannot be read."""
    try:
        stored = store.list()
    except (GpuForgeError, OSError):
        return None
    return expected_duration((r.data for r in stored), droplet_name=droplet_name, gpu_size=gpu_size)
