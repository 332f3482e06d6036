"""Snapshots, and images (base images and snapshots, which are images of type `snapshot`)."""

from __future__ import annotations

from typing import Any

from dosim import catalog
from dosim.errors import int_id, not_found
from dosim.pagination import paginate
from dosim.routing import ApiRequest, ApiResponse
from dosim.state import State
from dosim.views import base_image_view, snapshot_image_view, snapshot_view


def list_snapshots(state: State, req: ApiRequest) -> ApiResponse:
    kind = req.query.get("resource_type")
    found = sorted(state.snapshots.values(), key=lambda s: s.id) if kind in (None, "droplet") else []
    page, extra = paginate(found, req)
    return ApiResponse(200, {"snapshots": [snapshot_view(s) for s in page], **extra})


def get_snapshot(state: State, req: ApiRequest) -> ApiResponse:
    return ApiResponse(200, {"snapshot": snapshot_view(state.snapshot(int_id(req.params["id"])))})


def delete_snapshot(state: State, req: ApiRequest) -> ApiResponse:
    state.delete_snapshot(int_id(req.params["id"]))
    return ApiResponse(204)


def _all_images(state: State) -> list[dict[str, Any]]:
    return [base_image_view(i) for i in catalog.BASE_IMAGES] + [
        snapshot_image_view(s) for s in sorted(state.snapshots.values(), key=lambda s: s.id)
    ]


def list_images(state: State, req: ApiRequest) -> ApiResponse:
    """Filters: `type` (distribution: base images; snapshot: snapshots), `private`, `tag_name`."""
    kind, private, tag = req.query.get("type"), req.query.get("private"), req.query.get("tag_name")
    wanted_type = {"distribution": "base", "application": "application"}.get(kind or "", kind)
    found = [
        i
        for i in _all_images(state)
        if (wanted_type is None or i["type"] == wanted_type)
        and (private is None or i["public"] == (private.lower() != "true"))
        and (tag is None or tag in i["tags"])
    ]
    page, extra = paginate(found, req)
    return ApiResponse(200, {"images": page, **extra})


def get_image(state: State, req: ApiRequest) -> ApiResponse:
    ref = req.params["id"]
    base = catalog.BASE_IMAGES_BY_SLUG.get(ref)
    if base is not None:
        return ApiResponse(200, {"image": base_image_view(base)})
    image_id = int_id(ref)
    if image_id in catalog.BASE_IMAGES_BY_ID:
        return ApiResponse(200, {"image": base_image_view(catalog.BASE_IMAGES_BY_ID[image_id])})
    return ApiResponse(200, {"image": snapshot_image_view(state.snapshot(image_id))})


def delete_image(state: State, req: ApiRequest) -> ApiResponse:
    image_id = int_id(req.params["id"])
    if image_id not in state.snapshots:
        raise not_found()
    state.delete_snapshot(image_id)
    return ApiResponse(204)


ROUTES = [
    ("GET /v2/snapshots", list_snapshots),
    ("GET /v2/snapshots/{id}", get_snapshot),
    ("DELETE /v2/snapshots/{id}", delete_snapshot),
    ("GET /v2/images", list_images),
    ("GET /v2/images/{id}", get_image),
    ("DELETE /v2/images/{id}", delete_image),
]
