"""Bad input for the ``gpuforge`` command: random and malformed arguments, names, ids and durations.

Every run either succeeds or ends with exactly one line on stderr and a non-zero exit code (never a
traceback, never the "a bug in gpuforge" exit code 70); nothing is deleted that was not asked for
(snapshots only by ``snapshots delete`` with their ids or ``snapshots prune`` with ``--yes``;
droplets never). Runs against the simulator on a manual clock, so ``snapshot take`` is instant.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from dosim import ManualClock, Simulator
from gpuforge.cli import app
from gpuforge.cli.app import EXIT_BUG
from gpuforge.cli.runtime import Runtime
from tests.campaign.tallies import tally
from tests.campaign.tokens import READ_ONLY_TOKEN, TOKEN, WRONG_TOKEN

EXAMPLES = int(os.environ.get("GPUFORGE_CLI_EXAMPLES", "200"))

NASTY_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["0", "-1", "1.5", "1e9", "nan", "inf", "-inf", "0x10", " 7", "007", ""]),
)
DURATIONS = st.one_of(
    st.sampled_from(
        [
            "30d",
            "2w",
            "12h",
            "1h30m",
            "90s",
            "0s",
            "-1h",
            "1y",
            "30",
            "d",
            "h1",
            "99999999999999999999999w",
            "1h 30m",
            "１h",
            "30D",
            "",
        ]
    ),
    NASTY_TEXT,
)
WORDS = st.one_of(
    NASTY_TEXT,
    NUMBERS,
    DURATIONS,
    st.sampled_from(
        [
            "gpu-dev",
            "gpu-dev-snapshot-20261126-151900",
            "--",
            "-",
            "--help",
            "-y",
            "--json",
            "--yes",
            "--all",
            "--live",
            "../..",
            "/etc/passwd",
            "%s",
            "{}",
        ]
    ),
)


COMMANDS = {  # each command's positional argument (if any) and options
    ("snapshots", "list"): (None, ["--droplet", "--older-than", "--rate", "--json"]),
    ("snapshots", "show"): ("ref", ["--rate", "--json"]),
    ("snapshots", "delete"): ("ids", ["--yes", "-y", "--rate", "--json"]),
    ("snapshots", "prune"): (None, ["--droplet", "--keep-last", "--older-than", "--all", "--yes", "-y", "--json"]),
    ("snapshots", "cost"): (None, ["--rate", "--json"]),
    ("snapshot", "take"): ("ref", ["--name", "--live", "--timeout", "--json"]),
    ("doctor",): (None, ["--stack", "--project-dir", "--json"]),
}
FLAGS = {"--json", "--yes", "-y", "--all", "--live"}


@st.composite
def argv(draw: st.DrawFn, ids: list[str]) -> list[str]:
    """A command line: mostly a real command with its own options, their values plausible or
    malformed; sometimes anything at all."""
    valid = st.sampled_from(ids + ["gpu-dev", "by hand", "gpu-dev-snapshot-20261101-120000"])
    ident = st.one_of(valid, valid, NUMBERS, WORDS)
    durations = st.one_of(st.sampled_from(["30d", "12h", "1h30m", "10m"]), DURATIONS)
    numbers = st.one_of(st.sampled_from(["1", "2", "0.06"]), NUMBERS)
    values = {
        "--older-than": durations,
        "--timeout": durations,
        "--keep-last": numbers,
        "--rate": numbers,
        "--droplet": ident,
        "--name": WORDS,
        "--stack": WORDS,
        "--project-dir": WORDS,
    }
    if draw(st.integers(min_value=0, max_value=9)) == 0:  # anything at all
        return draw(st.lists(WORDS, max_size=5))
    command = draw(st.sampled_from(sorted(COMMANDS)))
    positional, options = COMMANDS[command]
    args = draw(st.lists(ident, min_size=0 if positional is None else 1, max_size=3 if positional == "ids" else 1))
    for option in draw(st.lists(st.sampled_from(options + ["--bogus", "--help"]), max_size=3, unique=True)):
        args += [option] if option in FLAGS | {"--bogus", "--help"} else [option, draw(values[option])]
    if draw(st.integers(min_value=0, max_value=3)) == 0:  # options before arguments, or interleaved
        args = draw(st.permutations(args))
    return list(command) + args


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    """A snapshot directory with a half-written and a foreign JSON file beside no records."""
    folder = tmp_path / "snapshots"
    folder.mkdir()
    (folder / "broken.json").write_text('{"snapshot_id": ', encoding="utf-8")
    (folder / "foreign.json").write_text("[1, 2, 3]", encoding="utf-8")
    return folder


def refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


@contextmanager
def account() -> Iterator[tuple[Simulator, ManualClock]]:
    """A fresh simulator with the same account every time: two droplets named gpu-dev, each with a
    GPUForge-named snapshot and one named by hand (ids are the same from one account to the next)."""
    clock = ManualClock()
    with Simulator(clock=clock, token=TOKEN, read_only_token=READ_ONLY_TOKEN, rate_limiting=False, seed=0) as sim:
        for _ in range(2):
            droplet = sim.add_droplet(name="gpu-dev", status="active")
            sim.add_snapshot(
                droplet["id"], name="gpu-dev-snapshot-20261101-120000", created_at=clock.now() - 40 * 86400
            )
            sim.add_snapshot(droplet["id"], name="by hand", created_at=clock.now() - 86400)
        yield sim, clock


def test_bad_input_never_gives_a_traceback_or_deletes_unasked(directory: Path) -> None:
    with account() as (sim, _):
        ids = [str(i) for i in sim.snapshots] + [str(i) for i in sim.droplets]
    counts = tally("cli bad input").counts

    @settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(
        args=argv(ids),
        token=st.sampled_from([TOKEN, TOKEN, READ_ONLY_TOKEN, WRONG_TOKEN, None]),
        answer=st.sampled_from(["", "n\n", "y\n", "\x04"]),
    )
    def run(args: list[str], token: str | None, answer: str) -> None:
        with account() as (sim, clock):
            check(sim, clock, args, token, answer)

    def check(sim: Simulator, clock: ManualClock, args: list[str], token: str | None, answer: str) -> None:
        before_snapshots, before_droplets = set(sim.snapshots), set(sim.droplets)
        if "--snapshot-dir" not in args:
            args += ["--snapshot-dir", str(directory)]
        env = {"DIGITALOCEAN_API_URL": sim.url, "DIGITALOCEAN_TOKEN": token, "DIGITALOCEAN_ACCESS_TOKEN": None}
        result = CliRunner().invoke(app, args, env=env, input=answer, obj=Runtime(clock=clock))
        counts["runs"] += 1
        counts["succeeded" if result.exit_code == 0 else f"exit {result.exit_code}"] += 1

        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
        assert "Traceback" not in result.output, (args, result.output)
        assert result.exit_code != EXIT_BUG, (args, result.stderr)
        if result.exit_code != 0 and not (result.stdout.strip() and not result.stderr.strip()):
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1, (args, result.stderr)
        if result.exit_code == 0 and "--json" in args and "--help" not in args:
            json.loads(result.stdout, parse_constant=refuse_constant)  # strict JSON, for scripts
        deleted = before_snapshots - set(sim.snapshots)
        counts["snapshots deleted (asked for)"] += len(deleted)
        assert set(sim.droplets) >= before_droplets, ("a droplet was deleted", args)
        if deleted:
            asked = "delete" in args and ("--yes" in args or "-y" in args or answer.startswith("y"))
            asked = asked or "prune" in args and ("--yes" in args or "-y" in args)
            assert asked, ("snapshots deleted unasked", args, deleted)
            if "delete" in args and "prune" not in args:
                assert {str(i) for i in deleted} <= set(args), (args, deleted)

    run()
