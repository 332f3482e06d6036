"""A real ``pulumi up`` / ``pulumi destroy`` through the Automation API, where a ``pulumi`` binary exists.

The program: a simulator droplet (a dynamic resource, as no provider plugin can be installed here)
and the guard on its id. Checks the order on the simulator: the snapshot is taken, and only then is
the droplet deleted.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from dosim import RealClock, Simulator
from gpuforge.guard import SnapshotGuard
from gpuforge.timemachine import SnapshotSettings

pytestmark = pytest.mark.skipif(
    shutil.which("pulumi") is None, reason="no `pulumi` binary on PATH: the Automation API drives the Pulumi CLI"
)

ROOT = Path(__file__).resolve().parents[2]


def program() -> None:
    from tests.guard.simdroplet import SimDroplet

    droplet = SimDroplet(
        "gpu-dev", {"name": "gpu-dev", "size": "gpu-h100x1-80gb", "region": "nyc2", "image": "gpu-h100x1-base"}
    )
    SnapshotGuard("gpu-dev-guard", droplet.id, SnapshotSettings("gpu-dev", region="nyc2", stack="auto"))


def test_up_then_destroy_snapshots_before_deleting(tmp_path: Path) -> None:
    from pulumi import automation as auto

    with Simulator(
        clock=RealClock(),
        rate_limiting=False,
        durations={"snapshot": 2.0, "shutdown": 0.3, "power_off": 0.2, "create": 0.5},
    ) as sim:
        backend = tmp_path / "state"
        backend.mkdir()
        workspace = auto.LocalWorkspaceOptions(
            work_dir=str(tmp_path),
            project_settings=auto.ProjectSettings(
                name="gpuforge-auto", runtime=auto.ProjectRuntimeInfo("python", {"virtualenv": sys.prefix})
            ),
            env_vars={
                "PULUMI_BACKEND_URL": backend.as_uri(),
                "PULUMI_CONFIG_PASSPHRASE": "test",
                "PYTHONPATH": str(ROOT),
            },
        )
        stack = auto.create_or_select_stack("auto", "gpuforge-auto", program, opts=workspace)
        stack.set_config("digitalocean:token", auto.ConfigValue(sim.token, secret=True))
        stack.set_config("digitalocean:apiEndpoint", auto.ConfigValue(sim.url))

        stack.up(on_output=print)
        (droplet_id,) = sim.droplets
        state = json.dumps(stack.export_stack().deployment)
        assert sim.token not in state

        stack.destroy(on_output=print)

        order = [
            (r.method, r.body.get("type") if isinstance(r.body, dict) else None)
            for r in sim.requests
            if r.method in ("POST", "DELETE") and str(droplet_id) in r.path
        ]
        assert order.index(("POST", "snapshot")) < order.index(("DELETE", None))
        assert len([s for s in sim.snapshots.values() if s["resource_id"] == str(droplet_id)]) == 1
        assert len(list((tmp_path / "snapshots").glob("gpu-dev-snapshot-*.json"))) == 1
        assert droplet_id not in sim.droplets
