"""A droplet on the simulator as a dynamic resource, for the Automation API test (no provider plugin here).

Importable (``tests.guard.simdroplet``) so the dynamic provider host loads it by reference.
"""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

import pulumi
import pulumi.dynamic as dyn


class SimDropletProvider(dyn.ResourceProvider):
    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._config: dict[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._config = {}

    def configure(self, req: dyn.ConfigureRequest) -> None:
        self._config = {
            "token": req.config.get("digitalocean:token"),
            "url": req.config.get("digitalocean:apiEndpoint"),
        }

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        token = self._config.get("token") or os.environ["DIGITALOCEAN_TOKEN"]
        url = self._config.get("url") or os.environ["DIGITALOCEAN_API_URL"]
        request = urllib.request.Request(
            url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        body = {k: props[k] for k in ("name", "size", "region", "image")}
        droplet = self._call("POST", "/v2/droplets", body)["droplet"]
        return dyn.CreateResult(str(droplet["id"]), {**props, "droplet_id": str(droplet["id"])})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._call("DELETE", f"/v2/droplets/{id_}")


class SimDroplet(dyn.Resource, module="gpuforgetest", name="SimDroplet"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SimDropletProvider(), name, props, opts)
