"""The record store interface: write a record once, find it by snapshot id, list them all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from gpuforge.errors import GpuForgeError
from gpuforge.timemachine.records import SnapshotRecord


@dataclass(frozen=True)
class StoredRecord:
    """A record as a store holds it: where it is (a path or an ``s3://`` URL) and what it says."""

    location: str
    data: Mapping[str, Any]


class RecordStoreError(GpuForgeError):
    """The store could not be read or written (permissions, a missing bucket, a lost connection)."""


class RecordExists(RecordStoreError):
    """The store already holds a record of this snapshot, at ``location``."""

    def __init__(self, location: str) -> None:
        self.location = location
        super().__init__(f"A record of this snapshot already exists: {location}")


class RecordStore(Protocol):
    """Snapshot records, shared by the guard and the CLI. Holds no secret worth printing."""

    @property
    def where(self) -> str:
        """The store as a user names it: a directory, or ``s3://bucket/prefix``."""
        ...

    def write(self, record: SnapshotRecord) -> str:
        """Store ``record`` whole or not at all, never replacing another record; return its location.

        Raises :class:`RecordExists` when a record of the same snapshot is already there, and
        :class:`RecordStoreError` when the store cannot be written.
        """
        ...

    def find(self, snapshot_id: str) -> str | None:
        """The location of snapshot ``snapshot_id``'s record, or None."""
        ...

    def list(self) -> list[StoredRecord]:
        """Every readable record (foreign or broken objects skipped), sorted by location."""
        ...
