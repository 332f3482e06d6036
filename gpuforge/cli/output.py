"""How the CLI shows things: rich tables for people, JSON for scripts, one-line errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from gpuforge.cli.inventory import Entry
from gpuforge.costs import DropletCosts, snapshot_monthly

PIPE_WIDTH = 200


def _console(file: TextIO) -> Console:
    """No markup (names may hold brackets); text lines never broken (``soft_wrap``); tables fit a terminal, or take up to
    :data:`PIPE_WIDTH` columns when piped, instead of squeezing into 80."""
    return Console(
        file=file, highlight=False, markup=False, soft_wrap=True, width=None if file.isatty() else PIPE_WIDTH
    )


def out() -> Console:
    """A console on the current stdout (looked up per call, so that test runners capture it)."""
    return _console(sys.stdout)


def err() -> Console:
    """A console on the current stderr, for progress."""
    return _console(sys.stderr)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def error_line(message: str) -> None:
    """One line on stderr, never wrapped (rich would wrap it at the terminal's width)."""
    sys.stderr.write(" ".join(message.split()) + "\n")


def usd(amount: float | None) -> str:
    return "—" if amount is None else f"${amount:,.2f}"


def gigabytes(size: float) -> str:
    return f"{size:,.2f}".rstrip("0").rstrip(".") + " GB"


def when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def snapshot_table(entries: Sequence[Entry], *, rate: float, title: str | None = None) -> Table:
    """Name, id, droplet, created, size and monthly cost, one row per snapshot, with totals."""
    table = Table(title=title, show_footer=len(entries) > 1, title_justify="left")
    total_gb = sum(e.size_gigabytes for e in entries)
    table.add_column("name", footer=f"{len(entries)} snapshots", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("droplet")
    table.add_column("created", no_wrap=True)
    table.add_column("size", justify="right", footer=gigabytes(total_gb), no_wrap=True)
    table.add_column("per month", justify="right", footer=usd(snapshot_monthly(total_gb, rate)), no_wrap=True)
    for e in entries:
        droplet = e.droplet_label + ("" if e.droplet else " (gone)" if e.droplet_id else "")
        table.add_row(
            e.name + ("" if e.gpuforge else " *"),
            e.id,
            droplet,
            when(e.created_at),
            gigabytes(e.size_gigabytes),
            usd(snapshot_monthly(e.size_gigabytes, rate)),
        )
    return table


def key_values(pairs: Iterable[tuple[str, Any]], *, title: str) -> Table:
    """A two-column table of labels and values (``None`` and empty values left out)."""
    table = Table(title=title, show_header=False, title_justify="left", box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for label, value in pairs:
        if value not in (None, "", [], ()):
            table.add_row(label, ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value))
    return table


def cost_table(
    rows: Sequence[DropletCosts], whole: DropletCosts, *, status: Mapping[str, str], slug: Mapping[str, str]
) -> Table:
    """Per droplet: its snapshots' storage per month beside what running it costs a month, with totals."""
    table = Table(show_footer=len(rows) > 1)
    table.add_column("droplet", footer="total")
    table.add_column("now")
    table.add_column("size slug")
    table.add_column("snapshots", justify="right", footer=str(whole.snapshots))
    table.add_column("size", justify="right", footer=gigabytes(whole.gigabytes), no_wrap=True)
    table.add_column("storage per month", justify="right", footer=usd(whole.snapshot_monthly), no_wrap=True)
    table.add_column("running per month", justify="right", footer=usd(whole.running_monthly), no_wrap=True)
    for row in rows:
        table.add_row(
            row.droplet,
            status.get(row.droplet, "?"),
            slug.get(row.droplet, "?"),
            str(row.snapshots),
            gigabytes(row.gigabytes),
            usd(row.snapshot_monthly),
            usd(row.running_monthly),
        )
    return table


def cost_json(row: DropletCosts, status: str | None = None, slug: str | None = None) -> dict[str, Any]:
    return {
        "droplet": row.droplet,
        "status": status,
        "size_slug": slug,
        "snapshots": row.snapshots,
        "size_gigabytes": round(row.gigabytes, 2),
        "snapshots_monthly_usd": round(row.snapshot_monthly, 2),
        "running_monthly_usd": None if row.running_monthly is None else round(row.running_monthly, 2),
    }
