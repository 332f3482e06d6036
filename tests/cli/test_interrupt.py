"""Ctrl-C during ``gpuforge snapshot take``, through the installed console script and a real SIGINT.

Whatever typer does with a KeyboardInterrupt (typer 0.29 turns it into exit code 130 before the
root group's handler sees it), the command itself reports what it left behind at DigitalOcean and the
command that finishes the job; that command resumes the snapshot and powers the droplet back on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dosim import RealClock, Simulator
from gpuforge.cli.power_notes import has_note
from gpuforge.cli.snapshot import EXIT_INTERRUPTED, interrupted_message

SCRIPT = Path(sys.executable).parent / "gpuforge"
ACTIONS = "/v2/droplets/{id}/actions"


@pytest.fixture
def real_sim() -> Iterator[Simulator]:
    """A simulator on the real clock: a 6-second snapshot, quick power actions."""
    durations = {"shutdown": 0.5, "power_off": 0.5, "power_on": 0.5, "snapshot": 6.0, "create": 3.0}
    with Simulator(RealClock(), rate_limiting=False, durations=durations) as simulator:
        yield simulator


def start(sim: Simulator, *args: str) -> subprocess.Popen[str]:
    assert SCRIPT.exists(), f"{SCRIPT} is missing: run `pip install -e .` in the virtualenv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGITALOCEAN_")}
    env.update(DIGITALOCEAN_TOKEN=sim.token, DIGITALOCEAN_API_URL=sim.url, PYTHONUNBUFFERED="1")
    return subprocess.Popen([str(SCRIPT), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def read_until(proc: subprocess.Popen[str], marker: str, timeout: float = 30.0) -> list[str]:
    """stdout lines up to and including the one containing ``marker``."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return lines
    proc.kill()
    raise AssertionError(f"{marker!r} never came; stdout so far: {''.join(lines)!r}")


def test_ctrl_c_mid_wait_says_what_was_left_and_the_rerun_finishes_with_the_droplet_on(real_sim, tmp_path):
    sim = real_sim
    droplet = sim.add_droplet("gpu-dev", region="nyc2", tags=["gpuforge"])
    records = str(tmp_path / "snapshots")
    proc = start(sim, "snapshot", "take", "gpu-dev", "--snapshot-dir", records)
    read_until(proc, "Waiting for snapshot to complete...")
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)

    assert proc.returncode == EXIT_INTERRUPTED
    assert "Traceback" not in stdout + stderr
    (line,) = stderr.splitlines()
    snapshot_action = next(a for a in sim.actions.values() if a["type"] == "snapshot")
    assert line.startswith("Interrupted: ")
    assert f"snapshot action {snapshot_action['id']} of droplet {droplet['id']} (gpu-dev) goes on" in line
    assert "the droplet is off" in line
    rerun = f"gpuforge snapshot take {droplet['id']} --snapshot-dir {records}"
    assert f"run `{rerun}` to finish" in line and "powers the droplet back on" in line
    assert sim.droplets[droplet["id"]]["status"] == "off"

    again = start(sim, *rerun.split()[1:])
    stdout, stderr = again.communicate(timeout=60)
    assert again.returncode == 0, stderr
    assert f"Snapshot action {snapshot_action['id']} already in progress" in stdout
    assert "back on" in stdout and "resumed" in stdout
    assert sim.count("POST", ACTIONS, body_type="snapshot") == 1
    assert len(sim.snapshots) == 1 and len(list(Path(records).glob("*.json"))) == 1
    assert sim.droplets[droplet["id"]]["status"] == "active"


def test_ctrl_c_while_a_new_droplet_boots_leaves_it_on_and_says_nothing_was_started(real_sim, tmp_path):
    sim = real_sim
    droplet = sim.add_droplet("gpu-new", region="nyc2", status="new")  # its create action takes 3 s
    proc = start(sim, "snapshot", "take", "gpu-new", "--snapshot-dir", str(tmp_path))
    read_until(proc, "waiting for it before shutting down")
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == EXIT_INTERRUPTED and "Traceback" not in stdout + stderr
    (line,) = stderr.splitlines()
    assert "create action" in line and "no snapshot was started" in line
    assert sim.count("POST", ACTIONS) == 0  # nothing was shut down
    assert not has_note(droplet["id"])  # never powered down: a later take of it powered off keeps it off
    time.sleep(3.5)
    assert sim.droplets[droplet["id"]]["status"] == "active"


DROPLET = {"id": 7, "name": "gpu-dev"}
RERUN = "`gpuforge snapshot take 7`"


def test_the_interrupted_line_for_each_stage():
    def line(actions, status, stage="snapshot", powers_on=True):
        return interrupted_message(
            DROPLET, actions, {"status": status} if status else {}, stage=stage, powers_on=powers_on, rerun=RERUN
        )

    snapshot = {"id": 21, "type": "snapshot", "status": "in-progress"}
    assert line([snapshot], "off") == (
        "Interrupted: snapshot action 21 of droplet 7 (gpu-dev) goes on at DigitalOcean and the droplet is off — "
        "run `gpuforge snapshot take 7` to finish: it waits for that snapshot (no second one), records it and "
        "powers the droplet back on"
    )
    shutdown = {"id": 20, "type": "shutdown", "status": "in-progress"}
    assert "shutdown action 20 of droplet 7 (gpu-dev) goes on, no snapshot was started" in line([shutdown], "active")
    assert line([], None, powers_on=False).endswith("it takes (or adopts) the snapshot, records it")
    assert "the droplet's state could not be read" in line([], None)
    power_on = {"id": 22, "type": "power_on", "status": "in-progress"}
    assert "power_on action 22 goes on" in line([power_on], "off", stage="power-on")
    assert "it adopts that snapshot (no second one) and powers the droplet on" in line([], "off", stage="power-on")
