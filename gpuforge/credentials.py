"""Where the DigitalOcean token and endpoint come from, read at call time and never stored in state.

Order: the stack config the engine hands a dynamic provider (``digitalocean:token``,
``digitalocean:apiEndpoint``), then the environment (``DIGITALOCEAN_TOKEN``,
``DIGITALOCEAN_ACCESS_TOKEN``, ``DIGITALOCEAN_API_URL``) — the names the DigitalOcean provider uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from gpuforge.do_client import DEFAULT_ENDPOINT, TOKEN_SCOPES_HINT, AuthError

TOKEN_CONFIG = "digitalocean:token"
ENDPOINT_CONFIG = "digitalocean:apiEndpoint"
TOKEN_ENV = ("DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN")
ENDPOINT_ENV = "DIGITALOCEAN_API_URL"


@dataclass(frozen=True)
class Credentials:
    token: str = field(repr=False)
    endpoint: str = DEFAULT_ENDPOINT


class MissingToken(AuthError):
    def __init__(self) -> None:
        super().__init__(
            "No DigitalOcean token: set digitalocean:token in the stack config "
            f"or {' or '.join(TOKEN_ENV)} in the environment",
            hint=TOKEN_SCOPES_HINT,
        )


def resolve(config: Mapping[str, object] | None, env: Mapping[str, str]) -> Credentials:
    """The token and endpoint to use; :class:`MissingToken` when there is no token anywhere."""
    config = config or {}
    token = _first(config.get(TOKEN_CONFIG), *(env.get(name) for name in TOKEN_ENV))
    if token is None:
        raise MissingToken()
    endpoint = _first(config.get(ENDPOINT_CONFIG), env.get(ENDPOINT_ENV)) or DEFAULT_ENDPOINT
    return Credentials(token=token, endpoint=endpoint)


def _first(*values: object) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
