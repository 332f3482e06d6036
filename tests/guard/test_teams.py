"""The guard and DigitalOcean teams, through the SDK's dynamic provider host against the simulator.

A token belongs to one team; under another team's token a droplet answers 404 like a deleted one, and
the provider's own delete sees the same (docs/DESIGN.md, "Tokens and teams"). The guard records its
team when created and refuses to conclude "gone" under another team's token.
"""

from __future__ import annotations

import pytest

from gpuforge.teams import TEAM_OUTPUTS
from tests.guard.test_host import created, failed_delete, snapshot_posts, snapshots_of

OTHER_TOKEN = "dop_v1_OTHER_TEAM_TOKEN_0123456789"


@pytest.fixture
def other_team(sim):
    return sim.add_team(OTHER_TOKEN, "Personal")


def test_create_records_the_team_of_the_token(sim, start_host, guard):
    made = guard()
    _, outs = created(start_host(), made["inputs"])
    assert (outs["team_uuid"], outs["team_name"]) == (sim.team["uuid"], sim.team["name"])


def test_another_teams_token_stops_the_destroy_with_nothing_posted(sim, start_host, guard, other_team):
    made = guard()
    resource_id, outs = created(start_host(), made["inputs"])
    for config in (
        {"digitalocean:token": OTHER_TOKEN, "digitalocean:apiEndpoint": sim.url},
        {"digitalocean:apiEndpoint": sim.url},  # the other team's token in DIGITALOCEAN_TOKEN
    ):
        host = start_host(config=config, env={"DIGITALOCEAN_TOKEN": OTHER_TOKEN})
        details = failed_delete(host, resource_id, outs)
        assert len(details.strip().splitlines()) == 1
        assert f"'Personal' ({other_team['uuid']})" in details and f"'GPUForge' ({sim.team['uuid']})" in details
        assert f"droplet {made['droplet']['id']} (gpu-dev)" in details and "pulumi destroy" in details
        assert "nothing to snapshot" not in host.stderr
    assert made["droplet"]["id"] in sim.droplets and sim.droplets[made["droplet"]["id"]]["status"] == "active"
    assert snapshot_posts(sim) == 0 and sim.count("POST") == 0


def test_another_teams_token_stops_the_destroy_even_with_continue(sim, start_host, guard, other_team):
    """`continue` lets a failed snapshot through; a wrong team is not a failed snapshot: the provider's
    delete would run under the same token and forget a droplet that still runs."""
    made = guard(on_failure="continue")
    resource_id, outs = created(start_host(), made["inputs"])
    host = start_host(config={"digitalocean:token": OTHER_TOKEN, "digitalocean:apiEndpoint": sim.url})
    assert "Personal" in failed_delete(host, resource_id, outs)
    assert made["droplet"]["id"] in sim.droplets and snapshot_posts(sim) == 0


def test_same_team_and_droplet_deleted_outside_pulumi_counts_as_gone(sim, start_host, guard):
    made = guard()
    resource_id, outs = created(start_host(), made["inputs"])
    sim.delete_droplet_now(made["droplet"]["id"])
    host = start_host()
    host.delete(resource_id, outs)
    assert "nothing to snapshot" in host.stderr and snapshot_posts(sim) == 0


def test_a_guard_created_before_teams_were_recorded_behaves_as_before_with_a_warning(
    sim, start_host, guard, other_team
):
    """State written by the previous release has no team outputs: a 404 is still "gone", with a warning."""
    made = guard()
    resource_id, outs = created(start_host(), made["inputs"])
    old_outs = {k: v for k, v in outs.items() if k not in TEAM_OUTPUTS}
    host = start_host(config={"digitalocean:token": OTHER_TOKEN, "digitalocean:apiEndpoint": sim.url})
    host.delete(resource_id, old_outs)
    assert "nothing to snapshot" in host.stderr
    assert "has no DigitalOcean team recorded" in host.stderr and "`pulumi up`" in host.stderr
    assert made["droplet"]["id"] in sim.droplets and snapshot_posts(sim) == 0

    # and under the right token it snapshots as before, with the same warning
    right = start_host()
    right.delete(resource_id, old_outs)
    assert len(snapshots_of(sim, made["droplet"])) == 1 and "no DigitalOcean team recorded" in right.stderr


def test_pulumi_up_records_the_team_of_an_old_guard(sim, start_host, guard):
    """Diff reports an update (not a replacement) for a guard without a team; Update records it."""
    from pulumi.runtime.proto import provider_pb2

    made = guard()
    host = start_host()
    resource_id, outs = created(host, made["inputs"])
    old_outs = {k: v for k, v in outs.items() if k not in TEAM_OUTPUTS}
    diff = host.diff(resource_id, old_outs, made["inputs"])
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.replaces) == []
    assert host.diff(resource_id, outs, made["inputs"]).changes == provider_pb2.DiffResponse.DIFF_NONE
    updated = host.update(resource_id, old_outs, made["inputs"])
    assert updated["team_uuid"] == sim.team["uuid"]
