"""Tags and tagging resources (droplets, and snapshots as `image`)."""

from __future__ import annotations

from dosim.errors import not_found, tag_bad_request, unprocessable
from dosim.pagination import paginate
from dosim.routing import ApiRequest, ApiResponse
from dosim.state import TAG_RE, State
from dosim.views import JSON, tag_view


def _view(state: State, name: str) -> JSON:
    return tag_view(
        name,
        [d.id for d in state.droplets.values() if name in d.tags],
        [s.id for s in state.snapshots.values() if name in s.tags],
    )


def create_tag(state: State, req: ApiRequest) -> ApiResponse:
    name = req.body.get("name") if isinstance(req.body, dict) else None
    if not isinstance(name, str) or not TAG_RE.match(name):
        raise tag_bad_request("name must match ^[a-zA-Z0-9_\\-\\:]+$.")
    state.tags.setdefault(name)
    return ApiResponse(201, {"tag": _view(state, name)})


def list_tags(state: State, req: ApiRequest) -> ApiResponse:
    page, extra = paginate(list(state.tags), req)
    return ApiResponse(200, {"tags": [_view(state, n) for n in page], **extra})


def get_tag(state: State, req: ApiRequest) -> ApiResponse:
    if req.params["tag"] not in state.tags:
        raise not_found()
    return ApiResponse(200, {"tag": _view(state, req.params["tag"])})


def tag_resources(state: State, req: ApiRequest) -> ApiResponse:
    resources = req.body.get("resources") if isinstance(req.body, dict) else None
    if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
        raise unprocessable("resources must be a list of {resource_id, resource_type}.")
    if req.params["tag"] not in state.tags:
        raise not_found()
    for resource in resources:
        state.tag_resource(req.params["tag"], resource.get("resource_id"), str(resource.get("resource_type")))
    return ApiResponse(204)


ROUTES = [
    ("POST /v2/tags", create_tag),
    ("GET /v2/tags", list_tags),
    ("GET /v2/tags/{tag}", get_tag),
    ("POST /v2/tags/{tag}/resources", tag_resources),
]
