"""The provider reference is a contract: the ``__provider`` blob recorded from this release, loaded by the
SDK's dynamic provider host (``python -m pulumi.dynamic``) and used to delete against the simulator.

Every stack's state holds the blob by reference (module + class name), and ``pulumi up`` never rewrites
``__provider`` of an unchanged guard (Pulumi issue #6238; docs/DESIGN.md, "Serialization"). If
``SnapshotGuardProvider`` ever moves, a shim must keep ``gpuforge.guard.SnapshotGuardProvider`` importable.
"""

from __future__ import annotations

import base64
import pickletools
from pathlib import Path

from tests.guard.conftest import small_program
from tests.guard.test_host import created, snapshot_posts, snapshots_of

GOLDEN = (Path(__file__).parent / "data" / "snapshot-guard-provider.b64").read_text().strip()


def reference(blob: str) -> list[str]:
    """The strings a pickle names (module and class of a pickle by reference)."""
    return [arg for op, arg, _ in pickletools.genops(base64.b64decode(blob)) if op.name == "SHORT_BINUNICODE"]


def test_the_golden_blob_is_the_reference_to_the_guard_provider():
    assert reference(GOLDEN) == ["gpuforge.guard", "SnapshotGuardProvider"]


def test_the_program_still_registers_the_same_reference(capture_guard_inputs):
    from gpuforge.timemachine import SnapshotSettings

    inputs = capture_guard_inputs(small_program(SnapshotSettings("gpu-dev")), droplet_id="7")
    assert reference(inputs["__provider"]) == reference(GOLDEN)


def test_a_guard_stored_with_the_golden_blob_snapshots_through_the_host(sim, start_host, guard):
    made = guard()
    inputs = {**made["inputs"], "__provider": GOLDEN}
    host = start_host()
    resource_id, outs = created(host, inputs)
    assert outs["__provider"] == GOLDEN
    host.delete(resource_id, outs)
    assert snapshot_posts(sim) == 1 and len(snapshots_of(sim, made["droplet"])) == 1
    assert made["droplet"]["id"] in sim.droplets
