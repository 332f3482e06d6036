"""The core against the simulator in-process: one ManualClock for both, so a 10-minute snapshot takes milliseconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import pytest

from dosim import ManualClock, Simulator
from gpuforge.do_client import DoApi
from gpuforge.timemachine import SnapshotOutcome, SnapshotSettings, take_snapshot

SNAPSHOT_POSTS = ("POST", "/v2/droplets/{id}/actions")


@dataclass
class World:
    sim: Simulator
    clock: ManualClock
    directory: Path
    lines: list[str] = field(default_factory=list)

    def droplet(self, name: str = "gpu-dev", **kwargs: Any) -> dict[str, Any]:
        return self.sim.add_droplet(name=name, size="gpu-h100x1-80gb", region="nyc2", **kwargs)

    def settings(self, name: str = "gpu-dev", **kwargs: Any) -> SnapshotSettings:
        return SnapshotSettings(name, directory=str(self.directory), **kwargs)

    def take(
        self, droplet_id: int, settings: SnapshotSettings | None = None, token: str = "sim-token", **kwargs: Any
    ) -> SnapshotOutcome:
        return take_snapshot(
            DoApi(token, self.sim.url),
            droplet_id,
            settings or self.settings(),
            clock=self.clock,
            report=self.lines.append,
            **kwargs,
        )

    def snapshot_posts(self) -> int:
        return self.sim.count(*SNAPSHOT_POSTS, body_type="snapshot")

    def snapshots_of(self, droplet_id: int) -> list[dict[str, Any]]:
        return [s for s in self.sim.snapshots.values() if s["resource_id"] == str(droplet_id)]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = ManualClock(start=1_790_000_000.0)
    with Simulator(
        clock=clock, rate_limiting=False, seed=0, durations={"snapshot": 600.0, "shutdown": 5.0, "power_off": 2.0}
    ) as sim:
        yield World(sim, clock, tmp_path / "snapshots")
