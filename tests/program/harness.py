"""Run the real program under Pulumi's mocks and record what it registers (used by several test folders)."""

from __future__ import annotations

import itertools
import runpy
import json
import zlib
from collections.abc import Callable, Mapping
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
SSH_KEY = "digitalocean:index/sshKey:SshKey"
VPC = "digitalocean:index/vpc:Vpc"
COMPONENT = "gpuforge:index:GpuDroplet"
GET_SIZES = "digitalocean:index/getSizes:getSizes"
GET_DROPLETS = "digitalocean:index/getDroplets:getDroplets"
GET_DROPLET_SNAPSHOT = "digitalocean:index/getDropletSnapshot:getDropletSnapshot"
GET_IMAGES = "digitalocean:index/getImages:getImages"

#: A refused token as getSizes reports it: internal/datalist/schema.go ("Unable to load records: %s")
#: around digitalocean/size/datasource_sizes.go ("Error retrieving sizes: %s") around godo's ErrorResponse.
SIZES_UNAUTHORIZED = (
    "1 error occurred:\n\t* Unable to load records: Error retrieving sizes: "
    'GET https://api.digitalocean.com/v2/sizes?page=1&per_page=200: 401 (request "3f1c2b7e-0d4a-4c55-9d6e-2b8f1a7c9e02") '
    "Unable to authenticate you\n\n"
)
#: A refused token as getImages reports it: internal/datalist/schema.go ("Unable to load records: %s")
#: around digitalocean/image/images.go ("Error retrieving images: %s") around godo's ErrorResponse
#: ("%v %v: %d (request %q) %v", godo.go), in hashicorp/go-multierror's list format.
IMAGES_UNAUTHORIZED = (
    "1 error occurred:\n\t* Unable to load records: Error retrieving images: "
    'GET https://api.digitalocean.com/v2/images?page=1&per_page=200: 401 (request "3f1c2b7e-0d4a-4c55-9d6e-2b8f1a7c9e01") '
    "Unable to authenticate you\n\n"
)


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
    #: getImages fails as with a refused token.
    images_fail: bool = False
    resources: list[pulumi.runtime.MockResourceArgs] = field(default_factory=list)
    #: The token of every invoke, in order.
    invokes: list[str] = field(default_factory=list)
    ids: Any = field(default_factory=lambda: itertools.count(424200))

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        state = dict(args.inputs)
        if args.typ == SSH_KEY:
            # The fingerprint DigitalOcean computes for the key (digitalocean/sshkey/resource_ssh_key.go sets it).
            state.update(fingerprint="3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa")
        if args.typ == VPC:  # a VPC's id is a UUID (digitalocean/vpc/resource_vpc.go: d.SetId(vpc.ID))
            return f"c33931f2-a26a-4e61-b85c-{next(self.ids):012d}", state
        if args.typ == DROPLET:
            state.update(ipv4Address="203.0.113.10", ipv6Address="2001:db8::10", status="active")
            if self.droplet_id is not None:
                return self.droplet_id, state
        return f"{next(self.ids)}", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        self.invokes.append(args.token)
        if args.token == GET_SIZES:
            if self.sizes_fail:
                # How the engine reports a failed invoke: failures in the response, not an exception.
                return {}, [("", SIZES_UNAUTHORIZED)]
            return sizes_call_result(), []
        if args.token == GET_IMAGES:
            if self.images_fail:
                return {}, [("", IMAGES_UNAUTHORIZED)]
            return images_call_result(self.images(), args.args), []
        if args.token == GET_DROPLET_SNAPSHOT:
            return self._find_snapshot(args.args)
        if args.token == GET_DROPLETS:
            # No droplet of that name yet (a first `pulumi up`): getDroplets is a datalist data source
            # (terraform-provider-digitalocean digitalocean/droplet/datasource_droplets.go, internal/datalist/
            # schema.go): no match is an empty list, not an error. tests/resize answers with a droplet.
            return {"droplets": [], "filters": args.args.get("filters"), "id": "droplets", "sorts": None}, []
        return {}, [("", f"no mock answer for {args.token}")]

    def images(self) -> list[dict[str, Any]]:
        """``GET /v2/images`` as the provider flattens it: DigitalOcean's public GPU base images and
        this account's droplet snapshots (flattenDigitalOceanImage in terraform-provider-digitalocean's
        digitalocean/image/images.go: ``private`` is ``!image.Public``, ``image`` the id as text)."""
        public = [
            _image(
                10_000 + n,
                slug,
                "base",
                private=False,
                regions=["nyc2", "tor1", "atl1"],
                created="2026-01-01T00:00:00Z",
            )
            for n, slug in enumerate(("gpu-h100x1-base", "gpu-h100x8-base", "gpu-amd-base"))
        ]
        own = [
            _image(int(s["id"]), s["name"], s.get("type", "snapshot"), True, list(s["regions"]), s["created_at"])
            for s in self.snapshots
        ]
        return public + own

    def _find_snapshot(self, query: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """getDropletSnapshot as terraform-provider-digitalocean answers it
        (digitalocean/snapshot/datasource_droplet_snapshot.go): by name or name_regex, newest when
        most_recent; none found is an error whose text prints ``name`` — ``%!s(<nil>)`` when only
        name_regex was given — wrapped by hashicorp/go-multierror ("1 error occurred:\n\t* …\n\n")."""
        import re

        found = [
            s
            for s in self.snapshots
            if ("name" not in query or s["name"] == query["name"])
            and ("nameRegex" not in query or re.search(query["nameRegex"], s["name"]))
        ]
        if not found:
            name = query.get("name", "%!s(<nil>)")
            return {}, [("", f"1 error occurred:\n\t* No DROPLET snapshot found with name {name}\n\n")]
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


def _image(image_id: int, name: str, typ: str, private: bool, regions: list[str], created: str) -> dict[str, Any]:
    """One image with every field of the images data source's record schema (digitalocean/image/images.go)."""
    return {
        "id": image_id,
        "name": name,
        "type": typ,
        "distribution": "Ubuntu",
        "slug": name if not private else "",
        "image": str(image_id),
        "private": private,
        "minDiskSize": 720 if private else 500,
        "sizeGigabytes": 42.0,
        "created": created,
        "regions": regions,
        "tags": [],
        "status": "available",
        "errorMessage": "",
        "description": "",
    }


#: Record fields by the names filters and sorts use (snake_case), to the mock's camelCase ones.
_FIELDS = {"min_disk_size": "minDiskSize", "size_gigabytes": "sizeGigabytes", "error_message": "errorMessage"}


def _matches(value: Any, wanted: str, match_by: str) -> bool:
    """internal/datalist/values.go valueMatches: strings exact, substring or RE2 (unanchored ``MatchString``;
    Python's ``re.search`` agrees for the patterns used here); bool and int values parsed from the text."""
    import re

    if isinstance(value, bool):
        return value == (wanted.lower() in ("1", "t", "true"))
    if isinstance(value, int):
        return value == int(wanted)
    if isinstance(value, list):
        return any(_matches(item, wanted, match_by) for item in value)
    if match_by == "re":
        return re.search(wanted, value) is not None
    if match_by == "substring":
        return wanted in value
    return bool(value == wanted)


def images_call_result(images: list[dict[str, Any]], query: Mapping[str, Any]) -> dict[str, Any]:
    """getImages as internal/datalist/schema.go answers: every filter applied in turn (a record
    matches when any value matches, or all with ``all``), then the sorts; no match is an empty list."""
    records = list(images)
    for f in query.get("filters") or []:
        key, match_by, every = _FIELDS.get(f["key"], f["key"]), f.get("matchBy") or "exact", bool(f.get("all"))
        check = all if every else any
        records = [r for r in records if check(_matches(r[key], v, match_by) for v in f["values"])]
    for sort in reversed(query.get("sorts") or []):
        key = _FIELDS.get(sort["key"], sort["key"])
        records.sort(key=lambda r: r[key], reverse=str(sort.get("direction", "asc")).lower() == "desc")
    return {
        "filters": query.get("filters"),
        "sorts": query.get("sorts"),
        "id": f"images/{zlib.crc32(json.dumps(images, sort_keys=True).encode())}",
        "images": records,
    }


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

    config = dict(stack_config(stack) if base is None else base)
    config.update({f"gpuforge:{k}" if ":" not in k else k: v for k, v in (overrides or {}).items()})
    return run_under_mocks(program.run, project="gpuforge", stack=stack, config=config, mocks=mocks)


def run_under_mocks(
    body: Callable[[], object],
    *,
    project: str,
    stack: str,
    config: Mapping[str, Any],
    mocks: Recorder | None = None,
) -> ProgramRun:
    """Run a Pulumi program (``body``) under mocks with this config; return what it registered and
    its exports, resolved."""
    mocks = mocks or Recorder()
    # A fresh root stack for this project and stack (set_mocks keeps one made by an earlier run).
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False)
    pulumi.runtime.set_all_config(engine_config(config))
    exported: dict[str, Any] = {}

    def capture(name: str, value: Any) -> None:
        exported[name] = value

    @pulumi.runtime.test
    def run() -> None:
        body()

    with patch.object(pulumi, "export", capture):
        run()
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test
    def resolve() -> Any:
        return pulumi.Output.all(**exported).apply(resolved.update)

    if exported:
        resolve()
    return ProgramRun(mocks=mocks, outputs=resolved)


def project_config(directory: Path, stack: str) -> dict[str, Any]:
    """A Pulumi project's config for a stack, as the engine merges it: the defaults declared in
    ``Pulumi.yaml`` (keys without a namespace get the project's), then ``Pulumi.<stack>.yaml``."""
    project = yaml.safe_load((directory / "Pulumi.yaml").read_text())
    name = project["name"]
    config: dict[str, Any] = {}
    for key, decl in (project.get("config") or {}).items():
        if isinstance(decl, dict) and "default" in decl:
            config[key if ":" in key else f"{name}:{key}"] = decl["default"]
    stack_file = directory / f"Pulumi.{stack}.yaml"
    if stack_file.exists():
        config.update((yaml.safe_load(stack_file.read_text()) or {}).get("config") or {})
    return config


def execute_project(
    directory: Path, stack: str = "dev", overrides: Mapping[str, Any] | None = None, *, mocks: Recorder | None = None
) -> ProgramRun:
    """Run a Pulumi project's ``__main__.py`` under mocks, with its stack's config plus ``overrides``
    (keys without a namespace get the project's)."""
    name = yaml.safe_load((directory / "Pulumi.yaml").read_text())["name"]
    config = project_config(directory, stack)
    config.update({k if ":" in k else f"{name}:{k}": v for k, v in (overrides or {}).items()})
    main = directory / "__main__.py"
    return run_under_mocks(
        lambda: runpy.run_path(str(main), run_name="__main__"), project=name, stack=stack, config=config, mocks=mocks
    )
