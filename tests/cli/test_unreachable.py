"""An API that is not there: refused connections, unknown hosts and invalid URLs fail at once, with the hint;
retries that take time say so."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpuforge.cli import app
from gpuforge.cli.runtime import Runtime
from gpuforge.do_client import endpoint_problem
from tests.cli.conftest import assert_one_line_error

SCRIPT = Path(sys.executable).parent / "gpuforge"
HINT = ("DIGITALOCEAN_API_URL", "gpuforge doctor")


def refused_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (a port just released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def run_script(*args: str, url: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGITALOCEAN_")}
    env.update(DIGITALOCEAN_TOKEN="sim-token", DIGITALOCEAN_API_URL=url)
    started = time.monotonic()
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=False, env=env)
    return done, time.monotonic() - started


@pytest.mark.parametrize(
    ("url", "why"),
    [
        (None, "connection refused"),
        ("http://no-such-host.invalid", "host name not found"),
        ("not-a-url", "is not an http:// or https:// URL"),
        ("htp://127.0.0.1:8088", "is not an http:// or https:// URL"),
        ("http://127.0.0.1:99999", "has an invalid port"),
    ],
)
def test_the_console_script_fails_within_seconds_naming_the_variable_and_doctor(url, why, tmp_path):
    done, took = run_script("snapshots", "list", "--snapshot-dir", str(tmp_path), url=url or refused_url())
    assert done.returncode == 1 and done.stdout == ""
    assert took < 5.0, f"took {took:.1f}s"
    (line,) = done.stderr.splitlines()
    assert line.startswith("Error: ") and why in line and "Traceback" not in line
    assert all(fragment in line for fragment in HINT)
    assert "apiEndpoint" not in line  # the CLI reads the environment only


def test_snapshot_take_against_a_refused_port_fails_at_once(tmp_path):
    done, took = run_script("snapshot", "take", "gpu-dev", "--snapshot-dir", str(tmp_path), url=refused_url())
    assert done.returncode == 1 and took < 5.0 and "connection refused" in done.stderr


def test_doctor_names_the_unreachable_endpoint_and_the_fix(manual_clock, tmp_path):
    url = refused_url()
    env = {"DIGITALOCEAN_API_URL": url, "DIGITALOCEAN_TOKEN": "sim-token", "DIGITALOCEAN_ACCESS_TOKEN": None}
    result = CliRunner().invoke(
        app, ["doctor", "--project-dir", str(tmp_path)], env=env, obj=Runtime(clock=manual_clock)
    )
    assert result.exit_code == 1
    assert f"✗ DigitalOcean API: {url}: " in result.stdout and "connection refused" in result.stdout
    assert "fix DIGITALOCEAN_API_URL, or unset it to use https://api.digitalocean.com" in result.stdout
    bad = CliRunner().invoke(
        app, ["doctor", "--project-dir", str(tmp_path)], env={**env, "DIGITALOCEAN_API_URL": "localhost:8088"}
    )
    assert "✗ DigitalOcean API: DigitalOcean API endpoint 'localhost:8088' is not an http" in bad.stdout


def test_retries_that_take_time_are_announced_then_one_error_line(sim, gpuforge):
    sim.faults.add("503", "GET /v2/snapshots", probability=1.0)
    result = gpuforge("snapshots", "list")
    *retries, error = result.stderr.strip().splitlines()
    assert [r.split(": retrying in ")[1] for r in retries] == [
        f"{delay}s (attempt {n} of 5)..." for delay, n in ((1, 2), (2, 3), (4, 4), (8, 5))
    ]
    assert error.startswith("Error: ") and "still failing after 5 attempts" in error and result.exit_code == 1


@pytest.mark.parametrize(
    ("endpoint", "problem"),
    [
        ("https://api.digitalocean.com", None),
        ("http://127.0.0.1:8088", None),
        ("http://[::1]:8088", None),
        ("ftp://example.com", "'ftp://example.com' is not an http:// or https:// URL"),
        ("http://", "'http://' names no host"),
        ("http://h:port", "'http://h:port' has an invalid port"),
    ],
)
def test_endpoint_problem(endpoint, problem):
    assert endpoint_problem(endpoint) == problem


def test_a_refused_connection_is_still_one_line_through_the_runner(manual_clock):
    env = {"DIGITALOCEAN_API_URL": refused_url(), "DIGITALOCEAN_TOKEN": "t", "DIGITALOCEAN_ACCESS_TOKEN": None}
    result = CliRunner().invoke(app, ["snapshots", "list"], env=env, obj=Runtime(clock=manual_clock))
    assert_one_line_error(result, "connection refused", *HINT)
