"""DigitalOcean's snapshots with their records merged in, filtered and found: pure, no I/O.

A snapshot is a GPUForge snapshot when it has a record (custom names), an automatic name
(``<droplet>-snapshot-YYYYMMDD-HHMMSS``) or the ``gpuforge`` tag. The tag widens only what is
shown: ``prune`` reaches a snapshot by its record or name alone (:attr:`Entry.retainable`), as
retention does. Its droplet comes from the record, else from the name, else from DigitalOcean's
``resource_id`` (named when the droplet still exists).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gpuforge.costs import snapshot_monthly
from gpuforge.tags import GPUFORGE_TAG
from gpuforge.timemachine.naming import iso, parse_time
from gpuforge.timemachine.retention import SnapshotInfo, droplet_in_name
from gpuforge.timemachine.stores import StoredRecord

JSON = Mapping[str, Any]


@dataclass(frozen=True)
class Entry:
    """One snapshot, as DigitalOcean lists it (``api``) and/or as its record describes it."""

    id: str
    name: str
    created_at: float
    size_gigabytes: float
    regions: tuple[str, ...]
    droplet: str  # the droplet's name, "" when unknown
    droplet_id: str  # "" when unknown
    gpuforge: bool  # a record, an automatic name or the gpuforge tag
    retainable: bool  # a record or an automatic name: what prune may reach
    api: JSON | None
    record: StoredRecord | None

    @property
    def droplet_label(self) -> str:
        """The droplet's name, else its id, else ``unknown``: what tables show and groups use."""
        return self.droplet or self.droplet_id or "unknown"

    @property
    def info(self) -> SnapshotInfo:
        return SnapshotInfo(self.id, self.name, self.created_at)

    def to_json(self, rate: float) -> dict[str, Any]:
        """The entry for ``--json``: stable keys, costs rounded to the cent."""
        return {
            "id": self.id,
            "name": self.name,
            "created_at": iso(self.created_at),
            "size_gigabytes": self.size_gigabytes,
            "monthly_cost_usd": round(snapshot_monthly(self.size_gigabytes, rate), 2),
            "regions": list(self.regions),
            "droplet": self.droplet or None,
            "droplet_id": self.droplet_id or None,
            "gpuforge": self.gpuforge,
            "record": self.record.location if self.record else None,
        }


def needs_droplet_names(api_snapshots: Iterable[JSON], records: Mapping[str, StoredRecord]) -> bool:
    """Whether some snapshot's droplet is known only by ``resource_id`` (then the droplet list helps)."""
    return any(
        str(s["id"]) not in records and droplet_in_name(s["name"]) is None and s.get("resource_id")
        for s in api_snapshots
    )


def entry(api: JSON | None, record: StoredRecord | None, droplet_names: Mapping[str, str]) -> Entry:
    """Merge what DigitalOcean and the record say about one snapshot (at least one of them given)."""
    source: JSON = api if api is not None else record.data if record is not None else {}
    if not source:
        raise ValueError("a snapshot needs an API answer or a record")
    data: JSON = record.data if record is not None else {}
    name = str(source.get("name") or data.get("snapshot_name") or "")
    droplet_id = str(data.get("droplet_id") or (api or {}).get("resource_id") or "")
    droplet = str(data.get("droplet_name") or droplet_in_name(name) or droplet_names.get(droplet_id, ""))
    created = source.get("created_at") or data.get("created_at")
    retainable = record is not None or droplet_in_name(name) is not None
    return Entry(
        id=str(source.get("id") or data.get("snapshot_id")),
        name=name,
        created_at=parse_time(created) if created else 0.0,
        size_gigabytes=float(source.get("size_gigabytes") or data.get("size_gigabytes") or 0.0),
        regions=tuple(source.get("regions") or data.get("regions") or ()),
        droplet=droplet,
        droplet_id=droplet_id,
        gpuforge=retainable or GPUFORGE_TAG in ((api or {}).get("tags") or ()),
        retainable=retainable,
        api=api,
        record=record,
    )


def merge(
    api_snapshots: Iterable[JSON], records: Mapping[str, StoredRecord], droplet_names: Mapping[str, str]
) -> list[Entry]:
    """Every snapshot DigitalOcean lists, with its record where one exists, newest first.

    ``records`` is keyed by snapshot id; ``droplet_names`` maps droplet ids to names.
    """
    entries = [entry(s, records.get(str(s["id"])), droplet_names) for s in api_snapshots]
    return sorted(entries, key=lambda e: (e.created_at, e.id), reverse=True)


def select(
    entries: Iterable[Entry], *, droplet: str | None = None, older_than: float | None = None, now: float
) -> list[Entry]:
    """The entries of droplet ``droplet`` (its name or id) created at least ``older_than`` seconds ago."""
    return [
        e
        for e in entries
        if (droplet is None or droplet in (e.droplet, e.droplet_id))
        and (older_than is None or now - e.created_at >= older_than)
    ]


def find(entries: Iterable[Entry], ref: str) -> list[Entry]:
    """The entries whose id or name is ``ref``."""
    return [e for e in entries if ref in (e.id, e.name)]


def droplet_facts(entries: Iterable[Entry], droplets: Iterable[JSON]) -> tuple[dict[str, str], dict[str, str]]:
    """Per droplet label of ``entries``: its status now (``deleted`` when it is gone) and its size slug
    (the droplet's, else the one a record names)."""
    droplets = list(droplets)
    by_id = {str(d["id"]): d for d in droplets}
    by_name = {d["name"]: d for d in droplets}
    status: dict[str, str] = {}
    slug: dict[str, str] = {}
    for e in entries:
        live = by_id.get(e.droplet_id) or by_name.get(e.droplet)
        status.setdefault(e.droplet_label, live["status"] if live else "deleted")
        size = live["size_slug"] if live else e.record.data.get("gpu_size") if e.record else None
        if size:
            slug.setdefault(e.droplet_label, str(size))
    return status, slug
