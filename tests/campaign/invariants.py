"""The campaign's invariants: small functions over the simulator, the snapshot directory and the stack.

Each returns the violations it sees as sentences (empty: it holds), so a failing step names every
broken promise at once.
"""

from __future__ import annotations

import base64
import calendar
import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

from gpuforge.timemachine.records import SnapshotRecord
from tests.campaign.stack import Stack

RECORD_FIELDS = frozenset(f.name for f in fields(SnapshotRecord))


def epoch(iso: str) -> float:
    return float(calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")))


def read_records(directory: Path, tolerated: Iterable[str] = ()) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Every record (file name → content) and every problem with a file in the snapshot directory
    (but the ``tolerated`` file names)."""
    records: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    if not directory.is_dir():
        return records, problems
    for path in sorted(directory.iterdir()):
        if path.name in tolerated:
            continue
        if not path.name.endswith(".json") or path.name.startswith("."):
            problems.append(f"{path.name}: a file that is not a record is left in the snapshot directory")
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as err:
            problems.append(f"{path.name}: half-written record ({err})")
            continue
        if not isinstance(data, dict) or set(data) != RECORD_FIELDS:
            problems.append(f"{path.name}: record fields {sorted(data) if isinstance(data, dict) else data!r}")
            continue
        records[path.name] = data
    return records, problems


def records_by_snapshot(stack: Stack) -> dict[str, list[str]]:
    by_id: dict[str, list[str]] = defaultdict(list)
    for name, record in read_records(stack.snapshot_dir)[0].items():
        by_id[str(record["snapshot_id"])].append(name)
    return by_id


def no_guarded_droplet_deleted_without_snapshot(stack: Stack) -> list[str]:
    """A droplet deleted with its guard enabled and ``abort`` has a completed, recorded snapshot
    of itself taken at or after its last change (here: its creation)."""
    snapshots = stack.sim.snapshots
    recorded = records_by_snapshot(stack)
    violations = []
    for deleted in stack.deleted:
        g = deleted.guarded
        if not g.guarded or deleted.vanished:
            continue
        fresh = [
            s
            for s in snapshots.values()
            if s["resource_id"] == str(g.droplet_id) and epoch(s["created_at"]) >= int(g.created_at)
        ]
        if not fresh:
            violations.append(f"droplet {g.droplet_id} ({g.name}) was deleted without a snapshot")
        elif not any(s["id"] in recorded for s in fresh):
            violations.append(f"droplet {g.droplet_id} ({g.name}) was deleted; its snapshot has no record")
    return violations


def at_most_one_snapshot_per_droplet(stack: Stack) -> list[str]:
    """Every droplet is deleted at most once, so it never has more than one snapshot."""
    per_droplet = Counter(s["resource_id"] for s in stack.sim.snapshots.values())
    return [f"droplet {droplet} has {n} snapshots" for droplet, n in per_droplet.items() if n > 1]


def records_are_whole_and_true(stack: Stack) -> list[str]:
    """Every file in the snapshot directory is a complete record (no temp file, no half-written
    JSON) of a snapshot that exists, of the droplet and with the name the record says."""
    records, problems = read_records(stack.snapshot_dir, stack.litter)
    snapshots = stack.sim.snapshots
    for name, record in records.items():
        snapshot = snapshots.get(int(record["snapshot_id"])) if str(record["snapshot_id"]).isdigit() else None
        if snapshot is None:
            problems.append(f"{name}: records snapshot {record['snapshot_id']}, which does not exist")
        elif (record["droplet_id"], record["snapshot_name"], record["status"]) != (
            snapshot["resource_id"],
            snapshot["name"],
            "completed",
        ):
            problems.append(
                f"{name}: says droplet {record['droplet_id']} / {record['snapshot_name']} / "
                f"{record['status']}, the snapshot is {snapshot['resource_id']} / {snapshot['name']}"
            )
    return problems


def every_snapshot_recorded_once(stack: Stack) -> list[str]:
    """No snapshot has two records; the snapshot of a droplet deleted under the promise (guard
    enabled, ``abort``) has one."""
    recorded = records_by_snapshot(stack)
    violations = [
        f"snapshot {sid} has {len(names)} records: {names}" for sid, names in recorded.items() if len(names) > 1
    ]
    for deleted in stack.deleted:
        g = deleted.guarded
        if not g.guarded or deleted.vanished:
            continue
        for sid in deleted.snapshot_ids:
            if sid not in recorded and sid in {s["id"] for s in stack.sim.snapshots.values()}:
                violations.append(f"snapshot {sid} of deleted droplet {g.droplet_id} ({g.name}) has no record")
    return violations


def unrecorded_snapshots(stack: Stack) -> list[str]:
    """Snapshots with no record (not a violation by itself: e.g. an interrupted run not yet re-run)."""
    recorded = records_by_snapshot(stack)
    return [s["id"] for s in stack.sim.snapshots.values() if s["id"] not in recorded]


def _texts(stack: Stack) -> Iterable[tuple[str, str]]:
    for path in sorted(stack.snapshot_dir.glob("*")) if stack.snapshot_dir.is_dir() else []:
        yield f"record {path.name}", path.read_text(encoding="utf-8", errors="replace")
    for n, host in enumerate(stack.all_hosts):
        yield f"host #{n} output", host.transcript
    for blob in stack.blobs_seen:
        yield "the __provider blob", blob + base64.b64decode(blob).decode("latin-1")
    for outs in stack.outputs_seen:
        yield "a guard's or early step's outputs (state)", json.dumps(outs, default=str)
    for details in stack.errors_seen:
        yield "a Delete error", details


def token_appears_nowhere(stack: Stack, tokens: Iterable[str]) -> list[str]:
    """No token in records, host output, the provider blob, the guard's state or error messages."""
    tokens = list(tokens)
    return [f"a token appears in {where}" for where, text in _texts(stack) if any(t in text for t in tokens)]


def errors_are_one_message(stack: Stack) -> list[str]:
    """A failed Delete shows the user a message and hint, never a Python traceback."""
    return [
        f"a Delete error is a traceback: {d[:200]!r}" for d in stack.errors_seen if "Traceback" in d or 'File "' in d
    ]


def droplets_match_the_stack(stack: Stack) -> list[str]:
    """Nothing deleted that was not asked for, nothing leaked: the simulator's droplets are exactly
    those the stack's state holds (less those a fault made vanish)."""
    existing = set(stack.sim.droplets)
    in_state = {g.droplet_id for g in stack.live + stack.pending}
    lost = [
        f"droplet {g.droplet_id} ({g.name}) is in the stack but gone"
        for g in stack.live + stack.pending
        if g.droplet_id not in existing and not g.vanish_scheduled
    ]
    leaked = [f"droplet {d} exists but is in no stack" for d in sorted(existing - in_state)]
    return lost + leaked


def kept_droplets_keep_their_firewall(stack: Stack) -> list[str]:
    """A droplet the stack still holds (a failed snapshot kept it, or it is live) is still behind its
    firewall: the guard is deleted in a wave before the firewall, and a failed guard stops the later waves."""
    firewalls = stack.sim.firewalls
    violations = []
    for g in stack.live + stack.pending:
        if g.droplet_id not in stack.sim.droplets:
            continue
        firewall = firewalls.get(g.firewall_id) if g.firewall_id else None
        if firewall is None or g.droplet_id not in firewall["droplet_ids"]:
            state = "kept after a failed destroy" if g in stack.pending else "live"
            violations.append(f"droplet {g.droplet_id} ({g.name}), {state}, has lost its firewall")
    return violations


def early_steps_never_fail(stack: Stack) -> list[str]:
    """An early step's Delete only warns (the guard does the whole job): a failure would stop the
    destroy's later waves (step_executor.go ~460) for nothing."""
    return [
        f"the {run.stage} step of droplet {run.droplet_id} ({run.name}) failed: {run.details[:200]}"
        for run in stack.step_runs
        if not run.ok
    ]


def early_steps_do_nothing_when_off(stack: Stack) -> list[str]:
    """With snapshots off, neither step touches the droplet; without ``power_off``, the shutdown step does not."""
    return [
        f"the {run.stage} step of droplet {run.droplet_id} ({run.name}) sent {run.requests} requests about it "
        + ("with snapshots off" if not run.enabled else "without power_off")
        for run in stack.step_runs
        if run.requests and (not run.enabled or (run.stage == "shutdown" and not run.power_off))
    ]


def early_steps_never_start_a_second_snapshot(stack: Stack) -> list[str]:
    """A step starts at most one snapshot, and none when one of the droplet is already running or done;
    the shutdown step starts none."""
    violations = []
    for run in stack.step_runs:
        allowed = 1 if run.stage == "snapshot" and run.enabled and not run.snapshots_before else 0
        if run.snapshots_started > allowed:
            violations.append(
                f"the {run.stage} step of droplet {run.droplet_id} ({run.name}) started {run.snapshots_started} "
                f"snapshot(s) with {run.snapshots_before} already running or done"
            )
    return violations


INVARIANTS = (
    no_guarded_droplet_deleted_without_snapshot,
    at_most_one_snapshot_per_droplet,
    records_are_whole_and_true,
    every_snapshot_recorded_once,
    errors_are_one_message,
    droplets_match_the_stack,
    kept_droplets_keep_their_firewall,
    early_steps_never_fail,
    early_steps_do_nothing_when_off,
    early_steps_never_start_a_second_snapshot,
)
