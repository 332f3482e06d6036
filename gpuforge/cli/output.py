"""How the CLI shows things: rich tables for people, JSON for scripts, one-line errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
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


def day(epoch: float) -> str:
    return when(epoch)[:10]


def _widest(*cells: str) -> int:
    return max(len(cell) for cell in cells)


def snapshot_table(
    entries: Sequence[Entry], *, rate: float, title: str | None = None, width: int | None = None
) -> Table:
    """Name, id, droplet, created, size and monthly cost, one row per snapshot, with totals.

    Ids are never cut, names and droplets never shortened: on a console ``width`` columns wide that cannot
    hold every column, the monthly cost goes first (it is the size times the rate), then the time of day;
    names and droplets fold onto a second line rather than lose a character.
    """
    total_gb = sum(e.size_gigabytes for e in entries)
    rows = [
        (
            e.name + ("" if e.gpuforge else " *"),
            e.id,
            e.droplet_label + ("" if e.droplet else " (gone)" if e.droplet_id else ""),
            e.created_at,
            gigabytes(e.size_gigabytes),
            usd(snapshot_monthly(e.size_gigabytes, rate)),
        )
        for e in entries
    ]
    footer = (f"{len(entries)} snapshots", "", "", "", gigabytes(total_gb), usd(snapshot_monthly(total_gb, rate)))
    headers = ("name", "id", "droplet", "created", "size", "per month")
    formats: list[Callable[[float], str]] = [when, day]  # the time of day goes when space is short
    keep = [True] * 6

    def needed(date_format: Callable[[float], str]) -> int:
        columns = [
            [headers[i], footer[i], *(date_format(r[3]) if i == 3 else str(r[i]) for r in rows)]
            for i in range(6)
            if keep[i]
        ]
        return sum(_widest(*c) for c in columns) + 3 * len(columns) + 1

    date_format = formats[0]
    if width is not None and needed(date_format) > width:
        keep[5] = False
        if needed(date_format) > width:
            date_format = formats[1]
    table = Table(title=title, show_footer=len(entries) > 1, title_justify="left")
    widest_id = _widest(headers[1], *(r[1] for r in rows))
    table.add_column(
        "name", footer=footer[0], overflow="fold", min_width=min(12, _widest("name", *(r[0] for r in rows)))
    )
    table.add_column("id", no_wrap=True, min_width=widest_id)
    table.add_column("droplet", overflow="fold", min_width=min(8, _widest("droplet", *(r[2] for r in rows))))
    table.add_column("created", no_wrap=True, min_width=len(date_format(0.0)))
    table.add_column(
        "size", justify="right", footer=footer[4], no_wrap=True, min_width=_widest(footer[4], *(r[4] for r in rows))
    )
    if keep[5]:
        table.add_column("per month", justify="right", footer=footer[5], no_wrap=True)
    for name, snapshot_id, droplet, created, size, monthly in rows:
        cells = [name, snapshot_id, droplet, date_format(created), size] + ([monthly] if keep[5] else [])
        table.add_row(*cells)
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
    rows: Sequence[DropletCosts],
    whole: DropletCosts,
    *,
    status: Mapping[str, str],
    slug: Mapping[str, str],
    width: int | None = None,
) -> Table:
    """Per droplet: its snapshots' storage per month beside what running it costs a month, with totals.

    On a console ``width`` columns wide that cannot hold every column, the size slug goes first, then the
    droplet's status; droplet names fold rather than lose a character, headers wrap, figures stay whole.
    """
    cells = [
        (
            row.droplet,
            status.get(row.droplet, "?"),
            slug.get(row.droplet, "?"),
            str(row.snapshots),
            gigabytes(row.gigabytes),
            usd(row.snapshot_monthly),
            usd(row.running_monthly),
        )
        for row in rows
    ]
    footer = (
        "total",
        "",
        "",
        str(whole.snapshots),
        gigabytes(whole.gigabytes),
        usd(whole.snapshot_monthly),
        usd(whole.running_monthly),
    )
    headers = ("droplet", "now", "size slug", "snapshots", "size", "storage per month", "running per month")
    keep = [True] * 7
    # A header may wrap at its spaces: its longest word is what it needs.
    widest = [_widest(*headers[i].split(), footer[i], *(c[i] for c in cells)) for i in range(7)]

    def needed() -> int:
        kept = [w for w, k in zip(widest, keep, strict=True) if k]
        return sum(kept) + 3 * len(kept) + 1

    for column in (2, 1):  # the size slug, then the status
        if width is not None and needed() > width:
            keep[column] = False
    table = Table(show_footer=len(rows) > 1)
    for i, header in enumerate(headers):
        if not keep[i]:
            continue
        figures = _widest(footer[i], *(c[i] for c in cells))
        if i == 0:
            table.add_column(header, footer=footer[i], overflow="fold", min_width=min(12, widest[0]))
        elif i < 3:
            table.add_column(header, footer=footer[i], overflow="fold")
        else:  # figures whole; a long header wraps above them
            table.add_column(header, footer=footer[i], justify="right", overflow="fold", min_width=figures)
    for row_cells in cells:
        table.add_row(*(cell for cell, k in zip(row_cells, keep, strict=True) if k))
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
