"""The time machine: the snapshot engine, independent of Pulumi."""

from gpuforge.timemachine.engine import SnapshotFailed, SnapshotOutcome, take_snapshot
from gpuforge.timemachine.settings import SnapshotSettings

__all__ = ["SnapshotFailed", "SnapshotOutcome", "SnapshotSettings", "take_snapshot"]
