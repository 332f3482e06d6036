"""Tables on a real terminal 80 columns wide (a pseudo-terminal, through the console script): every id whole,
every name and droplet complete (folded onto a second line if need be), never an ellipsis."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tests.cli.conftest import DAY

SCRIPT = Path(sys.executable).parent / "gpuforge"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_terminal(columns: int, *args: str, env: dict[str, str]) -> str:
    """What the console script prints on a pseudo-terminal ``columns`` wide (escape codes removed)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES") and not k.startswith("DIGITALOCEAN_")}
    proc = subprocess.Popen(
        [str(SCRIPT), *args], stdin=slave, stdout=slave, stderr=slave, env={**base, "TERM": "xterm", **env}
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=60) == 0, b"".join(chunks).decode()
    return ANSI.sub("", b"".join(chunks).decode().replace("\r\n", "\n"))


def column_texts(table: str, column: int, key_column: int) -> list[str]:
    """Each row's text in ``column`` (its folded lines joined): a row starts where ``key_column`` has text."""
    rows: list[str] = []
    for line in table.splitlines():
        if not line.startswith("│"):
            if line.startswith("├"):  # the footer follows
                break
            continue
        cells = [c.strip() for c in line.strip("│").split("│")]
        if cells[key_column]:
            rows.append(cells[column])
        elif rows:
            rows[-1] += cells[column]
    return rows


@pytest.fixture
def long_names(sim):
    trainer = sim.add_droplet("gpu-training-cluster-node-01", region="nyc2")
    demo = sim.add_droplet("gpu-demo", region="nyc2")
    made = [
        sim.add_snapshot(
            trainer["id"], name="llama-70b-finetuned-checkpoint-epoch-12-final-v2", created_at=sim.clock.now() - DAY
        ),
        sim.add_snapshot(demo["id"], name="gpu-demo-snapshot-20261126-120741", tags=["gpuforge"]),
        sim.add_snapshot(droplet_id=400_000_000, name="gpu-old-1793102858", regions=["tor1"], min_disk_size=720),
    ]
    return made, {trainer["id"]: trainer["name"], demo["id"]: demo["name"], 400_000_000: "400000000 (gone)"}


def test_snapshots_list_at_80_columns_keeps_ids_and_names_whole(sim, tmp_path, long_names):
    made, droplets = long_names
    env = {"DIGITALOCEAN_TOKEN": sim.token, "DIGITALOCEAN_API_URL": sim.url}
    shown = on_terminal(80, "snapshots", "list", "--snapshot-dir", str(tmp_path), env=env)
    table = shown.split("\n* not a GPUForge")[0]
    assert max(len(line) for line in table.splitlines()) <= 80
    assert "…" not in shown
    assert sorted(column_texts(table, 1, 1)) == sorted(str(s["id"]) for s in made)
    names = [n.removesuffix(" *").removesuffix("*") for n in column_texts(table, 0, 1)]
    assert sorted(names) == sorted(s["name"] for s in made)
    assert sorted(column_texts(table, 2, 1)) == sorted(droplets.values())


def test_snapshots_cost_at_80_columns_keeps_droplets_and_figures_whole(sim, tmp_path, long_names):
    env = {"DIGITALOCEAN_TOKEN": sim.token, "DIGITALOCEAN_API_URL": sim.url}
    shown = on_terminal(80, "snapshots", "cost", "--snapshot-dir", str(tmp_path), env=env)
    table = shown.split("\nSnapshot storage at")[0]
    assert max(len(line) for line in table.splitlines()) <= 80 and "…" not in shown
    key = 2 if "now" in table.splitlines()[1] else 1  # the snapshot count (which column depends on what fits)
    assert sorted(column_texts(table, 0, key)) == sorted(["gpu-training-cluster-node-01", "gpu-demo", "400000000"])
    assert "$2,278.08" in table  # an H100 a month, whole


def test_a_wide_terminal_shows_every_column(sim, tmp_path, long_names):
    env = {"DIGITALOCEAN_TOKEN": sim.token, "DIGITALOCEAN_API_URL": sim.url}
    shown = on_terminal(160, "snapshots", "list", "--snapshot-dir", str(tmp_path), env=env)
    header = next(line for line in shown.splitlines() if "name" in line and "id" in line)
    assert [h.strip() for h in header.strip("┃").split("┃")] == [
        "name",
        "id",
        "droplet",
        "created",
        "size",
        "per month",
    ]
    assert " UTC " in shown  # with the time of day
