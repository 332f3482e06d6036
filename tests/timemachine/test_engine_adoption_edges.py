"""Two holes found by mutating the engine one line at a time (each test fails on its mutation):

* retention told nothing about the snapshot it just adopted (``just_taken_id=""``): an off droplet whose
  record is written days after its snapshot, with ``maxAge`` shorter than that, lost the snapshot it was
  about to be deleted with;
* ``_find_snapshot`` ignoring the action's time window: after the droplet's newest snapshot was deleted
  by hand, a re-run adopted an older, unrelated snapshot instead of taking a new one.
"""

from __future__ import annotations

import pytest

from gpuforge.do_client import DoApi
from gpuforge.timemachine import take_snapshot
from gpuforge.timemachine.engine import RecordNotWritten
from gpuforge.timemachine.stores import LocalStore, RecordStoreError

DAY = 86_400.0


class BrokenStore(LocalStore):
    """A record store that cannot be written (a bucket with a wrong policy, a full disk)."""

    def write(self, record):  # type: ignore[no-untyped-def]
        raise RecordStoreError("Could not write the record: AccessDenied", hint="fix the store")


def interrupted_run(world, droplet_id: int, settings) -> str:
    """A destroy whose snapshot completed but whose record could not be written: the droplet is kept, off."""
    with pytest.raises(RecordNotWritten) as err:
        take_snapshot(
            DoApi("sim-token", world.sim.url),
            droplet_id,
            settings,
            clock=world.clock,
            report=world.lines.append,
            store=BrokenStore(world.directory),
        )
    return err.value.snapshot_id


def test_retention_never_deletes_the_snapshot_it_adopts_days_later(world):
    droplet = world.droplet()
    settings = world.settings(max_age_seconds=1 * DAY)
    snapshot_id = interrupted_run(world, droplet["id"], settings)
    world.clock.advance(3 * DAY)  # the store is fixed days later; the droplet stayed off

    outcome = world.take(droplet["id"], settings)

    assert outcome.how == "adopted" and outcome.snapshot_id == snapshot_id
    assert outcome.retention_deleted == ()
    assert int(snapshot_id) in world.sim.snapshots, "the adopted snapshot is the droplet's only copy"
    assert world.snapshot_posts() == 1


def test_a_rerun_does_not_adopt_an_older_unrelated_snapshot_after_the_newest_is_deleted_by_hand(world):
    droplet = world.droplet()
    unrelated = world.sim.add_snapshot(droplet["id"], name="gpu-dev-manual", created_at=world.clock.now() - 7 * DAY)
    settings = world.settings()
    newest = interrupted_run(world, droplet["id"], settings)
    DoApi("sim-token", world.sim.url).delete_snapshot(int(newest))  # someone deletes it in the console
    world.clock.advance(600)

    outcome = world.take(droplet["id"], settings)

    assert outcome.how == "taken" and world.snapshot_posts() == 2
    assert outcome.snapshot_id not in (str(unrelated["id"]), newest)
    assert int(outcome.snapshot_id) in world.sim.snapshots
