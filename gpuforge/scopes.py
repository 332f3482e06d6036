"""The DigitalOcean token scopes GPUForge needs: one table for the README, ``gpuforge doctor`` and the errors.

Each scope lists the API calls that need it, as DigitalOcean's OpenAPI specification states them
(``security: bearer_auth`` of each operation, and the "Required Permissions" column of droplet actions);
``tests/test_scopes.py`` checks the table against the vendored specification and the README.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

README_SECTION = "Token scopes"


@dataclass(frozen=True)
class Scope:
    """A custom-token scope, what needs it, and the calls (``METHOD /v2/path``) it allows."""

    name: str
    needed_by: str
    calls: tuple[str, ...]


SCOPES: tuple[Scope, ...] = (
    Scope("account:read", "`gpuforge doctor` (whose token it is)", ("GET /v2/account",)),
    Scope(
        "droplet:read",
        "everything: the droplet, its actions and its snapshots",
        (
            "GET /v2/droplets",
            "GET /v2/droplets/{droplet_id}",
            "GET /v2/droplets/{droplet_id}/actions",
            "GET /v2/droplets/{droplet_id}/snapshots",
        ),
    ),
    Scope("droplet:create", "`pulumi up`", ("POST /v2/droplets",)),
    Scope(
        "droplet:update",
        "the snapshot: shutdown, power off, snapshot, power on (`pulumi destroy`, `snapshot take`)",
        ("POST /v2/droplets/{droplet_id}/actions",),
    ),
    Scope("droplet:delete", "`pulumi destroy`", ("DELETE /v2/droplets/{droplet_id}",)),
    Scope("actions:read", "following the snapshot and power actions", ("GET /v2/actions/{action_id}",)),
    Scope("image:create", "the snapshot action (with droplet:update)", ("POST /v2/droplets/{droplet_id}/actions",)),
    Scope("image:read", "base images and `restoreFrom`", ("GET /v2/images", "GET /v2/images/{image_id}")),
    Scope(
        "snapshot:read",
        "finding the new snapshot, `restoreFrom`, `gpuforge snapshots …`",
        ("GET /v2/snapshots", "GET /v2/snapshots/{snapshot_id}"),
    ),
    Scope(
        "snapshot:delete",
        "`snapshotRetention`, `gpuforge snapshots delete` and `prune` (with image:delete)",
        ("DELETE /v2/snapshots/{snapshot_id}",),
    ),
    Scope("image:delete", "deleting a snapshot (with snapshot:delete)", ("DELETE /v2/snapshots/{snapshot_id}",)),
    Scope("tag:create", "tagging droplets and snapshots `gpuforge`", ("POST /v2/tags",)),
    Scope("tag:read", "the droplet's tags", ("GET /v2/tags",)),
    Scope(
        "firewall:create",
        "`pulumi up`: the droplet's firewall (with firewall:read, firewall:update, firewall:delete)",
        ("POST /v2/firewalls",),
    ),
    Scope("firewall:read", "the firewall", ("GET /v2/firewalls/{firewall_id}",)),
    Scope("firewall:update", "the firewall", ("PUT /v2/firewalls/{firewall_id}",)),
    Scope("firewall:delete", "the firewall", ("DELETE /v2/firewalls/{firewall_id}",)),
    Scope("ssh_key:read", "`gpuforge:sshKeys`", ("GET /v2/account/keys",)),
    Scope("sizes:read", "GPU sizes and prices (preview, `snapshots cost`, `doctor`)", ("GET /v2/sizes",)),
    Scope("regions:read", "the sizes' regions (with sizes:read)", ("GET /v2/sizes", "GET /v2/regions")),
)
BY_NAME = {scope.name: scope for scope in SCOPES}

#: What a failed call needs, by the call's description in :mod:`gpuforge.do_client` (its first words).
CALL_SCOPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("POST snapshot action", ("droplet:update", "image:create")),
    ("POST ", ("droplet:update",)),  # shutdown, power_off, power_on actions; tags come first below
    ("GET action ", ("actions:read",)),
    ("GET sizes", ("sizes:read", "regions:read")),
    ("GET account", ("account:read",)),
    ("GET snapshot", ("snapshot:read",)),  # GET snapshots, GET snapshot N (not "of droplet": below)
    ("DELETE snapshot", ("snapshot:delete", "image:delete")),
    ("GET ", ("droplet:read",)),  # droplets, their actions and snapshots
)
TAG_SCOPES = ("tag:create",)


def names(scopes: Iterable[str]) -> str:
    """``a, b and c``."""
    items = list(scopes)
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)


def scopes_for(what: str) -> tuple[str, ...]:
    """The scopes the call described as ``what`` (``GET snapshots``, ``POST snapshot action on droplet 1``) needs."""
    if what.startswith("POST tag"):
        return TAG_SCOPES
    if " of droplet " in what and what.startswith("GET "):
        return ("droplet:read",)
    return next((scopes for prefix, scopes in CALL_SCOPES if what.startswith(prefix)), ())


def markdown_table() -> str:
    """The README's table of scopes (``README_SECTION``)."""
    rows = ["| scope | needed for |", "|---|---|"]
    rows += [f"| `{scope.name}` | {scope.needed_by} |" for scope in SCOPES]
    return "\n".join(rows)


def all_names() -> str:
    return names(f"`{scope.name}`" for scope in SCOPES)
