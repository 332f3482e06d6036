"""The installed ``gpuforge`` console script, run as a user runs it, and the last line of defence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gpuforge.cli.app import EXIT_BUG, run_reporting_errors
from gpuforge.errors import GpuForgeError
from tests.cli.conftest import automatic

SCRIPT = Path(sys.executable).parent / "gpuforge"


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert SCRIPT.exists(), f"{SCRIPT} is missing: run `pip install -e .` in the virtualenv"
    base = {k: v for k, v in os.environ.items() if not k.startswith("DIGITALOCEAN_")}
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=False, env={**base, **env}
    )


def test_console_script_lists_snapshots_as_json(sim, tmp_path):
    for days in (3, 2, 1):
        automatic(sim, "gpu-dev", days)
    done = run(
        "snapshots",
        "list",
        "--json",
        "--snapshot-dir",
        str(tmp_path),
        env={"DIGITALOCEAN_TOKEN": sim.token, "DIGITALOCEAN_API_URL": sim.url},
    )
    assert done.returncode == 0, done.stderr
    assert [s["droplet"] for s in json.loads(done.stdout)["snapshots"]] == ["gpu-dev"] * 3


def test_console_script_failure_is_one_line(sim):
    done = run("snapshots", "show", "x", env={"DIGITALOCEAN_API_URL": sim.url})
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: No DigitalOcean token")


def test_an_unexpected_exception_is_one_line_saying_it_is_a_bug(capsys):
    def broken() -> None:
        raise KeyError("surprise")

    assert run_reporting_errors(broken) == EXIT_BUG
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a bug in gpuforge" in err and "KeyError" in err and "Traceback" not in err


def test_a_gpuforge_error_keeps_its_hint_on_the_same_line(capsys):
    def failing() -> None:
        raise GpuForgeError("Snapshot failed:\n action 7", hint="run `doctl compute action get 7`")

    assert run_reporting_errors(failing) == 1
    assert capsys.readouterr().err == "Error: Snapshot failed: action 7 — run `doctl compute action get 7`\n"
