"""The one table of token scopes (gpuforge/scopes.py): true to DigitalOcean's OpenAPI specification, shown
whole in the README, and named by the errors of a refused call."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from gpuforge.scopes import BY_NAME, CALL_SCOPES, README_SECTION, SCOPES, markdown_table, scopes_for

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "tests" / "simulator" / "do-openapi" / "digitalocean-openapi-subset.yaml"


@pytest.fixture(scope="module")
def security() -> dict[str, set[str]]:
    """``METHOD /v2/path`` → the scopes its ``bearer_auth`` security requirement lists."""
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and operation.get("security"):
                found[f"{method.upper()} {path}"] = set(operation["security"][0]["bearer_auth"])
    return found


@pytest.fixture(scope="module")
def snapshot_action_permissions() -> set[str]:
    """The "Required Permissions" of the ``snapshot`` droplet action, from its table in the specification."""
    text = SPEC.read_text(encoding="utf-8")
    row = re.search(r"<nobr>`snapshot`</nobr>[^\n]*", text)
    assert row is not None
    return set(re.findall(r"`([a-z_]+:[a-z_]+)`", row.group(0)))


def test_every_call_of_the_table_needs_only_scopes_of_the_table(security):
    for scope in SCOPES:
        for call in scope.calls:
            assert call in security, f"{call} (for {scope.name}) is not in the vendored specification"
            assert scope.name in security[call] or scope.name == "image:create", (scope.name, call)
            assert security[call] - {"block_storage_snapshot:read"} <= set(BY_NAME), (call, security[call])


@pytest.mark.parametrize(
    ("what", "call"),
    [
        ("GET snapshots", "GET /v2/snapshots"),
        ("GET snapshot 7", "GET /v2/snapshots/{snapshot_id}"),
        ("DELETE snapshot 7", "DELETE /v2/snapshots/{snapshot_id}"),
        ("GET droplet 1", "GET /v2/droplets/{droplet_id}"),
        ("GET droplets named gpu-dev", "GET /v2/droplets"),
        ("GET actions of droplet 1", "GET /v2/droplets/{droplet_id}/actions"),
        ("GET snapshots of droplet 1", "GET /v2/droplets/{droplet_id}/snapshots"),
        ("POST shutdown action on droplet 1", "POST /v2/droplets/{droplet_id}/actions"),
        ("GET action 9", "GET /v2/actions/{action_id}"),
        ("GET sizes", "GET /v2/sizes"),
        ("GET account", "GET /v2/account"),
        ("POST tag gpuforge", "POST /v2/tags"),
    ],
)
def test_a_refused_call_names_the_scopes_the_specification_asks_for(security, what, call):
    assert set(scopes_for(what)) == security[call] - {"block_storage_snapshot:read"}


def test_the_snapshot_action_needs_droplet_update_and_image_create(snapshot_action_permissions):
    assert snapshot_action_permissions == {"droplet:update", "image:create"}
    assert set(scopes_for("POST snapshot action on droplet 1")) == snapshot_action_permissions


def test_every_scope_an_error_names_is_in_the_table():
    assert {s for _, scopes in CALL_SCOPES for s in scopes} <= set(BY_NAME)


def test_the_readme_shows_the_table():
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    assert f"\n## {README_SECTION}\n" in readme
    section = readme.split(f"\n## {README_SECTION}\n", 1)[1].split("\n## ", 1)[0]
    assert markdown_table() in section, (
        "regenerate it: python -c 'import gpuforge.scopes as s; print(s.markdown_table())'"
    )
