"""`python -m dosim --port 8088 [--token T] [--seed-demo]`: serve the simulator until Ctrl-C.

A stateful DigitalOcean API v2 on 127.0.0.1 for trying GPUForge without an account (see dosim/README.md).
"""

from __future__ import annotations

import argparse
import threading

from dosim.clock import RealClock
from dosim.simulator import Simulator
from dosim.state import DEFAULT_DURATIONS

DAY = 86_400.0
EPILOG = """\
Then, in another shell:
  export DIGITALOCEAN_API_URL=http://127.0.0.1:8088 DIGITALOCEAN_TOKEN=sim-token
  curl -s -X POST $DIGITALOCEAN_API_URL/v2/droplets -H "Authorization: Bearer $DIGITALOCEAN_TOKEN" \\
    -H 'Content-Type: application/json' \\
    -d '{"name": "gpu-dev", "size": "gpu-h100x1-80gb", "region": "nyc2", "image": "gpu-h100x1-base"}'
  gpuforge snapshot take gpu-dev
"""


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
    parser = argparse.ArgumentParser(
        prog="python -m dosim",
        description="A stateful DigitalOcean API v2 simulator on 127.0.0.1 (for tests and trying GPUForge).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8088, help="port; 0 picks a free one (default: %(default)s)")
    parser.add_argument("--token", default="sim-token", help="the read-write API token (default: %(default)s)")
    parser.add_argument(
        "--read-only-token", default="sim-ro-token", help="a read-only token: writes get 403 (default: %(default)s)"
    )
    parser.add_argument(
        "--no-rate-limit", action="store_true", help="never answer 429 (default: 250/minute and 5,000/hour per token)"
    )
    parser.add_argument(
        "--duration",
        type=_duration,
        action="append",
        default=[],
        metavar="TYPE=SECONDS",
        help="how long an action type takes, e.g. snapshot=60 (repeatable; default: "
        + ", ".join(f"{kind}={seconds:g}" for kind, seconds in DEFAULT_DURATIONS.items() if isinstance(seconds, float))
        + ", others 1)",
    )
    parser.add_argument(
        "--seed-demo",
        action="store_true",
        help="start with a droplet gpu-demo (H100, nyc2) with three snapshots, and a snapshot of a deleted droplet",
    )
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
