"""Scheduled snapshots (README "Scheduled snapshots"): the GitHub Actions workflow is valid by GitHub's schema,
and its commands — and the README's cron line — do what they promise against the simulator."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.cli.conftest import automatic

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "examples" / "scheduled-snapshots" / "github-actions.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def workflow_commands(droplet: str) -> list[list[str]]:
    """The workflow's ``gpuforge`` steps, with the matrix value filled in, as argument lists."""
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    assert droplet in job["strategy"]["matrix"]["droplet"]
    runs = [step["run"].replace("${{ matrix.droplet }}", droplet) for step in job["steps"] if "run" in step]
    return [shlex.split(run)[1:] for run in runs if run.startswith("gpuforge ")]


def cron_commands() -> list[list[str]]:
    """The README's crontab line: its schedule checked, its ``gpuforge`` commands as argument lists."""
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Scheduled snapshots\n", 1)[1].split("\n## ", 1)[0]
    (line,) = [ln for ln in section.splitlines() if re.match(r"^[0-9*/,-]+( [0-9*/,-]+){4} ", ln)]
    assert line.split()[:5] == ["17", "3", "*", "*", "*"]
    commands = re.findall(r"venv/bin/gpuforge ([^;&]+)", line)
    return [shlex.split(command) for command in commands]


def test_the_workflow_is_valid_by_githubs_schema():
    assert CHECK_JSONSCHEMA.exists(), "check-jsonschema is in requirements-dev.txt"
    done = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    on = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))[True]  # YAML 1.1 reads the key `on` as true
    assert on["schedule"][0]["cron"] == "17 3 * * *"


@pytest.mark.parametrize("commands", [workflow_commands("gpu-dev"), cron_commands()], ids=["workflow", "cron"])
def test_a_scheduled_run_takes_a_live_snapshot_then_applies_retention(sim, gpuforge, commands):
    droplet = sim.add_droplet("gpu-dev", region="nyc2", tags=["gpuforge"])
    earlier = {
        days: automatic(sim, "gpu-dev", days, droplet_id=droplet["id"]) for days in (3, 6, 9, 12, 15, 18, 21, 24)
    }
    assert [c[:2] for c in commands] == [["snapshot", "take"], ["snapshots", "prune"]]
    for command in commands:
        result = gpuforge(*command)
        assert result.exit_code == 0, (command, result.stderr)
    assert sim.droplets[droplet["id"]]["status"] == "active"  # --live: never powered off
    assert sim.count("POST", "/v2/droplets/{id}/actions", body_type="shutdown") == 0
    left = {int(s["id"]) for s in sim.snapshots.values()}
    # The newest 7 stay (the new one and days 3..18); older than 14 days and beyond 7: days 21 and 24 go.
    assert {int(earlier[d]["id"]) for d in (21, 24)}.isdisjoint(left)
    assert {int(earlier[d]["id"]) for d in (3, 6, 9, 12, 15, 18)} <= left and len(left) == 7
