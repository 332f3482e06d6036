"""``gpuforge snapshots list|show|delete|prune|cost``: the account's Droplet snapshots and their records.

Listing fetches the snapshots once (200 per page) and, only when some snapshot's droplet is known
by id alone, the droplet list once: never one request per snapshot.
"""

from __future__ import annotations

import shlex

from collections.abc import Sequence
from typing import Annotated, Any

import typer

from gpuforge.cli.inventory import (
    Entry,
    droplet_facts,
    entry,
    find,
    merge,
    needs_droplet_names,
    select,
)
from gpuforge.cli.local import read_records
from gpuforge.cli.help import Command
from gpuforge.cli.options import (
    DEFAULT_SNAPSHOT_DIR,
    Droplet,
    Json,
    OlderThan,
    Rate,
    RecordStoreUrl,
    SnapshotDir,
    Yes,
    open_records,
    runtime,
    seconds,
)
from gpuforge.cli.output import (
    cost_json,
    cost_table,
    error_line,
    gigabytes,
    key_values,
    out,
    print_json,
    snapshot_table,
    usd,
    when,
)
from gpuforge.cli.pruning import plan_prune
from gpuforge.costs import (
    DEFAULT_SNAPSHOT_RATE,
    costs_by_droplet,
    snapshot_monthly,
    total,
)
from gpuforge.do_client import ApiError, DoApi, NotFound
from gpuforge.errors import GpuForgeError
from gpuforge.sizes import SizeCatalog, monthly_cost
from gpuforge.timemachine.retention import RetentionPolicy
from gpuforge.timemachine.stores import RecordStore, StoredRecord

app = typer.Typer(help="List, show, delete, prune and cost the account's Droplet snapshots.", no_args_is_help=True)

NOT_GPUFORGE_NOTE = (
    "* not a GPUForge snapshot (no record, no gpuforge tag, not a <droplet>-snapshot-YYYYMMDD-HHMMSS name)"
)


def load_entries(api: DoApi, store: RecordStore, droplets: Sequence[dict[str, Any]] | None = None) -> list[Entry]:
    """Every Droplet snapshot with its record merged in; ``droplets``, if already fetched, name them."""
    snapshots = api.droplet_snapshot_images()
    records = read_records(store)
    return merge(snapshots, records, droplet_names(api, snapshots, records, droplets))


def droplet_names(
    api: DoApi,
    snapshots: Sequence[dict[str, Any]],
    records: dict[str, StoredRecord],
    droplets: Sequence[dict[str, Any]] | None = None,
) -> dict[str, str]:
    """Droplet names by id, fetched (once) only when some snapshot's droplet is known by id alone."""
    if droplets is None and needs_droplet_names(snapshots, records):
        droplets = api.droplets()
    return {str(d["id"]): d["name"] for d in droplets or ()}


def summary(entries: Sequence[Entry], rate: float) -> dict[str, Any]:
    size = sum(e.size_gigabytes for e in entries)
    return {
        "count": len(entries),
        "size_gigabytes": round(size, 2),
        "monthly_cost_usd": round(snapshot_monthly(size, rate), 2),
    }


def show_table(entries: Sequence[Entry], rate: float, title: str | None = None) -> None:
    console = out()
    console.print(snapshot_table(entries, rate=rate, title=title, width=console.width))
    if not all(e.gpuforge for e in entries):
        out().print(NOT_GPUFORGE_NOTE)


@app.command("list", cls=Command)
def list_snapshots(
    ctx: typer.Context,
    droplet: Droplet = None,
    older_than: OlderThan = None,
    snapshot_dir: SnapshotDir = DEFAULT_SNAPSHOT_DIR,
    record_store: RecordStoreUrl = "",
    rate: Rate = DEFAULT_SNAPSHOT_RATE,
    json_: Json = False,
) -> None:
    """The snapshots, newest first, with their droplet, size and monthly cost, and totals."""
    age = seconds(older_than, "--older-than")
    rt = runtime(ctx)
    entries = select(
        load_entries(rt.api(), open_records(ctx, record_store, snapshot_dir)),
        droplet=droplet,
        older_than=age,
        now=rt.clock.now(),
    )
    if json_:
        print_json({"snapshots": [e.to_json(rate) for e in entries], **summary(entries, rate)})
    elif entries:
        show_table(entries, rate)
    else:
        out().print("No snapshots" + (f" of droplet {droplet}" if droplet else "") + ".")


def _lookup(api: DoApi, ref: str, store: RecordStore) -> Entry:
    records = read_records(store)
    if ref.isdigit():
        try:
            return entry(api.get_snapshot(int(ref)), records.get(ref), {})
        except NotFound:
            pass
    matches = find(merge(api.droplet_snapshot_images(), records, {}), ref)
    if not matches:
        matches = [
            entry(None, r, {})
            for r in records.values()
            if ref in (str(r.data.get("snapshot_id")), r.data.get("snapshot_name"))
        ]
    if len(matches) > 1:
        ids = ", ".join(e.id for e in matches)
        raise GpuForgeError(f"{len(matches)} snapshots are named {ref}: ids {ids}", hint="show one by its id")
    if not matches:
        raise GpuForgeError(
            f"No snapshot {ref!r} on DigitalOcean or in {store.where}",
            hint="see the snapshots with `gpuforge snapshots list`",
        )
    return matches[0]


@app.command("show", cls=Command)
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="NAME|ID", help="The snapshot's name or id.")],
    snapshot_dir: SnapshotDir = DEFAULT_SNAPSHOT_DIR,
    record_store: RecordStoreUrl = "",
    rate: Rate = DEFAULT_SNAPSHOT_RATE,
    json_: Json = False,
) -> None:
    """Everything known about one snapshot: DigitalOcean's view, its droplet now, and its record."""
    rt = runtime(ctx)
    api = rt.api()
    found = _lookup(api, ref, open_records(ctx, record_store, snapshot_dir))
    droplet = api.get_droplet(int(found.droplet_id)) if found.droplet_id.isdigit() else None
    droplet_now = droplet.get("status") if droplet else "deleted" if found.droplet_id else None
    record = found.record.data if found.record else None
    if json_:
        print_json(
            {
                "snapshot": found.to_json(rate),
                "digitalocean": found.api,
                "droplet_status": droplet_now,
                "record": record,
            }
        )
        return
    api_view = found.api or {}
    out().print(
        key_values(
            [
                ("name", found.name),
                ("id", found.id),
                ("created", when(found.created_at)),
                ("size", gigabytes(found.size_gigabytes)),
                ("per month", usd(snapshot_monthly(found.size_gigabytes, rate))),
                ("min disk", f"{api_view['min_disk_size']} GB" if api_view.get("min_disk_size") else None),
                ("regions", found.regions),
                ("tags", api_view.get("tags")),
                (
                    "droplet",
                    _droplet_line(found.droplet or (droplet or {}).get("name", ""), found.droplet_id, droplet_now),
                ),
                ("GPUForge", "yes" if found.gpuforge else "no"),
                ("on DigitalOcean", "yes" if found.api else "no: deleted (only the record is left)"),
            ],
            title=f"Snapshot {found.name}",
        )
    )
    if found.record:
        out().print()
        out().print(key_values(sorted(found.record.data.items()), title=f"Record {found.record.location}"))


def _droplet_line(name: str, droplet_id: str, status: str | None) -> str:
    """``gpu-dev (412345678), active``, ``412345678, deleted``; parts that are unknown left out."""
    who = f"{name} ({droplet_id})" if name and droplet_id else name or droplet_id or "unknown"
    return f"{who}, {status}" if status else who


@app.command("delete", cls=Command)
def delete(
    ctx: typer.Context,
    ids: Annotated[
        list[str],
        typer.Argument(
            metavar="ID",
            help="Snapshot ids, not names (names may repeat; `gpuforge snapshots show NAME` gives the id).",
        ),
    ],
    yes: Yes = False,
    snapshot_dir: SnapshotDir = DEFAULT_SNAPSHOT_DIR,
    record_store: RecordStoreUrl = "",
    rate: Rate = DEFAULT_SNAPSHOT_RATE,
    json_: Json = False,
) -> None:
    """Delete snapshots by id, after showing them and asking (unless --yes). Records are kept."""
    bad = [i for i in ids if not i.isdigit()]
    if bad:
        raise typer.BadParameter(
            f"{bad[0]!r} is not a snapshot id: delete takes ids, not names, which may repeat "
            f"(`gpuforge snapshots show {shlex.quote(bad[0])}` gives its id)",
            param_hint="ID",
        )
    rt = runtime(ctx)
    api = rt.api()
    records = read_records(open_records(ctx, record_store, snapshot_dir))
    found = []
    for snapshot_id in dict.fromkeys(ids):
        try:
            found.append(api.get_snapshot(int(snapshot_id)))
        except NotFound:
            raise GpuForgeError(
                f"No snapshot with id {snapshot_id} on DigitalOcean; nothing was deleted",
                hint="see the snapshots with `gpuforge snapshots list`",
            ) from None
    names = droplet_names(api, found, records)
    doomed = [entry(s, records.get(str(s["id"])), names) for s in found]
    if not yes:
        show_table(doomed, rate, title="To delete")
        if not typer.confirm(
            f"Delete {len(doomed)} snapshot(s), saving {usd(summary(doomed, rate)['monthly_cost_usd'])}/month?"
        ):
            error_line("Nothing was deleted.")
            raise typer.Exit(1)
    deleted = _delete_all(api, doomed, quiet=json_)
    if json_:
        print_json({"deleted": [e.to_json(rate) for e in deleted], **summary(deleted, rate)})
    else:
        out().print(
            f"Deleted {len(deleted)} snapshot(s), saving {usd(summary(deleted, rate)['monthly_cost_usd'])}/month."
        )


def _delete_all(api: DoApi, doomed: Sequence[Entry], *, quiet: bool) -> list[Entry]:
    deleted: list[Entry] = []
    for e in doomed:
        try:
            api.delete_snapshot(int(e.id))
        except ApiError as err:
            raise GpuForgeError(
                f"{err.message} ({len(deleted)} of {len(doomed)} deleted)",
                hint=err.hint or "run the command again to finish",
            ) from None
        deleted.append(e)
        if not quiet:
            out().print(f"Deleted {e.name} ({e.id})")
    return deleted


@app.command("prune", cls=Command)
def prune(
    ctx: typer.Context,
    droplet: Droplet = None,
    keep_last: Annotated[
        int | None, typer.Option("--keep-last", metavar="N", min=1, help="Keep each droplet's newest N snapshots.")
    ] = None,
    older_than: Annotated[
        str | None,
        typer.Option("--older-than", metavar="DURATION", help="Delete only snapshots at least this old: 30d, 2w, 12h."),
    ] = None,
    include_all: Annotated[
        bool,
        typer.Option(
            "--all", help="Also snapshots with neither a record nor an automatic name (tagged gpuforge or not)."
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete them; without it, only show what would go.")] = False,
    snapshot_dir: SnapshotDir = DEFAULT_SNAPSHOT_DIR,
    record_store: RecordStoreUrl = "",
    rate: Rate = DEFAULT_SNAPSHOT_RATE,
    json_: Json = False,
) -> None:
    """Delete each droplet's snapshots beyond the newest N and/or older than D (a dry run unless --yes).

    With both options, a snapshot goes only when neither keeps it (the rules of snapshotRetention).
    """
    age = seconds(older_than, "--older-than")
    if keep_last is None and age is None:
        raise typer.BadParameter("say what to keep: --keep-last N and/or --older-than D", param_hint="prune")
    rt = runtime(ctx)
    api = rt.api()
    entries = load_entries(api, open_records(ctx, record_store, snapshot_dir))
    policy = RetentionPolicy(keep_last, age)
    doomed = plan_prune(entries, policy=policy, now=rt.clock.now(), droplet=droplet, include_all=include_all)
    # What the rules would reach with --all: snapshots left alone only for want of a record or an automatic name.
    chosen = {e.id for e in doomed}
    skipped = (
        []
        if include_all
        else [
            e
            for e in plan_prune(entries, policy=policy, now=rt.clock.now(), droplet=droplet, include_all=True)
            if e.id not in chosen
        ]
    )
    deleted = _delete_all(api, doomed, quiet=json_) if yes else []
    if json_:
        print_json(
            {
                "dry_run": not yes,
                "snapshots": [e.to_json(rate) for e in doomed],
                "deleted": [e.id for e in deleted],
                "skipped_without_all": [e.id for e in skipped],
                **summary(doomed, rate),
            }
        )
        return
    if skipped:
        tagged = sum(1 for e in skipped if e.gpuforge)
        out().print(
            f"Left alone: {len(skipped)} snapshot(s) the rules would reach but that have neither a record nor an "
            f"automatic name ({tagged} tagged gpuforge): {', '.join(f'{e.name} ({e.id})' for e in skipped)}. "
            "Add --all to include them."
        )
    if not doomed:
        out().print("Nothing to prune." if not skipped else "Nothing else to prune.")
        return
    saving = (
        f"{len(doomed)} snapshot(s) ({gigabytes(sum(e.size_gigabytes for e in doomed))}), saving "
        f"{usd(summary(doomed, rate)['monthly_cost_usd'])}/month"
    )
    if yes:
        out().print(f"Deleted {saving}.")
    else:
        show_table(doomed, rate, title="Would delete")
        out().print(f"Would delete {saving}. Run again with --yes to delete them.")


@app.command("cost", cls=Command)
def cost(
    ctx: typer.Context,
    snapshot_dir: SnapshotDir = DEFAULT_SNAPSHOT_DIR,
    record_store: RecordStoreUrl = "",
    rate: Rate = DEFAULT_SNAPSHOT_RATE,
    json_: Json = False,
) -> None:
    """Monthly snapshot storage per droplet and in total, beside what running the droplets costs a month."""
    rt = runtime(ctx)
    api = rt.api()
    droplets = api.droplets()
    entries = load_entries(api, open_records(ctx, record_store, snapshot_dir), droplets)
    catalog = SizeCatalog.from_api(api.sizes())
    status, slug = droplet_facts(entries, droplets)
    running = {label: monthly_cost(catalog.sizes.get(s)) for label, s in slug.items()}
    rows = costs_by_droplet(((e.droplet_label, e.size_gigabytes) for e in entries), rate=rate, running=running)
    whole = total(rows)
    if json_:
        print_json(
            {
                "droplets": [cost_json(row, status.get(row.droplet), slug.get(row.droplet)) for row in rows],
                "total": cost_json(whole),
                "rate_usd_per_gb_month": rate,
            }
        )
        return
    console = out()
    console.print(cost_table(rows, whole, status=status, slug=slug, width=console.width))
    out().print(
        f"Snapshot storage at ${rate:g}/GB-month; droplet prices from DigitalOcean's size list "
        "(a droplet is billed while it exists, running or off)."
    )
