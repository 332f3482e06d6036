"""What the commands need from outside: the clock and the DigitalOcean API, built from the environment.

Tests hand their own :class:`Runtime` to the app as click's ``obj`` (a manual clock shared with the
simulator); the console script uses the real clock.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gpuforge.clock import Clock, SystemClock
from gpuforge.credentials import SPACES_ID_ENV, SPACES_SECRET_ENV, TOKEN_ENV, Credentials, MissingToken, resolve
from gpuforge.errors import GpuForgeError
from gpuforge.scopes import README_SECTION
from gpuforge.cli.output import error_line
from gpuforge.do_client import DEFAULT_ENDPOINT, AuthError, DoApi, NotFound, TransientError, Unreachable
from gpuforge.timemachine.polling import PollPolicy, retry_delay
from gpuforge.timemachine.stores import RecordStore, open_store

ATTEMPTS = 5
CLI_ENDPOINT_HINT = (
    f"check DIGITALOCEAN_API_URL, or unset it to use {DEFAULT_ENDPOINT}; `gpuforge doctor` checks the token and the API"
)
TOKEN_HINT = (
    "create one at https://cloud.digitalocean.com/account/api/tokens (read and write, or the scopes in "
    f'README.md\'s "{README_SECTION}") and `export DIGITALOCEAN_TOKEN=...`'
)
#: The CLI reads the token from the environment only (never the stack config).
CLI_TOKEN_HINT = (
    "use a DigitalOcean API token with read and write access, or one with the scopes in README.md's "
    f'"{README_SECTION}", in DIGITALOCEAN_TOKEN; `gpuforge doctor` checks it'
)
SPACES_KEYS_HINT = (
    "create a Spaces key with read and write access to the bucket under API → Spaces Keys "
    "(https://cloud.digitalocean.com/account/api/spaces)"
)


class PatientApi(DoApi):
    """A :class:`DoApi` whose GETs and DELETEs are retried on 429, 5xx and lost connections.

    ``retry-after`` is honoured and each retry is announced through ``notify`` (one line: what failed,
    how long until the next attempt); after :data:`ATTEMPTS` the last error is raised. Nothing to
    wait for when nothing listens (:class:`~gpuforge.do_client.Unreachable`: refused, unknown host):
    that fails at once. POSTs are never retried here: a repeated action could start a second one. A
    DELETE answered 404 after a lost attempt was carried out by that attempt, and counts as done.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        clock: Clock,
        attempts: int = ATTEMPTS,
        notify: Callable[[str], None] = error_line,
    ) -> None:
        super().__init__(
            credentials.token, credentials.endpoint, endpoint_hint=CLI_ENDPOINT_HINT, token_hint=CLI_TOKEN_HINT
        )
        self._clock = clock
        self._attempts = attempts
        self._notify = notify

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        if what.startswith("POST"):
            return super()._call(what, fn)
        failed: TransientError | None = None
        for attempt in range(self._attempts):
            try:
                return super()._call(what, fn)
            except NotFound:
                if failed is not None and what.startswith("DELETE"):
                    return None
                raise
            except Unreachable:
                raise
            except TransientError as err:
                failed = err
                if attempt + 1 < self._attempts:
                    delay = retry_delay(PollPolicy(), attempt, retry_after=err.retry_after)
                    self._notify(
                        f"{err.message}: retrying in {delay:g}s (attempt {attempt + 2} of {self._attempts})..."
                    )
                    self._clock.sleep(delay)
        assert failed is not None
        raise TransientError(
            f"{failed.message} (still failing after {self._attempts} attempts)",
            status=failed.status,
            retry_after=failed.retry_after,
        )


@dataclass(frozen=True)
class Runtime:
    """The clock, and the token and endpoint read from the environment at call time."""

    clock: Clock = field(default_factory=SystemClock)

    def credentials(self) -> Credentials:
        """From ``DIGITALOCEAN_TOKEN``/``DIGITALOCEAN_ACCESS_TOKEN`` and ``DIGITALOCEAN_API_URL``."""
        try:
            return resolve(None, os.environ)
        except MissingToken:
            raise AuthError(
                f"No DigitalOcean token: set {' or '.join(TOKEN_ENV)} in the environment", hint=TOKEN_HINT
            ) from None

    def api(self) -> DoApi:
        """The API for listing, showing and deleting: reads and deletes retried."""
        return PatientApi(self.credentials(), clock=self.clock)

    def store(self, spec: str, directory: str | os.PathLike[str]) -> RecordStore:
        """The record store ``spec`` names (an ``s3://`` URL, Spaces keys from the environment), else ``directory``."""
        missing = [name for name in (SPACES_ID_ENV, SPACES_SECRET_ENV) if not os.environ.get(name, "").strip()]
        if spec.strip() and missing:  # the CLI reads no stack config: only the environment can help
            raise GpuForgeError(
                f"No Spaces key for the record store: export {' and '.join(missing)}", hint=SPACES_KEYS_HINT
            )
        return open_store(spec, directory=str(directory), config=None, env=os.environ)

    def core_api(self) -> DoApi:
        """The plain API for the time machine core, which retries by itself against its deadline."""
        credentials = self.credentials()
        return DoApi(
            credentials.token, credentials.endpoint, endpoint_hint=CLI_ENDPOINT_HINT, token_hint=CLI_TOKEN_HINT
        )
