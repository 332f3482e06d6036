"""Found by the reliability campaign (tests/campaign): a droplet deleted by someone else *while* the
time machine works on it. It is gone, so there is nothing left to snapshot: the run says so and
succeeds, as when it is already gone at the start, instead of failing with a bare 404 or with an
"errored" snapshot whose message claims the droplet was kept."""


def test_droplet_deleted_just_after_it_was_read_is_not_an_error(world):
    droplet = world.droplet(status="off")
    world.sim.faults.add("droplet_vanishes", droplet_id=droplet["id"], after_requests=1)  # after the first GET

    outcome = world.take(droplet["id"])

    assert outcome.how == "droplet-gone" and outcome.snapshot_id is None
    assert world.snapshot_posts() == 0 and droplet["id"] not in world.sim.droplets
    assert any("was deleted while" in line and "nothing left to snapshot" in line for line in world.lines), world.lines


def test_droplet_deleted_during_the_snapshot_is_not_reported_as_kept(world):
    droplet = world.droplet(status="off")
    world.sim.faults.add("droplet_vanishes", droplet_id=droplet["id"], at_time=world.clock.now() + 120)

    outcome = world.take(droplet["id"])

    assert outcome.how == "droplet-gone" and outcome.snapshot_id is None
    assert world.snapshot_posts() == 1 and world.snapshots_of(droplet["id"]) == []
    (action,) = [a for a in world.sim.actions.values() if a["type"] == "snapshot"]
    assert action["status"] == "errored"
    assert not (world.directory.exists() and any(world.directory.iterdir()))
    assert any("was deleted while" in line for line in world.lines), world.lines


def test_droplet_deleted_after_its_snapshot_completed_still_gets_the_record(world):
    droplet = world.droplet(status="off")
    # Completes at +600 s; the droplet goes half a second later, before the engine's next poll sees it.
    world.sim.faults.add("droplet_vanishes", droplet_id=droplet["id"], at_time=world.clock.now() + 600.5)

    outcome = world.take(droplet["id"])

    assert droplet["id"] not in world.sim.droplets
    assert outcome.how == "taken" and outcome.snapshot_id is not None and world.snapshot_posts() == 1
    (path,) = world.directory.glob("*.json")
    assert outcome.snapshot_id in path.read_text()
