"""Snapshot wait: how soon each strategy notices that DigitalOcean finished a snapshot, and what it
spends in API requests meanwhile.

Detection latency is the time from the snapshot action's completion (its POST's arrival plus the
duration the simulator was given) to the strategy's return. Every nominal duration is jittered by
±20 % over several seeded runs, the same durations for every strategy. On the simulator's controlled
clock (one ``ManualClock`` shared by the simulator and the poller) a 30-minute snapshot takes about
a second; a few short snapshots are then confirmed on real time. The guard runs ``take_snapshot``
with its default settings (shutdown and power-off first, snapshot identified and recorded).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from benchmarks.baselines import STRATEGIES, poll_until_done
from benchmarks.common import SEED, Result, Target, main, median, percentile, scratch, simulator
from dosim import ManualClock, RealClock
from gpuforge.clock import SystemClock
from gpuforge.do_client import DoApi
from gpuforge.timemachine import SnapshotSettings, take_snapshot

GUARD = "GPUForge guard (take_snapshot)"
SIMULATED = [("5 s", 5.0), ("30 s", 30.0), ("2 min", 120.0), ("10 min", 600.0), ("30 min", 1800.0)]
REAL_TIME = [("2 s", 2.0), ("5 s", 5.0)]
RUNS, REAL_RUNS, JITTER = 15, 3, 0.2
REAL_DURATIONS = {"shutdown": 0.5, "power_off": 0.3}


@dataclass(frozen=True)
class Run:
    latency: float
    requests: int
    polls: int
    overhead_ms: float


def jittered(nominal: float, runs: int) -> list[float]:
    """``runs`` durations over nominal ±JITTER, one seeded draw in each of ``runs`` equal slices, so
    that where the completion falls between two polls is sampled evenly."""
    rng = random.Random(f"{SEED}:{nominal}")
    return [nominal * (1 - JITTER + 2 * JITTER * (i + rng.random()) / runs) for i in range(runs)]


def detection_limit(nominal: float) -> float:
    """The target: 2 s up to a minute, then 5 % of the duration capped at 15 s."""
    return 2.0 if nominal <= 60 else min(15.0, 0.05 * nominal)


def one_run(strategy: str, duration: float, *, real_time: bool) -> Run:
    clock = RealClock() if real_time else ManualClock()
    durations = {"snapshot": duration, **(REAL_DURATIONS if real_time else {})}
    with simulator(clock, durations=durations) as sim, scratch() as directory:
        droplet = sim.add_droplet("bench-droplet", region="nyc2")
        api = DoApi(sim.token, sim.url)
        started = time.perf_counter()
        if strategy == GUARD:
            settings = SnapshotSettings("bench-droplet", directory=str(directory), timeout_seconds=3 * duration + 600)
            take_snapshot(
                api, droplet["id"], settings, clock=SystemClock() if real_time else clock, report=lambda _line: None
            )
        else:
            poll_until_done(api, droplet["id"], "bench-snapshot", clock, STRATEGIES[strategy])
        wall, returned = time.perf_counter() - started, clock.now()
        (post,) = sim.find_requests("POST", "/v2/droplets/{id}/actions", body_type="snapshot")
        (action_id,) = [a["id"] for a in sim.actions.values() if a["type"] == "snapshot"]
        polls = [r.time for r in sim.requests if r.method == "GET" and r.path == f"/v2/actions/{action_id}"]
        # Own work: everything, when waiting is free (controlled clock); after the deciding poll, on real time.
        overhead = (returned - max(polls)) if real_time else wall
        return Run(returned - (post.time + duration), len(sim.requests), len(polls), overhead * 1000)


def row(strategy: str, clock: str, label: str, runs: list[Run]) -> list[object]:
    latencies = [r.latency for r in runs]
    return [
        strategy,
        clock,
        label,
        len(runs),
        median(latencies),
        percentile(latencies, 0.95),
        median([r.requests for r in runs]),
        median([r.polls for r in runs]),
        median([r.overhead_ms for r in runs]),
    ]


def run() -> list[Result]:
    result = Result(
        "Snapshot wait: detection latency and requests per snapshot",
        [
            "strategy",
            "clock",
            "snapshot",
            "runs",
            "p50 latency s",
            "p95 latency s",
            "requests/snapshot",
            "polls",
            "own work ms",
        ],
    )
    loop = next(iter(STRATEGIES))
    for label, nominal in SIMULATED:
        durations = jittered(nominal, RUNS)
        measured = {name: [one_run(name, d, real_time=False) for d in durations] for name in (GUARD, *STRATEGIES)}
        result.rows += [row(name, "simulated", label, runs) for name, runs in measured.items()]
        p50 = median([r.latency for r in measured[GUARD]])
        limit = detection_limit(nominal)
        result.targets.append(
            Target(f"guard detection p50 <= {limit:g} s for {label} snapshots", f"{p50:.2f} s", p50 <= limit)
        )
        if nominal >= 600:
            ours, theirs = (median([r.requests for r in measured[n]]) for n in (GUARD, loop))
            result.targets.append(
                Target(
                    f"guard requests < the 30 s loop's for {label} snapshots", f"{ours:g} vs {theirs:g}", ours < theirs
                )
            )
    for label, nominal in REAL_TIME:
        runs = [one_run(GUARD, d, real_time=True) for d in jittered(nominal, REAL_RUNS)]
        result.rows.append(row(GUARD, "real", label, runs))
        p50 = median([r.latency for r in runs])
        result.targets.append(
            Target(f"guard detection p50 <= 2 s for {label} snapshots on real time", f"{p50:.2f} s", p50 <= 2.0)
        )
    result.notes += [
        f"{RUNS} runs per simulated duration, {REAL_RUNS} on real time, each duration jittered ±{JITTER:.0%} (seed {SEED})",
        "requests/snapshot: every request of the run (the guard also looks the droplet up, shuts it down and "
        "powers it off, and identifies the snapshot; the baselines only post and poll); polls: GETs of the snapshot action",
        "own work ms: simulated clock = wall time of the whole run (waiting costs nothing there, so this is the "
        "guard's and the simulator's own work); real clock = time from the deciding poll to the return "
        "(identify the snapshot, write the record)",
    ]
    return [result]


if __name__ == "__main__":
    main(run, __doc__)
