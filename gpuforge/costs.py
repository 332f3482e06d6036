"""Cost arithmetic, in USD per month: pure functions over sizes, rates and prices fetched elsewhere.

Values are kept unrounded; rounding to the cent is the display's job, so that totals add up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from gpuforge.timemachine.records import SNAPSHOT_PRICE_PER_GB_MONTH

#: DigitalOcean's snapshot storage price today; ``--rate`` overrides it.
DEFAULT_SNAPSHOT_RATE = SNAPSHOT_PRICE_PER_GB_MONTH


def snapshot_monthly(size_gigabytes: float, rate: float = DEFAULT_SNAPSHOT_RATE) -> float:
    """What storing a snapshot of ``size_gigabytes`` (compressed) costs a month."""
    return size_gigabytes * rate


@dataclass(frozen=True)
class DropletCosts:
    """One droplet's snapshots (count, GB, storage per month) beside what running it costs a month."""

    droplet: str
    snapshots: int
    gigabytes: float
    snapshot_monthly: float
    running_monthly: float | None  # None: the droplet's size or its price is unknown


def costs_by_droplet(
    snapshots: Iterable[tuple[str, float]],
    *,
    rate: float = DEFAULT_SNAPSHOT_RATE,
    running: Mapping[str, float | None],
) -> list[DropletCosts]:
    """Group ``(droplet, size_gigabytes)`` pairs per droplet, costliest storage first.

    ``running`` maps a droplet to its monthly price (a droplet missing from it: unknown).
    """
    sizes: dict[str, list[float]] = defaultdict(list)
    for droplet, size in snapshots:
        sizes[droplet].append(size)
    rows = [
        DropletCosts(droplet, len(found), sum(found), snapshot_monthly(sum(found), rate), running.get(droplet))
        for droplet, found in sizes.items()
    ]
    return sorted(rows, key=lambda row: (-row.snapshot_monthly, row.droplet))


def total(rows: Sequence[DropletCosts]) -> DropletCosts:
    """All rows summed. The running cost sums the known ones; None when none is known."""
    known = [row.running_monthly for row in rows if row.running_monthly is not None]
    return DropletCosts(
        droplet="total",
        snapshots=sum(row.snapshots for row in rows),
        gigabytes=sum(row.gigabytes for row in rows),
        snapshot_monthly=sum(row.snapshot_monthly for row in rows),
        running_monthly=sum(known) if known else None,
    )
