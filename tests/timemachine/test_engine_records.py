"""The engine's tags and record store: tagged on completion, a record that cannot be written fails the run
naming the snapshot, which the next run adopts (never a second snapshot)."""

from __future__ import annotations

import pytest

from gpuforge.timemachine.engine import RecordNotWritten
from gpuforge.timemachine.stores import open_store
from tests.s3server import SPACES_ENV

TAGS = ["gpuforge", "gpuforge-droplet-gpu-dev", "gpuforge-stack-dev"]


def test_the_snapshot_is_tagged_and_a_rerun_tags_nothing_again(world):
    droplet = world.droplet()
    outcome = world.take(droplet["id"])
    assert world.sim.snapshots[int(outcome.snapshot_id)]["tags"] == TAGS
    tagging = world.sim.count("POST", "/v2/tags/{tag}/resources")
    assert tagging == 6  # each tag is created on first use: 404, POST /v2/tags, again
    world.take(droplet["id"], world.settings(snapshot_name="gpu-dev-again"))
    assert world.sim.count("POST", "/v2/tags/{tag}/resources") == tagging + 3


def test_a_tagging_failure_is_only_a_warning(world):
    droplet = world.droplet()
    world.sim.faults.add("503", "POST /v2/tags/{tag}/resources", probability=1.0)
    outcome = world.take(droplet["id"])
    assert outcome.how == "taken" and world.sim.snapshots[int(outcome.snapshot_id)]["tags"] == []
    assert any(line.startswith(f"⚠️ Snapshot {outcome.snapshot_id} was not tagged gpuforge") for line in world.lines)
    assert world.lines[-1].startswith("Snapshot log saved to:")


@pytest.mark.parametrize("power_off", [True, False], ids=["powered-off", "live"])
def test_a_refused_record_fails_naming_the_snapshot_and_the_rerun_adopts_it(world, bucket, power_off):
    droplet = world.droplet()
    store = open_store(bucket.spec(), directory="unused", config=None, env=SPACES_ENV)
    bucket.deny("s3:PutObject")
    with pytest.raises(RecordNotWritten) as err:
        world.take(droplet["id"], world.settings(power_off=power_off), store=store)
    (snapshot,) = world.snapshots_of(droplet["id"])
    assert str(err.value).startswith(f"Could not write the snapshot record to {store.where}: AccessDenied — ")
    assert f"the snapshot {snapshot['id']} ({snapshot['name']}) exists" in str(err.value)
    assert "run `pulumi destroy` again" in str(err.value) and bucket.objects() == {}

    bucket.client.delete_bucket_policy(Bucket=bucket.name)
    world.clock.advance(300)
    outcome = world.take(droplet["id"], world.settings(power_off=power_off), store=store)
    assert outcome.how == "adopted" and outcome.snapshot_id == snapshot["id"] and world.snapshot_posts() == 1
    (record,) = bucket.objects().values()
    assert record["snapshot_id"] == snapshot["id"] and outcome.record_location == store.find(snapshot["id"])
