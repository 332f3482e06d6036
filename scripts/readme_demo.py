"""Regenerate the README's demo output ("The gpuforge command") from the simulator, or check it still matches.

    venv/bin/python scripts/readme_demo.py            # print the transcripts
    venv/bin/python scripts/readme_demo.py --write    # rewrite the README's demo blocks
    venv/bin/python scripts/readme_demo.py --check    # exit 1 when a block differs (ids and times aside)

Each demo block in README.md follows a marker ``<!-- demo: NAME -->``. The commands run through the real
``gpuforge`` app against dosim seeded as ``python -m dosim --seed-demo`` does, on a manual clock (every wait
is instant and the output the same from run to run), in a scratch directory holding the project's
``Pulumi.yaml`` and ``Pulumi.dev.yaml``. Run it from the repository root (dosim is imported from there).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from typer.testing import CliRunner  # noqa: E402

from dosim import ManualClock, Simulator  # noqa: E402
from dosim.__main__ import seed_demo  # noqa: E402
from gpuforge.cli import app  # noqa: E402
from gpuforge.cli.runtime import Runtime  # noqa: E402

README = ROOT / "README.md"
DURATIONS = {"snapshot": 40.0, "shutdown": 2.0, "power_off": 2.0, "power_on": 2.0}
MARKER = re.compile(r"<!-- demo: ([a-z-]+) -->\n```text\n(.*?)```\n", re.S)


@dataclass(frozen=True)
class Step:
    """One command line of a transcript: ``env`` set before it, ``answer`` typed at a prompt."""

    command: str
    env: tuple[tuple[str, str], ...] = ()
    answer: str | None = None


#: The blocks, in README order, and the commands each shows (``{taken}``: the snapshot the first one took).
BLOCKS: dict[str, list[Step]] = {
    "take-and-list": [Step("snapshot take gpu-demo"), Step("snapshots list --droplet gpu-demo")],
    "show": [Step("snapshots show {taken}")],
    "prune-and-cost": [
        Step("snapshots prune --keep-last 1"),
        Step("snapshots prune --keep-last 1 --all"),
        Step("snapshots cost"),
    ],
    "json": [Step("snapshots list --older-than 20d --json")],
    "failures": [
        Step("snapshots list", env=(("DIGITALOCEAN_TOKEN", "wrong"),)),
        Step("snapshots delete 190000004", answer="\n"),
    ],
    "doctor": [Step("doctor --stack dev")],
}


@contextmanager
def demo_account() -> Iterator[tuple[Simulator, ManualClock, Path]]:
    """The seeded simulator, its clock, and a scratch project directory (the working directory meanwhile)."""
    clock = ManualClock()
    before = Path.cwd()
    with tempfile.TemporaryDirectory() as scratch, Simulator(clock, durations=DURATIONS) as sim:
        for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
            shutil.copy(ROOT / name, Path(scratch) / name)
        os.chdir(scratch)
        try:
            seed_demo(sim)
            yield sim, clock, Path(scratch)
        finally:
            os.chdir(before)


def transcripts() -> dict[str, str]:
    """Every block's text: ``$ command`` lines, what the command printed, ``[exit N]`` when it failed."""
    blocks: dict[str, str] = {}
    with demo_account() as (sim, clock, _):
        taken = ""
        for block, steps in BLOCKS.items():
            lines: list[str] = []
            for step in steps:
                command = step.command.format(taken=taken)
                env = {"DIGITALOCEAN_API_URL": sim.url, "DIGITALOCEAN_TOKEN": sim.token, "PATH": ""}
                env.update(dict(step.env))
                shown = " ".join(f"{k}={v}" for k, v in step.env)
                result = CliRunner().invoke(
                    app, shlex.split(command), env=env, input=step.answer, obj=Runtime(clock=clock)
                )
                lines.append(f"$ {shown + ' ' if shown else ''}gpuforge {command}")
                printed = (result.stdout + result.stderr).rstrip("\n")
                lines += [line.rstrip() for line in printed.splitlines()]  # rich pads table cells
                if result.exit_code:
                    lines.append(f"[exit {result.exit_code}]")
                if not taken and command.startswith("snapshot take"):
                    taken = re.search(r"Creating snapshot: (\S+)", result.stdout).group(1)  # type: ignore[union-attr]
                lines.append("")
            blocks[block] = "\n".join(lines).rstrip("\n") + "\n"
    return blocks


def normalized(text: str) -> str:
    """``text`` with what changes from run to run or machine to machine (ids, times, ports) masked."""
    for pattern, mask in (
        (r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}Z)?", "<time>"),
        (r"\d{8}-\d{6}", "<stamp>"),
        (r"\d{9,10}", "<id>"),
        (r"\(\d+s elapsed\)", "(<n>s elapsed)"),
        (r"Done in [0-9hms ]+:", "Done in <t>:"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:<port>"),
        (r"[─━]+", "─"),
        (r" +", " "),
    ):
        text = re.sub(pattern, mask, text)
    return text


def readme_blocks(readme: str) -> dict[str, str]:
    return {match.group(1): match.group(2) for match in MARKER.finditer(readme)}


def differences(readme: str, fresh: dict[str, str]) -> list[str]:
    """The names of the README's blocks that differ from ``fresh`` (ids and times aside), or are missing."""
    shown = readme_blocks(readme)
    return [name for name, text in fresh.items() if normalized(shown.get(name, "")) != normalized(text)]


def rewritten(readme: str, fresh: dict[str, str]) -> str:
    return MARKER.sub(
        lambda m: f"<!-- demo: {m.group(1)} -->\n```text\n{fresh.get(m.group(1), m.group(2))}```\n", readme
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the README's demo blocks")
    mode.add_argument("--check", action="store_true", help="exit 1 when a block differs")
    args = parser.parse_args(argv)
    fresh = transcripts()
    readme = README.read_text(encoding="utf-8")
    if args.write:
        README.write_text(rewritten(readme, fresh), encoding="utf-8")
        print(f"README.md: {len(fresh)} demo block(s) written")
    elif args.check:
        stale = differences(readme, fresh)
        print("README demo blocks match" if not stale else f"stale README demo blocks: {', '.join(stale)}")
        return 1 if stale else 0
    else:
        for name, text in fresh.items():
            print(f"<!-- demo: {name} -->\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
