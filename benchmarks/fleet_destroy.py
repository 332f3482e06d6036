"""Fleet destroy: 1, 8 and 32 guards deleting at once through ONE dynamic provider host, as the
engine runs them (concurrent Delete RPCs on one ``python -m pulumi.dynamic``), on real time with
short snapshots, against the simulator with its rate limiter on (250 requests/minute per token).

Each guard's inputs are what the real program registers for the dev stack (under Pulumi's mocks)
for its droplet; Check and Create go through the host first, then every Delete is sent at once.
"""

from __future__ import annotations

import time
from typing import Any

import grpc

from benchmarks.common import Result, Target, dynamic_host, main, real_guard_inputs, scratch, simulator
from dosim.requestlog import peak_per_minute

FLEETS = (1, 8, 32)
DURATIONS = {"snapshot": 4.0, "shutdown": 1.0, "power_off": 0.5}
LIMIT_PER_MINUTE = 250


def most_at_once(requests: list[Any], droplet_ids: list[int]) -> int:
    """How many guards were at work at the same time: overlap of each droplet's first and last request."""
    spans = []
    for droplet_id in droplet_ids:
        times = [r.time for r in requests if r.path.startswith(f"/v2/droplets/{droplet_id}")]
        if times:
            spans.append((min(times), max(times)))
    return max((sum(1 for a, b in spans if a <= start <= b) for start, _ in spans), default=0)


def destroy(size: int) -> dict[str, Any]:
    with (
        simulator(durations=DURATIONS, rate_limiting=True, rate_limit_per_minute=LIMIT_PER_MINUTE) as sim,
        scratch() as cwd,
        dynamic_host(sim, cwd) as host,
    ):
        droplets = [sim.add_droplet(f"fleet-{i:02d}", region="nyc2") for i in range(size)]
        states = [host.create(host.check(real_guard_inputs("dev", str(d["id"]), d["name"]))) for d in droplets]
        started = time.monotonic()
        futures = [host.delete_future(resource_id, outputs) for resource_id, outputs in states]
        failed = 0
        for future in futures:
            try:
                future.result(timeout=1800)
            except grpc.RpcError:
                failed += 1
        wall = time.monotonic() - started
        requests = sim.requests
        return {
            "wall": wall,
            "failed": failed,
            "requests": len(requests),
            "peak": peak_per_minute([r.time for r in requests]),
            "peak_accepted": peak_per_minute([r.time for r in requests if r.status != 429]),
            "refused": sum(1 for r in requests if r.status == 429),
            "snapshots": len(sim.snapshots),
            "at_once": most_at_once(requests, [d["id"] for d in droplets]),
        }


def run() -> list[Result]:
    result = Result(
        "Fleet destroy: concurrent Delete RPCs on one dynamic provider host",
        [
            "guards",
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
    measured = {size: destroy(size) for size in FLEETS}
    single = measured[1]["wall"]
    for size, m in measured.items():
        result.rows.append(
            [
                size,
                m["wall"],
                m["wall"] / single,
                m["at_once"],
                m["requests"],
                m["peak"],
                m["peak_accepted"],
                m["refused"],
                m["snapshots"],
                m["failed"],
            ]
        )
    eight, many = measured[8], measured[32]
    result.targets += [
        Target(
            "fleet of 8: wall time within 1.2x of a single snapshot",
            f"{eight['wall'] / single:.2f}x",
            eight["wall"] <= 1.2 * single,
        ),
        Target(
            "fleet of 32: no rate-limited request reaches the user as an error",
            f"{many['refused']} 429s, {many['failed']} failed deletes, {many['snapshots']}/32 snapshots, "
            f"wall {many['wall']:.0f} s",
            many["failed"] == 0 and many["snapshots"] == 32,
        ),
    ]
    result.notes += [
        f"real time; simulated snapshot {DURATIONS['snapshot']:g} s, shutdown {DURATIONS['shutdown']:g} s, "
        f"power-off {DURATIONS['power_off']:g} s; rate limit {LIMIT_PER_MINUTE}/minute on",
        "most at once: guards whose API activity overlapped; the SDK's host serves RPCs from a thread pool "
        "of 4 (pulumi/dynamic/__main__.py, ThreadPoolExecutor(max_workers=4)), so further Deletes queue",
        "peak req/min: most requests arriving in any 60 s window, all of them and those not refused",
    ]
    return [result]


if __name__ == "__main__":
    main(run, __doc__)
