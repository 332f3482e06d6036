"""Listing at scale: ``gpuforge snapshots list`` (the console script, as a user runs it, table and
``--json``) over an account holding 1,000 and 10,000 Droplet snapshots on the simulator: the
requests it makes and its wall time.

Snapshots are seeded over the past year: most of them GPUForge-named snapshots of 20 droplets
that still exist, one in ten named by hand, one in ten of droplets that are gone.
"""

from __future__ import annotations

import os
import random
import subprocess
import time

from benchmarks.common import ROOT, SEED, Result, Target, main, scratch, simulator

SIZES = (1_000, 10_000)
GPUFORGE = str(ROOT / "venv" / "bin" / "gpuforge")
MODES = {"table": [], "--json": ["--json"]}
YEAR = 365 * 86400.0


def seed(sim, count: int) -> None:
    rng = random.Random(f"{SEED}:{count}")
    droplets = [sim.add_droplet(f"gpu-{i:02d}", region="nyc2") for i in range(20)]
    now = sim.clock.now()
    for n in range(count):
        when = now - rng.uniform(0, YEAR)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(when))
        kind = rng.random()
        if kind < 0.1:
            sim.add_snapshot(
                name=f"manual-backup-{n}", created_at=when, droplet_name="by-hand", regions=["nyc2"], min_disk_size=720
            )
        elif kind < 0.2:
            sim.add_snapshot(
                400_900_000 + n,
                name=f"gone-{n}-snapshot-{stamp}",
                created_at=when,
                droplet_name=f"gone-{n}",
                regions=["nyc2"],
                min_disk_size=720,
            )
        else:
            droplet = rng.choice(droplets)
            sim.add_snapshot(droplet["id"], name=f"{droplet['name']}-snapshot-{stamp}", created_at=when)


def list_once(sim, mode: list[str]) -> tuple[int, float, int]:
    """Requests, seconds and exit status of one ``gpuforge snapshots list``."""
    env = {**os.environ, "DIGITALOCEAN_TOKEN": sim.token, "DIGITALOCEAN_API_URL": sim.url, "COLUMNS": "160"}
    before = len(sim.requests)
    with scratch() as cwd:
        started = time.perf_counter()
        done = subprocess.run(
            [GPUFORGE, "snapshots", "list", *mode],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=600,
        )
        return len(sim.requests) - before, time.perf_counter() - started, done.returncode


def run() -> list[Result]:
    result = Result(
        "Listing at scale: gpuforge snapshots list", ["snapshots", "output", "requests", "wall s", "exit status"]
    )
    for count in SIZES:
        with simulator(rate_limiting=True) as sim:
            seed(sim, count)
            for name, mode in MODES.items():
                requests, seconds, status = list_once(sim, mode)
                result.rows.append([count, name, requests, seconds, status])
                if count == 10_000:
                    result.targets.append(
                        Target(
                            f"listing 10,000 snapshots ({name}): at most 51 requests",
                            f"{requests} requests, exit {status}",
                            requests <= 51 and status == 0,
                        )
                    )
    result.notes.append("wall s: the whole `gpuforge` process (start-up included), rate limiter on")
    return [result]


if __name__ == "__main__":
    main(run, __doc__)
