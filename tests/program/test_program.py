"""The real program under Pulumi's mocks, with the real stack files."""

from __future__ import annotations

import re

import pulumi
import pulumi_digitalocean as digitalocean
import pytest

from tests.program.harness import COMPONENT, DROPLET, FIREWALL

GUARD_TYPE_SUFFIX = "SnapshotGuard"
MODEL_PORTS = {11434, 8080}
EVERYWHERE = {"0.0.0.0/0", "::/0"}


def _guards(mocks):
    return [r for r in mocks.resources if r.typ.endswith(GUARD_TYPE_SUFFIX)]


def _ports(port_range: str) -> set[int]:
    low, _, high = port_range.partition("-")
    return set(range(int(low), int(high or low) + 1))


def _open_to_world(firewall) -> set[int]:
    opened = set()
    for rule in firewall.inputs.get("inboundRules", []):
        if EVERYWHERE & set(rule.get("sourceAddresses", [])) and rule.get("portRange"):
            opened |= _ports(rule["portRange"]) & MODEL_PORTS
    return opened


def test_dev_stack_registers_component_droplet_firewall_and_guard(run_program):
    run = run_program("dev")
    mocks = run.mocks
    assert [r.name for r in mocks.of_type(COMPONENT)] == ["gpu-dev"]
    (droplet,) = mocks.of_type(DROPLET)
    assert droplet.inputs["name"] == "gpu-dev"
    assert droplet.inputs["size"] == "gpu-h100x1-80gb"
    assert droplet.inputs["region"] == "tor1"
    assert droplet.inputs["image"] == "gpu-h100x1-base"
    assert set(droplet.inputs["tags"]) == {"dev", "gpuforge", "gpuforge-stack-dev"}
    assert droplet.inputs["monitoring"] is True and droplet.inputs["ipv6"] is True
    user_data = droplet.inputs["userData"]
    assert user_data.startswith("#cloud-config")
    assert "OLLAMA_HOST=127.0.0.1:11434" in user_data
    assert "llama3.2:3b" in user_data and "phi-2" in user_data
    (firewall,) = mocks.of_type(FIREWALL)
    assert _open_to_world(firewall) == set()
    assert {rule["portRange"] for rule in firewall.inputs["inboundRules"]} == {"22"}
    (guard,) = _guards(mocks)
    assert guard.inputs["droplet_id"] == droplet_id_of(run)
    assert guard.inputs["enabled"] is True
    assert guard.inputs["keep_last"] == 3


def droplet_id_of(run) -> str:
    return run.outputs["id"]


def test_dev_stack_outputs_match_the_seed_structure(run_program):
    outputs = run_program("dev").outputs
    assert outputs["ssh_command"] == "ssh root@203.0.113.10"
    assert outputs["tunnel_commands"] == {
        "ollama": "ssh -N -L 11434:127.0.0.1:11434 root@203.0.113.10",
        "localai": "ssh -N -L 8080:127.0.0.1:8080 root@203.0.113.10",
    }
    assert outputs["hourly_cost_usd"] == pytest.approx(3.39)
    assert outputs["monthly_cost_usd"] > 1000
    info = outputs["snapshot_info"]
    assert set(info) == {"config", "commands"}
    assert set(info["config"]) == {"droplet_id", "droplet_name", "enabled", "snapshot_directory", "snapshot_name"}
    assert set(info["commands"]) == {"delete_snapshot", "list_snapshots", "view_snapshot_logs"}
    assert info["config"]["droplet_id"] == outputs["id"]
    assert info["config"]["snapshot_name"] == "gpu-dev-snapshot-[timestamp]"
    assert info["config"]["enabled"] is True
    assert info["config"]["snapshot_directory"].endswith("/snapshots")
    assert info["commands"] == {
        "delete_snapshot": "gpuforge snapshots delete <snapshot-id>",
        "list_snapshots": "gpuforge snapshots list --droplet gpu-dev",
        "view_snapshot_logs": f"ls -la {info['config']['snapshot_directory']}/",
    }
    assert outputs["droplets"]["gpu-dev"]["id"] == outputs["id"]


def test_prod_stack_is_an_eight_gpu_droplet_with_custom_name_and_retention(run_program):
    run = run_program("prod")
    (droplet,) = run.mocks.of_type(DROPLET)
    assert droplet.inputs["size"] == "gpu-h100x8-640gb"
    assert droplet.inputs["image"] == "gpu-h100x8-base"
    assert "gpuforge-stack-prod" in droplet.inputs["tags"]
    (guard,) = _guards(run.mocks)
    assert guard.inputs["enabled"] is True  # createSnapshotOnDestroy: auto on a production stack
    assert guard.inputs["snapshot_name"] == "llama-70b-trained-v1"
    assert guard.inputs["timeout_seconds"] == 7200
    assert guard.inputs["keep_last"] == 5 and guard.inputs["max_age_seconds"] == 90 * 86400
    (firewall,) = run.mocks.of_type(FIREWALL)
    assert firewall.inputs["inboundRules"] == [
        {"protocol": "tcp", "portRange": "22", "sourceAddresses": ["203.0.113.0/24"]}
    ]
    assert run.outputs["snapshot_info"]["config"]["snapshot_name"] == "llama-70b-trained-v1"


def test_auto_snapshots_off_for_a_cheap_size_on_a_dev_stack(run_program):
    run = run_program("dev", {"createSnapshotOnDestroy": "auto", "gpuSize": "gpu-rtx4000x1-20gb"})
    (guard,) = _guards(run.mocks)
    assert guard.inputs["enabled"] is False  # the guard still exists: turning it off is an update
    assert run.outputs["snapshot_info"]["config"]["enabled"] is False


def test_every_guard_gets_the_stack_record_store_and_no_spaces_key(run_program):
    spec = "s3://team-records/gpuforge?region=nyc3"
    run = run_program("dev", {"recordStore": spec, "droplets": [{"name": "a"}, {"name": "b"}]})
    guards = _guards(run.mocks)
    assert [g.inputs["record_store"] for g in guards] == [spec, spec]
    assert not any("spaces" in key.lower() for g in guards for key in g.inputs)
    commands = run.outputs["droplets"]["a"]["snapshot_info"]["commands"]
    assert commands["view_snapshot_logs"] == f"gpuforge snapshots list --droplet a --record-store '{spec}'"


def test_api_cidrs_open_model_ports_only_to_those_networks(run_program):
    run = run_program("dev", {"allowedApiCidrs": ["198.51.100.0/24"]})
    (firewall,) = run.mocks.of_type(FIREWALL)
    api_rules = [r for r in firewall.inputs["inboundRules"] if r["portRange"] in ("11434", "8080")]
    assert {r["portRange"] for r in api_rules} == {"11434", "8080"}
    assert all(r["sourceAddresses"] == ["198.51.100.0/24"] for r in api_rules)
    (droplet,) = run.mocks.of_type(DROPLET)
    assert "OLLAMA_HOST=0.0.0.0:11434" in droplet.inputs["userData"]


def test_several_droplets_each_override_the_flat_keys(run_program):
    run = run_program(
        "dev", {"droplets": [{"name": "a"}, {"name": "b", "gpuSize": "gpu-l40sx1-48gb", "installLocalai": False}]}
    )
    droplets = {d.inputs["name"]: d for d in run.mocks.of_type(DROPLET)}
    assert set(droplets) == {"a", "b"}
    assert droplets["a"].inputs["size"] == "gpu-h100x1-80gb"
    assert droplets["b"].inputs["size"] == "gpu-l40sx1-48gb"
    assert len(_guards(run.mocks)) == 2 and len(run.mocks.of_type(FIREWALL)) == 2
    assert set(run.outputs["droplets"]) == {"a", "b"}
    assert "snapshot_info" not in run.outputs  # top-level outputs only for a single droplet


def test_unknown_size_fails_at_preview_listing_the_gpu_sizes_of_the_region(run_program):
    with pytest.raises(pulumi.RunError) as err:
        run_program("dev", {"gpuSize": "gpu-h100x2-160gb"})
    message = str(err.value)
    assert "\n" not in message
    assert "gpuforge:gpuSize = 'gpu-h100x2-160gb'" in message
    assert "gpu-h100x1-80gb" in message and "gpu-l40sx1-48gb" in message


def test_size_not_offered_in_region_names_where_it_is(run_program):
    with pytest.raises(pulumi.RunError, match=r"gpu-mi300x1-192gb is offered in: atl1"):
        run_program("dev", {"gpuSize": "gpu-mi300x1-192gb"})


def test_bad_value_fails_with_one_line(run_program):
    with pytest.raises(pulumi.RunError, match=r"^gpuforge:snapshotTimeout = '30' is not valid: a duration"):
        run_program("dev", {"snapshotTimeout": "30"})


def test_unreadable_size_list_skips_the_check_and_leaves_costs_unknown(run_program, caplog):
    run = run_program("dev", sizes_fail=True)
    assert run.outputs["hourly_cost_usd"] is None
    assert len(run.mocks.of_type(DROPLET)) == 1
    (warning,) = [r.getMessage() for r in caplog.records if "size list" in r.getMessage()]
    assert warning.startswith(
        "Could not read DigitalOcean's size list (Unable to load records: Error retrieving sizes: "
    )
    assert "401" in warning and "Unable to authenticate you); GPU sizes are not checked" in warning
    assert "\n" not in warning


def test_amd_size_gets_the_amd_base_image_and_rocm_check(run_program):
    run = run_program("dev", {"gpuSize": "gpu-mi300x1-192gb", "region": "atl1"})
    (droplet,) = run.mocks.of_type(DROPLET)
    assert droplet.inputs["image"] == "gpu-amd-base"
    assert "rocm-smi" in droplet.inputs["userData"]


def test_image_and_user_data_changes_do_not_replace_the_droplet(run_program, monkeypatch):
    seen = {}
    original = digitalocean.Droplet.__init__

    def spy(self, resource_name, *args, opts=None, **kwargs):
        seen["ignore_changes"] = list(opts.ignore_changes or [])
        original(self, resource_name, *args, opts=opts, **kwargs)

    monkeypatch.setattr(digitalocean.Droplet, "__init__", spy)
    run_program("dev")
    assert set(seen["ignore_changes"]) >= {"image", "user_data"}


def test_localai_api_key_makes_the_user_data_secret(run_program):
    from pulumi.runtime import rpc

    run = run_program("dev", {"localaiApiKey": "sk-test-0123456789abcdef"})
    (droplet,) = run.mocks.of_type(DROPLET)
    user_data = droplet.inputs["userData"]
    assert isinstance(user_data, dict) and user_data[rpc._special_sig_key] == rpc._special_secret_sig
    assert "sk-test-0123456789abcdef" in user_data["value"]


def test_without_api_key_the_user_data_is_plain_and_holds_no_key(run_program):
    (droplet,) = run_program("dev").mocks.of_type(DROPLET)
    assert isinstance(droplet.inputs["userData"], str)
    assert not re.search(r"^\s*(LOCALAI_)?API_KEY=", droplet.inputs["userData"], flags=re.MULTILINE)


@pytest.mark.parametrize("with_key", [False, True])
def test_user_data_over_the_limit_fails_at_preview_with_one_line(run_program, with_key):
    models = [f"hf.co/{'m' * 180}/{n}" for n in range(400)]  # valid names, far over 64 KiB together
    overrides = {"ollamaModels": models, **({"localaiApiKey": "sk-test-0123456789abcdef"} if with_key else {})}
    with pytest.raises(pulumi.RunError) as err:
        run_program("dev", overrides)
    assert "over DigitalOcean's limit of 65536 bytes" in str(err.value) and "\n" not in str(err.value)
