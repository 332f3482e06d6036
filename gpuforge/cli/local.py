"""The snapshot directory's records, read (never written) by the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from gpuforge.cli.inventory import LocalRecord


def read_records(directory: str | Path) -> dict[str, LocalRecord]:
    """Every readable record in ``directory``, keyed by snapshot id (the first file wins).

    A missing directory means no records; unreadable or foreign JSON files are skipped.
    """
    folder = Path(directory)
    if not folder.is_dir():
        return {}
    records: dict[str, LocalRecord] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("."):  # write_record's temporary files
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("snapshot_id"):
            records.setdefault(str(data["snapshot_id"]), LocalRecord(str(path), data))
    return records
