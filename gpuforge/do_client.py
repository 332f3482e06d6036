"""The thin layer over pydo: the calls the time machine makes, typed errors, rate-limit headers.

pydo is built on azure-core. Its retry policy is switched off here (``retry_total=0``): azure-core
would retry a POST after a 502 or 429, and a retried snapshot POST can start a second snapshot;
retries are the caller's, with its injected clock and its deadline. An ``http://`` endpoint (the
simulator) needs a bearer policy without azure-core's HTTPS check. pydo returns some 404s as a
``{"id": "not_found"}`` body instead of raising: those become :class:`NotFound` too.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from functools import partial
from typing import Any, cast
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pydo
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import SansIOHTTPPolicy

from gpuforge.errors import GpuForgeError
from gpuforge.scopes import README_SECTION, all_names, names, scopes_for

DEFAULT_ENDPOINT = "https://api.digitalocean.com"
TOKEN_SCOPES_HINT = (
    "use a DigitalOcean API token with read and write access, or a custom-scoped token with the scopes in "
    f'README.md\'s "{README_SECTION}" ({all_names()}); set it with '
    "`pulumi config set --secret digitalocean:token <token>` or in DIGITALOCEAN_TOKEN"
)
JSON = dict[str, Any]


@dataclass(frozen=True)
class RateLimit:
    """The last ``ratelimit-remaining`` and ``ratelimit-reset`` (epoch seconds) seen."""

    remaining: int | None = None
    reset: float | None = None


class ApiError(GpuForgeError):
    """A DigitalOcean API answer the caller did not want. ``status`` is None for a lost connection."""

    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None) -> None:
        self.status = status
        super().__init__(message, hint=hint)


class AuthError(ApiError):
    """401 or 403, or no token at all."""


class NotFound(ApiError):
    """404, raised or returned as a ``not_found`` body."""


class Locked(ApiError):
    """422: the droplet has another action in progress."""


class TransientError(ApiError):
    """429, 5xx or a dropped or timed-out connection: worth retrying (a POST may have been applied)."""

    def __init__(self, message: str, *, status: int | None, retry_after: float | None) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status)


ENDPOINT_HINT = (
    f"check DIGITALOCEAN_API_URL (or digitalocean:apiEndpoint); unset, GPUForge uses {DEFAULT_ENDPOINT}; "
    "`gpuforge doctor` checks the token and the API"
)


class Unreachable(TransientError):
    """The connection was refused or the host name does not resolve: nothing answered at the endpoint.

    Transient for the time machine (a destroy keeps retrying until its deadline), but the CLI fails at
    once: a wrong ``DIGITALOCEAN_API_URL`` does not heal by waiting.
    """

    def __init__(self, message: str, *, hint: str = ENDPOINT_HINT) -> None:
        self.retry_after = None
        ApiError.__init__(self, message, hint=hint)


class BadEndpoint(ApiError):
    """The endpoint is not an http(s) URL."""


def endpoint_problem(endpoint: str) -> str | None:
    """Why ``endpoint`` cannot be the API's base URL, or None when it can (pure: no connection is made)."""
    parsed = urlsplit(endpoint)
    if parsed.scheme not in ("http", "https"):
        return f"{endpoint!r} is not an http:// or https:// URL"
    if not parsed.hostname:
        return f"{endpoint!r} names no host"
    try:
        parsed.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return f"{endpoint!r} has an invalid port"
    return None


def _unreachable_reason(err: BaseException) -> str | None:
    """``connection refused`` or ``host name not found`` when that is why ``err`` happened, else None."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [err]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError) or "Connection refused" in str(current):
            return "connection refused"
        if isinstance(current, socket.gaierror) or type(current).__name__ == "NameResolutionError":
            return "host name not found"
        todo += [current.__cause__, current.__context__, getattr(current, "inner_exception", None)]
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
    return None


class _Bearer(SansIOHTTPPolicy):  # type: ignore[type-arg]
    def __init__(self, token: str) -> None:
        self._token = token

    def on_request(self, request: PipelineRequest) -> None:  # type: ignore[type-arg]
        request.http_request.headers["Authorization"] = f"Bearer {self._token}"


def _retry_after(headers: Any) -> float | None:
    try:
        return float(headers.get("retry-after"))
    except (TypeError, ValueError):
        return None


def _translate(what: str, status: int, headers: Any, body: Any, *, token_hint: str = TOKEN_SCOPES_HINT) -> ApiError:
    detail = body.get("message", "") if isinstance(body, dict) else ""
    message = f"DigitalOcean API: {what} answered {status}" + (f": {detail}" if detail else "")
    if status in (401, 403):
        needed = scopes_for(what)
        reason = (
            "the token was refused (401)"
            if status == 401
            else "the token lacks a scope (403)" + (f": this call needs {names(needed)}" if needed else "")
        )
        return AuthError(f"DigitalOcean API: {what}: {reason}", status=status, hint=token_hint)
    if status == 404:
        return NotFound(message, status=status)
    if status == 422:
        return Locked(message, status=status)
    if status == 429 or status >= 500:
        return TransientError(message, status=status, retry_after=_retry_after(headers))
    return ApiError(message, status=status)


class DoApi:
    """The DigitalOcean calls GPUForge makes. ``rate_limit`` holds the last ``ratelimit-*`` headers."""

    def __init__(
        self,
        token: str,
        endpoint: str = DEFAULT_ENDPOINT,
        *,
        read_timeout: float = 30.0,
        endpoint_hint: str = ENDPOINT_HINT,
        token_hint: str = TOKEN_SCOPES_HINT,
    ) -> None:
        """``endpoint_hint`` and ``token_hint`` say where the endpoint and the token come from where this API
        is used (the program or the CLI), in errors about them."""
        self.endpoint = endpoint.rstrip("/")
        self._endpoint_hint, self._token_hint = endpoint_hint, token_hint
        problem = endpoint_problem(self.endpoint)
        if problem is not None:
            raise BadEndpoint(f"DigitalOcean API endpoint {problem}", hint=endpoint_hint)
        self.rate_limit = RateLimit()
        self._client = pydo.Client(
            token,
            endpoint=self.endpoint,
            authentication_policy=_Bearer(token),
            retry_total=0,
            connection_timeout=10,
            read_timeout=read_timeout,
            raw_response_hook=self._observe,
        )

    def __repr__(self) -> str:
        return f"DoApi({self.endpoint!r})"

    def _observe(self, response: PipelineResponse) -> None:  # type: ignore[type-arg]
        headers = response.http_response.headers
        try:
            self.rate_limit = RateLimit(int(headers["ratelimit-remaining"]), float(headers["ratelimit-reset"]))
        except (KeyError, TypeError, ValueError):
            pass

    def _call(self, what: str, fn: Callable[[], object]) -> Any:
        try:
            body = fn()
        except HttpResponseError as err:
            response: Any = err.response  # azure-core types it loosely: an HttpResponse here
            body = None
            if response is not None:
                try:
                    body = response.json()
                except ValueError:  # a 502 from a proxy has an HTML body
                    body = None
            status = err.status_code or 0
            headers = response.headers if response is not None else {}
            raise _translate(what, status, headers, body, token_hint=self._token_hint) from None
        except (ServiceRequestError, ServiceResponseError) as err:
            reason = _unreachable_reason(err)
            if reason is not None:
                raise Unreachable(
                    f"DigitalOcean API at {self.endpoint}: {what}: {reason}", hint=self._endpoint_hint
                ) from None
            raise TransientError(
                f"DigitalOcean API: {what}: connection failed ({type(err).__name__})", status=None, retry_after=None
            ) from None
        if isinstance(body, dict) and body.get("id") == "not_found":
            raise NotFound(f"DigitalOcean API: {what}: not found", status=404)
        return body

    def _object(self, what: str, fn: Callable[[], object], key: str) -> JSON:
        """The JSON object ``key`` of the answer (``{"droplet": {...}}`` and the like)."""
        return cast(JSON, self._call(what, fn)[key])

    def _pages(self, what: str, key: str, fn: Callable[[int], object]) -> Iterator[JSON]:
        page = 1
        while True:
            body = self._call(what, partial(fn, page))
            yield from body.get(key) or []
            if not ((body.get("links") or {}).get("pages") or {}).get("next"):
                return
            page += 1

    def get_droplet(self, droplet_id: int) -> JSON | None:
        """The droplet, or None when it no longer exists."""
        try:
            return self._object(f"GET droplet {droplet_id}", lambda: self._client.droplets.get(droplet_id), "droplet")
        except NotFound:
            return None

    def droplets_named(self, name: str) -> list[JSON]:
        return list(
            self._pages(
                f"GET droplets named {name}",
                "droplets",
                lambda p: self._client.droplets.list(name=name, per_page=200, page=p),
            )
        )

    def droplet_actions(self, droplet_id: int) -> list[JSON]:
        """Every action of the droplet, newest first."""
        actions = list(
            self._pages(
                f"GET actions of droplet {droplet_id}",
                "actions",
                lambda p: self._client.droplet_actions.list(droplet_id, per_page=200, page=p),
            )
        )
        return sorted(actions, key=lambda a: (a.get("started_at") or "", a.get("id") or 0), reverse=True)

    def post_action(self, droplet_id: int, body: JSON) -> JSON:
        what = f"POST {body.get('type')} action on droplet {droplet_id}"
        return self._object(what, lambda: self._client.droplet_actions.post(droplet_id, body), "action")

    def get_action(self, action_id: int) -> JSON:
        return self._object(f"GET action {action_id}", lambda: self._client.actions.get(action_id), "action")

    def droplet_snapshots(self, droplet_id: int) -> list[JSON]:
        return list(
            self._pages(
                f"GET snapshots of droplet {droplet_id}",
                "snapshots",
                lambda p: self._client.droplets.list_snapshots(droplet_id, per_page=200, page=p),
            )
        )

    def droplet_snapshot_images(self) -> list[JSON]:
        """Every Droplet snapshot of the account (``GET /v2/snapshots?resource_type=droplet``)."""
        return list(
            self._pages(
                "GET snapshots",
                "snapshots",
                lambda p: self._client.snapshots.list(resource_type="droplet", per_page=200, page=p),
            )
        )

    def delete_snapshot(self, snapshot_id: int) -> None:
        # pydo's generated signature types snapshot_id as a JSON body (for both get and delete); it is the id.
        self._call(f"DELETE snapshot {snapshot_id}", lambda: self._client.snapshots.delete(snapshot_id))  # type: ignore[arg-type]

    def tag_resources(self, tag: str, resources: list[JSON]) -> None:
        """Tag resources (``POST /v2/tags/{tag}/resources``), creating the tag first when it does not exist."""
        what = f"POST tag {tag} on resources"

        def assign() -> Any:
            return self._client.tags.assign_resources(tag, {"resources": resources})

        try:
            self._call(what, assign)
        except NotFound:
            self._call(f"POST tag {tag}", lambda: self._client.tags.create({"name": tag}))
            self._call(what, assign)

    def get_snapshot(self, snapshot_id: int) -> JSON:
        """The snapshot as ``GET /v2/snapshots/{id}`` shows it; :class:`NotFound` when there is none."""
        return self._object(f"GET snapshot {snapshot_id}", lambda: self._client.snapshots.get(snapshot_id), "snapshot")  # type: ignore[arg-type]

    def snapshot_count(self) -> int:
        """How many Droplet snapshots the account has (one request: ``meta.total``)."""
        body = self._call("GET snapshots", lambda: self._client.snapshots.list(resource_type="droplet", per_page=1))
        return int((body.get("meta") or {}).get("total") or 0)

    def droplets(self) -> list[JSON]:
        """Every droplet of the account."""
        return list(self._pages("GET droplets", "droplets", lambda p: self._client.droplets.list(per_page=200, page=p)))

    def sizes(self) -> list[JSON]:
        """Every droplet size with its prices, regions and ``gpu_info`` (``GET /v2/sizes``)."""
        return list(self._pages("GET sizes", "sizes", lambda p: self._client.sizes.list(per_page=200, page=p)))

    def account(self) -> JSON:
        """The account the token belongs to (``GET /v2/account``)."""
        return self._object("GET account", lambda: self._client.account.get(), "account")
