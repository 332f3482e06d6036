"""The CLI against the simulator: typer's CliRunner on the real app, one ManualClock for both."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from dosim import ManualClock, Simulator
from gpuforge.cli import app
from gpuforge.cli.runtime import Runtime
from gpuforge.timemachine.naming import render_name
from gpuforge.timemachine.records import SnapshotRecord, write_record

DAY = 86_400.0
Run = Callable[..., Result]


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """The snapshot directory the commands read (``--snapshot-dir``); it exists, as after a first record."""
    directory = tmp_path / "snapshots"
    directory.mkdir()
    return directory


@pytest.fixture
def gpuforge(sim: Simulator, manual_clock: ManualClock, records: Path) -> Run:
    """``gpuforge(*args, token=..., input=...)``: run the app against ``sim``; ``--snapshot-dir`` is added."""

    def run(*args: str, token: str | None = "sim-token", input: str | None = None, dir_option: bool = True) -> Result:
        env = {"DIGITALOCEAN_API_URL": sim.url, "DIGITALOCEAN_TOKEN": token, "DIGITALOCEAN_ACCESS_TOKEN": None}
        extra = ["--snapshot-dir", str(records)] if dir_option else []
        return CliRunner().invoke(app, [*args, *extra], env=env, input=input, obj=Runtime(clock=manual_clock))

    return run


def automatic(
    sim: Simulator, droplet: str, days_ago: float, *, droplet_id: int | None = None, size: float = 25.0
) -> dict[str, Any]:
    """Seed a snapshot with GPUForge's automatic name for ``droplet``, taken ``days_ago``."""
    when = sim.clock.now() - days_ago * DAY
    return sim.add_snapshot(
        droplet_id=droplet_id,
        name=render_name(f"{droplet}-snapshot-[timestamp]", when),
        created_at=when,
        size_gigabytes=size,
        droplet_name=droplet,
        regions=["nyc2"],
    )


def record_for(
    directory: Path,
    snapshot: dict[str, Any],
    droplet: str,
    droplet_id: str = "412345678",
    gpu_size: str = "gpu-h100x1-80gb",
) -> Path:
    """Write the record GPUForge would have written for ``snapshot``."""
    return write_record(
        directory,
        SnapshotRecord(
            snapshot_name=snapshot["name"],
            snapshot_id=str(snapshot["id"]),
            droplet_id=droplet_id,
            droplet_name=droplet,
            action_id="1",
            status="completed",
            created_at=snapshot["created_at"],
            started_at=snapshot["created_at"],
            completed_at=snapshot["created_at"],
            duration_seconds=60.0,
            size_gigabytes=snapshot["size_gigabytes"],
            min_disk_size=720,
            regions=snapshot["regions"],
            region="nyc2",
            gpu_size=gpu_size,
            image="gpu-h100x1-base",
            project="gpuforge",
            stack="dev",
            trigger="destroy",
            estimated_monthly_cost_usd=0.0,
        ),
    )


def parsed(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def assert_one_line_error(result: Result, *fragments: str) -> None:
    """A non-zero exit with exactly one line on stderr, mentioning ``fragments``, and no traceback."""
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]
