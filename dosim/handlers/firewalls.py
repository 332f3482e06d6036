"""Firewalls: create, list, get, delete."""

from __future__ import annotations

from dosim.errors import bad_request
from dosim.pagination import paginate
from dosim.routing import ApiRequest, ApiResponse
from dosim.state import State
from dosim.views import firewall_view


def create_firewall(state: State, req: ApiRequest) -> ApiResponse:
    if not isinstance(req.body, dict):
        raise bad_request("The request body must be a JSON object.")
    return ApiResponse(202, {"firewall": firewall_view(state.create_firewall(req.body))})


def list_firewalls(state: State, req: ApiRequest) -> ApiResponse:
    page, extra = paginate(list(state.firewalls.values()), req)
    return ApiResponse(200, {"firewalls": [firewall_view(f) for f in page], **extra})


def get_firewall(state: State, req: ApiRequest) -> ApiResponse:
    return ApiResponse(200, {"firewall": firewall_view(state.firewall(req.params["id"]))})


def delete_firewall(state: State, req: ApiRequest) -> ApiResponse:
    del state.firewalls[state.firewall(req.params["id"]).id]
    return ApiResponse(204)


ROUTES = [
    ("POST /v2/firewalls", create_firewall),
    ("GET /v2/firewalls", list_firewalls),
    ("GET /v2/firewalls/{id}", get_firewall),
    ("DELETE /v2/firewalls/{id}", delete_firewall),
]
