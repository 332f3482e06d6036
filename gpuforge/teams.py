"""Which DigitalOcean team a guard protects a droplet for, and the check that a destroy runs under it.

A token belongs to one team. Under another team's token a droplet answers 404, exactly like a
droplet that was deleted, and the DigitalOcean provider's own delete sees the same 404. So the guard
records its team (``GET /v2/account`` → ``account.team``) when it is created or updated, keeps it as
the outputs ``team_uuid`` and ``team_name``, and refuses to run a destroy under another team's token.
A guard created before teams were recorded has no ``team_uuid`` output: it behaves as before, with a
warning, until the next ``pulumi up`` records its team.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gpuforge.errors import GpuForgeError

if TYPE_CHECKING:
    from gpuforge.clock import Clock
    from gpuforge.do_client import DoApi

#: The guard's outputs that come from the API, not from its inputs.
TEAM_OUTPUTS = ("team_uuid", "team_name")


@dataclass(frozen=True)
class Team:
    """A DigitalOcean team: ``uuid`` identifies it, ``name`` is what the user knows it by."""

    uuid: str
    name: str

    @classmethod
    def of_account(cls, account: Mapping[str, Any]) -> Team:
        """The team of a ``GET /v2/account`` answer; an account without a team context is its own team."""
        team = account.get("team") or {}
        if team.get("uuid"):
            return cls(str(team["uuid"]), str(team.get("name") or ""))
        return cls(f"user:{account.get('uuid', '')}", str(account.get("email") or account.get("name") or ""))

    @classmethod
    def recorded(cls, outputs: Mapping[str, Any]) -> Team | None:
        """The team a guard recorded, or None for a guard created before teams were recorded."""
        uuid = outputs.get("team_uuid")
        if not uuid:
            return None
        return cls(str(uuid), str(outputs.get("team_name") or ""))

    @classmethod
    def unknown(cls) -> Team:
        """The team of a token that may not read the account: recorded as such, treated like no team."""
        return cls("", "")

    def to_outputs(self) -> dict[str, str]:
        return {"team_uuid": self.uuid, "team_name": self.name}

    def __str__(self) -> str:
        return f"'{self.name}' ({self.uuid})" if self.name else self.uuid


class WrongTeam(GpuForgeError):
    """The destroy runs under a token of another team than the one the guard protects the droplet for."""

    def __init__(self, *, guarded: Team, current: Team, droplet_id: str, droplet_name: str) -> None:
        self.guarded, self.current = guarded, current
        super().__init__(
            f"The DigitalOcean token in use belongs to team {current}, but droplet {droplet_id} "
            f"({droplet_name}) is guarded in team {guarded}: under another team's token the droplet "
            "would look deleted, so nothing was snapshotted or deleted",
            hint=(
                f"use a token of team {guarded.name or guarded.uuid} (DIGITALOCEAN_TOKEN, or "
                "digitalocean:token then `pulumi destroy --run-program`) and run `pulumi destroy` again"
            ),
        )


def team_of_token(api: DoApi, clock: Clock, *, within: float) -> Team:
    """The team of the API client's token (``GET /v2/account``), retried on 429/5xx/lost connections
    (honouring ``retry-after``) for up to ``within`` seconds, as every call of the time machine is."""
    from gpuforge.do_client import TransientError
    from gpuforge.timemachine.polling import DEFAULT_POLL_POLICY, bounded, retry_delay

    deadline = clock.now() + within
    attempt = 0
    while True:
        try:
            return Team.of_account(api.account())
        except TransientError as err:
            now = clock.now()
            if now >= deadline:
                raise
            clock.sleep(
                bounded(
                    retry_delay(DEFAULT_POLL_POLICY, attempt, retry_after=err.retry_after), now=now, deadline=deadline
                )
            )
            attempt += 1


def check_same_team(guarded: Team, current: Team, *, droplet_id: str, droplet_name: str) -> None:
    """Raise :class:`WrongTeam` unless ``current`` is the team the guard protects the droplet for."""
    if current.uuid != guarded.uuid:
        raise WrongTeam(guarded=guarded, current=current, droplet_id=droplet_id, droplet_name=droplet_name)


def unrecorded_team_warning(droplet_id: str, droplet_name: str) -> str:
    """What a guard created before teams were recorded says at delete time."""
    return (
        f"⚠️  The guard of droplet {droplet_id} ({droplet_name}) has no DigitalOcean team recorded (created "
        "before GPUForge recorded teams, or by a token without account:read): if the token belongs to another "
        "team, the droplet looks deleted and is not snapshotted. Run `pulumi up` once to record the team."
    )
