"""DigitalOcean-style pagination: `page`, `per_page` (at most 200), `links.pages`, `meta.total`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from dosim.errors import bad_request
from dosim.routing import ApiRequest

T = TypeVar("T")
MAX_PER_PAGE = 200


def _positive(query: dict[str, str], name: str, default: int) -> int:
    try:
        value = int(query.get(name, default))
    except ValueError:
        raise bad_request(f"{name} must be an integer.") from None
    if value < 1:
        raise bad_request(f"{name} must be at least 1.")
    return value


def paginate(items: Sequence[T], req: ApiRequest) -> tuple[list[T], dict[str, Any]]:
    """The requested page of `items`, and the `links` and `meta` members of the answer."""
    per_page = min(_positive(req.query, "per_page", 20), MAX_PER_PAGE)
    page = _positive(req.query, "page", 1)
    last = max(1, math.ceil(len(items) / per_page))

    def url(n: int) -> str:
        return f"{req.base_url}{req.path}?{urlencode({**req.query, 'page': n, 'per_page': per_page})}"

    pages: dict[str, str] = {}
    if page > 1:
        pages.update(first=url(1), prev=url(min(page - 1, last)))
    if page < last:
        pages.update(next=url(page + 1), last=url(last))
    chunk = list(items[(page - 1) * per_page : page * per_page])
    return chunk, {"links": {"pages": pages}, "meta": {"total": len(items)}}
