"""Merging DigitalOcean's snapshots with the records, filtering, finding, planning a prune: pure."""

import json

from gpuforge.cli.inventory import (
    droplet_facts,
    entry,
    find,
    merge,
    needs_droplet_names,
    select,
)
from gpuforge.cli.local import read_records
from gpuforge.cli.pruning import plan_prune
from gpuforge.timemachine.stores import LocalStore, StoredRecord
from gpuforge.timemachine.naming import iso
from gpuforge.timemachine.retention import RetentionPolicy

NOW = 1_790_000_000.0
DAY = 86_400.0


def api(id_, name, days_ago=1.0, resource_id="", size=25.0):
    return {
        "id": str(id_),
        "name": name,
        "created_at": iso(NOW - days_ago * DAY),
        "regions": ["nyc2"],
        "min_disk_size": 720,
        "size_gigabytes": size,
        "resource_id": resource_id,
        "resource_type": "droplet",
        "tags": [],
    }


def rec(id_, name, droplet="trainer", droplet_id="77", gpu_size="gpu-h100x8-640gb"):
    return StoredRecord(
        f"snapshots/{name}.json",
        {
            "snapshot_id": str(id_),
            "snapshot_name": name,
            "droplet_id": droplet_id,
            "droplet_name": droplet,
            "created_at": iso(NOW - DAY),
            "size_gigabytes": 40.0,
            "regions": ["tor1"],
            "gpu_size": gpu_size,
        },
    )


SNAPSHOTS = [
    api(1, "gpu-dev-snapshot-20260101-000000", days_ago=3, resource_id="5"),
    api(2, "llama-70b-trained-v1", days_ago=2, resource_id="77"),
    api(3, "by-hand", days_ago=1, resource_id="9"),
    api(4, "orphan", days_ago=4, resource_id="404"),
]
RECORDS = {"2": rec(2, "llama-70b-trained-v1")}


def test_droplet_from_record_else_name_else_resource_id():
    entries = {e.id: e for e in merge(SNAPSHOTS, RECORDS, {"9": "notebook"})}
    assert (entries["1"].droplet, entries["1"].droplet_id, entries["1"].gpuforge) == ("gpu-dev", "5", True)
    assert (entries["2"].droplet, entries["2"].gpuforge, entries["2"].record) == ("trainer", True, RECORDS["2"])
    assert (entries["3"].droplet, entries["3"].gpuforge) == ("notebook", False)
    assert (entries["4"].droplet, entries["4"].droplet_label) == ("", "404")  # droplet gone: its id


def test_merge_lists_newest_first_with_values_from_digitalocean():
    entries = merge(SNAPSHOTS, RECORDS, {})
    assert [e.id for e in entries] == ["3", "2", "1", "4"]
    assert entries[1].size_gigabytes == 25.0 and entries[1].regions == ("nyc2",)  # DigitalOcean wins over the record


def test_droplet_list_needed_only_for_snapshots_known_by_resource_id_alone():
    assert needs_droplet_names(SNAPSHOTS, RECORDS)
    assert not needs_droplet_names(SNAPSHOTS[:2], RECORDS)
    assert not needs_droplet_names([api(5, "by-hand", resource_id="")], {})


def test_record_only_entry_for_a_snapshot_deleted_on_digitalocean():
    only = entry(None, rec(8, "gone-v1"), {})
    assert (only.id, only.name, only.droplet, only.size_gigabytes, only.api) == ("8", "gone-v1", "trainer", 40.0, None)
    assert only.created_at == NOW - DAY


def test_select_by_droplet_name_or_id_and_age():
    entries = merge(SNAPSHOTS, RECORDS, {"9": "notebook"})
    assert [e.id for e in select(entries, droplet="gpu-dev", now=NOW)] == ["1"]
    assert [e.id for e in select(entries, droplet="404", now=NOW)] == ["4"]
    assert [e.id for e in select(entries, older_than=2.5 * DAY, now=NOW)] == ["1", "4"]
    assert [e.id for e in find(entries, "by-hand")] == ["3"] and [e.id for e in find(entries, "2")] == ["2"]


def test_json_form_has_costs_and_the_record_path():
    item = merge(SNAPSHOTS[1:2], RECORDS, {})[0].to_json(0.06)
    assert item["monthly_cost_usd"] == 1.5 and item["record"] == "snapshots/llama-70b-trained-v1.json"
    assert json.loads(json.dumps(item)) == item


def test_droplet_facts_status_now_and_size_from_droplet_or_record():
    entries = merge(SNAPSHOTS, RECORDS, {"9": "notebook"})
    droplets = [{"id": 5, "name": "gpu-dev", "status": "off", "size_slug": "gpu-h100x1-80gb"}]
    status, slug = droplet_facts(entries, droplets)
    assert status == {"notebook": "deleted", "trainer": "deleted", "gpu-dev": "off", "404": "deleted"}
    assert slug == {"gpu-dev": "gpu-h100x1-80gb", "trainer": "gpu-h100x8-640gb"}


def test_read_records_skips_junk_and_temporary_files(tmp_path):
    assert read_records(LocalStore(tmp_path / "missing")) == {}
    (tmp_path / "junk.json").write_text("{nope")
    (tmp_path / "list.json").write_text("[1]")
    (tmp_path / ".tmp-x.json").write_text(json.dumps({"snapshot_id": "1"}))
    (tmp_path / "a.json").write_text(json.dumps({"snapshot_id": 7, "snapshot_name": "a"}))
    found = read_records(LocalStore(tmp_path))
    assert list(found) == ["7"] and found["7"].location.endswith("a.json")


def test_prune_plan_keeps_the_newest_per_droplet_and_only_gpuforge_snapshots():
    snaps = [api(i, f"gpu-dev-snapshot-2026010{i}-000000", days_ago=10 - i) for i in range(1, 5)]
    snaps += [api(10 + i, f"other-snapshot-2026010{i}-000000", days_ago=10 - i) for i in range(1, 3)]
    snaps += [api(20, "by-hand", days_ago=30, resource_id="5")]
    entries = merge(snaps, {}, {"5": "gpu-dev"})
    doomed = plan_prune(entries, policy=RetentionPolicy(keep_last=1), now=NOW)
    assert [e.id for e in doomed] == ["1", "11", "2", "3"]  # oldest first, by-hand untouched
    assert [e.id for e in plan_prune(entries, policy=RetentionPolicy(keep_last=1), now=NOW, droplet="other")] == ["11"]
    with_all = plan_prune(entries, policy=RetentionPolicy(keep_last=1), now=NOW, include_all=True, droplet="gpu-dev")
    assert [e.id for e in with_all] == ["20", "1", "2", "3"]
    assert [e.id for e in plan_prune(entries, policy=RetentionPolicy(max_age_seconds=8 * DAY), now=NOW)] == [
        "1",
        "11",
        "12",
        "2",
    ]


def test_the_gpuforge_tag_widens_what_is_shown_never_what_prune_reaches():
    tagged = {**api(30, "before-upgrade", days_ago=9, resource_id="5"), "tags": ["gpuforge", "gpu-dev"]}
    snaps = [tagged, api(31, "gpu-dev-snapshot-20260105-000000", days_ago=5)]
    entries = {e.id: e for e in merge(snaps, {}, {"5": "gpu-dev"})}
    assert (entries["30"].gpuforge, entries["30"].retainable) == (True, False)
    assert entries["30"].to_json(0.06)["gpuforge"] is True
    policy = RetentionPolicy(keep_last=1)
    assert plan_prune(list(entries.values()), policy=policy, now=NOW) == []
    assert [e.id for e in plan_prune(list(entries.values()), policy=policy, now=NOW, include_all=True)] == ["30"]
