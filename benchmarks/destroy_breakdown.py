"""Where a single destroy's time goes: shutdown, power-off, snapshot, detection, record, retention.

One guard run (``take_snapshot`` with the program's defaults, retention keeping the last snapshot)
on the simulator's controlled clock, with DigitalOcean's side given realistic durations: a graceful
shutdown of 20 s, a power-off of 5 s, a 10-minute snapshot. Two cases (the shutdown works; the
shutdown errors and the droplet is powered off), each without history and with an exact one. Waiting
parts are simulated seconds; the guard's own work (identify, tag, record, retention) takes no
simulated time, so those parts are wall milliseconds.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.common import Result, main, scratch, simulator
from benchmarks.snapshot_wait import earlier_record
from dosim import ManualClock
from gpuforge.do_client import DoApi
from gpuforge.tags import snapshot_tags
from gpuforge.timemachine import SnapshotSettings, take_snapshot


class TimedApi(DoApi):
    """``DoApi`` noting the wall time at which a poll saw the snapshot end."""

    ended_wall: float | None = None

    def get_action(self, action_id: int) -> Any:
        action = super().get_action(action_id)
        if action.get("type") == "snapshot" and action.get("status") != "in-progress" and self.ended_wall is None:
            self.ended_wall = time.perf_counter()
        return action


DURATIONS = {"shutdown": 20.0, "power_off": 5.0, "snapshot": 600.0}
ACTIONS = "/v2/droplets/{id}/actions"


def breakdown(*, shutdown_fails: bool, history: bool) -> dict[str, float]:
    """Seconds (waits) and milliseconds (own work) of each part of one destroy."""
    clock = ManualClock()
    with simulator(clock, durations=DURATIONS) as sim, scratch() as directory:
        droplet = sim.add_droplet("bench-droplet", region="nyc2", tags=["gpuforge", "gpuforge-stack-dev"])
        sim.add_snapshot(droplet["id"], created_at=clock.now() - 86_400, tags=snapshot_tags("bench-droplet", "dev"))
        if history:
            earlier_record(directory, droplet, DURATIONS["snapshot"], clock.now())
        if shutdown_fails:
            sim.faults.add("action_errored", action_type="shutdown")
        marks: list[tuple[str, float, float]] = []  # (line, simulated time, wall time)

        def report(line: str) -> None:
            marks.append((line, clock.now(), time.perf_counter()))

        settings = SnapshotSettings("bench-droplet", directory=str(directory), keep_last=1, timeout_seconds=3600)
        api = TimedApi(sim.token, sim.url)
        start_sim = clock.now()
        take_snapshot(api, droplet["id"], settings, clock=clock, report=report)
        end_wall = time.perf_counter()

        def posted(kind: str) -> float | None:
            found = sim.find_requests("POST", ACTIONS, body_type=kind)
            return found[0].time if found else None

        shutdown_at, power_off_at, snapshot_at = posted("shutdown"), posted("power_off"), posted("snapshot")
        assert shutdown_at is not None and snapshot_at is not None
        (action,) = [a for a in sim.actions.values() if a["type"] == "snapshot"]
        polls = [r.time for r in sim.requests if r.method == "GET" and r.path == f"/v2/actions/{action['id']}"]
        done = snapshot_at + DURATIONS["snapshot"]
        assert api.ended_wall is not None
        recorded_wall = next(w for line, _, w in marks if line.startswith("✅"))  # record written just before
        retention_wall = next(w for line, _, w in marks if line.startswith("Snapshot log saved"))
        return {
            "before s": shutdown_at - start_sim,
            "shutdown s": (power_off_at or snapshot_at) - shutdown_at,
            "power-off s": (snapshot_at - power_off_at) if power_off_at is not None else 0.0,
            "snapshot s": DURATIONS["snapshot"],
            "detection s": max(polls) - done,
            "total s": clock.now() - start_sim,
            "identify+tag+record ms": (recorded_wall - api.ended_wall) * 1000,
            "retention ms": (end_wall - retention_wall) * 1000,
            "requests": len(sim.requests),
        }


def run() -> list[Result]:
    columns = [
        "case",
        "history",
        "before s",
        "shutdown s",
        "power-off s",
        "snapshot s",
        "detection s",
        "total s",
        "identify+tag+record ms",
        "retention ms",
        "requests",
    ]
    result = Result("Destroy breakdown: where one droplet's destroy spends its time", columns)
    for shutdown_fails in (False, True):
        for history in (False, True):
            parts = breakdown(shutdown_fails=shutdown_fails, history=history)
            case = "shutdown errors, power-off" if shutdown_fails else "graceful shutdown"
            result.rows.append([case, "exact" if history else "none", *(parts[c] for c in columns[2:])])
    result.notes += [
        f"simulated clock; DigitalOcean's durations: shutdown {DURATIONS['shutdown']:g} s, power-off "
        f"{DURATIONS['power_off']:g} s, snapshot {DURATIONS['snapshot']:g} s; retention keepLast 1 (one older snapshot deleted)",
        "before: looking the droplet up, checking for a namesake and for a snapshot in progress (no simulated time); "
        "shutdown and power-off: from their POST to the next step, i.e. until the guard saw the droplet off",
        "detection: from the snapshot's completion to the poll that saw it; the ms columns are wall time of the "
        "guard's own work with the simulator on the same machine",
    ]
    return [result]


if __name__ == "__main__":
    main(run, __doc__)
