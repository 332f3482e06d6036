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


TEAM = {"team_uuid": "5df3e3004a5f1e8ad5b2d5cabfee87ec", "team_name": "GPUForge"}


def test_setting_change_is_an_update_and_no_change_is_none():
    provider = SnapshotGuardProvider()
    update = provider.diff("g", {**PROPS, **TEAM}, {**PROPS, "enabled": False})
    assert update.changes and update.replaces == []
    assert provider.diff("g", {**PROPS, **TEAM}, dict(PROPS)).changes is False


def test_a_guard_without_a_recorded_team_is_updated_to_record_it():
    """Guards created before teams were recorded: the next `pulumi up` updates them (not a replacement)."""
    provider = SnapshotGuardProvider()
    old = provider.diff("g", PROPS, dict(PROPS))
    assert old.changes and old.replaces == []
    assert provider.diff("g", {**PROPS, "enabled": False}, {**PROPS, "enabled": False}).changes is False


def test_check_rejects_an_unknown_failure_mode():
    result = SnapshotGuardProvider().check({}, {**PROPS, "on_failure": "ignore"})
    assert [f.property for f in result.failures] == ["on_failure"]


def test_outputs_are_the_inputs_and_the_team_of_the_token(monkeypatch):
    account = {"uuid": "u1", "email": "a@example.com", "team": {"uuid": TEAM["team_uuid"], "name": "GPUForge"}}
    monkeypatch.setenv("DIGITALOCEAN_TOKEN", "tok")
    monkeypatch.setattr("gpuforge.do_client.DoApi.account", lambda self: account)
    created = SnapshotGuardProvider().create({**PROPS, "__provider": "blob"})
    assert created.id == "snapshot-guard-1"
    assert created.outs == {**PROPS, **TEAM}
    disabled = SnapshotGuardProvider().create({**PROPS, "enabled": False, "__provider": "blob"})
    assert disabled.outs == {**PROPS, "enabled": False}


def test_disabled_delete_makes_no_call_even_without_token(monkeypatch, capsys):
    monkeypatch.delenv("DIGITALOCEAN_TOKEN", raising=False)
    monkeypatch.delenv("DIGITALOCEAN_ACCESS_TOKEN", raising=False)
    SnapshotGuardProvider().delete("g", {**PROPS, "enabled": False})
    assert "no snapshot taken" in capsys.readouterr().err


def test_deleted_with_is_refused():
    with pytest.raises(GpuForgeError, match="deleted_with"):
        SnapshotGuard("g", "1", SnapshotSettings("gpu-dev"), opts=pulumi.ResourceOptions(deleted_with=object()))


def test_a_token_that_may_not_read_the_account_records_an_unknown_team_with_a_warning(monkeypatch, capsys):
    from gpuforge.do_client import AuthError

    def forbidden(self):
        raise AuthError("DigitalOcean API: GET account: the token lacks a scope (403)", status=403)

    monkeypatch.setenv("DIGITALOCEAN_TOKEN", "tok")
    monkeypatch.setattr("gpuforge.do_client.DoApi.account", forbidden)
    provider = SnapshotGuardProvider()
    outs = provider.create({**PROPS, "__provider": "blob"}).outs
    assert outs == {**PROPS, "team_uuid": "", "team_name": ""}
    assert "account:read" in capsys.readouterr().err
    assert provider.diff("g", outs, dict(PROPS)).changes is False, "no update at every `pulumi up`"


def test_create_without_any_token_is_one_clear_error(monkeypatch):
    from gpuforge.credentials import MissingToken

    for name in ("DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(MissingToken):
        SnapshotGuardProvider().create({**PROPS, "__provider": "blob"})
