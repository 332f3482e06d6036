"""The API's routes, one module per group of resources."""

from __future__ import annotations

from dosim.handlers import account, droplets, firewalls, images, tags
from dosim.routing import Router


def build_router() -> Router:
    router = Router()
    for module in (account, droplets, images, tags, firewalls):
        for route, handler in module.ROUTES:
            router.add(route, handler)
    return router
