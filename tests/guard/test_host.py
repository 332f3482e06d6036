"""The guard as the engine drives it: the SDK's dynamic provider host over gRPC, with the ``__provider``
blob and inputs a program really produced (under Pulumi's mocks), against the simulator in real time."""

from __future__ import annotations

import json
import time
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

from dosim import Simulator
from tests.guard.host import DynamicHost
from tests.record_fields import RECORD_FIELDS


def created(host: DynamicHost, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return host.create(host.check(inputs))


def snapshots_of(sim: Simulator, droplet: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in sim.snapshots.values() if s["resource_id"] == str(droplet["id"])]


def snapshot_posts(sim: Simulator) -> int:
    return sim.count("POST", "/v2/droplets/{id}/actions", body_type="snapshot")


def failed_delete(host: DynamicHost, resource_id: str, outs: dict[str, Any]) -> str:
    with pytest.raises(grpc.RpcError) as err:
        host.delete(resource_id, outs)
    assert err.value.code() == grpc.StatusCode.UNKNOWN
    details = err.value.details()
    assert "Traceback" not in details and 'File "' not in details
    return details


def test_lifecycle_check_create_diff_delete(tmp_path, sim, start_host, guard):
    made = guard()
    droplet, inputs = made["droplet"], made["inputs"]
    host = start_host()
    resource_id, outs = created(host, inputs)
    assert outs["droplet_id"] == str(droplet["id"]) and outs["snapshot_name"] == "gpu-dev-snapshot-[timestamp]"
    assert outs["__provider"] == inputs["__provider"]

    same = host.diff(resource_id, outs, inputs)
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE
    moved = host.diff(resource_id, outs, {**inputs, "droplet_id": "999"})
    assert list(moved.replaces) == ["droplet_id"] and moved.changes == provider_pb2.DiffResponse.DIFF_SOME
    toggled = host.diff(resource_id, outs, {**inputs, "enabled": False})
    assert list(toggled.replaces) == [] and toggled.changes == provider_pb2.DiffResponse.DIFF_SOME

    host.delete(resource_id, outs)

    (snapshot,) = snapshots_of(sim, droplet)
    assert snapshot_posts(sim) == 1
    assert snapshot["name"].startswith("gpu-dev-snapshot-")
    record = json.loads((tmp_path / "snapshots" / f"{snapshot['name']}.json").read_text())
    assert set(record) == RECORD_FIELDS and record["snapshot_id"] == snapshot["id"]
    assert record["droplet_id"] == str(droplet["id"]) and record["trigger"] == "destroy"
    assert droplet["id"] in sim.droplets, "the droplet is left for Pulumi to delete"
    assert "Snapshot creation initiated. Action ID:" in host.stderr
    assert f"Snapshot log saved to: snapshots/{snapshot['name']}.json" in host.stderr


def test_disabled_guard_makes_no_api_call(sim, start_host, guard):
    made = guard(enabled=False)
    host = start_host(config={})
    resource_id, outs = created(host, made["inputs"])
    host.delete(resource_id, outs)
    assert sim.requests == []


def test_environment_credentials_and_droplet_already_gone(sim, start_host, guard):
    made = guard()
    sim.delete_droplet_now(made["droplet"]["id"])
    host = start_host(config={}, env={"DIGITALOCEAN_ACCESS_TOKEN": sim.token, "DIGITALOCEAN_API_URL": sim.url})
    host.delete(*created(host, made["inputs"]))
    assert snapshot_posts(sim) == 0 and "nothing to snapshot" in host.stderr


def test_errored_snapshot_aborts_the_delete_and_a_rerun_takes_one(sim, start_host, guard):
    made = guard(status="off")
    sim.faults.add("action_errored", action_type="snapshot")
    host = start_host()
    resource_id, outs = created(host, made["inputs"])
    details = failed_delete(host, resource_id, outs)
    (action,) = [a for a in sim.actions.values() if a["type"] == "snapshot"]
    assert f"droplet {made['droplet']['id']} (gpu-dev)" in details
    assert f"action {action['id']} shows under the droplet's History" in details and "pulumi destroy" in details
    assert made["droplet"]["id"] in sim.droplets and snapshots_of(sim, made["droplet"]) == []
    host.delete(resource_id, outs)
    assert len(snapshots_of(sim, made["droplet"])) == 1


def test_timeout_keeps_the_droplet_and_a_rerun_resumes(sim, start_host, guard):
    made = guard(status="off", timeout_seconds=0.6)
    host = start_host()
    resource_id, outs = created(host, made["inputs"])
    details = failed_delete(host, resource_id, outs)
    assert "did not complete within 0.6s" in details and "resumes" in details
    time.sleep(0.6)
    host.delete(resource_id, outs)
    assert snapshot_posts(sim) == 1 and len(snapshots_of(sim, made["droplet"])) == 1
    assert "resuming it instead of starting another" in host.stderr


@pytest.mark.parametrize("wait_for_completion", [False, True], ids=["mid-wait", "after-completion"])
def test_host_killed_then_rerun_makes_one_snapshot(sim, start_host, guard, tmp_path, wait_for_completion):
    made = guard()
    first = start_host()
    resource_id, outs = created(first, made["inputs"])
    pending = first.delete_future(resource_id, outs)  # keep it: a collected future cancels the call
    deadline = time.monotonic() + 10
    while snapshot_posts(sim) == 0:
        assert time.monotonic() < deadline, first.stderr
        time.sleep(0.05)
    first.kill()
    assert not pending.done() or pending.exception() is not None
    if wait_for_completion:
        time.sleep(2.0)
    second = start_host()
    second.delete(resource_id, outs)
    assert snapshot_posts(sim) == 1 and len(snapshots_of(sim, made["droplet"])) == 1
    assert ("adopting it" if wait_for_completion else "resuming it") in second.stderr
    assert len(list((tmp_path / "snapshots").glob("*.json"))) == 1


def test_429_and_5xx_storms_are_ridden_out(sim, start_host, guard):
    made = guard(status="off")
    sim.faults.add("429", "GET /v2/actions/{id}", times=2, retry_after=1)
    sim.faults.add("503", "GET /v2/droplets/{id}", times=2)
    sim.faults.add("502", "GET /v2/droplets/{id}/snapshots", times=1)
    sim.faults.add("500", "GET /v2/droplets/{id}/actions", times=1)
    host = start_host()
    host.delete(*created(host, made["inputs"]))
    assert snapshot_posts(sim) == 1 and len(snapshots_of(sim, made["droplet"])) == 1


def test_5xx_answer_to_an_applied_snapshot_post_is_not_posted_again(sim, start_host, guard):
    made = guard(status="off")
    sim.faults.add("500", "POST /v2/droplets/{id}/actions", times=1, applied=True)
    host = start_host()
    host.delete(*created(host, made["inputs"]))
    assert snapshot_posts(sim) == 1 and len(snapshots_of(sim, made["droplet"])) == 1
    assert "The snapshot request was applied" in host.stderr or "resuming it" in host.stderr


@pytest.mark.parametrize(
    "token, words",
    [("sim-ro-token", "lacks a scope (403)"), (None, "No DigitalOcean token")],
)
def test_auth_problems_keep_the_droplet_with_guidance(sim, start_host, guard, token, words):
    made = guard()
    resource_id, outs = created(start_host(), made["inputs"])  # `pulumi up`, with a good token
    host = start_host(config={"digitalocean:apiEndpoint": sim.url, **({"digitalocean:token": token} if token else {})})
    details = failed_delete(host, resource_id, outs)
    assert words in details
    assert "droplet:read" in details and "snapshot:read" in details and "actions:read" in details
    assert made["droplet"]["id"] in sim.droplets and snapshot_posts(sim) == 0


def test_a_refused_stored_config_token_says_destroy_uses_the_config_of_the_last_up(sim, start_host, guard):
    """`pulumi destroy` configures providers with the config saved at the last `pulumi up` (docs/DESIGN.md,
    "Configuration at delete time"): a token rotated in config since then is the refused one."""
    made = guard()
    resource_id, outs = created(start_host(), made["inputs"])
    host = start_host(config={"digitalocean:apiEndpoint": sim.url, "digitalocean:token": "rotated-away"})
    details = failed_delete(host, resource_id, outs)
    assert "refused (401)" in details and "saved at the last `pulumi up`" in details
    assert "`pulumi destroy --run-program`" in details and "`pulumi up` first" in details
    assert "DIGITALOCEAN_TOKEN" in details and len(details.strip().splitlines()) == 1
    assert made["droplet"]["id"] in sim.droplets and snapshot_posts(sim) == 0


def test_a_refused_environment_token_gets_the_scopes_not_the_config_advice(sim, start_host, guard):
    made = guard()
    resource_id, outs = created(start_host(), made["inputs"])
    host = start_host(config={}, env={"DIGITALOCEAN_TOKEN": "wrong-token", "DIGITALOCEAN_API_URL": sim.url})
    details = failed_delete(host, resource_id, outs)
    assert "refused (401)" in details and "droplet:read" in details and "--run-program" not in details
    assert made["droplet"]["id"] in sim.droplets and snapshot_posts(sim) == 0


def test_power_off_failing_keeps_the_droplet(sim, start_host, guard):
    made = guard()
    sim.faults.add("action_errored", action_type="shutdown")
    sim.faults.add("action_errored", action_type="power_off")
    host = start_host()
    details = failed_delete(host, *created(host, made["inputs"]))
    assert "Could not power off" in details and snapshot_posts(sim) == 0


def test_continue_warns_and_lets_the_deletion_go_on(sim, start_host, guard):
    made = guard(status="off", on_failure="continue")
    sim.faults.add("action_errored", action_type="snapshot")
    host = start_host()
    host.delete(*created(host, made["inputs"]))
    assert "SNAPSHOT FAILED" in host.stderr and "WITHOUT a snapshot" in host.stderr
