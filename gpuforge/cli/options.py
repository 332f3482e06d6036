"""Options shared by several commands, and the runtime a command runs with."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from gpuforge.cli.runtime import Runtime
from gpuforge.durations import parse_duration

Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables, for scripts and CI.")]
SnapshotDir = Annotated[
    Path, typer.Option("--snapshot-dir", help="The directory of snapshot records (the stack's snapshotDirectory).")
]
RecordStoreUrl = Annotated[
    str,
    typer.Option(
        "--record-store",
        envvar="GPUFORGE_RECORD_STORE",
        show_default=False,
        help="A shared record store, s3://bucket/prefix?region=nyc3 (the stack's recordStore); "
        "Spaces keys from SPACES_ACCESS_KEY_ID and SPACES_SECRET_ACCESS_KEY. Default: --snapshot-dir.",
    ),
]


def _finite_rate(value: float) -> float:
    if not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a price: give USD per GB-month, such as 0.06")
    return value


Rate = Annotated[
    float, typer.Option("--rate", min=0.0, callback=_finite_rate, help="Snapshot storage price, USD per GB-month.")
]
Droplet = Annotated[str | None, typer.Option("--droplet", help="Only this droplet's snapshots (its name or id).")]
OlderThan = Annotated[str | None, typer.Option("--older-than", help="Only snapshots at least this old: 12h, 30d, 2w.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do it, without asking.")]

DEFAULT_SNAPSHOT_DIR = Path("snapshots")


def runtime(ctx: typer.Context) -> Runtime:
    """The runtime handed in as click's ``obj`` (tests), else the real one."""
    return ctx.obj if isinstance(ctx.obj, Runtime) else Runtime()


def seconds(value: str | None, option: str) -> int | None:
    """A duration option in seconds (None when not given); a usage error when it is not a duration."""
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint=option) from None
