"""Options shared by several commands, and the runtime a command runs with."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from gpuforge.cli.runtime import Runtime
from gpuforge.durations import parse_duration
from gpuforge.errors import GpuForgeError
from gpuforge.timemachine.stores import RecordStore

Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables, for scripts and CI.")]
SnapshotDir = Annotated[
    Path,
    typer.Option(
        "--snapshot-dir", metavar="DIR", help="The directory of snapshot records (the stack's snapshotDirectory)."
    ),
]
RecordStoreUrl = Annotated[
    str,
    typer.Option(
        "--record-store",
        metavar="URL",
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
    float,
    typer.Option(
        "--rate", metavar="USD", min=0.0, callback=_finite_rate, help="Snapshot storage price, USD per GB-month."
    ),
]
Droplet = Annotated[
    str | None, typer.Option("--droplet", metavar="NAME|ID", help="Only this droplet's snapshots (its name or id).")
]
OlderThan = Annotated[
    str | None, typer.Option("--older-than", metavar="DURATION", help="Only snapshots at least this old: 12h, 30d, 2w.")
]
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


RECORDS_HINT = "give the directory that holds the snapshot records (the stack's snapshotDirectory, default snapshots)"


def directory_problem(path: Path, option: str, *, explicit: bool, writing: bool) -> str | None:
    """Why ``path`` cannot be the directory of records ``option`` names, or None. Pure but for ``stat``.

    A file is never one; a directory that does not exist is fine where records will be written, and for the
    default (no record written yet), but not when a reader named it: a mistyped path would read as "no records".
    """
    if path.exists() and not path.is_dir():
        return f"{option} {path} is a file, not a directory of snapshot records"
    if not path.exists() and explicit and not writing:
        return f"{option} {path}: no such directory"
    return None


def given(ctx: typer.Context, parameter: str) -> bool:
    """Whether the user gave ``parameter`` (on the command line or through its environment variable)."""
    source = ctx.get_parameter_source(parameter)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def open_records(ctx: typer.Context, record_store: str, snapshot_dir: Path, *, writing: bool = False) -> RecordStore:
    """The record store of ``--record-store``, else the ``--snapshot-dir`` directory, once checked (see
    :func:`directory_problem`): a mistyped path fails with one line instead of reading as "no records"."""
    if not record_store:
        problem = directory_problem(
            snapshot_dir, "--snapshot-dir", explicit=given(ctx, "snapshot_dir"), writing=writing
        )
        if problem is not None:
            raise GpuForgeError(problem, hint=RECORDS_HINT)
    return runtime(ctx).store(record_store, snapshot_dir)
