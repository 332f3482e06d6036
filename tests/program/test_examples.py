"""Every project under ``examples/`` runs under Pulumi's mocks and registers droplets with their guards."""

from __future__ import annotations

import ast
from pathlib import Path

import pulumi
import pytest
import yaml

import gpuforge
from tests.program.harness import DROPLET, FIREWALL, ROOT, VPC, execute_project

EXAMPLES = ROOT / "examples"
PROJECTS = sorted(p.parent for p in EXAMPLES.glob("*/Pulumi.yaml"))
GUARD = "pulumi-python:dynamic/gpuforge:SnapshotGuard"
API_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def run(name: str, overrides: dict[str, object] | None = None, **kwargs):
    return execute_project(EXAMPLES / name, "dev", overrides, **kwargs)


def test_there_are_at_least_three_examples_each_linked_from_the_readmes():
    assert len(PROJECTS) >= 3
    main_readme = (ROOT / "README.md").read_text()
    index = (EXAMPLES / "README.md").read_text()
    for project in PROJECTS:
        assert f"examples/{project.name}/" in main_readme, project.name
        assert f"({project.name}/)" in index, project.name


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_an_example_is_a_whole_project_using_only_the_public_api(project):
    for required in ("Pulumi.yaml", "__main__.py", "README.md", "requirements.txt"):
        assert (project / required).is_file(), required
    assert yaml.safe_load((project / "Pulumi.yaml").read_text())["runtime"]["name"] == "python"
    tree = ast.parse((project / "__main__.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not any(a.name.startswith("gpuforge") for a in node.names), ast.unparse(node)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gpuforge"):
            assert node.module == "gpuforge", ast.unparse(node)
            assert {a.name for a in node.names} <= set(gpuforge.__all__), ast.unparse(node)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_an_example_registers_droplets_each_with_its_firewall_and_guard(project):
    overrides = {"localaiApiKey": API_KEY} if project.name == "public-localai" else None
    result = execute_project(project, "dev", overrides)
    droplets = result.mocks.of_type(DROPLET)
    guards = result.mocks.of_type(GUARD)
    assert droplets and len(guards) == len(droplets) == len(result.mocks.of_type(FIREWALL))
    assert {g.inputs["droplet_name"] for g in guards} == {d.inputs["name"] for d in droplets}


def test_single_ollama_uses_the_key_it_creates_and_a_45_minute_timeout():
    result = run("single-ollama")
    (droplet,) = result.mocks.of_type(DROPLET)
    assert droplet.inputs["sshKeys"] == ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"]
    (guard,) = result.mocks.of_type(GUARD)
    assert guard.inputs["enabled"] is True and guard.inputs["timeout_seconds"] == 2700
    assert result.outputs["ollama_tunnel"] == "ssh -N -L 11434:127.0.0.1:11434 root@203.0.113.10"


def test_fleet_overrides_each_droplet_and_shares_the_vpc_and_the_record_store():
    result = run("fleet")
    droplets = {d.inputs["name"]: d for d in result.mocks.of_type(DROPLET)}
    guards = {g.inputs["droplet_name"]: g for g in result.mocks.of_type(GUARD)}
    assert droplets["trainer"].inputs["size"] == "gpu-h100x8-640gb"
    assert droplets["embed"].inputs["size"] == "gpu-l40sx1-48gb"
    assert droplets["chat"].inputs["size"] == "gpu-h100x1-80gb"
    (vpc,) = result.mocks.of_type(VPC)
    (vpc_id,) = {d.inputs["vpcUuid"] for d in droplets.values()}  # one VPC: the one the program made
    assert vpc_id.startswith("c33931f2-a26a-4e61-b85c-")  # the harness's UUID for a VPC
    assert {g.inputs["record_store"] for g in guards.values()} == {"s3://my-team-gpuforge/records?region=nyc3"}
    assert guards["trainer"].inputs["timeout_seconds"] == 7200 and guards["embed"].inputs["enabled"] is False
    assert all(g.inputs["keep_last"] == 3 for g in guards.values())
    assert vpc.inputs["region"] == "tor1"


def test_hibernate_before_the_first_snapshot_starts_from_the_base_image_with_a_warning(caplog):
    result = run("hibernate")  # the harness's account has no snapshot
    (droplet,) = result.mocks.of_type(DROPLET)
    assert droplet.inputs["image"] == "gpu-h100x1-base"
    assert result.outputs["restored_from"] is None
    assert "gpu-workstation: restoreFrom is latest but there is no GPUForge snapshot of it yet" in caplog.text


def test_hibernate_next_morning_restores_the_newest_snapshot():
    from tests.program.harness import Recorder

    snapshots = [
        {
            "id": 501,
            "name": "gpu-workstation-snapshot-20261130-190000",
            "regions": ["tor1"],
            "created_at": "2026-11-30T19:05:00Z",
        },
        {
            "id": 502,
            "name": "gpu-workstation-snapshot-20261201-190000",
            "regions": ["tor1"],
            "created_at": "2026-12-01T19:05:00Z",
        },
    ]
    result = run("hibernate", mocks=Recorder(snapshots=snapshots))
    (droplet,) = result.mocks.of_type(DROPLET)
    assert droplet.inputs["image"] == "502"
    assert result.outputs["restored_from"]["snapshot_name"] == "gpu-workstation-snapshot-20261201-190000"


def test_hibernate_workflow_destroys_in_the_evening_and_brings_it_back_in_the_morning():
    workflow = yaml.safe_load((EXAMPLES / "hibernate" / "hibernate.yml").read_text())
    crons = [entry["cron"] for entry in workflow[True]["schedule"]]  # YAML 1.1 reads `on` as True
    assert crons == ["0 19 * * 1-5", "0 7 * * 1-5"]
    job = workflow["jobs"]["hibernate"]
    assert "'0 19 * * 1-5' && 'destroy' || 'up'" in job["env"]["COMMAND"]
    assert job["steps"][-1]["run"] == 'pulumi "$COMMAND" --yes --stack dev'
    assert job["defaults"]["run"]["working-directory"] == "examples/hibernate"


def test_public_localai_keeps_its_key_secret_and_opens_the_api_to_the_allowed_networks_only():
    from pulumi.runtime import rpc

    result = run("public-localai", {"localaiApiKey": API_KEY})
    (droplet,) = result.mocks.of_type(DROPLET)
    user_data = droplet.inputs["userData"]
    assert isinstance(user_data, dict) and user_data[rpc._special_sig_key] == rpc._special_secret_sig
    assert API_KEY in user_data["value"]
    (firewall,) = result.mocks.of_type(FIREWALL)
    api_rules = [r for r in firewall.inputs["inboundRules"] if r["portRange"] != "22"]
    assert api_rules == [{"protocol": "tcp", "portRange": "8080", "sourceAddresses": ["198.51.100.0/24"]}]
    assert result.outputs["endpoint"] == "http://203.0.113.10:8080/v1"


def test_public_localai_without_its_key_stops_with_pulumis_own_message():
    with pytest.raises(pulumi.ConfigMissingError, match="localaiApiKey"):
        run("public-localai")
