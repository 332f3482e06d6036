"""The reliability campaign: random sequences of lifecycle operations and faults, promises checked after every step.

A hypothesis state machine drives a stack of guarded droplets (each with its guard's two early
steps, see ``stack.py``) through the SDK's dynamic provider host, against the DigitalOcean simulator in real time: create, destroy, replace,
toggle ``enabled``, ``pulumi destroy`` of everything, re-run a failed destroy, restore from the
latest snapshot; faults: 429/5xx storms, dropped and slow connections, errored and stuck actions,
a droplet vanishing, a refused (401) or under-scoped (403) token, the host killed mid-destroy.
After every step the invariants of ``invariants.py`` must hold. Tallies are printed at the end of
the run.

Seeded (``derandomize``) and bounded, about 90 s: ``GPUFORGE_CAMPAIGN_EXAMPLES`` (default 6) and
``GPUFORGE_CAMPAIGN_STEPS`` (default 15) make it longer; ``GPUFORGE_CAMPAIGN_SHRINK=1`` shrinks a
failing sequence (slow: every step runs in real time).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from dosim import RealClock, Simulator
from gpuforge.timemachine import SnapshotSettings
from tests.campaign.invariants import (
    INVARIANTS,
    epoch,
    read_records,
    token_appears_nowhere,
    unrecorded_snapshots,
)
from tests.campaign.stack import (
    GPU_SIZE,
    IMAGE,
    NO_GUARD,
    NOT_REACHED,
    REGION,
    Deleted,
    DeleteResult,
    Guarded,
    Stack,
    wait_until,
)
from tests.campaign.tallies import tally
from tests.campaign.tokens import READ_ONLY_TOKEN, TOKEN, TOKENS, WRONG_TOKEN

AUTH_FAULTS = {"401": WRONG_TOKEN, "403": READ_ONLY_TOKEN}

EXAMPLES = int(os.environ.get("GPUFORGE_CAMPAIGN_EXAMPLES", "6"))
STEPS = int(os.environ.get("GPUFORGE_CAMPAIGN_STEPS", "15"))
MAX_DROPLETS = 4
# Actions take about a second; a guard's timeout is a few polls long, so a stuck action or a
# long storm makes it time out within the step.
DURATIONS = {"snapshot": 1.0, "shutdown": 0.4, "power_off": 0.2}
TIMEOUTS = (8.0, 12.0)
WEDGED_AFTER = 5.0  # an action in progress this long (its duration is about 1 s) is stuck
HTTP_FAULT_ROUTES = (
    None,
    "GET /v2/actions/{id}",
    "POST /v2/droplets/{id}/actions",
    "GET /v2/droplets/{id}",
    "GET /v2/droplets/{id}/actions",
    "GET /v2/droplets/{id}/snapshots",
    "GET /v2/droplets",
)
PICK = st.integers(min_value=0, max_value=10_000)
GUARD_CHOICES = st.fixed_dictionaries(
    {
        "enabled": st.sampled_from([True, True, True, True, False]),
        "on_failure": st.sampled_from(["abort", "abort", "continue"]),
        "power_off": st.booleans(),
        "timeout": st.sampled_from(TIMEOUTS),
    }
)


@dataclass(frozen=True)
class FaultSpec:
    """One fault to arm: an HTTP fault on a route (``times`` answers; ``applied``: the request was
    carried out, only its answer lost), an action that errors or never ends, a refused (401) or
    read-only (403) token for the next destroy, or the droplet vanishing ``after`` requests."""

    kind: str
    route: str | None = None
    times: int = 1
    applied: bool = False
    action_type: str | None = None
    after: int = 1

    @property
    def lost_answer(self) -> bool:
        """Carried out, only the answer lost: meaningful for 5xx and dropped connections."""
        return self.applied and self.kind in ("500", "502", "503", "drop")

    @property
    def label(self) -> str:
        if self.action_type:
            return f"{self.kind} ({self.action_type})"
        return self.kind + (" (applied)" if self.lost_answer else "")


FAULTS = st.one_of(
    st.builds(
        FaultSpec,
        kind=st.sampled_from(["429", "500", "502", "503", "drop", "slow"]),
        route=st.sampled_from(HTTP_FAULT_ROUTES),
        times=st.integers(min_value=1, max_value=4),
        applied=st.booleans(),
    ),
    st.builds(
        FaultSpec,
        kind=st.sampled_from(["action_errored", "action_stuck"]),
        action_type=st.sampled_from(["snapshot", "snapshot", "snapshot", "shutdown", "power_off"]),
    ),
    st.builds(
        FaultSpec,
        kind=st.sampled_from(["401", "403", "droplet_vanishes"]),
        after=st.integers(min_value=1, max_value=12),
    ),
)
MAYBE_FAULT = st.one_of(FAULTS, st.none())


def pick_from(items: list[Guarded], pick: int) -> Guarded:
    return items[pick % len(items)]


def failure_kind(details: str) -> str:
    if "Could not power off" in details:
        why = "stayed locked" if "stayed locked" in details else "power_off did not complete"
        return f"power-off failed ({why})"
    for words, kind in (
        ("refused (401)", "401 refused"),
        ("lacks a scope (403)", "403 lacks scope"),
        ("did not complete within", "timed out"),
        ("failed: action", "action errored"),
        ("still failing after", "API kept failing"),
        ("host killed", "host killed"),
    ):
        if words in details:
            return kind
    return "other: " + details.strip().splitlines()[-1][:100] if details.strip() else "other"


class LifecycleCampaign(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.started = time.monotonic()
        self.workdir = Path(tempfile.mkdtemp(prefix="gpuforge-campaign-"))
        self.sim = Simulator(
            clock=RealClock(),
            token=TOKEN,
            read_only_token=READ_ONLY_TOKEN,
            rate_limiting=True,
            rate_limit_per_minute=250,
            durations=DURATIONS,
            seed=0,
        ).start()
        self.stack: Stack | None = None
        self.counts: Counter[str] = Counter({"examples": 1})
        self.names = itertools.count(1)
        self.next_token: str | None = None  # an auth fault waiting for the next single destroy
        self.surprises: list[str] = []  # outcomes a step got that its situation rules out

    @initialize(token_via_env=st.booleans(), first=st.lists(GUARD_CHOICES, min_size=1, max_size=3))
    def start_stack(self, token_via_env: bool, first: list[dict[str, Any]]) -> None:
        """``pulumi up`` of a new stack with one to three droplets."""
        self.stack = Stack(self.sim, self.workdir, TOKEN, token_via_env)
        self.counts["token via " + ("DIGITALOCEAN_TOKEN" if token_via_env else "digitalocean:token")] += 1
        for choices in first:
            self._create(**choices)

    # -- helpers -------------------------------------------------------------------------------

    @property
    def s(self) -> Stack:
        assert self.stack is not None
        return self.stack

    def wedged(self, g: Guarded) -> bool:
        """A droplet locked for good by a stuck action: destroying it again would only time out again."""
        now = self.sim.clock.now()
        return any(
            a["resource_id"] == g.droplet_id
            and a["status"] == "in-progress"
            and now - epoch(a["started_at"]) > WEDGED_AFTER
            for a in self.sim.actions.values()
        )

    def destroyable(self, group: list[Guarded]) -> list[Guarded]:
        return [g for g in group if not self.wedged(g)]

    def killable(self) -> list[Guarded]:
        """Droplets whose guard is in state and enabled: a destroy would run a snapshot to kill."""
        return [g for g in self.destroyable(self.s.live + self.s.pending) if g.guard_in_state and g.outs["enabled"]]

    def count_fired_faults(self) -> None:
        for fault in self.sim.faults.rules:
            self.counts[f"fired {fault.kind}" + (f" ({fault.action_type})" if fault.action_type else "")] += fault.fired

    def take_token(self) -> str:
        """The token for the next single destroy: the one an auth fault put in place, if any."""
        token, self.next_token = self.next_token or TOKEN, None
        if token != TOKEN:
            self.counts["destroys run with a " + ("refused" if token == WRONG_TOKEN else "read-only") + " token"] += 1
        return token

    def expect(self, condition: bool, surprise: str) -> None:
        if not condition:
            self.surprises.append(surprise)

    def judge(self, g: Guarded, result: DeleteResult, deleted: Deleted | None, token: str = TOKEN) -> None:
        """Count a guard's Delete and check it ended as its settings and situation demand."""
        existed = g.droplet_id in self.sim.droplets or deleted is not None and not deleted.vanished
        enabled, abort = bool(g.outs["enabled"]), g.outs["on_failure"] == "abort"
        if result.details == NOT_REACHED:  # an earlier wave (an early step's) failed: its guard was never called
            self.counts["destroys stopped before the guard (an earlier wave failed)"] += 1
            self.expect(
                g.droplet_id in self.sim.droplets or g.vanish_scheduled,
                f"droplet {g.droplet_id}: the destroy stopped before its guard but the droplet is gone",
            )
            return
        if result.details == NO_GUARD:  # its guard succeeded in an earlier destroy that another guard stopped
            self.counts["droplets destroyed after their guard had gone"] += 1
            self.counts["droplets deleted"] += deleted is not None and not deleted.vanished
            return
        if result.ok and deleted is None:
            # The guard did its work; the later waves did not run (another guard failed, or the provider's
            # delete was refused): the droplet stays, powered off if snapshotted, with its firewall.
            self.counts["guard deletes succeeded"] += 1
            self.counts["guard succeeded, droplet kept (later waves stopped)"] += 1
            return
        if result.ok:
            self.counts["guard deletes succeeded"] += 1
            self.counts["droplets deleted"] += deleted is not None and not deleted.vanished
            has_snapshot = bool(deleted and deleted.snapshot_ids)
            self.counts[
                "deleted with a snapshot"
                if has_snapshot
                else "deleted without a snapshot ("
                + (
                    "vanished"
                    if deleted and deleted.vanished
                    else "guard off"
                    if not enabled
                    else "continue"
                    if not abort
                    else "??"
                )
                + ")"
            ] += 1
            self.expect(
                token == TOKEN or not (enabled and abort and existed and token == WRONG_TOKEN),
                f"droplet {g.droplet_id}: a refused token let an aborting guard succeed",
            )
        else:
            self.counts["guard deletes failed"] += 1
            self.counts["failed: " + failure_kind(result.details)] += 1
            self.expect(
                enabled and abort,
                f"droplet {g.droplet_id}: a guard that is off or 'continue' failed: {result.details[:200]}",
            )
            self.expect(
                g.droplet_id in self.sim.droplets or g.vanish_scheduled,
                f"droplet {g.droplet_id}: the guard failed but the droplet is gone",
            )

    # -- lifecycle -----------------------------------------------------------------------------

    @precondition(lambda self: len(self.s.live) + len(self.s.pending) < MAX_DROPLETS)
    @rule(choices=GUARD_CHOICES)
    def create_droplet(self, choices: dict[str, Any]) -> None:
        self._create(**choices)

    def _create(self, enabled: bool, on_failure: str, power_off: bool, timeout: float) -> None:
        name = f"gpu-c{next(self.names)}"
        settings_ = SnapshotSettings(
            name,
            enabled=enabled,
            on_failure=on_failure,
            power_off=power_off,
            timeout_seconds=timeout,
            region=REGION,
            gpu_size=GPU_SIZE,
            image=IMAGE,
        )
        g = self.s.create(name, settings_)
        self.expect(
            g.outs["droplet_id"] == str(g.droplet_id) and g.outs["enabled"] is enabled, f"Create returned {g.outs}"
        )
        self.counts["droplets created"] += 1

    # Destroys arm a fault (or none) just before the guard's Delete, so faults meet the lifecycle.

    @precondition(lambda self: self.destroyable(self.s.live))
    @rule(pick=PICK, fault=MAYBE_FAULT)
    def destroy_one(self, pick: int, fault: FaultSpec | None) -> None:
        """``pulumi destroy --target`` of one droplet (or its removal from the program)."""
        self._destroy(pick_from(self.destroyable(self.s.live), pick), fault)

    @precondition(lambda self: self.destroyable(self.s.pending))
    @rule(pick=PICK, fault=MAYBE_FAULT)
    def rerun_failed_destroy(self, pick: int, fault: FaultSpec | None) -> None:
        self.counts["re-runs"] += 1
        self._destroy(pick_from(self.destroyable(self.s.pending), pick), fault)

    def _destroy(self, g: Guarded, fault: FaultSpec | None) -> None:
        self.arm(fault, g)
        token = self.take_token()
        result, deleted = self.s.destroy(g, token)
        self.judge(g, result, deleted, token)

    @precondition(lambda self: len(self.destroyable(self.s.live + self.s.pending)) >= 2)
    @rule(pick=PICK, fault=MAYBE_FAULT)
    def destroy_stack(self, pick: int, fault: FaultSpec | None) -> None:
        """``pulumi destroy``: every guard's Delete at once on one host."""
        targets = self.destroyable(self.s.live + self.s.pending)
        self.arm(fault, pick_from(targets, pick))
        token = self.take_token()
        self.counts["stack destroys"] += 1
        for g, result, deleted in self.s.destroy_all(targets, token):
            self.judge(g, result, deleted, token)

    @precondition(lambda self: self.destroyable(self.s.live))
    @rule(pick=PICK, fault=MAYBE_FAULT)
    def replace_droplet(self, pick: int, fault: FaultSpec | None) -> None:
        old = pick_from(self.destroyable(self.s.live), pick)
        self.arm(fault, old)
        token = self.take_token()
        new, result, deleted = self.s.replace(old, token)
        self.counts["replacements" if new is not None else "replacements stopped before the new droplet"] += 1
        self.judge(old, result, deleted, token)
        records = read_records(self.s.snapshot_dir)[0].values()
        for record in records:
            if deleted is not None and record["snapshot_id"] in deleted.snapshot_ids:
                # Delete-before-replace: the new droplet does not exist yet when the old one is snapshotted,
                # so the engine cannot tell a replacement from a destroy (it looks for a namesake).
                self.counts[f"replaced droplets' snapshots recorded as {record['trigger']}"] += 1

    @precondition(lambda self: self.s.live or self.s.pending)
    @rule(pick=PICK)
    def toggle_enabled(self, pick: int) -> None:
        """``createSnapshotOnDestroy`` flipped, then ``pulumi up``: an update of the guard."""
        g = pick_from(self.s.live + self.s.pending, pick)
        wanted = not g.outs["enabled"]
        self.s.update(g, enabled=wanted)
        self.expect(g.outs["enabled"] is wanted, f"Update returned {g.outs}")
        self.counts["guards turned " + ("on" if wanted else "off")] += 1

    def partly_destroyed(self) -> list[Guarded]:
        """Droplets kept by a failed destroy that deleted some of their dynamic resources."""
        return [g for g in self.s.pending if not g.guard_in_state or len(g.steps) < 2]

    @precondition(lambda self: self.partly_destroyed())
    @rule(pick=PICK)
    def up_after_failed_destroy(self, pick: int) -> None:
        """``pulumi up`` with no change after a partly failed destroy: what it deleted is created again,
        the rest is unchanged; the next destroy runs the early steps again."""
        self.s.update(pick_from(self.partly_destroyed(), pick))
        self.counts["pulumi up after a partly failed destroy"] += 1

    @precondition(
        lambda self: (
            len(self.s.live) + len(self.s.pending) < MAX_DROPLETS and any(d.snapshot_ids for d in self.s.deleted)
        )
    )
    @rule(pick=PICK)
    def restore_latest(self, pick: int) -> None:
        """``restoreFrom: latest``: a droplet created from the newest snapshot taken under its name."""
        gone = [d for d in self.s.deleted if d.snapshot_ids]
        name = gone[pick % len(gone)].guarded.name
        if any(g.name == name for g in self.s.live + self.s.pending):
            return
        ours = [s for s in self.sim.snapshots.values() if s["name"].startswith(f"{name}-snapshot-")]
        if not ours:
            return
        latest = max(ours, key=lambda s: (s["created_at"], int(s["id"])))
        previous = next(d.guarded for d in reversed(gone) if d.guarded.name == name)
        g = self.s.create(name, previous.settings, image=int(latest["id"]))
        self.expect(
            self.sim.droplets[g.droplet_id]["image"]["id"] == int(latest["id"]),
            f"droplet {g.droplet_id} was not created from snapshot {latest['id']}",
        )
        self.counts["restores"] += 1

    # -- faults --------------------------------------------------------------------------------

    # Faults armed for the steps to come: they fire when matching requests or actions arrive.

    @rule(fault=FAULTS, pick=PICK)
    def inject_fault(self, fault: FaultSpec, pick: int) -> None:
        targets = self.s.live + self.s.pending
        self.arm(fault, pick_from(targets, pick) if targets else None)

    def arm(self, fault: FaultSpec | None, target: Guarded | None) -> None:
        if fault is None:
            return
        if fault.kind in AUTH_FAULTS:  # the next single destroy (or stack destroy) runs with this token
            self.next_token = AUTH_FAULTS[fault.kind]
        elif fault.kind == "droplet_vanishes":  # someone deletes the droplet in the console
            if target is None:
                return
            self.sim.faults.add("droplet_vanishes", droplet_id=target.droplet_id, after_requests=fault.after)
            target.vanish_scheduled = True
        elif fault.action_type:
            self.sim.faults.add(fault.kind, action_type=fault.action_type, times=1)
        else:
            self.sim.faults.add(
                fault.kind, fault.route, times=fault.times, applied=fault.lost_answer, retry_after=1, delay=0.5
            )
        self.counts[f"fault {fault.label}"] += 1

    @precondition(lambda self: self.sim.faults.rules or self.next_token)
    @rule()
    def clear_faults(self) -> None:
        self.count_fired_faults()
        self.sim.faults.clear()
        self.next_token = None
        for g in self.s.live + self.s.pending:
            if g.droplet_id in self.sim.droplets:
                g.vanish_scheduled = False
        self.counts["faults cleared"] += 1

    @precondition(lambda self: self.killable())
    @rule(pick=PICK, moment=st.sampled_from(["shutting-down", "snapshot-started", "snapshot-completed"]))
    def kill_host_mid_destroy(self, pick: int, moment: str) -> None:
        """The machine running ``pulumi destroy`` dies: SIGKILL of the host at ``moment`` of the guard's
        Delete, which the engine calls after the early steps' waves."""
        g = pick_from(self.killable(), pick)
        if not self.s.run_early_steps(g):  # a failed early step stops the run before the guard
            self.judge(g, DeleteResult(False, NOT_REACHED), self.s.finish_destroy(g, DeleteResult(False, NOT_REACHED)))
            return
        host = self.s.host(TOKEN)
        future = host.delete_future(g.guard_id, g.outs)

        def reached() -> bool:
            mine = [a for a in self.sim.actions.values() if a["resource_id"] == g.droplet_id]
            if moment == "shutting-down":
                return any(a["status"] == "in-progress" for a in mine)
            snapshots = [a for a in mine if a["type"] == "snapshot"]
            if moment == "snapshot-started":
                return any(a["status"] == "in-progress" for a in snapshots)
            return any(a["status"] == "completed" for a in snapshots)

        wait_until(lambda: future.done() or reached(), g.settings.timeout_seconds + 30, f"{moment} on {g.droplet_id}")
        if future.done():
            self.counts["kills too late (the delete had ended)"] += 1
            result = self.s.settle(future, g)
            self.judge(g, result, self.s.finish_destroy(g, result))
            return
        host.kill()
        self.counts[f"host kills ({moment})"] += 1
        if self.s.snapshot_dir.is_dir():
            left = {p.name for p in self.s.snapshot_dir.glob(".*")} - self.s.litter
            self.s.litter |= left
            self.counts["temporary files left by a kill"] += len(left)
        self.s.finish_destroy(g, DeleteResult(False, "host killed"))

    # -- the promises --------------------------------------------------------------------------

    @invariant()
    def promises_hold(self) -> None:
        if self.stack is None:
            return
        self.counts["steps checked"] += 1
        violations = [v for check in INVARIANTS for v in check(self.stack)]
        violations += token_appears_nowhere(self.stack, TOKENS) + self.surprises
        self.counts["violations"] += len(violations)
        assert not violations, "\n".join(violations)

    def teardown(self) -> None:
        try:
            self.count_fired_faults()
            if self.stack is not None:
                self.counts["snapshots taken"] += len(self.sim.snapshots)
                self.counts["records written"] += len(read_records(self.s.snapshot_dir)[0])
                self.counts["snapshots left unrecorded (interrupted, then guard off/continue/vanished)"] += len(
                    unrecorded_snapshots(self.s)
                )
                self.counts["snapshot POSTs"] += self.sim.count(
                    "POST", "/v2/droplets/{id}/actions", body_type="snapshot"
                )
                self.counts["API requests"] += len(self.sim.requests)
                self.counts["API 429 answers"] += self.sim.count(status=429)
                self.counts["hosts started"] += len(self.s.all_hosts)
                self.counts.update(self.s.step_events)
                for run in self.s.step_runs:
                    self.counts[f"early {run.stage} steps deleted" + ("" if run.ok else " (FAILED)")] += 1
                    if run.snapshots_started:
                        self.counts["early snapshot steps that started the snapshot"] += 1
                    elif run.stage == "snapshot" and run.enabled and run.snapshots_before:
                        self.counts["early snapshot steps that found a snapshot running or done"] += 1
                    if not run.enabled:
                        self.counts["early steps of a guard that is off (no request)"] += run.requests == 0
                self.s.close()
        finally:
            self.sim.stop()
            self.counts["seconds"] += round(time.monotonic() - self.started)
            tally("lifecycle campaign").merge(self.counts)
            if not self.counts["violations"]:
                shutil.rmtree(self.workdir, ignore_errors=True)


TestLifecycleCampaign = LifecycleCampaign.TestCase
TestLifecycleCampaign.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate, *((Phase.shrink,) if os.environ.get("GPUFORGE_CAMPAIGN_SHRINK") else ())),
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
