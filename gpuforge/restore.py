"""``restoreFrom``: which snapshot a droplet is created from.

The decisions are pure (:func:`resolve`); the look-ups are the DigitalOcean provider's own
``get_images`` data source (filtered by name pattern, name or id, newest first), called through
:class:`gpuforge.provider_data.ProviderLookup`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from gpuforge.config import DropletConfig
from gpuforge.errors import ConfigError
from gpuforge.timemachine.naming import template_pattern


@dataclass(frozen=True)
class RestorePoint:
    """A droplet snapshot a droplet can be created from."""

    snapshot_id: str
    name: str
    regions: tuple[str, ...]
    created_at: str = ""
    min_disk_size: int = 0


@dataclass(frozen=True)
class RestorePlan:
    """The image to create the droplet from, the snapshot behind it (if any) and a warning to show."""

    image: str | None
    point: RestorePoint | None = None
    warning: str | None = None


class SnapshotNotFound(Exception):
    """The look-up worked and found nothing."""


class Lookup(Protocol):
    """How snapshots are found; raises :class:`SnapshotNotFound` when nothing matches."""

    def latest(self, name_regex: str) -> RestorePoint: ...

    def by_name(self, name: str) -> RestorePoint: ...

    def by_id(self, snapshot_id: str) -> RestorePoint: ...


def latest_name_regex(droplet: DropletConfig) -> str:
    """The names GPUForge gives this droplet's snapshots, as an anchored regular expression."""
    template = droplet.snapshot_name or f"{droplet.name}-snapshot-[timestamp]"
    return f"^{template_pattern(template)}$"


def resolve(droplet: DropletConfig, lookup: Lookup, *, where: str = "") -> RestorePlan:
    """Decide the droplet's image from ``restoreFrom``.

    ``latest`` with no snapshot yet falls back to the configured image with a warning; a name or
    id that does not exist, or a snapshot not available in the droplet's region, is an error.
    """
    wanted = droplet.restore_from
    key = f"{where}restoreFrom"
    if not wanted:
        return RestorePlan(image=None)
    try:
        if wanted == "latest":
            point = lookup.latest(latest_name_regex(droplet))
        elif wanted.isdigit():
            point = lookup.by_id(wanted)
        else:
            point = lookup.by_name(wanted)
    except SnapshotNotFound:
        if wanted == "latest":
            return RestorePlan(
                image=None,
                warning=f"{droplet.name}: restoreFrom is latest but there is no GPUForge snapshot of it yet; "
                "creating it from its base image.",
            )
        raise ConfigError(key, wanted, "the name or id of an existing droplet snapshot; none has it") from None
    if droplet.region not in point.regions:
        raise ConfigError(
            key,
            wanted,
            f"a snapshot available in {droplet.region}; {point.name} ({point.snapshot_id}) is in: "
            f"{', '.join(point.regions) or 'no region'} (transfer it, or set region to one of those)",
        )
    return RestorePlan(image=point.snapshot_id, point=point)
