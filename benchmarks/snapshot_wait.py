"""Snapshot wait: how soon each strategy notices that DigitalOcean finished a snapshot, and what it
spends in API requests meanwhile.

Detection latency is the time from the snapshot action's completion (its POST's arrival plus the
duration the simulator was given) to the strategy's return. Every nominal duration is jittered by
±20 % over several seeded runs, the same durations for every strategy. On the simulator's controlled
clock (one ``ManualClock`` shared by the simulator and the poller) a 30-minute snapshot takes about
a second; a few short snapshots are then confirmed on real time. The guard runs ``take_snapshot``
with its default settings (shutdown and power-off first, snapshot identified and recorded).

The guard runs without history and with a record of an earlier snapshot of the same droplet whose
``duration_seconds`` is the real duration off by a given error (exact, ±10 %, ±30 %, ±50 %: ``+30 %``
means a prediction 30 % longer than the snapshot really takes). ``--plot PATH`` (default
``benchmarks/frontier.png``) draws p50 latency against requests per strategy and duration.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.baselines import STRATEGIES, poll_until_done
from benchmarks.common import SEED, Result, Target, main, median, percentile, scratch, simulator
from dosim import ManualClock, RealClock
from gpuforge.clock import SystemClock
from gpuforge.do_client import DoApi
from gpuforge.tags import snapshot_tags
from gpuforge.timemachine import SnapshotSettings, take_snapshot
from gpuforge.timemachine.naming import iso
from gpuforge.timemachine.records import SnapshotRecord, write_record

GUARD = "GPUForge guard (take_snapshot)"
NO_HISTORY = f"{GUARD}, no history"
ERRORS = (0.0, -0.1, 0.1, -0.3, 0.3, -0.5, 0.5)
PLOT = Path(__file__).resolve().parent / "frontier.png"
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


def guard_name(error: float | None) -> str:
    """The guard's row name: without history, or with a prediction off by ``error`` (0.1 = 10 % long)."""
    if error is None:
        return NO_HISTORY
    return f"{GUARD}, history exact" if error == 0 else f"{GUARD}, history {error:+.0%}"


GUARDS = {guard_name(None): None, **{guard_name(e): e for e in ERRORS}}


def earlier_record(directory: Path, droplet: dict[str, object], duration: float, now: float) -> None:
    """The record an earlier snapshot of ``droplet`` that took ``duration`` seconds would have left."""
    started, completed = iso(now - 86_400 - duration), iso(now - 86_400)
    write_record(
        directory,
        SnapshotRecord(
            snapshot_name="bench-droplet-snapshot-earlier",
            snapshot_id="1",
            droplet_id=str(droplet["id"]),
            droplet_name="bench-droplet",
            action_id="1",
            status="completed",
            created_at=started,
            started_at=started,
            completed_at=completed,
            duration_seconds=round(duration, 1),
            size_gigabytes=25.0,
            min_disk_size=720,
            regions=["nyc2"],
            region="nyc2",
            gpu_size=str(droplet["size_slug"]),
            image="gpu-h100x1-base",
            project="gpuforge",
            stack="dev",
            trigger="destroy",
            estimated_monthly_cost_usd=1.5,
        ),
    )


def one_run(strategy: str, duration: float, *, real_time: bool) -> Run:
    clock = RealClock() if real_time else ManualClock()
    durations = {"snapshot": duration, **(REAL_DURATIONS if real_time else {})}
    with simulator(clock, durations=durations) as sim, scratch() as directory:
        # Tagged as the program tags it (component.droplet_tags), so those tags exist already.
        droplet = sim.add_droplet("bench-droplet", region="nyc2", tags=["gpuforge", "gpuforge-stack-dev"])
        api = DoApi(sim.token, sim.url)
        error = GUARDS.get(strategy)
        if error is not None:  # history: an earlier snapshot, tagged, and its record
            sim.add_snapshot(droplet["id"], created_at=clock.now() - 86_400, tags=snapshot_tags("bench-droplet", "dev"))
            earlier_record(directory, droplet, duration * (1 + error), clock.now())
        started = time.perf_counter()
        if strategy in GUARDS or strategy == GUARD:
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


def dominated(point: tuple[float, float], others: dict[str, tuple[float, float]]) -> list[str]:
    """The strategies whose (p50 latency, requests) is no worse on both and better on one."""
    lat, req = point
    return [n for n, (l2, r2) in others.items() if l2 <= lat and r2 <= req and (l2 < lat or r2 < req)]


def run(plot: Path | None = PLOT) -> list[Result]:
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
    loop, provider = STRATEGIES
    frontier: dict[str, dict[str, tuple[float, float]]] = {}
    for label, nominal in SIMULATED:
        durations = jittered(nominal, RUNS)
        measured = {name: [one_run(name, d, real_time=False) for d in durations] for name in (*GUARDS, *STRATEGIES)}
        result.rows += [row(name, "simulated", label, runs) for name, runs in measured.items()]
        points = {
            name: (median([r.latency for r in runs]), median([r.requests for r in runs]))
            for name, runs in measured.items()
        }
        frontier[label] = points
        baselines = {name: points[name] for name in STRATEGIES}
        limit = detection_limit(nominal)
        p50 = points[NO_HISTORY][0]
        result.targets.append(
            Target(
                f"guard without history: detection p50 <= {limit:g} s for {label} snapshots",
                f"{p50:.2f} s",
                p50 <= limit,
            )
        )
        exact = guard_name(0.0)
        beaten_by = dominated(points[exact], baselines)
        result.targets.append(
            Target(
                f"{label}: no baseline dominates the guard with history (p50 latency, requests)",
                f"{points[exact][0]:.2f} s / {points[exact][1]:g} requests; dominated by: {', '.join(beaten_by) or 'none'}",
                not beaten_by,
            )
        )
        costlier = [n for n in GUARDS if n != NO_HISTORY and points[n][1] > points[NO_HISTORY][1]]
        result.targets.append(
            Target(
                f"{label}: no prediction, right or wrong, costs more requests than no history",
                f"most: {max(points[n][1] for n in GUARDS):g} vs {points[NO_HISTORY][1]:g}; more: {', '.join(costlier) or 'none'}",
                not costlier,
            )
        )
        if nominal >= 600:
            (lat, req), (tf_lat, _), (_, loop_req) = points[exact], points[provider], points[loop]
            result.targets.append(
                Target(
                    f"{label} with history: p50 latency < the TF provider's and requests <= the 30 s loop's",
                    f"{lat:.2f} s vs {tf_lat:.2f} s; {req:g} vs {loop_req:g} requests",
                    lat < tf_lat and req <= loop_req,
                )
            )
    for label, nominal in REAL_TIME:
        runs = [one_run(NO_HISTORY, d, real_time=True) for d in jittered(nominal, REAL_RUNS)]
        result.rows.append(row(NO_HISTORY, "real", label, runs))
        p50 = median([r.latency for r in runs])
        result.targets.append(
            Target(f"guard detection p50 <= 2 s for {label} snapshots on real time", f"{p50:.2f} s", p50 <= 2.0)
        )
    result.notes += [
        f"{RUNS} runs per simulated duration, {REAL_RUNS} on real time, each duration jittered ±{JITTER:.0%} (seed {SEED})",
        "history +30 %: the earlier record's duration_seconds is 30 % longer than this snapshot takes (it ends "
        "earlier than predicted); -30 %: shorter (it outlasts the prediction)",
        "requests/snapshot: every request of the run (the guard also looks the droplet up, shuts it down and "
        "powers it off, and identifies the snapshot; the baselines only post and poll); polls: GETs of the snapshot action",
        "own work ms: simulated clock = wall time of the whole run (waiting costs nothing there, so this is the "
        "guard's and the simulator's own work); real clock = time from the deciding poll to the return "
        "(identify the snapshot, write the record)",
    ]
    if plot is not None:
        draw_frontier(frontier, plot)
        result.notes.append(f"plot of p50 latency against requests: {plot.name}")
    return [result]


def draw_frontier(frontier: dict[str, dict[str, tuple[float, float]]], path: Path) -> None:
    """One panel per snapshot duration: each strategy's (requests, p50 latency), log scales; the
    sixth panel holds the legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    names = list(next(iter(frontier.values())))
    markers = dict(zip(names, "o^v<>sDdph*PX", strict=False))
    fig, grid = plt.subplots(2, 3, figsize=(13, 8.2))
    panels = list(grid.flat)
    for axis, (label, points) in zip(panels, frontier.items(), strict=False):
        for name, (latency, requests) in points.items():
            short = name.replace(f"{GUARD}, ", "guard, ")
            axis.scatter(requests, max(latency, 0.1), marker=markers[name], s=60, label=short)
        axis.set_title(f"{label} snapshot")
        axis.set_xscale("log")
        axis.set_yscale("log")
        for scale in (axis.xaxis, axis.yaxis):
            scale.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            scale.set_major_formatter(ScalarFormatter())
            scale.set_minor_formatter(NullFormatter())
        axis.set_xlabel("requests per snapshot")
        axis.set_ylabel("p50 detection latency (s)")
        axis.grid(True, which="both", alpha=0.3)
    legend = panels[-1]
    legend.axis("off")
    handles, labels = panels[0].get_legend_handles_labels()
    legend.legend(handles, labels, loc="center", fontsize=10, frameon=False, title="lower left is better")
    fig.suptitle(f"Snapshot wait: p50 latency against requests (simulated clock, {RUNS} jittered runs each)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main(run, __doc__)
