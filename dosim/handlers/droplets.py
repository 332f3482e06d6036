"""Droplets, their actions and their snapshots; actions by id."""

from __future__ import annotations

from typing import Any

from dosim.errors import int_id, not_found, unprocessable
from dosim.models import Action
from dosim.pagination import paginate
from dosim.routing import ApiRequest, ApiResponse
from dosim.state import State
from dosim.views import action_view, droplet_snapshot_view


def _object_body(req: ApiRequest) -> dict[str, Any]:
    if not isinstance(req.body, dict):
        raise unprocessable("The request body must be a JSON object.")
    return req.body


def list_droplets(state: State, req: ApiRequest) -> ApiResponse:
    tag, name, kind = req.query.get("tag_name"), req.query.get("name"), req.query.get("type")
    found = [
        d
        for d in sorted(state.droplets.values(), key=lambda d: d.id)
        if (tag is None or tag in d.tags)
        and (name is None or d.name == name)
        and (kind != "gpus" or d.size.gpu is not None)
        and (kind != "droplets" or d.size.gpu is None)
    ]
    page, extra = paginate(found, req)
    return ApiResponse(200, {"droplets": [state.view(d) for d in page], **extra})


def create_droplet(state: State, req: ApiRequest) -> ApiResponse:
    body = _object_body(req)
    names = body.get("names") if "names" in body else [body.get("name")]
    if not isinstance(names, list) or not names:
        raise unprocessable("names must be a non-empty list.")
    image = body.get("image")
    if isinstance(image, str) and image.isdigit():
        image = int(image)
    if not isinstance(image, (str, int)):
        raise unprocessable("You specified an invalid image for Droplet creation.")
    created = [
        state.create_droplet(n, str(body.get("size")), body.get("region"), image, body.get("tags")) for n in names
    ]
    links = {
        "actions": [
            {"id": a.id, "rel": "create", "href": f"{req.base_url}/v2/actions/{a.id}"}
            for d in created
            for a in _droplet_actions(state, d.id)
        ]
    }
    views = [state.view(d) for d in created]
    body_out = {"droplets": views} if "names" in body else {"droplet": views[0]}
    return ApiResponse(202, {**body_out, "links": links})


def get_droplet(state: State, req: ApiRequest) -> ApiResponse:
    return ApiResponse(200, {"droplet": state.view(state.droplet(int_id(req.params["id"])))})


def delete_droplet(state: State, req: ApiRequest) -> ApiResponse:
    state.vanish(state.droplet(int_id(req.params["id"])).id)
    return ApiResponse(204)


def post_action(state: State, req: ApiRequest) -> ApiResponse:
    body = _object_body(req)
    params = {k: v for k, v in body.items() if k != "type"}
    action = state.start_action(int_id(req.params["id"]), str(body.get("type")), params)
    return ApiResponse(201, {"action": action_view(action)})


def _droplet_actions(state: State, droplet_id: int) -> list[Action]:
    state.droplet(droplet_id)
    return [a for a in state.actions.values() if a.droplet_id == droplet_id]


def list_droplet_actions(state: State, req: ApiRequest) -> ApiResponse:
    page, extra = paginate(_droplet_actions(state, int_id(req.params["id"])), req)
    return ApiResponse(200, {"actions": [action_view(a) for a in page], **extra})


def get_droplet_action(state: State, req: ApiRequest) -> ApiResponse:
    action_id = int_id(req.params["action_id"])
    for action in _droplet_actions(state, int_id(req.params["id"])):
        if action.id == action_id:
            return ApiResponse(200, {"action": action_view(action)})
    raise not_found()


def list_droplet_snapshots(state: State, req: ApiRequest) -> ApiResponse:
    droplet = state.droplet(int_id(req.params["id"]))
    page, extra = paginate([state.snapshots[i] for i in droplet.snapshot_ids], req)
    return ApiResponse(200, {"snapshots": [droplet_snapshot_view(s) for s in page], **extra})


def list_actions(state: State, req: ApiRequest) -> ApiResponse:
    page, extra = paginate(list(state.actions.values()), req)
    return ApiResponse(200, {"actions": [action_view(a) for a in page], **extra})


def get_action(state: State, req: ApiRequest) -> ApiResponse:
    return ApiResponse(200, {"action": action_view(state.action(int_id(req.params["id"])))})


ROUTES = [
    ("GET /v2/droplets", list_droplets),
    ("POST /v2/droplets", create_droplet),
    ("GET /v2/droplets/{id}", get_droplet),
    ("DELETE /v2/droplets/{id}", delete_droplet),
    ("POST /v2/droplets/{id}/actions", post_action),
    ("GET /v2/droplets/{id}/actions", list_droplet_actions),
    ("GET /v2/droplets/{id}/actions/{action_id}", get_droplet_action),
    ("GET /v2/droplets/{id}/snapshots", list_droplet_snapshots),
    ("GET /v2/actions", list_actions),
    ("GET /v2/actions/{id}", get_action),
]
