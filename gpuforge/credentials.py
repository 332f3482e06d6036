"""Where the DigitalOcean token and endpoint come from, read at call time and never stored in state.

Order: the stack config the engine hands a dynamic provider (``digitalocean:token``,
``digitalocean:apiEndpoint``), then the environment (``DIGITALOCEAN_TOKEN``,
``DIGITALOCEAN_ACCESS_TOKEN``, ``DIGITALOCEAN_API_URL``) — the names the DigitalOcean provider uses.
The Spaces keys of a shared record store likewise: ``digitalocean:spacesAccessId`` and
``digitalocean:spacesSecretKey``, then ``SPACES_ACCESS_KEY_ID`` and ``SPACES_SECRET_ACCESS_KEY``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Mapping

from gpuforge.do_client import DEFAULT_ENDPOINT, TOKEN_SCOPES_HINT, AuthError
from gpuforge.errors import GpuForgeError

TOKEN_CONFIG = "digitalocean:token"
ENDPOINT_CONFIG = "digitalocean:apiEndpoint"
TOKEN_ENV = ("DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN")
ENDPOINT_ENV = "DIGITALOCEAN_API_URL"
SPACES_ID_CONFIG = "digitalocean:spacesAccessId"
SPACES_SECRET_CONFIG = "digitalocean:spacesSecretKey"
SPACES_ID_ENV = "SPACES_ACCESS_KEY_ID"
SPACES_SECRET_ENV = "SPACES_SECRET_ACCESS_KEY"
#: The stack-config keys a dynamic provider keeps (in memory only) from ``configure``.
PROVIDER_CONFIG_KEYS = (TOKEN_CONFIG, ENDPOINT_CONFIG, SPACES_ID_CONFIG, SPACES_SECRET_CONFIG)


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


@dataclass(frozen=True)
class SpacesKeys:
    access_id: str
    secret_key: str = field(repr=False)


def resolve_spaces(config: Mapping[str, object] | None, env: Mapping[str, str]) -> SpacesKeys:
    """The Spaces access key and secret for a bucket record store; a one-line error when either is missing."""
    config = config or {}
    access_id = _first(config.get(SPACES_ID_CONFIG), env.get(SPACES_ID_ENV))
    secret_key = _first(config.get(SPACES_SECRET_CONFIG), env.get(SPACES_SECRET_ENV))
    if access_id is None or secret_key is None:
        raise GpuForgeError(
            "No Spaces access key for the record store: set digitalocean:spacesAccessId and "
            f"digitalocean:spacesSecretKey in the stack config, or {SPACES_ID_ENV} and {SPACES_SECRET_ENV}",
            hint="create a key under API → Spaces Keys; `pulumi config set --secret digitalocean:spacesSecretKey …`",
        )
    return SpacesKeys(access_id, secret_key)


def _first(*values: object) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
