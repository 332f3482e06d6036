"""Route templates (`"POST /v2/droplets/{id}/actions"`) and the router that dispatches on them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dosim.errors import ApiError, not_found


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    base_url: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class ApiResponse:
    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Any, ApiRequest], ApiResponse]  # (state, request) -> response


def compile_path(template: str) -> re.Pattern[str]:
    """`/v2/droplets/{id}` -> a regex where each `{name}` matches one path segment."""
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}/?$")


class RoutePattern:
    """`"[METHOD ]/path/{x}"`: matches requests with that method (any, if omitted) and path shape."""

    def __init__(self, route: str) -> None:
        method, _, path = route.strip().rpartition(" ")
        self.route = route
        self.method = method.upper() or None
        self.path = compile_path(path)

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in (None, method.upper()):
            return None
        found = self.path.match(path)
        return None if found is None else found.groupdict()


class Router:
    """Finds the handler for a method and path."""

    def __init__(self) -> None:
        self._routes: list[tuple[RoutePattern, Handler]] = []

    def add(self, route: str, handler: Handler) -> None:
        self._routes.append((RoutePattern(route), handler))

    @property
    def routes(self) -> list[str]:
        return [pattern.route for pattern, _ in self._routes]

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        path_matched = False
        for pattern, handler in self._routes:
            params = pattern.match(method, path)
            if params is not None:
                return handler, params
            path_matched = path_matched or pattern.path.match(path) is not None
        if path_matched:
            raise ApiError(405, "method_not_allowed", f"{method} is not allowed on {path}.")
        raise not_found()
