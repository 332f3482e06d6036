"""``gpuforge snapshot take DROPLET``: a manual snapshot through the time machine core.

The same core as ``pulumi destroy`` (``take_snapshot(..., trigger="manual")``): a graceful shutdown
then power-off unless ``--live``, resume instead of a second snapshot, the tags, the record (in
``--record-store`` or ``--snapshot-dir``), retention off.
A droplet the core powered off is powered back on afterwards.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from gpuforge.cli.help import Command
from gpuforge.cli.options import (
    DEFAULT_SNAPSHOT_DIR,
    Json,
    RecordStoreUrl,
    SnapshotDir,
    open_records,
    runtime,
    seconds,
)
from gpuforge.cli.output import err, error_line, out, print_json
from gpuforge.cli.power_notes import clear_note, has_note, write_note
from gpuforge.clock import Clock
from gpuforge.config import MAX_SNAPSHOT_TIMEOUT_S, MIN_SNAPSHOT_TIMEOUT_S
from gpuforge.do_client import ApiError, DoApi
from gpuforge.durations import format_duration
from gpuforge.errors import GpuForgeError
from gpuforge.timemachine import SnapshotFailed, SnapshotSettings, take_snapshot
from gpuforge.timemachine.engine import RecordNotWritten
from gpuforge.timemachine.polling import PollPolicy, bounded, poll_interval

app = typer.Typer(help="Take a snapshot of a droplet now.", no_args_is_help=True)

POWER_ON_TIMEOUT_SECONDS = 300.0
STACK_TAG_PREFIX = "gpuforge-stack-"
#: Exit code of a take stopped by Ctrl-C (128 + SIGINT, as a shell reports it).
EXIT_INTERRUPTED = 130
#: Droplet statuses that count as running: ``new`` is still booting and will be ``active``.
RUNNING = ("new", "active")
#: Actions after which a running droplet may end up off.
POWERING_DOWN = ("shutdown", "power_off", "snapshot")
CONTROL_PANEL = "https://cloud.digitalocean.com/droplets"
NO_SUCH_DROPLET_HINT = f"check the droplet's name or id in the control panel ({CONTROL_PANEL})"


def find_droplet(api: DoApi, ref: str) -> dict[str, Any]:
    """The droplet with id ``ref``, or the only one named ``ref``."""
    if ref.isdigit():
        droplet = api.get_droplet(int(ref))
        if droplet is None:
            raise GpuForgeError(f"No droplet with id {ref}", hint=NO_SUCH_DROPLET_HINT)
        return droplet
    named = [d for d in api.droplets_named(ref) if d.get("name") == ref]
    if not named:
        raise GpuForgeError(f"No droplet named {ref}", hint=NO_SUCH_DROPLET_HINT)
    if len(named) > 1:
        raise GpuForgeError(
            f"{len(named)} droplets are named {ref}: ids {', '.join(str(d['id']) for d in named)}",
            hint="give the droplet's id instead",
        )
    return named[0]


def settings_for(
    droplet: dict[str, Any], *, name: str | None, live: bool, timeout: float, directory: str
) -> SnapshotSettings:
    """Snapshot settings for a droplet as DigitalOcean describes it (stack from its ``gpuforge-stack-`` tag)."""
    stack = next((t[len(STACK_TAG_PREFIX) :] for t in droplet.get("tags") or () if t.startswith(STACK_TAG_PREFIX)), "")
    image = droplet.get("image") or {}
    return SnapshotSettings(
        droplet_name=droplet["name"],
        snapshot_name=name or "",
        timeout_seconds=timeout,
        power_off=not live,
        directory=directory,
        stack=stack,
        region=(droplet.get("region") or {}).get("slug", ""),
        gpu_size=droplet.get("size_slug", ""),
        image=str(image.get("slug") or image.get("id") or ""),
    )


@contextmanager
def progress(clock: Clock, what: str, console: Console) -> Iterator[Callable[[str], None]]:
    """A spinner with the elapsed time on a terminal; the core's report lines are printed above it
    (elsewhere, only the lines)."""
    if not console.is_terminal:
        yield console.print
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        get_time=clock.now,
    ) as bar:
        bar.add_task(what, total=None)
        yield bar.console.print


def power_on_hint(droplet_id: object) -> str:
    """How to power a droplet on by hand (GPUForge needs no doctl)."""
    return f"power droplet {droplet_id} on in the control panel ({CONTROL_PANEL}, Power tab)"


def rerun_command(droplet_id: object, *, name: str | None, live: bool, snapshot_dir: str, record_store: str) -> str:
    """The ``gpuforge snapshot take`` that finishes an interrupted one (same name, power mode and records)."""
    parts = ["gpuforge snapshot take", str(droplet_id)]
    if name:
        parts.append(f"--name {shlex.quote(name)}")
    if live:
        parts.append("--live")
    if snapshot_dir != str(DEFAULT_SNAPSHOT_DIR):
        parts.append(f"--snapshot-dir {shlex.quote(snapshot_dir)}")
    if record_store:
        parts.append(f"--record-store {shlex.quote(record_store)}")
    return "`" + " ".join(parts) + "`"


def left_behind(api: DoApi, droplet_id: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The droplet's actions and the droplet now, read back after an interruption (empty when unreadable)."""
    try:
        return api.droplet_actions(droplet_id), api.get_droplet(droplet_id) or {}
    except (ApiError, KeyboardInterrupt):  # unreachable, or a second Ctrl-C: say what is known
        return [], {}


def interrupted_message(
    droplet: dict[str, Any],
    actions: list[dict[str, Any]],
    now: dict[str, Any],
    *,
    stage: str,
    powers_on: bool,
    rerun: str,
) -> str:
    """One line after Ctrl-C: what was left behind at DigitalOcean and how to finish."""
    label = f"droplet {droplet['id']} ({droplet['name']})"
    status = now.get("status")
    state = f"the droplet is {status}" if status else "the droplet's state could not be read"
    running = next((a for a in actions if a.get("status") == "in-progress"), None)
    if stage == "power-on":
        if running is not None and running.get("type") == "power_on":
            return (
                f"Interrupted while powering {label} back on: the snapshot was taken and recorded; power_on action "
                f"{running['id']} goes on and {state} — if it stays off, {power_on_hint(droplet['id'])}"
            )
        return (
            f"Interrupted before powering {label} back on: the snapshot was taken and recorded and {state} — "
            f"run {rerun}: it adopts that snapshot (no second one) and powers the droplet on"
        )
    if running is not None and running.get("type") == "snapshot":
        left = f"snapshot action {running['id']} of {label} goes on at DigitalOcean and {state}"
        finish = "waits for that snapshot (no second one), records it"
    elif running is not None:
        left = f"{running.get('type')} action {running['id']} of {label} goes on, no snapshot was started, and {state}"
        finish = "takes the snapshot, records it"
    else:
        left = f"no snapshot of {label} is in progress and {state}"
        finish = "takes (or adopts) the snapshot, records it"
    back_on = " and powers the droplet back on" if powers_on else ""
    return f"Interrupted: {left} — run {rerun} to finish: it {finish}{back_on}"


def after_failure(api: DoApi, droplet_id: int, failure: SnapshotFailed, *, rerun: str, clock: Clock) -> GpuForgeError:
    """The error for a take that failed after it may have powered the droplet off, keeping the promise to
    power it back on where nothing is left to wait for: a snapshot that errored, a power-off that failed.
    A snapshot still running (a timeout) or taken but not recorded leaves the droplet off: the re-run
    resumes or records that snapshot (which needs the droplet untouched), then powers it on."""
    pending = isinstance(failure, RecordNotWritten)
    if not pending:
        try:
            pending = any(a.get("status") == "in-progress" for a in api.droplet_actions(droplet_id))
        except ApiError:
            pending = True
    if not pending:
        try:
            acted = power_on(api, droplet_id, clock)
        except GpuForgeError:
            pass
        else:
            clear_note(droplet_id)
            on = f"droplet {droplet_id} was powered back on" if acted else f"droplet {droplet_id} is still on"
            return GpuForgeError(f"{failure.message}; {on}", hint=failure.hint)
    return GpuForgeError(
        f"{failure.message}; the droplet is left powered off for now",
        hint=f"{failure.hint}; {rerun} also powers it back on once the snapshot is done",
    )


def power_on(api: DoApi, droplet_id: int, clock: Clock) -> bool:
    """Power the droplet on and wait for it; False when it is on already (or gone). A clear error (the snapshot
    itself is fine) when it does not come on."""
    hint = power_on_hint(droplet_id)
    try:
        current = api.get_droplet(droplet_id)
        if current is None or current.get("status") == "active":  # gone, or powered on meanwhile (by hand)
            return False
        action = api.post_action(droplet_id, {"type": "power_on"})
        deadline = clock.now() + POWER_ON_TIMEOUT_SECONDS
        attempt = 0
        while action.get("status") == "in-progress" and clock.now() < deadline:
            now = clock.now()
            clock.sleep(bounded(poll_interval(PollPolicy(), attempt, now=now), now=now, deadline=deadline))
            attempt += 1
            action = api.get_action(int(action["id"]))
    except ApiError as error:
        raise GpuForgeError(
            f"The snapshot was taken, but droplet {droplet_id} was not powered back on: {error.message}", hint=hint
        ) from None
    if action.get("status") != "completed":
        raise GpuForgeError(
            f"The snapshot was taken, but powering droplet {droplet_id} back on did not complete "
            f"(action {action['id']} {action.get('status')})",
            hint=hint,
        )
    return True


@app.command("take", cls=Command)
def take(
    ctx: typer.Context,
    droplet_ref: Annotated[str, typer.Argument(metavar="DROPLET", help="The droplet's name or id.")],
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="NAME",
            help="Snapshot name ([timestamp] is replaced); default <droplet>-snapshot-YYYYMMDD-HHMMSS.",
        ),
    ] = None,
    live: Annotated[
        bool,
        typer.Option(
            "--live", help="Snapshot the running droplet, without shutting it down (the disk may be inconsistent)."
        ),
    ] = False,
    timeout: Annotated[
        str, typer.Option("--timeout", metavar="DURATION", help="How long to wait for the snapshot: 30m, 2h.")
    ] = "30m",
    snapshot_dir: SnapshotDir = DEFAULT_SNAPSHOT_DIR,
    record_store: RecordStoreUrl = "",
    json_: Json = False,
) -> None:
    """Snapshot a droplet now, wait for it and record it; powered off first and back on afterwards unless --live."""
    limit = seconds(timeout, "--timeout") or 0
    if not MIN_SNAPSHOT_TIMEOUT_S <= limit <= MAX_SNAPSHOT_TIMEOUT_S:
        raise typer.BadParameter(f"{timeout!r} is not between 1m and 24h", param_hint="--timeout")
    rt = runtime(ctx)
    store = open_records(ctx, record_store, snapshot_dir, writing=True)
    api = rt.api()
    droplet = find_droplet(api, droplet_ref)
    droplet_id = int(droplet["id"])
    settings = settings_for(droplet, name=name, live=live, timeout=float(limit), directory=str(snapshot_dir))
    label = f"droplet {droplet_id} ({droplet['name']})"
    started = rt.clock.now()
    # Running now, or running before an earlier take of it was interrupted: it ends on.
    powers_on = not live and (droplet.get("status") in RUNNING or has_note(droplet_id))
    rerun = rerun_command(droplet_id, name=name, live=live, snapshot_dir=str(snapshot_dir), record_store=record_store)
    stage = "snapshot"
    try:
        if powers_on:
            write_note(droplet_id, droplet["name"])
        with progress(rt.clock, f"Snapshot of {label}", err() if json_ else out()) as report:  # stdout: JSON only
            try:
                outcome = take_snapshot(
                    rt.core_api(), droplet_id, settings, trigger="manual", clock=rt.clock, report=report, store=store
                )
            except SnapshotFailed as failure:
                if not powers_on:
                    raise
                raise after_failure(api, droplet_id, failure, rerun=rerun, clock=rt.clock) from None
        if outcome.how == "droplet-gone":
            clear_note(droplet_id)
            raise GpuForgeError(f"Droplet {droplet_ref} was deleted before its snapshot could start")
        powered_on = False
        if powers_on:
            stage = "power-on"
            powered_on = power_on(api, droplet_id, rt.clock)
            clear_note(droplet_id)
    except KeyboardInterrupt:
        actions, now = left_behind(rt.core_api(), droplet_id)
        error_line(interrupted_message(droplet, actions, now, stage=stage, powers_on=powers_on, rerun=rerun))
        if now.get("status") in RUNNING and not any(
            a.get("status") == "in-progress" and a.get("type") in POWERING_DOWN for a in actions
        ):
            clear_note(droplet_id)  # interrupted before any power-off: the note has nothing to say
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if json_:
        print_json(
            {
                "snapshot_id": outcome.snapshot_id,
                "snapshot_name": outcome.snapshot_name,
                "how": outcome.how,
                "droplet_id": outcome.droplet_id,
                "action_id": outcome.action_id,
                "record": outcome.record_location,
                "powered_back_on": powered_on,
            }
        )
        return
    if powered_on:
        out().print(f"Powered {label} back on (it was powered off for the snapshot).")
    out().print(
        f"Done in {format_duration(rt.clock.now() - started)}: snapshot {outcome.snapshot_name} "
        f"({outcome.snapshot_id}) {outcome.how}."
    )
