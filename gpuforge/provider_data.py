"""Reads from DigitalOcean through the Pulumi provider's data sources (``get_sizes``, ``get_images``).

The thin I/O layer under the pure modules :mod:`gpuforge.sizes` and :mod:`gpuforge.restore`.

Snapshots are found with ``get_images`` (terraform-provider-digitalocean,
``digitalocean/image/datasource_images.go``: every image of ``GET /v2/images``, filtered and
sorted by ``internal/datalist``). Its answer when nothing matches is an empty list, which is data;
``get_droplet_snapshot`` instead fails with ``No DROPLET snapshot found with name %!s(<nil>)``
(``digitalocean/snapshot/datasource_droplet_snapshot.go``), text that cannot be told apart from a
failure to ask. So any failed look-up here means "could not ask", never "nothing there".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_digitalocean as digitalocean

from gpuforge.errors import GpuForgeError
from gpuforge.restore import RestorePoint, SnapshotNotFound
from gpuforge.sizes import SizeCatalog

if TYPE_CHECKING:
    from gpuforge.resize import ExistingDroplet

#: "invoke of <token> failed: <reason> (<property>)", the SDK's text for a failed data source
#: (pulumi/runtime/invoke.py); the reason is often hashicorp/go-multierror's "1 error occurred:\n\t* …".
_INVOKE_PREFIX = re.compile(r"^invoke of \S+ failed: ")
_ERROR_COUNT = re.compile(r"^\d+ errors? occurred:$")
_PROPERTY = re.compile(r"^\(\w*\)$")


def error_summary(err: Exception) -> str:
    """A failed invoke's reason on one line, without the SDK's and go-multierror's wrapping."""
    text = _INVOKE_PREFIX.sub("", str(err).strip())
    lines = [line.strip().removeprefix("* ").strip() for line in text.splitlines()]
    kept = [line for line in lines if line and not _ERROR_COUNT.match(line) and not _PROPERTY.match(line)]
    summary = "; ".join(kept).removesuffix(" ()").strip()
    return summary or type(err).__name__


def fetch_size_catalog() -> SizeCatalog | None:
    """DigitalOcean's size list through ``get_sizes``; None (with a warning) when it cannot be read."""
    try:
        return SizeCatalog.from_pulumi(digitalocean.get_sizes().sizes)
    except Exception as err:  # noqa: BLE001 - any failure to read the list only disables the checks
        pulumi.log.warn(
            f"Could not read DigitalOcean's size list ({error_summary(err)}); "
            "GPU sizes are not checked and costs are unknown."
        )
        return None


def _filter(key: str, value: str, match_by: str = "exact") -> digitalocean.GetImagesFilterArgs:
    return digitalocean.GetImagesFilterArgs(key=key, values=[value], match_by=match_by)


#: Droplet snapshots only: the account's own images (``private``) of type ``snapshot`` (not backups).
_SNAPSHOTS = (_filter("type", "snapshot"), _filter("private", "true"))
_NEWEST_FIRST = [digitalocean.GetImagesSortArgs(key="created", direction="desc")]


class ProviderLookup:
    """Finds snapshots with the provider's ``get_images`` (see :class:`gpuforge.restore.Lookup`)."""

    def latest(self, name_regex: str) -> RestorePoint:
        return self._newest(_filter("name", name_regex, "re"))

    def by_name(self, name: str) -> RestorePoint:
        return self._newest(_filter("name", name))

    def by_id(self, snapshot_id: str) -> RestorePoint:
        return self._newest(_filter("id", snapshot_id))

    def _newest(self, wanted: digitalocean.GetImagesFilterArgs) -> RestorePoint:
        result = _call(lambda: digitalocean.get_images(filters=[wanted, *_SNAPSHOTS], sorts=_NEWEST_FIRST))
        images = list(result.images or [])
        if not images:
            raise SnapshotNotFound(str(wanted.values[0]))
        image = images[0]
        return RestorePoint(
            snapshot_id=str(image.id),
            name=image.name,
            regions=tuple(image.regions or ()),
            created_at=str(image.created or ""),
            min_disk_size=int(image.min_disk_size or 0),
        )


def _call(fetch: Callable[[], Any]) -> Any:
    try:
        return fetch()
    except Exception as err:  # noqa: BLE001 - translated into one clear line below
        raise GpuForgeError(
            f"Could not look up the snapshot to restore from: {error_summary(err)}",
            hint="check DIGITALOCEAN_TOKEN and that the API is reachable (gpuforge doctor), or clear gpuforge:restoreFrom",
        ) from None


def fetch_existing_droplet(name: str) -> ExistingDroplet | None:
    """The droplet already named ``name`` (``get_droplets`` filtered by name; an empty list is data, not an
    error), or None — also when it cannot be read, with a warning: the resize check is then skipped."""
    from gpuforge.resize import ExistingDroplet

    try:
        found = digitalocean.get_droplets(filters=[digitalocean.GetDropletsFilterArgs(key="name", values=[name])])
    except Exception as err:  # noqa: BLE001 - only the resize check depends on it
        pulumi.log.warn(f"Could not look up droplet {name} ({error_summary(err)}); a gpuSize change is not checked.")
        return None
    droplets = [d for d in (found.droplets or []) if d.name == name]
    if len(droplets) != 1:
        return None
    return ExistingDroplet(id=str(droplets[0].id), size=droplets[0].size, disk_gb=int(droplets[0].disk or 0))
