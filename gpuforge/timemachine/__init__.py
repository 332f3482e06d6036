"""The time machine: the snapshot engine, independent of Pulumi.

The engine (and with it pydo) is imported on first use, so that the Pulumi program, which only
needs :class:`SnapshotSettings`, starts without loading the API client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gpuforge.timemachine.settings import SnapshotSettings

if TYPE_CHECKING:
    from gpuforge.timemachine.engine import SnapshotFailed, SnapshotOutcome, take_snapshot

__all__ = ["SnapshotFailed", "SnapshotOutcome", "SnapshotSettings", "take_snapshot"]
_FROM_ENGINE = {"SnapshotFailed", "SnapshotOutcome", "take_snapshot"}


def __getattr__(name: str) -> Any:
    if name in _FROM_ENGINE:
        from gpuforge.timemachine import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'gpuforge.timemachine' has no attribute {name!r}")
