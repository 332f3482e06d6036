"""The records of a record store, as the CLI reads them (it never writes one, except ``records sync``)."""

from __future__ import annotations

from gpuforge.timemachine.stores import RecordStore, StoredRecord


def read_records(store: RecordStore) -> dict[str, StoredRecord]:
    """Every readable record of ``store``, keyed by snapshot id (the first by location wins)."""
    records: dict[str, StoredRecord] = {}
    for record in store.list():
        records.setdefault(str(record.data["snapshot_id"]), record)
    return records
