"""``GpuDroplet`` used as a library by a program outside the project, under Pulumi's mocks."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

import pulumi
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gpuforge
from gpuforge.args import ARGUMENTS, GpuDropletArgs, config_key
from gpuforge.config import DROPLET_KEYS, KEYS
from tests.program.harness import DROPLET, FIREWALL, SSH_KEY, Recorder, execute_project

GUARD = "pulumi-python:dynamic/gpuforge:SnapshotGuard"
FINGERPRINT = "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"

OUTSIDE_PROGRAM = """
import pulumi
import pulumi_digitalocean as digitalocean
from gpuforge import GpuDroplet, GpuDropletArgs

config = pulumi.Config()
key = digitalocean.SshKey("me", name="me", public_key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample me")
team = pulumi.Output.from_input(config.get("team") or "research")
gpu = GpuDroplet(
    "llm",
    GpuDropletArgs(
        name="llm-box",
        region="tor1",
        gpu_size="gpu-h100x1-80gb",
        ssh_keys=[key.fingerprint],
        tags=team.apply(lambda t: [t, "gpuforge"]),
        vpc_uuid=pulumi.Output.from_input("c33931f2-a26a-4e61-b85c-4e95a2ec431b"),
        create_snapshot_on_destroy=True,
        snapshot_timeout=config.get_int("timeoutSeconds") or config.get("timeout") or "45m",
    ),
)
pulumi.export("ip", gpu.ipv4_address)
pulumi.export("ssh", gpu.ssh_command)
pulumi.export("info", gpu.snapshot_info)
pulumi.export("hourly", gpu.hourly_cost_usd)
"""


def write_project(directory: Path, source: str, name: str = "my-own-program") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (directory / "__main__.py").write_text(textwrap.dedent(source))
    return directory


@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_project(tmp_path / "elsewhere", OUTSIDE_PROGRAM)


def guard_of(run):
    (guard,) = run.mocks.of_type(GUARD)
    return guard


@pytest.mark.parametrize("timeout", ["45m", 2700])
def test_a_program_outside_the_project_builds_a_guarded_droplet(outside, timeout):
    run = execute_project(outside, overrides={"timeoutSeconds": timeout} if timeout != "45m" else None)
    (droplet,) = run.mocks.of_type(DROPLET)
    assert droplet.inputs["name"] == "llm-box"
    assert droplet.inputs["size"] == "gpu-h100x1-80gb" and droplet.inputs["region"] == "tor1"
    assert droplet.inputs["sshKeys"] == [FINGERPRINT]  # an output of another resource
    assert droplet.inputs["vpcUuid"] == "c33931f2-a26a-4e61-b85c-4e95a2ec431b"
    assert droplet.inputs["tags"] == ["research", "gpuforge", "gpuforge-stack-dev"]
    (firewall,) = run.mocks.of_type(FIREWALL)
    assert firewall.inputs["name"] == "llm-box-firewall"
    guard = guard_of(run)
    assert guard.inputs["enabled"] is True and guard.inputs["timeout_seconds"] == 2700
    assert guard.inputs["project"] == "my-own-program" and guard.inputs["droplet_name"] == "llm-box"
    assert run.outputs["ip"] == "203.0.113.10" and run.outputs["ssh"] == "ssh root@203.0.113.10"
    assert run.outputs["hourly"] == pytest.approx(3.39)
    assert run.outputs["info"]["config"]["enabled"] is True
    assert [r.typ for r in run.mocks.of_type(SSH_KEY)] == [SSH_KEY]


def test_a_bad_argument_stops_the_program_in_one_line_before_anything_is_registered(outside):
    mocks = Recorder()
    with pytest.raises(pulumi.RunError) as err:
        execute_project(outside, overrides={"timeout": "5s"}, mocks=mocks)
    assert str(err.value).startswith("gpuforge:snapshotTimeout = '5s' is not valid: a duration from 1m to 24h")
    assert "\n" not in str(err.value)
    assert [r.typ for r in mocks.resources] == [SSH_KEY]  # the program's own key; nothing of the component


def test_user_data_over_the_limit_stops_in_one_line_before_anything_is_registered(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    program = """
    from gpuforge import GpuDroplet, GpuDropletArgs
    models = [f"hf.co/{'m' * 180}/{n}" for n in range(400)]
    GpuDroplet("big", GpuDropletArgs(ollama_models=models, install_localai=True, localai_api_key="k" * 32))
    """
    mocks = Recorder()
    with pytest.raises(pulumi.RunError) as err:
        execute_project(write_project(tmp_path / "p", program), mocks=mocks)
    assert "over DigitalOcean's limit of 65536 bytes" in str(err.value) and "\n" not in str(err.value)
    assert mocks.resources == []


def test_defaults_are_the_configs_and_the_name_is_the_resource_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    program = """
    from gpuforge import GpuDroplet, GpuDropletArgs
    GpuDroplet("plain", GpuDropletArgs(ssh_keys=["12345"], snapshot_retention={"keep_last": 2, "max_age": "30d"}))
    """
    run = execute_project(write_project(tmp_path / "p", program))
    (droplet,) = run.mocks.of_type(DROPLET)
    assert droplet.inputs["name"] == "plain"
    assert droplet.inputs["region"] == KEYS["region"].default
    assert droplet.inputs["size"] == KEYS["gpuSize"].default
    assert droplet.inputs["image"] == "gpu-h100x1-base"
    assert droplet.inputs["tags"] == ["gpuforge", "gpuforge-stack-dev"]
    guard = guard_of(run)
    assert guard.inputs["timeout_seconds"] == 1800 and guard.inputs["on_failure"] == "abort"
    assert guard.inputs["keep_last"] == 2 and guard.inputs["max_age_seconds"] == 30 * 86400


def test_every_config_key_of_a_droplet_is_an_argument_with_the_same_default():
    arguments = {config_key(a): a for a in ARGUMENTS}
    assert set(DROPLET_KEYS) - {"name"} <= set(arguments)
    defaults = GpuDropletArgs()
    for key in DROPLET_KEYS:
        if key in ("name", "vpcUuid", "snapshotRetention"):
            continue  # name: the resource name; vpcUuid and snapshotRetention: None means unset
        value = getattr(defaults, arguments[key])
        assert (list(value) if isinstance(value, tuple) else value) == KEYS[key].default, key
    for key in ("environment", "recordStore", "localaiApiKey"):  # the stack-level keys a droplet needs
        assert key in arguments


def test_the_public_api_is_two_names_and_arguments_are_keyword_only():
    assert gpuforge.__all__ == ["GpuDroplet", "GpuDropletArgs"]
    assert gpuforge.GpuDropletArgs is GpuDropletArgs
    with pytest.raises(TypeError):
        GpuDropletArgs("name")  # type: ignore[misc]
    assert dataclasses.replace(GpuDropletArgs(region="tor1"), name="b").region == "tor1"


def test_importing_gpuforge_does_not_load_the_provider_sdk():
    """The CLI and the guard's provider host import the package: they must not pay for pulumi_digitalocean."""
    code = "import sys, gpuforge, gpuforge.guard; print('pulumi_digitalocean' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- the stack config and the library arguments describe a droplet the same way ----------------

FP = "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"
#: A few valid values of every key (native and engine spellings); restoreFrom is left out (it needs a look-up).
VALID: dict[str, list[object]] = {
    "name": ["", "gpu-a", "x.y"],
    "region": ["nyc2", "tor1"],
    "gpuSize": ["gpu-h100x1-80gb", "gpu-h100x8-640gb", "gpu-mi300x1-192gb"],
    "image": ["", "ubuntu-22-04-x64", "12345"],
    "sshKeys": [[], ["12345"], ["12345", FP]],
    "tags": [[], ["team-a", "b:c"], '["x"]'],
    "vpcUuid": ["", "c33931f2-a26a-4e61-b85c-4e95a2ec431b"],
    "monitoring": [True, False, "false"],
    "backups": [True, False],
    "backupPlan": ["weekly", "daily"],
    "backupWeekday": ["SUN", "mon"],
    "backupHour": [0, 4, "20"],
    "installOllama": [True, False],
    "ollamaModels": [[], ["llama3.2:3b"]],
    "installLocalai": [True, "false"],
    "localaiModels": [[], ["phi-2"]],
    "allowedSshCidrs": [["0.0.0.0/0", "::/0"], ["203.0.113.0/24"], []],
    "allowedApiCidrs": [[], ["198.51.100.0/24"]],
    "createSnapshotOnDestroy": ["true", "false", "auto", True],
    "snapshotName": ["", "my-snap"],
    "snapshotTimeout": ["30m", "2h", "90s", "1h30m"],
    "snapshotPowerOff": [True, False],
    "snapshotDirectory": ["snapshots", "/var/records"],
    "onSnapshotFailure": ["abort", "continue"],
    "snapshotRetention": [None, {"keepLast": 2}, {"maxAge": "30d"}, '{"keepLast": 1, "maxAge": "2h"}'],
    "environment": ["", "production", "staging"],
    "recordStore": ["", "s3://team/records?region=nyc3"],
}


class NoSnapshots:
    def latest(self, name_regex: str):
        raise AssertionError("not asked: restoreFrom is empty")

    by_name = by_id = latest


def test_the_valid_values_cover_every_key():
    assert set(VALID) == set(KEYS) - {"droplets", "localaiApiKey", "restoreFrom"}


@settings(max_examples=150, deadline=None)
@given(
    st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in VALID.items()}),
    st.sampled_from(["dev", "prod"]),
)
def test_the_config_and_the_arguments_give_the_same_droplet(raw, stack_name):
    from gpuforge.args import plan_droplet
    from gpuforge.config import load_stack_config
    from gpuforge.program import droplet_args

    stack = load_stack_config(raw, project="gpuforge", stack=stack_name)
    (droplet,) = stack.droplets
    plan = plan_droplet(
        droplet_args(droplet, stack, None),
        resource_name="ignored-as-the-name-is-set",
        project="gpuforge",
        stack=stack_name,
        catalog=None,
        lookup=NoSnapshots(),
    )
    assert plan.droplet == droplet
    assert (plan.stack.environment, plan.stack.record_store) == (stack.environment, stack.record_store)
    assert plan.ssh_keys is None and plan.tags is None and plan.vpc_uuid is None  # all plain


def test_no_ssh_key_warns_but_keys_that_are_outputs_do_not(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    program = """
    import pulumi
    from gpuforge import GpuDroplet, GpuDropletArgs
    GpuDroplet("bare", GpuDropletArgs())
    GpuDroplet("keyed", GpuDropletArgs(ssh_keys=pulumi.Output.from_input(["12345"])))
    """
    execute_project(write_project(tmp_path / "p", program))
    assert "bare: no sshKeys configured" in caplog.text
    assert "keyed: no sshKeys" not in caplog.text
