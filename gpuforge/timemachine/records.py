"""The snapshot record: one JSON file per snapshot, written atomically, never overwritten."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

SNAPSHOT_PRICE_PER_GB_MONTH = 0.06
TRIGGERS = ("destroy", "replace", "manual")


def estimated_monthly_cost(size_gigabytes: float) -> float:
    """Snapshot storage per month in USD, to the cent."""
    return round(size_gigabytes * SNAPSHOT_PRICE_PER_GB_MONTH, 2)


@dataclass(frozen=True)
class SnapshotRecord:
    """What a snapshot is and where it came from. Holds no secret."""

    snapshot_name: str
    snapshot_id: str
    droplet_id: str
    droplet_name: str
    action_id: str
    status: str
    created_at: str
    started_at: str
    completed_at: str
    duration_seconds: float
    size_gigabytes: float
    min_disk_size: int
    regions: list[str]
    region: str
    gpu_size: str
    image: str
    project: str
    stack: str
    trigger: str
    estimated_monthly_cost_usd: float

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SnapshotRecord:
        """The record a JSON object describes (other keys ignored); ValueError naming a missing field."""
        missing = [f.name for f in fields(cls) if f.name not in data]
        if missing:
            raise ValueError(f"not a complete snapshot record (no {', '.join(missing)})")
        return cls(**{f.name: data[f.name] for f in fields(cls)})


class RecordNamesTaken(FileExistsError):
    """Both names a record may take (``<name>.json``, ``<name>-<id>.json``) are taken already."""


def write_record(directory: str | os.PathLike[str], record: SnapshotRecord) -> Path:
    """Write ``<snapshot_name>.json`` in ``directory`` (created if needed) and return its path.

    The file appears whole or not at all (temporary file, fsync, then ``link``), and an existing
    file is never replaced: if the name is taken by another snapshot's record, the snapshot id is
    added (``<name>-<id>.json``).
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(record.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        for candidate in (f"{record.snapshot_name}.json", f"{record.snapshot_name}-{record.snapshot_id}.json"):
            target = folder / candidate
            try:
                os.link(tmp, target)
            except FileExistsError:
                continue
            return target
        raise RecordNamesTaken(f"records for snapshot {record.snapshot_id} already exist in {folder}")
    finally:
        os.unlink(tmp)


def find_record(directory: str | os.PathLike[str], snapshot_id: str) -> Path | None:
    """The record of snapshot ``snapshot_id`` in ``directory``, if one was written."""
    folder = Path(directory)
    if not folder.is_dir():
        return None
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("."):  # another writer's temporary file, not a record yet
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and str(data.get("snapshot_id")) == str(snapshot_id):
            return path
    return None
