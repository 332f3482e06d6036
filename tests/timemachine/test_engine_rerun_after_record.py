"""A re-run after a run that was interrupted *after* writing its record (the host killed during
retention, say: Pulumi still holds the guard and runs its Delete again). Found while building
tests/campaign: the droplet is still off and its newest action is that recorded snapshot, so the
re-run adopts it rather than taking a second one; a live droplet's recorded snapshot is not reused."""


def test_rerun_after_a_recorded_snapshot_of_an_off_droplet_takes_no_second_one(world):
    droplet = world.droplet()
    first = world.take(droplet["id"])  # the interrupted run: it got as far as the record

    again = world.take(droplet["id"])

    assert world.snapshot_posts() == 1 and len(world.snapshots_of(droplet["id"])) == 1
    assert again.how == "adopted" and again.snapshot_id == first.snapshot_id
    assert again.record_location == first.record_location
    assert len(list(world.directory.glob("*.json"))) == 1


def test_a_manual_snapshot_taken_live_is_not_reused_by_a_live_destroy(world):
    """Without power-off the droplet kept running after a recorded manual snapshot, so a destroy
    takes a new one."""
    droplet = world.droplet()
    world.take(droplet["id"], world.settings(power_off=False), trigger="manual")
    world.clock.advance(600)

    world.take(droplet["id"], world.settings(power_off=False))

    assert world.snapshot_posts() == 2 and len(world.snapshots_of(droplet["id"])) == 2
