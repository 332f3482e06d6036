"""The time machine: snapshot a droplet, wait for it, identify it, record it, apply retention.

Independent of Pulumi: the guard calls it at delete time, the CLI for ``gpuforge snapshot take``.

Safe to repeat. Before starting anything, the droplet's actions are read:

* a ``snapshot`` action still ``in-progress`` is **resumed** (waited for), never doubled;
* if the droplet's newest action is a ``snapshot`` that ``completed`` and either (with
  ``power_off``) the droplet is still off — however long ago, recorded or not — or (live) the
  snapshot has no record and completed less than :data:`ADOPT_WINDOW_SECONDS` ago (or within the
  snapshot timeout, if longer), that snapshot is **adopted**: the run that took it was interrupted
  (before or after its record) or could not write the record, and nothing has happened to the
  droplet since (a live droplet kept running: the adopted snapshot is the one taken live, a few
  minutes earlier); an existing record is kept, not written twice;
* otherwise a new snapshot is **taken**. When the snapshot POST fails in a way that may have been
  applied server-side (5xx, 429, lost connection, 422 "locked"), the actions are read again and a
  snapshot action that appeared since the attempt is followed instead of posting again.

A completed snapshot is tagged (``gpuforge``, ``gpuforge-droplet-<name>``, the stack tag) before its record is
written; a tagging failure is a warning. A record that cannot be written fails the run with
:class:`RecordNotWritten`, naming the snapshot, which is kept: the next run adopts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar
from collections.abc import Callable

from gpuforge.clock import Clock
from gpuforge.do_client import ApiError, AuthError, DoApi, Locked, NotFound, TransientError
from gpuforge.errors import GpuForgeError
from gpuforge.tags import snapshot_tags
from gpuforge.durations import format_duration
from gpuforge.timemachine.history import read_expected_duration
from gpuforge.timemachine.naming import iso, parse_time, render_name
from gpuforge.timemachine.polling import (
    DEFAULT_POLL_POLICY,
    PollPolicy,
    bounded,
    poll_interval,
    retry_delay,
    should_report,
    uses_prediction,
)
from gpuforge.timemachine.records import SnapshotRecord, estimated_monthly_cost
from gpuforge.timemachine.retention import RetentionPolicy, SnapshotInfo, select_for_deletion
from gpuforge.timemachine.settings import SnapshotSettings
from gpuforge.timemachine.stores import LocalStore, RecordExists, RecordStore, RecordStoreError

Report = Callable[[str], None]
T = TypeVar("T")

ADOPT_WINDOW_SECONDS = 3600.0
CLOCK_SKEW_SECONDS = 30.0
IDENTIFY_BUDGET_SECONDS = 60.0
RETENTION_BUDGET_SECONDS = 120.0
TAG_BUDGET_SECONDS = 60.0


@dataclass(frozen=True)
class SnapshotOutcome:
    """How a run ended. ``how``: ``taken``, ``resumed``, ``adopted`` or ``droplet-gone``."""

    how: str
    droplet_id: str
    trigger: str
    snapshot_id: str | None = None
    snapshot_name: str | None = None
    action_id: str | None = None
    record_location: str | None = None  # a path, or an s3:// URL
    retention_deleted: tuple[str, ...] = ()


#: The command that resumes a failed run, named in error hints (``manual`` runs name the CLI's).
DESTROY_AGAIN = "`pulumi destroy`"


class SnapshotFailed(GpuForgeError):
    """The snapshot did not complete: errored, timed out, or the droplet could not be powered off."""

    def __init__(self, message: str, *, droplet_id: str, action_id: str | None = None, hint: str | None = None) -> None:
        self.droplet_id = droplet_id
        self.action_id = action_id
        super().__init__(message, hint=hint)


class RecordNotWritten(SnapshotFailed):
    """The snapshot completed (and is kept) but its record could not be written."""

    def __init__(
        self,
        error: RecordStoreError,
        *,
        droplet_id: str,
        action_id: str,
        snapshot_id: str,
        snapshot_name: str,
        rerun: str = DESTROY_AGAIN,
    ) -> None:
        self.snapshot_id, self.snapshot_name = snapshot_id, snapshot_name
        super().__init__(
            error.message,
            droplet_id=droplet_id,
            action_id=action_id,
            hint=(
                f"the snapshot {snapshot_id} ({snapshot_name}) exists and the droplet was kept; "
                f"{error.hint or 'fix the record store'}, then run {rerun} again to record it "
                "(no second snapshot is taken)"
            ),
        )


def _inspect_hint(action_id: object, *, resumes: bool, rerun: str) -> str:
    again = "resumes the snapshot" if resumes else "takes a new snapshot"
    return (
        f"action {action_id} shows under the droplet's History in DigitalOcean's control panel; the droplet "
        f"was kept, and running {rerun} again {again}"
    )


def take_snapshot(
    api: DoApi,
    droplet_id: str | int,
    settings: SnapshotSettings,
    *,
    trigger: str = "destroy",
    clock: Clock,
    report: Report,
    policy: PollPolicy = DEFAULT_POLL_POLICY,
    store: RecordStore | None = None,
    confirm_gone: Callable[[], None] | None = None,
) -> SnapshotOutcome:
    """Snapshot droplet ``droplet_id`` and record it in ``store`` (default: the settings' local
    directory); see the module docstring for re-run safety. ``confirm_gone`` is called before a
    droplet that answers 404 is taken as deleted, and may raise (the guard checks the token's team).

    ``trigger`` is ``destroy`` (becomes ``replace`` when another droplet with the same name
    exists, as while Pulumi replaces a droplet) or ``manual``. Raises :class:`SnapshotFailed` or
    :class:`~gpuforge.do_client.ApiError`; a droplet that no longer exists is not an error.
    """
    store = store if store is not None else LocalStore(settings.directory)
    return _Run(api, int(droplet_id), settings, clock, report, policy, store, confirm_gone).run(trigger)


def begin_shutdown(
    api: DoApi,
    droplet_id: str | int,
    settings: SnapshotSettings,
    *,
    clock: Clock,
    report: Report,
    policy: PollPolicy = DEFAULT_POLL_POLICY,
) -> bool:
    """Fleet destroy, first step: ask a running droplet to shut down for its snapshot, without waiting.

    Does nothing (False) unless ``power_off`` is set and the droplet is ``active``; a droplet locked
    by another action (a snapshot already running) is left alone. Raises only
    :class:`~gpuforge.do_client.ApiError`.
    """
    run = _Run(api, int(droplet_id), settings, clock, report, policy, LocalStore(settings.directory))
    return run.begin_shutdown()


def start_snapshot(
    api: DoApi,
    droplet_id: str | int,
    settings: SnapshotSettings,
    *,
    clock: Clock,
    report: Report,
    policy: PollPolicy = DEFAULT_POLL_POLICY,
) -> str | None:
    """Fleet destroy, second step: power the droplet off as :func:`take_snapshot` would and start its
    snapshot, then return the action's id without waiting (:func:`take_snapshot` resumes it).

    Starts nothing (None) when the droplet is gone or its newest action is a snapshot, running or
    completed: whether to resume, adopt or take another is :func:`take_snapshot`'s decision, so a
    start that runs late (after the guard) never takes a second snapshot. Raises
    :class:`SnapshotFailed` or :class:`~gpuforge.do_client.ApiError`.
    """
    run = _Run(api, int(droplet_id), settings, clock, report, policy, LocalStore(settings.directory))
    return run.start()


def _in_progress_snapshot(actions: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((a for a in actions if a.get("type") == "snapshot" and a.get("status") == "in-progress"), None)


class _Run:
    def __init__(
        self,
        api: DoApi,
        droplet_id: int,
        settings: SnapshotSettings,
        clock: Clock,
        report: Report,
        policy: PollPolicy,
        store: RecordStore,
        confirm_gone: Callable[[], None] | None = None,
    ) -> None:
        self.confirm_gone = confirm_gone
        self.api, self.droplet_id, self.settings = api, droplet_id, settings
        self.clock, self.report, self.policy, self.store = clock, report, policy, store
        self.deadline = clock.now() + settings.timeout_seconds
        self.label = f"droplet {droplet_id} ({settings.droplet_name})"
        self.rerun = DESTROY_AGAIN
        self.droplet: dict[str, Any] = {}
        self.adopted: tuple[object, dict[str, Any]] | None = None  # an adopted action's id and its snapshot

    # -- the steps -----------------------------------------------------------------------------

    def run(self, trigger: str) -> SnapshotOutcome:
        if trigger == "manual":
            self.rerun = f"`gpuforge snapshot take {self.droplet_id}`"
        name = render_name(self.settings.name_template, self.clock.now())
        droplet = self._retry(lambda: self.api.get_droplet(self.droplet_id))
        if droplet is None:
            if self.confirm_gone is not None:
                self.confirm_gone()
            self.report(
                f"Droplet {self.droplet_id} ({self.settings.droplet_name}) no longer exists: nothing to snapshot."
            )
            return SnapshotOutcome("droplet-gone", str(self.droplet_id), trigger)
        self.label = f"droplet {self.droplet_id} ({droplet.get('name') or self.settings.droplet_name})"
        self.droplet = droplet
        if trigger == "destroy" and self._has_namesake(droplet):
            trigger = "replace"
        before = {"destroy": " before destruction", "replace": " before replacement"}.get(trigger, "")
        self.report(f"Creating snapshot of {self.label}{before}...")

        try:
            action, how = self._previous_snapshot_action(droplet)
            if action is None:
                if self.settings.power_off:
                    self._power_off(droplet)
                action, how = self._post_snapshot(name)
            action = self._wait(action)
        except (NotFound, SnapshotFailed):
            if not self._deleted_meanwhile():
                raise
            self.report(
                f"{self.label[0].upper()}{self.label[1:]} was deleted while GPUForge was snapshotting it "
                "(by someone else): nothing left to snapshot."
            )
            return SnapshotOutcome("droplet-gone", str(self.droplet_id), trigger)
        snapshot = self._identify(action)
        self._tag(snapshot, droplet.get("name") or self.settings.droplet_name)
        location = self._write_record(droplet, action, snapshot, trigger)
        deleted = self._apply_retention(str(snapshot["id"]))
        return SnapshotOutcome(
            how,
            str(self.droplet_id),
            trigger,
            str(snapshot["id"]),
            snapshot["name"],
            str(action["id"]),
            location,
            deleted,
        )

    def begin_shutdown(self) -> bool:
        if not self.settings.power_off:
            return False
        droplet = self._retry(lambda: self.api.get_droplet(self.droplet_id))
        if droplet is None or droplet.get("status") != "active":
            return False
        try:
            self._retry(lambda: self.api.post_action(self.droplet_id, {"type": "shutdown"}))
        except Locked:
            return False
        self.report(f"Shutting down droplet {self.droplet_id} ({droplet.get('name')}) for its snapshot...")
        return True

    def start(self) -> str | None:
        droplet = self._retry(lambda: self.api.get_droplet(self.droplet_id))
        if droplet is None:
            return None
        self.droplet = droplet
        self.label = f"droplet {self.droplet_id} ({droplet.get('name') or self.settings.droplet_name})"
        actions = self._retry(lambda: self.api.droplet_actions(self.droplet_id))
        if _in_progress_snapshot(actions) is not None or (actions and actions[0].get("type") == "snapshot"):
            return None
        if self.settings.power_off:
            shut_down_already = bool(actions) and actions[0].get("type") == "shutdown"  # by the first step
            stopping = next(
                (a for a in actions if a.get("type") in ("shutdown", "power_off") and a.get("status") == "in-progress"),
                None,
            )
            if stopping is not None:  # the first step's shutdown
                self._wait_quietly(
                    stopping, min(self.deadline, self.clock.now() + self.settings.shutdown_timeout_seconds)
                )
                droplet = self._retry(lambda: self.api.get_droplet(self.droplet_id))
                if droplet is None:
                    return None
            self._power_off(droplet, graceful=not shut_down_already)  # one graceful attempt, as take_snapshot
        action, _ = self._post_snapshot(render_name(self.settings.name_template, self.clock.now()))
        return str(action["id"])

    def _deleted_meanwhile(self) -> bool:
        """After a 404 or a failed action: whether the droplet itself is gone (one GET, not retried)."""
        try:
            return self.api.get_droplet(self.droplet_id) is None
        except ApiError:
            return False

    def _has_namesake(self, droplet: dict[str, Any]) -> bool:
        namesakes = self._retry(lambda: self.api.droplets_named(droplet["name"]))
        return any(int(d["id"]) != self.droplet_id for d in namesakes if d.get("name") == droplet["name"])

    def _previous_snapshot_action(self, droplet: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
        """A snapshot action to resume or adopt instead of posting one (see the module docstring)."""
        actions = self._retry(lambda: self.api.droplet_actions(self.droplet_id))
        running = _in_progress_snapshot(actions)
        if running is not None:
            self.report(
                f"Snapshot action {running['id']} already in progress on {self.label}: "
                "resuming it instead of starting another."
            )
            return running, "resumed"
        if actions and self._adoptable(droplet, actions[0]):
            self.report(
                f"Snapshot action {actions[0]['id']} of {self.label} completed and nothing has happened "
                "to the droplet since (an interrupted run): adopting it instead of taking another."
            )
            return actions[0], "adopted"
        return None, "taken"

    def _applied_since(self, since: float) -> dict[str, Any] | None:
        """After a failed snapshot POST: the snapshot action it started after all, if any."""
        actions = self._retry(lambda: self.api.droplet_actions(self.droplet_id))
        applied = _in_progress_snapshot(actions) or next(
            (
                a
                for a in actions
                if a.get("type") == "snapshot"
                and a.get("status") == "completed"
                and parse_time(a["started_at"]) >= since - CLOCK_SKEW_SECONDS
            ),
            None,
        )
        if applied is not None:
            self.report(f"The snapshot request was applied: following action {applied['id']}.")
        return applied

    def _adoptable(self, droplet: dict[str, Any], newest: dict[str, Any]) -> bool:
        if newest.get("type") != "snapshot" or newest.get("status") != "completed" or not newest.get("completed_at"):
            return False
        if self.settings.power_off:
            # Off since its snapshot, with no action since: the snapshot is the disk as it is now,
            # however long ago it completed (say, a bucket fixed days later).
            if droplet.get("status") != "off":
                return False
        elif self.clock.now() - parse_time(newest["completed_at"]) > max(
            ADOPT_WINDOW_SECONDS, self.settings.timeout_seconds
        ):
            return False  # a live droplet has changed since: an old live snapshot is not adopted
        snapshot = self._find_snapshot(newest)
        if snapshot is None:
            return False
        # Held off since, its snapshot is current even when recorded (a run killed after its record,
        # during retention, is run again by Pulumi); a live droplet's is adopted only if unrecorded.
        adopt = self.settings.power_off or self.store.find(str(snapshot["id"])) is None
        if adopt:
            self.adopted = (newest["id"], snapshot)
        return adopt

    def _power_off(self, droplet: dict[str, Any], *, graceful: bool = True) -> None:
        """Shut the droplet down (unless ``graceful`` is off: a shutdown was tried already), then power it off."""
        droplet = self._settled(droplet)
        if droplet.get("status") == "off":
            return
        if graceful:
            limit = min(self.deadline, self.clock.now() + self.settings.shutdown_timeout_seconds)
            self.report(f"Shutting down {self.label} for a consistent snapshot...")
            try:
                shutdown = self._retry(lambda: self.api.post_action(self.droplet_id, {"type": "shutdown"}))
                self._wait_quietly(shutdown, limit)
            except AuthError:
                raise
            except ApiError as err:
                self.report(f"Graceful shutdown did not go through ({err.message}).")
        if self._is_off():
            return
        self.report(f"{self.label} is still on: powering it off...")
        attempt = 0
        while True:
            try:
                power_off = self._retry(lambda: self.api.post_action(self.droplet_id, {"type": "power_off"}))
                break
            except Locked as err:  # the shutdown is still pending: it may yet end
                if self.clock.now() >= self.deadline:
                    raise self._power_off_failed(f"it stayed locked by another action ({err.message})") from None
                self._pause_or_give_up(attempt, err)
                attempt += 1
        final = self._wait_quietly(power_off, self.deadline)
        if final.get("status") != "completed" or not self._is_off():
            raise self._power_off_failed(
                f"power_off action {power_off['id']} ended {final.get('status')}", power_off["id"]
            )

    def _settled(self, droplet: dict[str, Any]) -> dict[str, Any]:
        """The droplet once no action holds it: one still booting (``new``) or busy (``locked``) refuses a
        shutdown with 422, so its pending action is waited for first (up to the snapshot timeout)."""
        if not (droplet.get("locked") or droplet.get("status") == "new"):
            return droplet
        actions = self._retry(lambda: self.api.droplet_actions(self.droplet_id))
        pending = next((a for a in actions if a.get("status") == "in-progress"), None)
        if pending is not None:
            self.report(
                f"{self.label[0].upper()}{self.label[1:]} is busy ({pending.get('type')} action {pending['id']} "
                "in progress): waiting for it before shutting down..."
            )
            if self._wait_quietly(pending, self.deadline).get("status") == "in-progress":
                raise self._power_off_failed(
                    f"its {pending.get('type')} action {pending['id']} was still in progress", pending["id"]
                )
        now = self._retry(lambda: self.api.get_droplet(self.droplet_id))
        if now is None:
            raise NotFound(f"DigitalOcean API: GET droplet {self.droplet_id}: not found", status=404)
        return now

    def _power_off_failed(self, why: str, action_id: object = None) -> SnapshotFailed:
        return SnapshotFailed(
            f"Could not power off {self.label} before its snapshot: {why}",
            droplet_id=str(self.droplet_id),
            action_id=None if action_id is None else str(action_id),
            hint=(
                "power it off yourself (in the control panel, https://cloud.digitalocean.com/droplets, Power tab) "
                f"or {'add --live' if self.rerun != DESTROY_AGAIN else 'set gpuforge:snapshotPowerOff false'}, "
                f"then run {self.rerun} again; the droplet was kept"
            ),
        )

    def _is_off(self) -> bool:
        droplet = self._retry(lambda: self.api.get_droplet(self.droplet_id))
        return droplet is None or droplet.get("status") == "off"

    def _post_snapshot(self, name: str) -> tuple[dict[str, Any], str]:
        self.report(f"Creating snapshot: {name}")
        attempt = 0
        while True:
            tried_at = self.clock.now()
            try:
                action = self.api.post_action(self.droplet_id, {"type": "snapshot", "name": name})
            except (TransientError, Locked) as err:
                applied = self._applied_since(tried_at)
                if applied is not None:
                    return applied, "taken"
                self._pause_or_give_up(attempt, err)
                attempt += 1
                continue
            self.report(f"Snapshot creation initiated. Action ID: {action['id']}")
            return action, "taken"

    def _wait(self, action: dict[str, Any]) -> dict[str, Any]:
        if action.get("status") == "in-progress":
            self.report("Waiting for snapshot to complete...")
        started = parse_time(action["started_at"]) if action.get("started_at") else self.clock.now()
        last_status, last_report = action.get("status"), self.clock.now()
        expected = self._expected_duration() if action.get("status") == "in-progress" else None
        waiting_since = self.clock.now()
        attempt = 0
        while action.get("status") == "in-progress":
            now = self.clock.now()
            if now >= self.deadline:
                raise SnapshotFailed(
                    f"Snapshot of {self.label} did not complete within {self.settings.timeout_seconds:g}s "
                    f"(action {action['id']} is still in progress)",
                    droplet_id=str(self.droplet_id),
                    action_id=str(action["id"]),
                    hint=_inspect_hint(action["id"], resumes=True, rerun=self.rerun),
                )
            wait = poll_interval(
                self.policy,
                attempt,
                now=now,
                **self._rate_limit(),
                expected=expected,
                elapsed=now - started,
                waited=now - waiting_since,
            )
            self.clock.sleep(bounded(wait, now=now, deadline=self.deadline))
            attempt += 1
            action = self._retry(partial(self.api.get_action, int(action["id"])))
            now = self.clock.now()
            status = action.get("status", "")
            if status == "in-progress" and should_report(
                self.policy, status=status, last_status=last_status, now=now, last_report=last_report
            ):
                self.report(f"Snapshot in progress... Status: {status} ({int(now - started)}s elapsed)")
                last_status, last_report = status, now
        if action.get("status") != "completed":
            raise SnapshotFailed(
                f"Snapshot of {self.label} failed: action {action['id']} {action.get('status')}",
                droplet_id=str(self.droplet_id),
                action_id=str(action["id"]),
                hint=_inspect_hint(action["id"], resumes=False, rerun=self.rerun),
            )
        return action

    def _expected_duration(self) -> float | None:
        """How long this droplet's recent snapshots took (its records), if that is worth a sparse wait."""
        name = self.droplet.get("name") or self.settings.droplet_name
        gpu_size = self.droplet.get("size_slug") or self.settings.gpu_size
        expected = read_expected_duration(self.store, droplet_name=name, gpu_size=gpu_size)
        if not uses_prediction(self.policy, expected):
            return None
        assert expected is not None
        self.report(
            f"Earlier snapshots of {self.label} took about {format_duration(expected)}: "
            "checking sparsely until then, then closely."
        )
        return expected

    def _wait_quietly(self, action: dict[str, Any], limit: float) -> dict[str, Any]:
        """Poll a shutdown/power_off action until it ends or ``limit``; returns its last state."""
        attempt = 0
        while action.get("status") == "in-progress" and self.clock.now() < limit:
            now = self.clock.now()
            self.clock.sleep(
                bounded(poll_interval(self.policy, attempt, now=now, **self._rate_limit()), now=now, deadline=limit)
            )
            attempt += 1
            action = self._retry(partial(self.api.get_action, int(action["id"])))
        return action

    def _find_snapshot(self, action: dict[str, Any]) -> dict[str, Any] | None:
        """The snapshot a completed action made: the droplet's snapshot created in the action's window."""
        start = parse_time(action["started_at"]) - CLOCK_SKEW_SECONDS
        end = parse_time(action.get("completed_at") or iso(self.clock.now())) + CLOCK_SKEW_SECONDS
        try:
            snapshots = self._retry(lambda: self.api.droplet_snapshots(self.droplet_id))
        except NotFound:  # the droplet was deleted since; its snapshots outlive it
            snapshots = [
                s
                for s in self._retry(self.api.droplet_snapshot_images)
                if str(s.get("resource_id")) == str(self.droplet_id)
            ]
        inside = [s for s in snapshots if start <= parse_time(s["created_at"]) <= end]
        if not inside:
            return None
        target = parse_time(action["started_at"])
        return min(inside, key=lambda s: (abs(parse_time(s["created_at"]) - target), -int(s["id"])))

    def _identify(self, action: dict[str, Any]) -> dict[str, Any]:
        if self.adopted is not None and self.adopted[0] == action["id"]:
            return self.adopted[1]  # found already, when deciding to adopt it
        limit = max(self.deadline, self.clock.now() + IDENTIFY_BUDGET_SECONDS)
        attempt = 0
        while (snapshot := self._find_snapshot(action)) is None:
            now = self.clock.now()
            if now >= limit:
                raise SnapshotFailed(
                    f"Snapshot action {action['id']} of {self.label} completed but its snapshot is not listed",
                    droplet_id=str(self.droplet_id),
                    action_id=str(action["id"]),
                    hint=f"see its snapshots with `gpuforge snapshots list --droplet {self.droplet_id}`; the droplet was kept",
                )
            self.clock.sleep(bounded(poll_interval(self.policy, attempt, now=now), now=now, deadline=limit))
            attempt += 1
        return snapshot

    def _tag(self, snapshot: dict[str, Any], droplet_name: str) -> None:
        """Tag the snapshot as GPUForge's (tags it already has are skipped); a failure is only a warning."""
        missing = [t for t in snapshot_tags(droplet_name, self.settings.stack) if t not in (snapshot.get("tags") or ())]
        resources = [{"resource_id": str(snapshot["id"]), "resource_type": "image"}]
        limit = self.clock.now() + TAG_BUDGET_SECONDS
        try:
            for tag in missing:
                self._retry(partial(self.api.tag_resources, tag, resources), limit)
        except ApiError as err:
            self.report(
                f"⚠️ Snapshot {snapshot['id']} was not tagged {', '.join(missing)}: {err.message} "
                "(a warning only: tagging needs the tag:create scope)"
            )

    def _write_record(
        self, droplet: dict[str, Any], action: dict[str, Any], snapshot: dict[str, Any], trigger: str
    ) -> str:
        started, completed = action.get("started_at") or "", action.get("completed_at") or iso(self.clock.now())
        size = float(snapshot.get("size_gigabytes") or 0.0)
        record = SnapshotRecord(
            snapshot_name=snapshot["name"],
            snapshot_id=str(snapshot["id"]),
            droplet_id=str(self.droplet_id),
            droplet_name=droplet.get("name") or self.settings.droplet_name,
            action_id=str(action["id"]),
            status=action["status"],
            created_at=snapshot["created_at"],
            started_at=started,
            completed_at=completed,
            duration_seconds=round(parse_time(completed) - parse_time(started), 1) if started else 0.0,
            size_gigabytes=size,
            min_disk_size=int(snapshot.get("min_disk_size") or 0),
            regions=list(snapshot.get("regions") or []),
            region=(droplet.get("region") or {}).get("slug") or self.settings.region,
            gpu_size=droplet.get("size_slug") or self.settings.gpu_size,
            image=(droplet.get("image") or {}).get("slug") or self.settings.image,
            project=self.settings.project,
            stack=self.settings.stack,
            trigger=trigger,
            estimated_monthly_cost_usd=estimated_monthly_cost(size),
        )
        try:
            location = self.store.write(record)
        except RecordExists as exists:  # a concurrent run recorded it first
            location = exists.location
        except RecordStoreError as err:
            raise RecordNotWritten(
                err,
                droplet_id=str(self.droplet_id),
                action_id=str(action["id"]),
                snapshot_id=record.snapshot_id,
                snapshot_name=record.snapshot_name,
                rerun=self.rerun,
            ) from None
        self.report(f"✅ Snapshot created successfully: {record.snapshot_name}")
        self.report(
            f"Snapshot details: {record.snapshot_name} {record.snapshot_id} {size:g}GB "
            f"(about ${record.estimated_monthly_cost_usd:.2f}/month)"
        )
        self.report(f"Snapshot log saved to: {location}")
        return location

    def _apply_retention(self, just_taken_id: str) -> tuple[str, ...]:
        policy = RetentionPolicy(self.settings.keep_last, self.settings.max_age_seconds)
        if not policy.active:
            return ()
        limit = self.clock.now() + RETENTION_BUDGET_SECONDS
        deleted: list[str] = []
        try:
            images = self._retry(self.api.droplet_snapshot_images, limit)
            infos = [
                SnapshotInfo(str(i["id"]), i["name"], parse_time(i["created_at"]), i.get("resource_type") or "droplet")
                for i in images
            ]
            doomed = select_for_deletion(
                infos,
                policy=policy,
                name_template=self.settings.name_template,
                now=self.clock.now(),
                just_taken_id=just_taken_id,
            )
            for snapshot in doomed:
                self._retry(partial(self.api.delete_snapshot, int(snapshot.id)), limit)
                deleted.append(snapshot.id)
                self.report(f"Retention: deleted snapshot {snapshot.name} ({snapshot.id})")
        except ApiError as err:
            self.report(f"⚠️ Retention was not fully applied: {err}")
        return tuple(deleted)

    def _rate_limit(self) -> dict[str, Any]:
        return {"remaining": self.api.rate_limit.remaining, "reset": self.api.rate_limit.reset}

    # -- retries -------------------------------------------------------------------------------

    def _retry(self, call: Callable[[], T], limit: float | None = None) -> T:
        """``call()``, retried on 429/5xx/lost connections until ``limit`` (default: the deadline)."""
        attempt = 0
        while True:
            try:
                return call()
            except TransientError as err:
                self._pause_or_give_up(attempt, err, limit)
                attempt += 1

    def _pause_or_give_up(self, attempt: int, err: ApiError, limit: float | None = None) -> None:
        limit = self.deadline if limit is None else limit
        now = self.clock.now()
        if now >= limit:
            raise ApiError(
                f"{err.message} (still failing after {attempt + 1} attempts, at the snapshot timeout)",
                status=err.status,
                hint="DigitalOcean may be degraded (status.digitalocean.com); the droplet was kept, "
                f"run {self.rerun} again later",
            ) from None
        retry_after = err.retry_after if isinstance(err, TransientError) else None
        self.clock.sleep(bounded(retry_delay(self.policy, attempt, retry_after=retry_after), now=now, deadline=limit))
