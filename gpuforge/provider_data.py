"""Reads from DigitalOcean through the Pulumi provider's data sources (``get_sizes``, snapshot look-ups).

The thin I/O layer under the pure modules :mod:`gpuforge.sizes` and :mod:`gpuforge.restore`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_digitalocean as digitalocean

from gpuforge.errors import GpuForgeError
from gpuforge.restore import RestorePoint, SnapshotNotFound, is_not_found
from gpuforge.sizes import SizeCatalog

if TYPE_CHECKING:
    from gpuforge.resize import ExistingDroplet


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def fetch_size_catalog() -> SizeCatalog | None:
    """DigitalOcean's size list through ``get_sizes``; None (with a warning) when it cannot be read."""
    try:
        return SizeCatalog.from_pulumi(digitalocean.get_sizes().sizes)
    except Exception as err:  # noqa: BLE001 - any failure to read the list only disables the checks
        pulumi.log.warn(
            f"Could not read DigitalOcean's size list ({_first_line(err)}); "
            "GPU sizes are not checked and costs are unknown."
        )
        return None


class ProviderLookup:
    """Finds snapshots with the provider's data sources (see :class:`gpuforge.restore.Lookup`)."""

    def latest(self, name_regex: str) -> RestorePoint:
        return self._point(
            self._call(lambda: digitalocean.get_droplet_snapshot(name_regex=name_regex, most_recent=True))
        )

    def by_name(self, name: str) -> RestorePoint:
        return self._point(self._call(lambda: digitalocean.get_droplet_snapshot(name=name, most_recent=True)))

    def by_id(self, snapshot_id: str) -> RestorePoint:
        image = self._call(lambda: digitalocean.get_image(id=int(snapshot_id)))
        if getattr(image, "type", "snapshot") != "snapshot":
            raise SnapshotNotFound(snapshot_id)
        return RestorePoint(
            snapshot_id=str(image.id),
            name=image.name,
            regions=tuple(image.regions or ()),
            created_at=str(getattr(image, "created", "") or ""),
            min_disk_size=int(image.min_disk_size or 0),
        )

    @staticmethod
    def _point(result: Any) -> RestorePoint:
        return RestorePoint(
            snapshot_id=str(result.id),
            name=result.name,
            regions=tuple(result.regions or ()),
            created_at=str(result.created_at or ""),
            min_disk_size=int(result.min_disk_size or 0),
        )

    @staticmethod
    def _call(fetch: Callable[[], Any]) -> Any:
        try:
            return fetch()
        except Exception as err:  # noqa: BLE001 - translated into one clear line below
            if is_not_found(err):
                raise SnapshotNotFound(str(err)) from None
            raise GpuForgeError(
                f"Could not look up the snapshot to restore from: {_first_line(err)}",
                hint="check DIGITALOCEAN_TOKEN and that the API is reachable (gpuforge doctor), or clear gpuforge:restoreFrom",
            ) from None


def fetch_existing_droplet(name: str) -> ExistingDroplet | None:
    """The droplet already named ``name`` (``get_droplets`` filtered by name; an empty list is data, not an
    error), or None — also when it cannot be read, with a warning: the resize check is then skipped."""
    from gpuforge.resize import ExistingDroplet

    try:
        found = digitalocean.get_droplets(filters=[digitalocean.GetDropletsFilterArgs(key="name", values=[name])])
    except Exception as err:  # noqa: BLE001 - only the resize check depends on it
        pulumi.log.warn(f"Could not look up droplet {name} ({_first_line(err)}); a gpuSize change is not checked.")
        return None
    droplets = [d for d in (found.droplets or []) if d.name == name]
    if len(droplets) != 1:
        return None
    return ExistingDroplet(id=str(droplets[0].id), size=droplets[0].size, disk_gb=int(droplets[0].disk or 0))
