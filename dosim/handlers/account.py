"""Account, SSH keys, sizes and regions."""

from __future__ import annotations

from dosim import catalog
from dosim.pagination import paginate
from dosim.routing import ApiRequest, ApiResponse
from dosim.state import State
from dosim.views import region_view, size_view, ssh_key_view

ACCOUNT = {
    "droplet_limit": 25,
    "floating_ip_limit": 3,
    "volume_limit": 100,
    "email": "sim@example.com",
    "name": "GPUForge Simulator",
    "uuid": "b6fr89dbf6d9156cace5f3c78dc9851d957381ef",
    "email_verified": True,
    "status": "active",
    "status_message": "",
    "team": {"uuid": "5df3e3004a5f1e8ad5b2d5cabfee87ec", "name": "GPUForge"},
}


def get_account(state: State, req: ApiRequest) -> ApiResponse:
    """The account of the token's team (each extra team of the simulator has its own, see `Simulator.add_team`)."""
    return ApiResponse(200, {"account": {**ACCOUNT, **({"team": dict(state.team)} if state.team else {})}})


def list_ssh_keys(state: State, req: ApiRequest) -> ApiResponse:
    page, extra = paginate([ssh_key_view(k) for k in state.ssh_keys.values()], req)
    return ApiResponse(200, {"ssh_keys": page, **extra})


def list_sizes(state: State, req: ApiRequest) -> ApiResponse:
    page, extra = paginate([size_view(s) for s in catalog.SIZES], req)
    return ApiResponse(200, {"sizes": page, **extra})


def list_regions(state: State, req: ApiRequest) -> ApiResponse:
    page, extra = paginate([region_view(r.slug) for r in catalog.REGIONS], req)
    return ApiResponse(200, {"regions": page, **extra})


ROUTES = [
    ("GET /v2/account", get_account),
    ("GET /v2/account/keys", list_ssh_keys),
    ("GET /v2/sizes", list_sizes),
    ("GET /v2/regions", list_regions),
]
