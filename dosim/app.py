"""The request pipeline, independent of HTTP: faults, authentication, rate limit, routing, log."""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from dosim.errors import ApiError, bad_request
from dosim.faults import Fault, Faults
from dosim.ratelimit import RateLimiter
from dosim.requestlog import RequestLog, RequestRecord
from dosim.routing import ApiRequest, ApiResponse, Router
from dosim.state import State

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNAUTHORIZED = ApiError(401, "unauthorized", "Unable to authenticate you")
FORBIDDEN = ApiError(403, "forbidden", "You do not have access for the attempted action.")
FAULT_ERRORS = {
    "429": ApiError(429, "too_many_requests", "API rate limit exceeded."),
    "500": ApiError(500, "server_error", "Unexpected server-side error"),
    "502": ApiError(502, "bad_gateway", "Bad gateway"),
    "503": ApiError(503, "service_unavailable", "Service temporarily unavailable"),
}


class App:
    """Answers one request at a time (thread-safe); `None` means: drop the connection."""

    def __init__(
        self,
        state: State,
        faults: Faults,
        limiter: RateLimiter,
        log: RequestLog,
        router: Router,
        token: str,
        read_only_token: str | None,
        real_sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.state = state
        self.faults = faults
        self.limiter = limiter
        self.log = log
        self.router = router
        self.token = token
        self.read_only_token = read_only_token
        self.real_sleep = real_sleep
        self.base_url = ""
        #: Tokens of other teams, each with its own account (droplets, snapshots, …): see `Simulator.add_team`.
        self.team_states: dict[str, State] = {}

    def handle(self, method: str, target: str, authorization: str | None, raw_body: bytes) -> ApiResponse | None:
        arrived = self.state.clock.now()
        url = urlsplit(target)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        body = _parse(raw_body)
        delay, fault = self.faults.for_request(method, url.path)
        if delay:
            self.real_sleep(delay)
        token = _bearer(authorization)
        if fault is not None and not fault.applied:
            answer = self._fault_answer(fault, token)
        else:
            answer = self._serve(method, url.path, query, body, token)
            if fault is not None:
                answer = self._fault_answer(fault, token)
        self.log.append(
            RequestRecord(
                method, url.path, query, body, answer.status if answer else None, arrived, fault.kind if fault else None
            )
        )
        for droplet_id in self.faults.request_answered():
            with self.state.session() as state:
                state.vanish(droplet_id)
        return answer

    def _serve(self, method: str, path: str, query: dict[str, str], body: Any, token: str | None) -> ApiResponse:
        if token is None or token not in (self.token, self.read_only_token, *self.team_states):
            return _error(UNAUTHORIZED, self.limiter.peek(None))
        state = self.team_states.get(token, self.state)
        verdict = self.limiter.check(token)
        if not verdict.allowed:
            return _error(FAULT_ERRORS["429"], verdict.headers)
        try:
            if token == self.read_only_token and method in WRITE_METHODS:
                raise FORBIDDEN
            if isinstance(body, _Unparsable):
                raise bad_request("The request body is not valid JSON.")
            handler, params = self.router.resolve(method, path)
            request = ApiRequest(method, path, query, body, self.base_url, params)
            with state.session():
                answer = handler(state, request)
        except ApiError as error:
            return _error(error, verdict.headers)
        except Exception:  # noqa: BLE001 -- a simulator bug: answer like the real API would, and show it
            traceback.print_exc()
            return _error(FAULT_ERRORS["500"], verdict.headers)
        answer.headers.update(verdict.headers)
        return answer

    def _fault_answer(self, fault: Fault, token: str | None) -> ApiResponse | None:
        if fault.kind == "drop":
            return None
        headers = self.limiter.peek(token)
        if fault.kind == "429":
            headers["retry-after"] = str(fault.retry_after)
        return _error(FAULT_ERRORS[fault.kind], headers)


class _Unparsable(str):
    """A request body that is not JSON (kept as text for the log)."""


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return _Unparsable(raw.decode("utf-8", "replace"))


def _bearer(header: str | None) -> str | None:
    scheme, _, value = (header or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _error(error: ApiError, headers: dict[str, str]) -> ApiResponse:
    return ApiResponse(error.status, error.body(), dict(headers))
