"""``gpuforge snapshots …`` against the simulator, through the real app."""

from __future__ import annotations

import json

import pytest

from dosim import Simulator
from tests.cli.conftest import DAY, assert_one_line_error, automatic, parsed, record_for

SNAPSHOTS = "/v2/snapshots"


@pytest.fixture
def fleet(sim: Simulator, records):
    """gpu-dev (alive) with four automatic snapshots, a custom-named one with a record, a hand-made one,
    and a snapshot of a droplet that is gone."""
    dev = sim.add_droplet("gpu-dev", region="nyc2")
    auto = [automatic(sim, "gpu-dev", days, droplet_id=dev["id"]) for days in (40, 20, 10, 1)]
    custom = sim.add_snapshot(
        droplet_id=dev["id"], name="llama-tuned-v1", created_at=sim.clock.now() - 5 * DAY, size_gigabytes=50.0
    )
    record_for(records, custom, "gpu-dev", droplet_id=str(dev["id"]))
    by_hand = sim.add_snapshot(
        droplet_id=dev["id"], name="before-upgrade", created_at=sim.clock.now() - 60 * DAY, size_gigabytes=30.0
    )
    orphan = sim.add_snapshot(
        droplet_id=400_000_000,
        name="old-box",
        created_at=sim.clock.now() - 90 * DAY,
        size_gigabytes=10.0,
        regions=["tor1"],
    )
    return {"dev": dev, "auto": auto, "custom": custom, "by_hand": by_hand, "orphan": orphan}


def ids(items) -> list[str]:
    return [str(i["id"]) for i in items]


def test_list_over_a_thousand_snapshots_pages_at_200(sim, gpuforge):
    for i in range(1050):
        automatic(sim, f"gpu-{i % 7}", days_ago=i / 100)
    body = parsed(gpuforge("snapshots", "list", "--json"))
    assert body["count"] == 1050 and len({s["id"] for s in body["snapshots"]}) == 1050
    assert body["monthly_cost_usd"] == pytest.approx(1050 * 25 * 0.06)
    pages = sim.find_requests("GET", SNAPSHOTS)
    assert len(pages) == 6 and {r.query["per_page"] for r in pages} == {"200"}
    assert len(sim.requests) == 6  # automatic names: no droplet look-up at all


def test_list_merges_records_and_names_droplets_with_one_extra_request(sim, gpuforge, fleet):
    body = parsed(gpuforge("snapshots", "list", "--json"))
    by_id = {s["id"]: s for s in body["snapshots"]}
    custom, by_hand, orphan = (by_id[str(fleet[k]["id"])] for k in ("custom", "by_hand", "orphan"))
    assert custom["gpuforge"] and custom["record"].endswith("llama-tuned-v1.json") and custom["droplet"] == "gpu-dev"
    assert not by_hand["gpuforge"] and by_hand["droplet"] == "gpu-dev"  # from resource_id via the droplet list
    assert orphan["droplet"] is None and orphan["droplet_id"] == "400000000"
    assert [s["id"] for s in body["snapshots"]][:2] == ids(fleet["auto"][-1:]) + ids([fleet["custom"]])
    assert sim.count("GET", SNAPSHOTS) == 1 and sim.count("GET", "/v2/droplets") == 1 and len(sim.requests) == 2


def test_list_table_filters_and_totals(gpuforge, fleet):
    result = gpuforge("snapshots", "list", "--droplet", "gpu-dev", "--older-than", "15d")
    assert result.exit_code == 0, result.stderr
    assert "gpu-dev-snapshot-" in result.stdout and "before-upgrade *" in result.stdout
    assert "llama-tuned-v1" not in result.stdout and "old-box" not in result.stdout
    assert "3 snapshots" in result.stdout and "80 GB" in result.stdout and "$4.80" in result.stdout
    assert "not a GPUForge snapshot" in result.stdout
    assert gpuforge("snapshots", "list", "--droplet", "nope").stdout.strip() == "No snapshots of droplet nope."


def test_show_by_id_name_and_record_only(sim, gpuforge, fleet, records):
    body = parsed(gpuforge("snapshots", "show", "llama-tuned-v1", "--json"))
    assert body["record"]["droplet_name"] == "gpu-dev" and body["digitalocean"]["name"] == "llama-tuned-v1"
    assert body["droplet_status"] == "active"
    assert parsed(gpuforge("snapshots", "show", str(fleet["orphan"]["id"]), "--json"))["droplet_status"] == "deleted"
    text = gpuforge("snapshots", "show", str(fleet["custom"]["id"])).stdout
    assert "Record " in text and "gpu-h100x1-80gb" in text and "$3.00" in text
    assert gpuforge("snapshots", "delete", str(fleet["custom"]["id"]), "--yes").exit_code == 0  # the record stays
    gone = gpuforge("snapshots", "show", "llama-tuned-v1")
    assert gone.exit_code == 0 and "no: deleted (only the record is left)" in gone.stdout


def test_show_unknown_snapshot_is_one_line(gpuforge, fleet):
    assert_one_line_error(gpuforge("snapshots", "show", "nothing-like-it"), "No snapshot 'nothing-like-it'")
    assert_one_line_error(gpuforge("snapshots", "show", "123"), "No snapshot '123'")


def test_delete_asks_first(sim, gpuforge, fleet):
    target = str(fleet["by_hand"]["id"])
    declined = gpuforge("snapshots", "delete", target, input="n\n")
    assert declined.exit_code == 1 and "before-upgrade" in declined.stdout and "Nothing was deleted" in declined.stderr
    assert sim.count("DELETE") == 0
    accepted = gpuforge("snapshots", "delete", target, input="y\n")
    assert accepted.exit_code == 0 and "Deleted before-upgrade" in accepted.stdout
    assert int(target) not in sim.snapshots


def test_delete_checks_every_id_before_deleting_any(sim, gpuforge, fleet):
    result = gpuforge("snapshots", "delete", str(fleet["orphan"]["id"]), "999", "--yes")
    assert_one_line_error(result, "No snapshot with id 999", "nothing was deleted")
    assert sim.count("DELETE") == 0
    assert_one_line_error(gpuforge("snapshots", "delete", "old-box", "--yes"), "is not a snapshot id")


def test_prune_deletes_exactly_what_the_dry_run_listed(sim, gpuforge, fleet):
    dry = parsed(gpuforge("snapshots", "prune", "--keep-last", "2", "--json"))
    assert dry["dry_run"] and dry["deleted"] == [] and sim.count("DELETE") == 0
    planned = [s["id"] for s in dry["snapshots"]]
    # gpu-dev's GPUForge snapshots, newest first: auto 1d, custom 5d, auto 10d, 20d, 40d; the hand-made one stays
    assert planned == ids([fleet["auto"][0], fleet["auto"][1], fleet["auto"][2]])
    assert dry["monthly_cost_usd"] == pytest.approx(4.5)
    done = parsed(gpuforge("snapshots", "prune", "--keep-last", "2", "--yes", "--json"))
    assert done["deleted"] == planned and not done["dry_run"]
    assert sorted(r.path.rsplit("/", 1)[-1] for r in sim.find_requests("DELETE")) == sorted(planned)
    assert str(fleet["by_hand"]["id"]) not in planned and int(fleet["by_hand"]["id"]) in sim.snapshots
    assert parsed(gpuforge("snapshots", "prune", "--keep-last", "2", "--json"))["snapshots"] == []


def test_prune_table_says_what_it_would_save_and_all_widens_the_scope(gpuforge, fleet):
    dry = gpuforge("snapshots", "prune", "--older-than", "30d")
    assert dry.exit_code == 0 and "Would delete 1 snapshot(s) (25 GB), saving $1.50/month" in dry.stdout
    assert "Run again with --yes" in dry.stdout
    wide = parsed(gpuforge("snapshots", "prune", "--older-than", "30d", "--all", "--json"))
    assert {s["id"] for s in wide["snapshots"]} == set(ids([fleet["auto"][0], fleet["by_hand"], fleet["orphan"]]))
    only_orphan = parsed(
        gpuforge("snapshots", "prune", "--older-than", "1d", "--all", "--droplet", "400000000", "--json")
    )
    assert [s["id"] for s in only_orphan["snapshots"]] == ids([fleet["orphan"]])


def test_prune_says_what_it_left_alone_and_how_to_include_it(sim, gpuforge):
    tagged = sim.add_snapshot(
        name="before-upgrade",
        droplet_name="gpu-dev",
        regions=["nyc2"],
        tags=["gpuforge"],
        created_at=sim.clock.now() - 40 * DAY,
    )
    dry = gpuforge("snapshots", "prune", "--older-than", "30d")
    assert dry.exit_code == 0 and sim.count("DELETE") == 0
    assert (
        f"Left alone: 1 snapshot(s) the rules would reach but that have neither a record nor an automatic name "
        f"(1 tagged gpuforge): before-upgrade ({tagged['id']}). Add --all to include them."
    ) in dry.stdout
    assert "Nothing else to prune." in dry.stdout and "Nothing to prune." not in dry.stdout
    body = parsed(gpuforge("snapshots", "prune", "--older-than", "30d", "--json"))
    assert body["snapshots"] == [] and body["skipped_without_all"] == [tagged["id"]]
    wide = parsed(gpuforge("snapshots", "prune", "--older-than", "30d", "--all", "--json"))
    assert [s["id"] for s in wide["snapshots"]] == [tagged["id"]] and wide["skipped_without_all"] == []
    assert "Left alone" not in gpuforge("snapshots", "prune", "--older-than", "60d").stdout


def test_prune_needs_a_rule(gpuforge):
    assert_one_line_error(gpuforge("snapshots", "prune"), "--keep-last N and/or --older-than D")
    assert_one_line_error(gpuforge("snapshots", "prune", "--older-than", "soon"), "--older-than", "not a duration")
    assert_one_line_error(gpuforge("snapshots", "prune", "--keep-last", "0"), "--keep-last")


def test_cost_per_droplet_beside_running_cost(sim, gpuforge, fleet):
    body = parsed(gpuforge("snapshots", "cost", "--json", "--rate", "0.05"))
    rows = {row["droplet"]: row for row in body["droplets"]}
    dev = rows["gpu-dev"]
    assert (dev["snapshots"], dev["size_gigabytes"], dev["status"]) == (6, 180.0, "active")
    assert dev["snapshots_monthly_usd"] == pytest.approx(9.0)
    assert dev["running_monthly_usd"] == pytest.approx(3.39 * 672)  # from /v2/sizes
    assert rows["400000000"]["status"] == "deleted" and rows["400000000"]["running_monthly_usd"] is None
    assert body["total"]["snapshots"] == 7 and body["total"]["snapshots_monthly_usd"] == pytest.approx(9.5)
    assert sim.count("GET", "/v2/sizes") == 1
    table = gpuforge("snapshots", "cost").stdout
    assert "gpu-dev" in table and "$2,278.08" in table and "total" in table


def test_no_token_is_one_line(gpuforge):
    assert_one_line_error(gpuforge("snapshots", "list", token=None), "No DigitalOcean token", "DIGITALOCEAN_TOKEN")


def test_refused_token_is_one_line(gpuforge, fleet):
    assert_one_line_error(gpuforge("snapshots", "list", token="wrong"), "token was refused (401)")


def test_read_only_token_cannot_delete(sim, gpuforge, fleet):
    result = gpuforge("snapshots", "delete", str(fleet["orphan"]["id"]), "--yes", token="sim-ro-token")
    assert_one_line_error(result, "lacks a scope (403)", "0 of 1 deleted")
    assert int(fleet["orphan"]["id"]) in sim.snapshots


def test_a_429_storm_gives_up_after_a_few_attempts(sim, gpuforge, fleet):
    sim.faults.add("429", "GET /v2/snapshots", probability=1.0, retry_after=0)
    result = gpuforge("snapshots", "list")
    *retries, error = result.stderr.strip().splitlines()
    assert len(retries) == 4 and all("answered 429" in r and "retrying in" in r for r in retries)
    assert result.exit_code == 1 and "429" in error and "still failing after 5 attempts" in error
    assert sim.count("GET", SNAPSHOTS) == 5


def test_a_passing_429_is_retried_transparently(sim, gpuforge, fleet):
    sim.faults.add("429", "GET /v2/snapshots", times=2, retry_after=0)
    sim.faults.add("503", "DELETE /v2/snapshots/{id}", times=1)
    assert len(parsed(gpuforge("snapshots", "list", "--json"))["snapshots"]) == 7
    assert parsed(gpuforge("snapshots", "delete", str(fleet["orphan"]["id"]), "--yes", "--json"))["count"] == 1


def test_usage_errors_are_one_short_line(gpuforge):
    assert_one_line_error(gpuforge("snapshots", "lst", dir_option=False), "No such command 'lst'", "--help")
    assert_one_line_error(gpuforge("snapshots", "list", "--bogus"), "No such option: --bogus")


def test_json_is_plain_json_even_with_wide_values(gpuforge, fleet):
    body = parsed(gpuforge("snapshots", "list", "--json"))
    assert json.dumps(body)  # round-trips, no table characters leaked into it
    assert set(body) == {"snapshots", "count", "size_gigabytes", "monthly_cost_usd"}


@pytest.mark.parametrize("rate", ["inf", "-inf", "nan", "-1"])
def test_a_rate_that_is_not_a_price_is_a_usage_error(gpuforge, sim, rate):
    """Found by the bad-input campaign: --rate inf once printed Infinity, which is not JSON."""
    result = gpuforge("snapshots", "cost", "--rate", rate, "--json")
    assert result.exit_code == 2 and "--rate" in result.stderr and result.stdout == ""
    assert sim.requests == []
