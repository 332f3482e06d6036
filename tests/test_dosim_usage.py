"""dosim as a newcomer meets it: ``python -m dosim --help`` shows its defaults, and dosim/README.md's recipe
creates a droplet."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_help_shows_the_defaults_and_how_to_start():
    env = {**os.environ, "COLUMNS": "200"}  # argparse wraps at the terminal's width
    done = subprocess.run(
        [sys.executable, "-m", "dosim", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for fragment in (
        "(default: 8088)",
        "(default: sim-token)",
        "(default: sim-ro-token)",
        "snapshot=600",
        "--seed-demo",
    ):
        assert fragment in done.stdout, fragment
    assert "curl" in done.stdout and "gpuforge snapshot take gpu-dev" in done.stdout


def test_the_readme_recipe_creates_a_droplet(sim):
    readme = ROOT.joinpath("dosim", "README.md").read_text(encoding="utf-8")
    body = json.loads(re.search(r"-d '(\{.*?\})'", readme).group(1))
    request = urllib.request.Request(
        f"{sim.url}/v2/droplets",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {sim.token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 202
        droplet = json.load(answer)["droplet"]
    assert (droplet["name"], droplet["status"], droplet["size_slug"]) == ("gpu-dev", "new", "gpu-h100x1-80gb")
    assert droplet["id"] in sim.droplets
