"""The provider's methods as plain calls (the gRPC path is in test_host.py)."""

import pulumi
import pytest

from gpuforge.errors import GpuForgeError
from gpuforge.guard import SnapshotGuard, SnapshotGuardProvider
from gpuforge.timemachine import SnapshotSettings

PROPS = {"droplet_id": "1", **SnapshotSettings("gpu-dev").to_props()}


def test_droplet_id_change_replaces():
    diff = SnapshotGuardProvider().diff(
        "g", {**PROPS, "__provider": "a"}, {**PROPS, "droplet_id": "2", "__provider": "b"}
    )
    assert diff.replaces == ["droplet_id"] and diff.changes and diff.delete_before_replace is False


def test_setting_change_is_an_update_and_no_change_is_none():
    provider = SnapshotGuardProvider()
    update = provider.diff("g", PROPS, {**PROPS, "enabled": False})
    assert update.changes and update.replaces == []
    assert provider.diff("g", PROPS, dict(PROPS)).changes is False


def test_check_rejects_an_unknown_failure_mode():
    result = SnapshotGuardProvider().check({}, {**PROPS, "on_failure": "ignore"})
    assert [f.property for f in result.failures] == ["on_failure"]


def test_outputs_are_the_inputs():
    created = SnapshotGuardProvider().create({**PROPS, "__provider": "blob"})
    assert created.id == "snapshot-guard-1"
    assert created.outs == PROPS


def test_disabled_delete_makes_no_call_even_without_token(monkeypatch, capsys):
    monkeypatch.delenv("DIGITALOCEAN_TOKEN", raising=False)
    monkeypatch.delenv("DIGITALOCEAN_ACCESS_TOKEN", raising=False)
    SnapshotGuardProvider().delete("g", {**PROPS, "enabled": False})
    assert "no snapshot taken" in capsys.readouterr().err


def test_deleted_with_is_refused():
    with pytest.raises(GpuForgeError, match="deleted_with"):
        SnapshotGuard("g", "1", SnapshotSettings("gpu-dev"), opts=pulumi.ResourceOptions(deleted_with=object()))
