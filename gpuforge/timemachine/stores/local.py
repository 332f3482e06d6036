"""The local store: one JSON file per snapshot in the snapshot directory (the default)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gpuforge.timemachine.records import RecordNamesTaken, SnapshotRecord, find_record, write_record
from gpuforge.timemachine.stores.base import (
    RecordExists,
    RecordStoreError,
    StoredRecord,
)


class LocalStore:
    """Records in ``directory`` (created on the first write), written by :func:`write_record`."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.directory)!r})"

    @property
    def where(self) -> str:
        return str(self.directory)

    def write(self, record: SnapshotRecord) -> str:
        """:func:`write_record`, once per snapshot: a writer that lost a race for ``<name>.json`` to the
        same snapshot's record removes its own ``<name>-<id>.json`` again."""
        existing = self.find(record.snapshot_id)
        if existing is not None:
            raise RecordExists(existing)
        first = self.directory / f"{record.snapshot_name}.json"
        try:
            path = write_record(self.directory, record)
        except RecordNamesTaken:  # both names taken, by records of this snapshot
            ours = _snapshot_id(first) == record.snapshot_id
            raise RecordExists(str(first) if ours else self.find(record.snapshot_id) or self.where) from None
        except OSError as err:
            raise RecordStoreError(
                f"Could not write the snapshot record to {self.where}: {err.strerror or err}",
                hint=f"check that {self.where} is a writable directory",
            ) from None
        if path != first and _snapshot_id(first) == record.snapshot_id:
            path.unlink()
            raise RecordExists(str(first))
        return str(path)

    def find(self, snapshot_id: str) -> str | None:
        path = find_record(self.directory, snapshot_id)
        return None if path is None else str(path)

    def list(self) -> list[StoredRecord]:
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob("*.json")):
            if path.name.startswith("."):  # write_record's temporary files
                continue
            data = _read(path)
            if data is not None:
                found.append(StoredRecord(str(path), data))
        return found


def _read(path: Path) -> dict[str, Any] | None:
    """The record in ``path``; None for a missing, unreadable or foreign file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("snapshot_id") else None


def _snapshot_id(path: Path) -> str | None:
    data = _read(path)
    return None if data is None else str(data["snapshot_id"])
