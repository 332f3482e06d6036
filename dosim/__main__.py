"""`python -m dosim --port 8088 [--token T] [--seed-demo]`: serve the simulator until Ctrl-C."""

from __future__ import annotations

import argparse
import threading

from dosim.clock import RealClock
from dosim.simulator import Simulator

DAY = 86_400.0


def _duration(text: str) -> tuple[str, float]:
    kind, _, seconds = text.partition("=")
    try:
        return kind, float(seconds)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected TYPE=SECONDS, got {text!r}") from None


def seed_demo(sim: Simulator) -> None:
    """A tagged H100 droplet with three snapshots, and one snapshot of a droplet already gone."""
    droplet = sim.add_droplet("gpu-demo", size="gpu-h100x1-80gb", region="nyc2", tags=["gpuforge"])
    now = sim.clock.now()
    for days_ago in (9, 4, 1):
        sim.add_snapshot(droplet["id"], created_at=now - days_ago * DAY, tags=["gpuforge"])
    sim.add_snapshot(
        droplet_id=400_000_000,
        droplet_name="gpu-old",
        created_at=now - 30 * DAY,
        regions=["tor1"],
        min_disk_size=720,
        tags=["gpuforge"],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dosim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8088, help="0 picks a free port")
    parser.add_argument("--token", default="sim-token")
    parser.add_argument("--read-only-token", default="sim-ro-token")
    parser.add_argument("--no-rate-limit", action="store_true", help="never answer 429")
    parser.add_argument(
        "--duration",
        type=_duration,
        action="append",
        default=[],
        metavar="TYPE=SECONDS",
        help="how long an action type takes, e.g. snapshot=60 (repeatable)",
    )
    parser.add_argument("--seed-demo", action="store_true", help="seed a demo droplet and snapshots")
    args = parser.parse_args(argv)

    sim = Simulator(
        RealClock(),
        token=args.token,
        read_only_token=args.read_only_token,
        rate_limiting=not args.no_rate_limit,
        durations=dict(args.duration),
        host=args.host,
        port=args.port,
    )
    if args.seed_demo:
        seed_demo(sim)
    with sim:
        print(f"dosim: DigitalOcean API simulator on {sim.url} (Ctrl-C to stop)")
        print(f"export DIGITALOCEAN_API_URL={sim.url} DIGITALOCEAN_TOKEN={sim.token}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("dosim: stopped")


if __name__ == "__main__":
    main()
