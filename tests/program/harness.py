"""Run the real program under Pulumi's mocks and record what it registers (used by several test folders)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pulumi
import yaml

from dosim.catalog import SIZES

ROOT = Path(__file__).resolve().parents[2]
DROPLET = "digitalocean:index/droplet:Droplet"
FIREWALL = "digitalocean:index/firewall:Firewall"
COMPONENT = "gpuforge:index:GpuDroplet"
GET_SIZES = "digitalocean:index/getSizes:getSizes"
GET_DROPLET_SNAPSHOT = "digitalocean:index/getDropletSnapshot:getDropletSnapshot"
GET_IMAGE = "digitalocean:index/getImage:getImage"


def sizes_call_result() -> dict[str, Any]:
    """What the DigitalOcean provider's getSizes invoke returns, built from the simulator's catalogue."""
    return {
        "sizes": [
            {
                "slug": s.slug,
                "available": s.available,
                "priceHourly": s.price_hourly,
                "priceMonthly": s.price_monthly,
                "regions": list(s.regions),
                "disk": s.disk_gb,
                "memory": s.memory_mb,
                "vcpus": s.vcpus,
                "transfer": s.transfer_tb,
                "gpuInfos": [
                    {"count": s.gpu.count, "model": s.gpu.model, "vrams": [{"amount": s.gpu.vram_gib, "unit": "gib"}]}
                ]
                if s.gpu
                else [],
            }
            for s in SIZES
        ]
    }


@dataclass
class Recorder(pulumi.runtime.Mocks):
    """Mocks that record registrations; ``sizes_fail`` makes getSizes fail like an unreachable API."""

    sizes_fail: bool = False
    #: The id every droplet gets (a simulator droplet's id), instead of a fresh one per resource.
    droplet_id: str | None = None
    #: Droplet snapshots the snapshot look-ups can find: dicts with id, name, regions, created_at.
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    resources: list[pulumi.runtime.MockResourceArgs] = field(default_factory=list)
    ids: Any = field(default_factory=lambda: itertools.count(424200))

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        state = dict(args.inputs)
        if args.typ == DROPLET:
            state.update(ipv4Address="203.0.113.10", ipv6Address="2001:db8::10", status="active")
            if self.droplet_id is not None:
                return self.droplet_id, state
        return f"{next(self.ids)}", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == GET_SIZES:
            if self.sizes_fail:
                # How the engine reports a failed invoke: failures in the response, not an exception.
                return {}, [("token", "GET https://api.digitalocean.com/v2/sizes: 401 Unable to authenticate you")]
            return sizes_call_result(), []
        if args.token == GET_DROPLET_SNAPSHOT:
            return self._find_snapshot(args.args)
        if args.token == GET_IMAGE:
            found = [s for s in self.snapshots if int(s["id"]) == int(args.args["id"])]
            if not found:
                return {}, [
                    (
                        "id",
                        "Error retrieving image: GET /v2/images/1: 404 The resource you were accessing could not be found.",
                    )
                ]
            snap = found[0]
            return {
                "id": int(snap["id"]),
                "name": snap["name"],
                "regions": snap["regions"],
                "type": "snapshot",
                "minDiskSize": 720,
                "created": snap["created_at"],
            }, []
        return {}, []

    def _find_snapshot(self, query: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Like the provider: filter by name or name_regex (RE2 ≈ Python re here), newest when most_recent."""
        import re

        found = [
            s
            for s in self.snapshots
            if ("name" not in query or s["name"] == query["name"])
            and ("nameRegex" not in query or re.search(query["nameRegex"], s["name"]))
        ]
        if not found:
            return {}, [("", "Your query returned no results. Please change your search criteria and try again.")]
        snap = max(found, key=lambda s: s["created_at"])
        return {
            "id": str(snap["id"]),
            "name": snap["name"],
            "regions": snap["regions"],
            "createdAt": snap["created_at"],
            "minDiskSize": 720,
            "size": 42.0,
            "dropletId": "1",
        }, []

    def of_type(self, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [r for r in self.resources if r.typ == typ]


def engine_config(values: Mapping[str, Any]) -> dict[str, str]:
    """Config as the engine hands it to a program: every value a string, lists and objects as JSON text."""
    out = {}
    for key, value in values.items():
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (int, float)):
            out[key] = str(value)
        else:
            out[key] = json.dumps(value)
    return out


def project_defaults() -> dict[str, Any]:
    """The defaults declared in Pulumi.yaml, which the engine merges into every stack's config."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    return {key: decl["default"] for key, decl in project["config"].items() if "default" in decl}


def stack_config(stack: str) -> dict[str, Any]:
    return {**project_defaults(), **yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]}


@dataclass
class ProgramRun:
    mocks: Recorder
    outputs: dict[str, Any]


def execute_program(
    stack: str = "dev",
    overrides: Mapping[str, Any] | None = None,
    *,
    mocks: Recorder | None = None,
    base: Mapping[str, Any] | None = None,
) -> ProgramRun:
    """Run ``gpuforge.program.run`` for a stack's config (plus overrides) and return what it registered.

    ``overrides`` keys without a namespace are ``gpuforge:`` keys. Values may be native (as in YAML).
    """
    from gpuforge import program

    mocks = mocks or Recorder()
    pulumi.runtime.set_mocks(mocks, project="gpuforge", stack=stack, preview=False)
    config = dict(stack_config(stack) if base is None else base)
    config.update({f"gpuforge:{k}" if ":" not in k else k: v for k, v in (overrides or {}).items()})
    pulumi.runtime.set_all_config(engine_config(config))
    exported: dict[str, Any] = {}

    def capture(name: str, value: Any) -> None:
        exported[name] = value

    @pulumi.runtime.test
    def body() -> None:
        program.run()

    with patch.object(pulumi, "export", capture):
        body()
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test
    def resolve() -> Any:
        return pulumi.Output.all(**exported).apply(resolved.update)

    if exported:
        resolve()
    return ProgramRun(mocks=mocks, outputs=resolved)
