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
    """A token and endpoint; ``source`` names where the token came from (a config key or a variable)."""

    token: str = field(repr=False)
    endpoint: str = DEFAULT_ENDPOINT
    source: str = TOKEN_ENV[0]

    @property
    def from_config(self) -> bool:
        return self.source == TOKEN_CONFIG


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
    candidates = [(TOKEN_CONFIG, config.get(TOKEN_CONFIG)), *((name, env.get(name)) for name in TOKEN_ENV)]
    source, token = next(((where, _first(value)) for where, value in candidates if _first(value)), ("", None))
    if token is None:
        raise MissingToken()
    endpoint = _first(config.get(ENDPOINT_CONFIG), env.get(ENDPOINT_ENV)) or DEFAULT_ENDPOINT
    return Credentials(token=token, endpoint=endpoint, source=source)


class StoredTokenRefused(AuthError):
    """The token of the stack config was refused at destroy: most likely rotated since the last ``pulumi up``."""

    def __init__(self, refused: AuthError) -> None:
        super().__init__(
            f"{refused.message}; it is the token {TOKEN_CONFIG} saved at the last `pulumi up`, which "
            "`pulumi destroy` uses even after the stack config changed",
            status=refused.status,
            hint=STORED_CONFIG_WAYS_OUT,
        )


#: How to make a destroy use credentials changed in the stack config since the last ``pulumi up``.
STORED_CONFIG_WAYS_OUT = (
    "run `pulumi destroy --run-program` (it reads the current stack config), or `pulumi up` first; "
    f"with no {TOKEN_CONFIG} in the stack config, {TOKEN_ENV[0]} is used"
)


def explain_refused_token(err: AuthError, credentials: Credentials) -> AuthError:
    """A refused (401) token from the stack config gets the advice that works at destroy; others are kept."""
    if err.status == 401 and credentials.from_config:
        return StoredTokenRefused(err)
    return err


def spaces_keys_from_config(config: Mapping[str, object] | None) -> bool:
    """Whether the record store's Spaces keys come from the stack config (saved at the last ``pulumi up``)."""
    config = config or {}
    return _first(config.get(SPACES_ID_CONFIG)) is not None or _first(config.get(SPACES_SECRET_CONFIG)) is not None


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
