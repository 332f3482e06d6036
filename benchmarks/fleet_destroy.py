"""Fleet destroy: 1, 8 and 32 droplets destroyed through ONE dynamic provider host, as the engine
runs it: the dynamic resources the real program registers for each droplet (under Pulumi's mocks:
the guard and its two early steps), Check and Create through the host, then the Deletes sent in the
engine's waves (``ScheduleDeletes``, see tests/guard/waves.py): every droplet's shutdown step at
once, then every start step, then every guard, then the droplets. On real time with short
snapshots, against the simulator with its rate limiter on (250 requests/minute per token).
"""

from __future__ import annotations

import io
import time
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

from benchmarks.common import Result, Target, dynamic_host, main, scratch, simulator
from dosim.requestlog import peak_per_minute

DURATIONS = {"snapshot": 4.0, "shutdown": 1.0, "power_off": 0.5}
LONG_SNAPSHOT = 300.0
#: (droplets, snapshot seconds). 32 droplets make about 600 requests, more than twice the 250 a
#: minute allows, and ~250 of them (every late guard's identify, tag and record) come in one burst
#: when the snapshots end: the burst alone waits up to a minute for the budget, so a fleet of 32
#: can be within 1.3x of one droplet only when snapshots take minutes, as real ones do (5 here).
FLEETS = ((1, DURATIONS["snapshot"]), (8, DURATIONS["snapshot"]), (1, LONG_SNAPSHOT), (32, LONG_SNAPSHOT))
LIMIT_PER_MINUTE = 250


def most_at_once(requests: list[Any], droplet_ids: list[int]) -> int:
    """How many guards were at work at the same time: overlap of each droplet's first and last request."""
    spans = []
    for droplet_id in droplet_ids:
        times = [r.time for r in requests if r.path.startswith(f"/v2/droplets/{droplet_id}")]
        if times:
            spans.append((min(times), max(times)))
    return max((sum(1 for a, b in spans if a <= start <= b) for start, _ in spans), default=0)


def destroy(size: int, snapshot: float) -> dict[str, Any]:
    from tests.guard.waves import destroy_in_waves, fleet_state

    with (
        simulator(
            durations={**DURATIONS, "snapshot": snapshot}, rate_limiting=True, rate_limit_per_minute=LIMIT_PER_MINUTE
        ) as sim,
        scratch() as cwd,
        dynamic_host(sim, cwd) as host,
    ):
        # Tagged as the program tags droplets (component.droplet_tags): those tags exist already.
        tags = ["gpuforge", "gpuforge-stack-dev"]
        droplets = [sim.add_droplet(f"fleet-{i:02d}", region="nyc2", tags=tags) for i in range(size)]
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):  # the program's warnings
            waves, members = fleet_state(host, "dev", droplets)
        sim.log.clear()
        started = time.monotonic()
        names = {int(d["id"]): d["name"] for d in droplets}
        failures = destroy_in_waves(host, waves, members, names, sim.delete_droplet_now, timeout=1800)
        wall = time.monotonic() - started
        requests = sim.requests
        return {
            "wall": wall,
            "failed": len(failures),
            "requests": len(requests),
            "peak": peak_per_minute([r.time for r in requests]),
            "peak_accepted": peak_per_minute([r.time for r in requests if r.status != 429]),
            "refused": sum(1 for r in requests if r.status == 429),
            "snapshots": len(sim.snapshots),
            "at_once": most_at_once(requests, [d["id"] for d in droplets]),
            "waves": len(waves),
        }


def run() -> list[Result]:
    result = Result(
        "Fleet destroy: concurrent Delete RPCs on one dynamic provider host",
        [
            "droplets",
            "snapshot s",
            "wall s",
            "x single",
            "most at once",
            "requests",
            "peak req/min (all)",
            "peak req/min (accepted)",
            "429s",
            "snapshots",
            "failed deletes",
        ],
    )
    measured = {(size, snapshot): destroy(size, snapshot) for size, snapshot in FLEETS}
    for (size, snapshot), m in measured.items():
        result.rows.append(
            [
                size,
                snapshot,
                m["wall"],
                m["wall"] / measured[1, snapshot]["wall"],
                m["at_once"],
                m["requests"],
                m["peak"],
                m["peak_accepted"],
                m["refused"],
                m["snapshots"],
                m["failed"],
            ]
        )
    eight, many = measured[8, DURATIONS["snapshot"]], measured[32, LONG_SNAPSHOT]
    single, single_long = measured[1, DURATIONS["snapshot"]]["wall"], measured[1, LONG_SNAPSHOT]["wall"]
    result.targets += [
        Target(
            "fleet of 8: wall time within 1.15x of a single droplet's destroy",
            f"{eight['wall'] / single:.2f}x",
            eight["wall"] <= 1.15 * single,
        ),
        Target(
            "fleet of 32: wall time within 1.3x of a single droplet's destroy",
            f"{many['wall'] / single_long:.2f}x ({LONG_SNAPSHOT:g} s snapshots)",
            many["wall"] <= 1.3 * single_long,
        ),
        Target(
            "fleet of 32: no rate-limited request reaches the user as an error",
            f"{many['refused']} 429s, {many['failed']} failed deletes, {many['snapshots']}/32 snapshots, "
            f"wall {many['wall']:.0f} s",
            many["failed"] == 0 and many["snapshots"] == 32,
        ),
    ]
    result.notes += [
        f"real time; simulated snapshot {DURATIONS['snapshot']:g} s (fleets of 1 and 8) or {LONG_SNAPSHOT:g} s "
        f"(1 and 32: 32 droplets need more than twice the requests a minute allows), shutdown {DURATIONS['shutdown']:g} s, "
        f"power-off {DURATIONS['power_off']:g} s; rate limit {LIMIT_PER_MINUTE}/minute on",
        "most at once: droplets whose API activity overlapped; the SDK's host serves RPCs from a thread pool "
        "of 4 (pulumi/dynamic/__main__.py, ThreadPoolExecutor(max_workers=4)), so further Deletes of a wave queue",
        f"deletes in the engine's waves ({many['waves']} for the dev stack: shutdown steps, start steps, "
        "guards and firewalls, droplets); the machine is shared (2 cores, other test runs): timings move with its load",
        "peak req/min: most requests arriving in any 60 s window, all of them and those not refused",
    ]
    return [result]


if __name__ == "__main__":
    main(run, __doc__)
