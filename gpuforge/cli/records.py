"""``gpuforge records sync``: copy local snapshot records into a shared bucket, for teams that started alone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gpuforge.cli.help import Command
from gpuforge.cli.options import DEFAULT_SNAPSHOT_DIR, RECORDS_HINT, Json, directory_problem, runtime
from gpuforge.cli.output import error_line, out, print_json
from gpuforge.errors import GpuForgeError
from gpuforge.timemachine.records import SnapshotRecord
from gpuforge.timemachine.stores import LocalStore, RecordExists

app = typer.Typer(help="Snapshot records: copy them into a shared record store.", no_args_is_help=True)


@app.command("sync", cls=Command)
def sync(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="s3://BUCKET/PREFIX?region=REGION",
            help="The shared store (the stack's recordStore); Spaces keys from SPACES_ACCESS_KEY_ID and "
            "SPACES_SECRET_ACCESS_KEY.",
        ),
    ],
    source: Annotated[
        Path, typer.Option("--from", metavar="DIR", help="The local directory of records.")
    ] = DEFAULT_SNAPSHOT_DIR,
    json_: Json = False,
) -> None:
    """Copy every record of --from into --to, skipping those already there; never overwrites one."""
    if not to.startswith("s3://"):
        raise typer.BadParameter(
            f"{to!r} is not an s3:// URL (such as s3://my-team/gpuforge?region=nyc3)", param_hint="--to"
        )
    problem = directory_problem(source, "--from", explicit=True, writing=False)
    if problem is not None:
        raise GpuForgeError(problem, hint=RECORDS_HINT)
    target = runtime(ctx).store(to, source)
    found = LocalStore(source).list()
    if not found:
        error_line(f"Warning: {source} holds no snapshot records (<snapshot-name>.json): nothing to copy.")
    copied: list[str] = []
    skipped: list[str] = []
    invalid: list[str] = []
    for stored in found:
        try:
            record = SnapshotRecord.from_dict(stored.data)
        except ValueError:
            invalid.append(stored.location)
            continue
        try:
            copied.append(target.write(record))
        except RecordExists as exists:
            skipped.append(exists.location)
    if json_:
        print_json({"to": target.where, "copied": copied, "skipped": skipped, "invalid": invalid})
        return
    for location in copied:
        out().print(f"Copied {location}")
    summary = f"{len(copied)} record(s) copied to {target.where}, {len(skipped)} already there"
    out().print(summary + (f", {len(invalid)} incomplete file(s) left out: {', '.join(invalid)}." if invalid else "."))
