"""Load: 50 guards deleting at once on one dynamic provider host, against the simulator's 250/minute limit.

What the engine does on ``pulumi destroy`` of a stack with 50 droplets: a wave of 50 shutdown
steps, a wave of 50 snapshot steps (which start every snapshot), then 50 concurrent guard Delete
RPCs, all to the one host of the provider (which serves 4 at a time: the SDK's host has 4 worker
threads). Each guard resumes its droplet's snapshot, polls, tags and records it: about 12 requests
per droplet with its steps, 600 in all, offered at more than 250 a minute, so the limiter answers 429s that the guards must ride out
(``retry-after``) within their timeout. Snapshots are taken live (``power_off`` off) only to keep
the run near a minute; the power-off path is the campaign's. Peak requests/minute and 429s are
tallied.
"""

from __future__ import annotations

import time
from pathlib import Path

from dosim import RealClock, Simulator
from dosim.requestlog import peak_per_minute
from gpuforge.timemachine import SnapshotSettings
from tests.campaign.invariants import epoch, read_records, token_appears_nowhere
from tests.campaign.stack import GPU_SIZE, IMAGE, REGION, Stack
from tests.campaign.tallies import tally
from tests.campaign.tokens import TOKEN, TOKENS

GUARDS = 50
PER_MINUTE = 250
TIMEOUT = 240.0  # each guard's snapshotTimeout
DURATIONS = {"snapshot": 2.0, "shutdown": 0.5, "power_off": 0.2}


def test_fifty_guards_deleting_at_once_ride_out_the_rate_limit(tmp_path: Path) -> None:
    with Simulator(
        clock=RealClock(),
        token=TOKEN,
        read_only_token=None,
        rate_limiting=True,
        rate_limit_per_minute=PER_MINUTE,
        durations=DURATIONS,
        seed=0,
    ) as sim:
        stack = Stack(sim, tmp_path, TOKEN, token_via_env=False)
        try:
            guards = [
                stack.create(
                    f"gpu-load{n}",
                    SnapshotSettings(
                        f"gpu-load{n}",
                        timeout_seconds=TIMEOUT,
                        power_off=False,
                        region=REGION,
                        gpu_size=GPU_SIZE,
                        image=IMAGE,
                    ),
                )
                for n in range(GUARDS)
            ]
            sim.log.clear()
            started = time.monotonic()
            outcomes = stack.destroy_all(guards)
            elapsed = time.monotonic() - started
            requests = sim.requests
            served = [r.time for r in requests if r.status != 429]
            refused = [r for r in requests if r.status == 429]
            facts = tally("load: 50 guards deleting at once").facts
            facts.update(
                {
                    "guards": str(GUARDS),
                    "succeeded": str(sum(r.ok for _, r, _ in outcomes)),
                    "wall time": f"{elapsed:.0f}s (each guard's timeout {TIMEOUT:g}s)",
                    "requests": str(len(requests)),
                    "429 answers": str(len(refused)),
                    "peak requests/minute (served)": f"{peak_per_minute(served)} of {PER_MINUTE}",
                    "peak requests/minute (offered)": str(peak_per_minute([r.time for r in requests])),
                    "snapshot actions running at once (most)": str(most_concurrent_snapshots(sim)),
                }
            )

            failures = [(g.droplet_id, r.details[-300:]) for g, r, _ in outcomes if not r.ok]
            assert not failures, failures
            assert elapsed < TIMEOUT
            snapshots = sim.snapshots.values()
            assert sorted(s["resource_id"] for s in snapshots) == sorted(str(g.droplet_id) for g in guards)
            assert len(read_records(stack.snapshot_dir)[0]) == GUARDS and read_records(stack.snapshot_dir)[1] == []
            # One accepted snapshot POST per guard (a POST refused with a 429 was not applied: posting again is right).
            assert sim.count("POST", "/v2/droplets/{id}/actions", body_type="snapshot", status=201) == GUARDS
            assert not token_appears_nowhere(stack, TOKENS)
            # The limit was really exercised: a full minute's budget was used. The guards pace themselves
            # (gpuforge/pacing.py), so 429s come only from the jitter between sending and arrival.
            assert peak_per_minute(served) <= PER_MINUTE
            assert peak_per_minute(served) >= PER_MINUTE * 0.9, facts
        finally:
            stack.close()


def most_concurrent_snapshots(sim: Simulator) -> int:
    """How many snapshot actions were in progress at once (the host serves 4 RPCs at a time)."""
    spans = [
        (epoch(a["started_at"]), epoch(a["completed_at"] or a["started_at"]))
        for a in sim.actions.values()
        if a["type"] == "snapshot"
    ]
    edges = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak
