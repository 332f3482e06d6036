"""``gpuforge doctor``: one line per check, exit code 1 when any fails."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpuforge.cli import app
from gpuforge.cli.doctor import (
    directory_check,
    parse_pulumi_version,
    pulumi_check,
    stack_values,
)
from gpuforge.cli.runtime import Runtime
from tests.s3server import SPACES_ENV

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def fake_pulumi(tmp_path: Path, version: str) -> str:
    """A PATH whose ``pulumi version`` prints ``version``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "pulumi"
    script.write_text(f"#!/bin/sh\necho {version}\n")
    script.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{os.environ['PATH']}"


def doctor(sim, clock, *args: str, token: str | None = "sim-token", path: str | None = None):
    env = {"DIGITALOCEAN_API_URL": sim.url, "DIGITALOCEAN_TOKEN": token, "DIGITALOCEAN_ACCESS_TOKEN": None}
    if path is not None:
        env["PATH"] = path
    return CliRunner().invoke(app, ["doctor", *args], env=env, obj=Runtime(clock=clock))


def test_everything_fine(sim, manual_clock, project, tmp_path):
    result = doctor(sim, manual_clock, "--project-dir", str(project), path=fake_pulumi(tmp_path, "v3.150.0"))
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert all(line.startswith("✓") for line in lines[:-1]) and lines[-1] == "All checks passed."
    assert any("gpu-h100x1-80gb is offered in tor1 ($3.39/hour)" in line for line in lines)
    assert any(line.startswith("✓ Pulumi CLI: v3.150.0") for line in lines)
    assert any(f"Snapshot directory {project / 'snapshots'}: will be created" in line for line in lines)


def test_each_failure_is_a_line_with_what_to_do(sim, manual_clock, project, tmp_path):
    (project / "Pulumi.dev.yaml").write_text("config:\n  gpuforge:region: sfo3\n")
    (project / "snapshots").write_text("a file, not a directory")
    result = doctor(sim, manual_clock, "--project-dir", str(project), "--json", path=fake_pulumi(tmp_path, "v3.140.0"))
    assert result.exit_code == 1
    failed = {c["name"]: c for c in json.loads(result.stdout)["checks"] if c["ok"] is False}
    assert set(failed) == {"Pulumi CLI", "GPU size of gpuforge-dev", f"Snapshot directory {project / 'snapshots'}"}
    assert "older than 3.146" in failed["Pulumi CLI"]["detail"] and failed["Pulumi CLI"]["fix"]
    assert "sfo3" in failed["GPU size of gpuforge-dev"]["detail"]


def test_no_token_and_no_project(sim, manual_clock, tmp_path):
    result = doctor(sim, manual_clock, "--project-dir", str(tmp_path), token=None, path=str(tmp_path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("✗ Token: No DigitalOcean token") and "—" in lines[0]
    assert any(line.startswith("✗ Pulumi CLI: not found on PATH") for line in lines)
    assert any(line.startswith("– Stack config: no ") for line in lines)
    assert "Traceback" not in result.output


def test_refused_token_and_unreachable_api(sim, manual_clock, tmp_path):
    refused = doctor(sim, manual_clock, "--project-dir", str(tmp_path), token="wrong").stdout
    assert (
        "✓ DigitalOcean API" in refused
        and "✗ Authentication: DigitalOcean API: GET account: the token was refused" in refused
    )
    sim.faults.add("drop", "GET /v2/account")
    unreachable = doctor(sim, manual_clock, "--project-dir", str(tmp_path)).stdout
    assert "✗ DigitalOcean API" in unreachable and "connection failed" in unreachable
    assert "– Authentication: not checked" in unreachable


def test_pulumi_version_parsing():
    assert parse_pulumi_version("v3.146.0\n") == (3, 146, 0)
    assert parse_pulumi_version("warning: a newer version is available\nv3.201.1") == (3, 201, 1)
    assert parse_pulumi_version("command not found") is None
    assert pulumi_check("/bin/pulumi", "v3.146.0").ok is True
    assert pulumi_check("/bin/pulumi", "v3.99.9").ok is False
    assert pulumi_check("/bin/pulumi", "garbage").ok is False


def test_stack_values_merge_defaults_and_drop_secrets():
    project = {
        "config": {
            "gpuforge:region": {"type": "string", "default": "nyc2"},
            "gpuforge:name": {"type": "string", "default": ""},
            "other:x": {"default": 1},
        }
    }
    stack = {"config": {"gpuforge:name": "gpu-dev", "gpuforge:localaiApiKey": {"secure": "AAAB..."}}}
    assert stack_values(project, stack) == {"region": "nyc2", "name": "gpu-dev"}


def test_directory_check(tmp_path):
    assert directory_check(tmp_path).ok is True
    assert "will be created" in directory_check(tmp_path / "a" / "b").detail
    (tmp_path / "file").write_text("")
    assert directory_check(tmp_path / "file" / "x").ok is False


def test_the_stack_record_store_is_checked(sim, manual_clock, project, tmp_path, bucket, monkeypatch):
    for name, value in SPACES_ENV.items():
        monkeypatch.setenv(name, value)
    with (project / "Pulumi.dev.yaml").open("a") as stack_file:
        stack_file.write(f"  gpuforge:recordStore: '{bucket.spec()}'\n")
    fine = doctor(sim, manual_clock, "--project-dir", str(project), "--json", path=fake_pulumi(tmp_path, "v3.150.0"))
    checks = {c["name"]: c for c in json.loads(fine.stdout)["checks"]}
    assert fine.exit_code == 0 and checks[f"Record store {bucket.spec()}"]["ok"] is True

    missing = bucket.spec().replace(bucket.name, "no-such-bucket")
    broken = doctor(
        sim,
        manual_clock,
        "--project-dir",
        str(project),
        "--json",
        "--record-store",
        missing,
        path=fake_pulumi(tmp_path, "v3.150.0"),
    )
    failed = {c["name"]: c for c in json.loads(broken.stdout)["checks"] if c["ok"] is False}
    assert broken.exit_code == 1 and set(failed) == {f"Record store {missing}"}
