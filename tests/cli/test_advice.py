"""Advice that fits where it is shown: the CLI reads the environment only, so its hints never point to stack
config; scopes come from the one table (gpuforge/scopes.py); no hint needs doctl."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gpuforge.cli import app
from gpuforge.cli.runtime import Runtime
from gpuforge.scopes import README_SECTION
from tests.cli.conftest import assert_one_line_error

STACK_CONFIG = ("pulumi config", "digitalocean:token", "digitalocean:spaces", "doctl")


def no_stack_advice(line: str) -> None:
    for fragment in STACK_CONFIG:
        assert fragment not in line, (fragment, line)


def test_a_refused_token_points_to_the_environment_and_the_scopes_table(gpuforge):
    result = gpuforge("snapshots", "list", token="wrong")
    assert_one_line_error(result, "the token was refused (401)", "DIGITALOCEAN_TOKEN", f'"{README_SECTION}"')
    no_stack_advice(result.stderr)


def test_a_missing_scope_names_the_scopes_the_call_needs(sim, gpuforge):
    snapshot = sim.add_snapshot(name="old", droplet_name="gone", regions=["nyc2"])
    result = gpuforge("snapshots", "delete", str(snapshot["id"]), "--yes", token=sim.read_only_token)
    assert_one_line_error(result, "lacks a scope (403): this call needs snapshot:delete and image:delete")
    no_stack_advice(result.stderr)


def test_no_token_at_all(gpuforge):
    result = gpuforge("snapshots", "list", token=None)
    assert_one_line_error(result, "No DigitalOcean token", "export DIGITALOCEAN_TOKEN")
    no_stack_advice(result.stderr)


@pytest.mark.parametrize("missing", ["SPACES_ACCESS_KEY_ID", "SPACES_SECRET_ACCESS_KEY"])
def test_missing_spaces_keys_name_the_environment_variables(gpuforge, monkeypatch, missing):
    monkeypatch.setenv("SPACES_ACCESS_KEY_ID", "DO00EXAMPLE")
    monkeypatch.setenv("SPACES_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv(missing)
    result = gpuforge("snapshots", "list", "--record-store", "s3://team-records/gpuforge?region=nyc3")
    assert_one_line_error(result, f"No Spaces key for the record store: export {missing}", "Spaces Keys")
    no_stack_advice(result.stderr)


def test_an_unknown_droplet_needs_no_doctl(sim, gpuforge):
    for ref in ("nope", "123"):
        result = gpuforge("snapshot", "take", ref)
        assert_one_line_error(result, "No droplet", "control panel")
        no_stack_advice(result.stderr)


def test_doctor_advice_fits_the_cli(sim, manual_clock, tmp_path):
    env = {"DIGITALOCEAN_API_URL": sim.url, "DIGITALOCEAN_TOKEN": "wrong", "DIGITALOCEAN_ACCESS_TOKEN": None}
    result = CliRunner().invoke(
        app, ["doctor", "--project-dir", str(tmp_path)], env=env, obj=Runtime(clock=manual_clock)
    )
    (auth,) = [line for line in result.stdout.splitlines() if "Authentication" in line]
    assert "export DIGITALOCEAN_TOKEN" in auth and f'"{README_SECTION}"' in auth
    no_stack_advice(auth)
